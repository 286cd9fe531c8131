// The schema validators of the kinds whose models (@kubernetes-models/argo-rollouts and
// @kubernetes-models/gateway-api) validate through @kubernetes-models/validate 3.x, generated
// here as code. That package compiles each schema with Ajv on first use, in every process: for
// the Rollout, whose schema carries a whole pod template, that is most of what `doctor` spends.
// Here the same Ajv, with the same options and formats, compiles them once at build time
// (Ajv's standalone code), and the bundle carries that code in place of
// src/rules/schema-validators.ts; src/rules/schema.ts applies them with the package's own error
// filtering, so doctor's findings read the same.
// kubernetes-models and @kubernetes-models/argo-cd ship validators compiled this way already.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const requireFromRoot = createRequire(path.join(root, "package.json"));

/** Export name of each validator, and the model module whose schema (with its references) it checks. */
export const SCHEMA_VALIDATOR_MODELS = {
  Rollout: "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout",
  AnalysisTemplate: "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate",
  HTTPRoute: "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute",
};

// The validator package whose Ajv setup is copied here; another major may set Ajv up otherwise.
const VALIDATE_PACKAGE = "@kubernetes-models/validate";
const VALIDATE_MAJOR = "3.";

// The formats @kubernetes-models/validate 3.1.2 adds beside ajv-formats and
// ajv-formats-draft2019 (its src/ajv.ts). Source text, because the generated module carries them
// too: the build's Ajv and the validators it writes use one definition.
const CUSTOM_FORMATS_SOURCE = `{
  byte: { type: "string", validate: (value) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value) },
  quantity: {
    type: "string",
    validate: /^[+-]?(?:\\d+|\\d+\\.\\d+|\\d+\\.|\\.\\d+)(?:[KMGTPE]i|(?:[YZEPTGMkhdcmunpfazy]|da)|[eE][+-]?(?:\\d+|\\d+\\.\\d+|\\d+\\.|\\.\\d+))?$/,
  },
  string: { type: "string", validate: (value) => typeof value === "string" },
}`;

/**
 * Each model module's schemas, as it registers them with @kubernetes-models/validate: its own
 * and those it references (ObjectMeta and the rest of apimachinery). The model and apimachinery
 * modules run here with a stand-in for the validator package that only records, so nothing of
 * Node's module cache (which other code may share) is touched.
 */
function collectSchemas() {
  const schemas = new Map();
  /** @type {Record<string, string>} */
  const ids = {};
  const seen = new Map();
  const packages = new Set();
  /** @param {string} validatePath */
  const stubFor = (validatePath) => {
    // Its formats and error filtering are copied here and in src/rules/schema.ts: its license ships too.
    packages.add(packageRoot(validatePath));
    const { version } = JSON.parse(readFileSync(path.join(packageRoot(validatePath), "package.json"), "utf8"));
    if (!version.startsWith(VALIDATE_MAJOR)) {
      throw new Error(
        `${validatePath}: ${VALIDATE_PACKAGE} ${version}, but the validators are generated with the Ajv setup of ${VALIDATE_MAJOR}x`,
      );
    }
    return {
      /** @param {string} id @param {unknown} schema */
      register(id, schema) {
        if (!schemas.has(id)) schemas.set(id, schema);
      },
      validate() {},
    };
  };
  /** @param {string} file @returns {any} */
  const load = (file) => {
    if (seen.has(file)) return seen.get(file).exports;
    const module = { exports: {} };
    seen.set(file, module);
    packages.add(packageRoot(file));
    const requireReal = createRequire(file);
    /** @param {string} request */
    const require = (request) => {
      if (request === VALIDATE_PACKAGE) return stubFor(requireReal.resolve(request));
      const resolved = requireReal.resolve(request);
      // Modules that register schemas run here; the rest (base, tslib) are used as they are.
      if (/[\\/]@kubernetes-models[\\/](apimachinery|argo-rollouts|gateway-api)$/.test(packageRoot(resolved))) {
        return load(resolved);
      }
      return requireReal(request);
    };
    const wrapper = new Function("exports", "require", "module", "__filename", "__dirname", readFileSync(file, "utf8"));
    wrapper(module.exports, require, module, file, path.dirname(file));
    return module.exports;
  };
  for (const [name, specifier] of Object.entries(SCHEMA_VALIDATOR_MODELS)) {
    const file = requireFromRoot.resolve(specifier);
    const Model = load(file)[name];
    if (typeof Model !== "function") throw new Error(`${specifier} exports no ${name}`);
    // @kubernetes-models/base's setSchema keeps, under two symbols of the prototype, the schema's
    // id and the function that registers it with its references (what validate() calls first).
    const kept = Object.getOwnPropertySymbols(Model.prototype).map((symbol) => Model.prototype[symbol]);
    const id = kept.find((value) => typeof value === "string");
    const register = kept.find((value) => typeof value === "function");
    register?.();
    if (!id || !schemas.has(id)) throw new Error(`${specifier} registered no schema for ${name}`);
    ids[name] = id;
  }
  return { schemas, ids, packages: [...packages].sort() };
}

/** The directory of the package a file of node_modules/ belongs to. @param {string} file */
function packageRoot(file) {
  const marker = `${path.sep}node_modules${path.sep}`;
  const start = file.lastIndexOf(marker) + marker.length;
  const parts = file.slice(start).split(path.sep);
  return file.slice(0, start) + parts.slice(0, parts[0]?.startsWith("@") ? 2 : 1).join(path.sep);
}

/**
 * The generated module's source: CommonJS, one validate function per name in
 * SCHEMA_VALIDATOR_MODELS. Generating it takes Ajv about 1.5 s, so it is kept in
 * node_modules/.cache/bluegreen/ under a hash of everything it is made from: the schemas (with
 * the packages they come from), this file, and the versions of Ajv and its format packages.
 */
export function schemaValidatorsSource() {
  const collected = collectSchemas();
  const key = createHash("sha256")
    .update(JSON.stringify([...collected.schemas, collected.ids, collected.packages]))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(GENERATORS.map((name) => `${name}@${requireFromRoot(`${name}/package.json`).version}`).join(" "))
    .digest("hex")
    .slice(0, 32);
  const cached = path.join(root, "node_modules", ".cache", "bluegreen", `schema-validators-${key}.cjs`);
  if (existsSync(cached)) return readFileSync(cached, "utf8");
  const source = generate(collected);
  // Written whole, then renamed: a build killed or run beside another never leaves half a file.
  // Where node_modules/ cannot be written, the build goes on without the cache.
  const temporary = `${cached}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(cached), { recursive: true });
    writeFileSync(temporary, source);
    renameSync(temporary, cached);
    // Only the newest is kept: an older one is of schemas or a generator no longer here.
    for (const file of readdirSync(path.dirname(cached)))
      if (/^schema-validators-[0-9a-f]{32}\.cjs$/.test(file) && file !== path.basename(cached))
        rmSync(path.join(path.dirname(cached), file), { force: true });
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written.
    }
  }
  return source;
}

/** The packages whose code writes the validators, besides the schemas. */
const GENERATORS = ["ajv", "ajv-formats", "ajv-formats-draft2019"];

/** @param {ReturnType<typeof collectSchemas>} collected @returns {string} */
function generate({ schemas, ids, packages }) {
  const Ajv = requireFromRoot("ajv").default;
  const { _ } = requireFromRoot("ajv");
  const standaloneCode = requireFromRoot("ajv/dist/standalone").default;
  const addFormats = requireFromRoot("ajv-formats").default;
  const addFormatsDraft2019 = requireFromRoot("ajv-formats-draft2019");

  // The options and formats of @kubernetes-models/validate 3.1.2 (its src/ajv.ts), and the
  // code option standalone generation needs.
  const ajv = new Ajv({ strictTypes: false, allErrors: true, verbose: true, code: { source: true } });
  addFormats(ajv);
  addFormatsDraft2019(ajv);
  for (const [name, format] of Object.entries(new Function(`return ${CUSTOM_FORMATS_SOURCE}`)()))
    ajv.addFormat(name, format);
  // In the generated code every format is read from the object below, which is built from the
  // same three sources: ajv-formats, ajv-formats-draft2019 and the formats above.
  ajv.opts.code.formats = _`schemaFormats`;
  const origins = new Map();
  for (const [id, schema] of schemas) ajv.addSchema(splitSchema(schema, origins), id);
  const code = originalSchemaPaths(standaloneCode(ajv, ids), ajv, origins);
  // Only the formats the schemas use, each from the source whose definition Ajv kept (the last added).
  const custom = Object.keys(new Function(`return ${CUSTOM_FORMATS_SOURCE}`)());
  const draft2019 = Object.keys(requireFromRoot("ajv-formats-draft2019/formats"));
  const used = [
    ...new Set(
      [...code.matchAll(/schemaFormats(?:\.([\w$]+)|\["([^"]+)"\])/g)].map((match) => String(match[1] ?? match[2])),
    ),
  ].sort();
  const entries = used.map((name) => {
    const key = JSON.stringify(name);
    if (custom.includes(name)) return `  ${key}: customFormats[${key}],`;
    if (draft2019.includes(name)) return `  ${key}: require("ajv-formats-draft2019/formats")[${key}],`;
    return `  ${key}: require("ajv-formats/dist/formats").fullFormats[${key}],`;
  });
  return [
    '"use strict";',
    `const customFormats = ${CUSTOM_FORMATS_SOURCE};`,
    "const schemaFormats = {",
    ...entries,
    "};",
    code.replace(/^"use strict";/, ""),
    // The schemas come from these packages (and the error objects carry parts of them), the Ajv
    // setup from @kubernetes-models/validate: each package.json puts its package in the bundle's
    // inputs, so that its license ships in THIRD-PARTY-LICENSES.txt.
    ...packages.map((dir) => `require(${JSON.stringify(path.join(dir, "package.json"))});`),
    "",
  ].join("\n");
}

/**
 * The schema with every object below its top level moved under `definitions` and referenced
 * from where it was: the same checks, split into parts. A CRD's schema is one tree (the
 * Rollout's carries a whole pod template), which Ajv compiles into one function of 1.6 MB; V8
 * compiles a function whole on its first call, so every doctor run paid ~100 ms for the parts
 * of the pod spec no chart sets. Ajv gives each part that holds another part a function of its
 * own (and inlines the rest), so V8 now compiles only the functions of the fields an object
 * has. `origins` gets each part's place in the original schema (a JSON pointer), so that errors
 * can name it.
 * @param {any} schema
 * @param {Map<string, string>} origins
 */
function splitSchema(schema, origins) {
  /** @type {Record<string, unknown>} */
  const parts = {};
  /** @param {string} pointer @param {any} node @param {number} depth @returns {any} */
  const visit = (pointer, node, depth) => {
    if (!node || typeof node !== "object" || Array.isArray(node)) return node;
    /** @type {Record<string, unknown>} */
    const result = {};
    for (const [keyword, value] of Object.entries(node)) {
      const at = `${pointer}/${keyword}`;
      if (keyword === "properties" && value && typeof value === "object") {
        result[keyword] = Object.fromEntries(
          Object.entries(value).map(([name, child]) => [name, part(`${at}/${escapePointer(name)}`, child, depth + 1)]),
        );
      } else if ((keyword === "items" || keyword === "additionalProperties") && value && typeof value === "object") {
        result[keyword] = part(at, value, depth + 1);
      } else if ((keyword === "oneOf" || keyword === "anyOf" || keyword === "allOf") && Array.isArray(value)) {
        result[keyword] = value.map((branch, index) => visit(`${at}/${index}`, branch, depth + 1));
      } else {
        result[keyword] = value;
      }
    }
    return result;
  };
  /** @param {string} pointer @param {any} node @param {number} depth */
  const part = (pointer, node, depth) => {
    const split = visit(pointer, node, depth);
    // An object with fields of its own, or a list of them; the top level's fields stay inline.
    const worth = split?.properties || split?.items?.$ref;
    if (depth < 2 || !worth) return split;
    const key = `bluegreen-part-${origins.size}`;
    origins.set(key, pointer);
    parts[key] = split;
    return { $ref: `#/definitions/${key}` };
  };
  const root = visit("#", schema, 0);
  return { ...root, definitions: { ...root.definitions, ...parts } };
}

/**
 * The generated code with every error's schemaPath as the unsplit schema gives it, the same as
 * the model's own validator reports. Ajv writes a part it inlines as "#/definitions/<part>/…",
 * and errors inside a part's own function relative to that part, "#/…".
 * @param {string} code
 * @param {any} ajv
 * @param {Map<string, string>} origins
 */
function originalSchemaPaths(code, ajv, origins) {
  // The function Ajv compiled for each part it did not inline, found from the compiled schemas.
  /** @type {Map<string, string>} */
  const functions = new Map();
  const seen = new Set();
  /** @param {any} env */
  const walk = (env) => {
    if (!env || typeof env !== "object" || seen.has(env)) return;
    seen.add(env);
    for (const [ref, target] of Object.entries(env.refs ?? {})) {
      const key = /#\/definitions\/(bluegreen-part-\d+)$/.exec(ref)?.[1];
      if (key && target?.validateName)
        functions.set(String(target.validateName), /** @type {string} */ (origins.get(key)));
      walk(target);
    }
  };
  for (const env of Object.values(ajv.schemas)) walk(env);
  const inFunctions = code.replace(/function (validate\d+)\([\s\S]*?(?=function validate\d+\(|$)/g, (body, name) => {
    const origin = functions.get(name);
    return origin === undefined
      ? body
      : body.replace(
          /schemaPath:"#(?=[/"])(?!\/definitions\/bluegreen-part-)/g,
          `schemaPath:${JSON.stringify(origin).slice(0, -1)}`,
        );
  });
  return inFunctions.replace(
    /schemaPath:"#\/definitions\/(bluegreen-part-\d+)(?=[/"])/g,
    (_, key) => `schemaPath:${JSON.stringify(origins.get(key)).slice(0, -1)}`,
  );
}

/** A JSON pointer's escaping of one key (RFC 6901). @param {string} key */
const escapePointer = (key) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** The module the build replaces with the generated validators, and bundles on its own. */
export const SCHEMA_VALIDATORS_SOURCE = path.join(root, "src", "rules", "schema-validators.ts");

/**
 * esbuild plugin: the generated validators become one bundle of their own,
 * dist/schema-validators.cjs, in place of src/rules/schema-validators.ts; doctor and migrate
 * require it from there rather than each carrying a copy of its 2 MB.
 */
export const schemaValidatorsPlugin = {
  name: "schema-validators",
  /** @param {import("esbuild").PluginBuild} build */
  setup(build) {
    const source = SCHEMA_VALIDATORS_SOURCE;
    // The entry point: in a namespace of its own, so that esbuild reads the generated code as the
    // CommonJS it is (a file of src/ would be an ES module: the package is "type": "module").
    // An import of it from another bundle: required at run time, beside that bundle in dist/.
    build.onResolve({ filter: /schema-validators\.(js|ts)$/ }, (args) => {
      if (path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts")) !== source) return undefined;
      return args.kind === "entry-point"
        ? { path: source, namespace: "schema-validators" }
        : { path: "./schema-validators.cjs", external: true };
    });
    build.onLoad({ filter: /.*/, namespace: "schema-validators" }, () => ({
      contents: schemaValidatorsSource(),
      resolveDir: root,
      loader: "js",
    }));
  },
};
