// Builds dist/ from src/ and templates/.
// - One CommonJS bundle per command (src/bundles.ts says why), so that `bluegreen --help` loads
//   only the command table; prompt libraries, zod, yaml and the templates load when a command
//   needs them.
// - templates/ are made ready here with Handlebars (strict, never HTML-escaping): the Helm
//   templates (everything but the READMEs and ignore files) are rendered with their partials,
//   leaving only our variables for the CLI to fill in, and the READMEs and ignore files are
//   precompiled, so the CLI ships only the small Handlebars runtime. In Helm templates every
//   `{{` belongs to Helm except the triple-stash `{{{name}}}` and the partial `{{> part}}`,
//   which are ours: scripts/handlebars-helm.mjs holds that rule, and the build refuses a
//   template that breaks it. templates/partials/ holds the parts that init's chart and migrate
//   share.
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import Handlebars from "handlebars";
import { checkTemplates, helmSourceParts } from "./handlebars-helm.mjs";
import { SCHEMA_VALIDATORS_SOURCE, schemaValidatorsPlugin } from "./schema-validators.mjs";
import { keepOwnSources } from "./source-maps.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const templatesDir = path.join(root, "templates");
const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));

/** @param {string} dir @returns {Promise<string[]>} */
async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(templatesDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** Every file of templates/ with its text. */
async function readTemplates() {
  return Promise.all(
    (await listFiles(templatesDir)).map(async (file) => ({
      file,
      source: await readFile(path.join(templatesDir, file), "utf8"),
    })),
  );
}

/**
 * The modules `virtual:templates/chart` and `virtual:templates/migrate`
 * (src/virtual-templates.d.ts): the files of templates/chart/ and templates/migrate/ ready to
 * fill in, each keyed by its path in templates/, so that a command's bundle carries only the
 * templates it writes. The Helm sources are rendered here with their partials, so the CLI only
 * fills in our variables (src/template-parts.ts); the READMEs and ignore files, which use
 * Handlebars' blocks, are precompiled for its runtime. The chart's module also holds
 * values.schema.json.
 * @param {{ file: string, source: string }[]} templates
 * @param {string} schemaJson
 * @returns {Map<string, string>} each module's code by its name after `virtual:templates/`
 */
function templatesModules(templates, schemaJson) {
  let helmSources;
  try {
    helmSources = helmSourceParts(templates);
  } catch (error) {
    // Its message names the file and line, without a stack of this script.
    throw Object.assign(new Error(String(error)), { output: error instanceof Error ? error.message : String(error) });
  }
  /** @type {Map<string, string[]>} */
  const entries = new Map(TEMPLATE_MODULES.map((name) => [name, []]));
  for (const { file, source } of templates) {
    if (file.startsWith("partials/")) continue; // rendered into the sources that include them
    const module = entries.get(file.slice(0, file.indexOf("/")));
    if (!module) throw new Error(`templates/${file} is in no folder the build knows (${TEMPLATE_MODULES.join(", ")})`);
    const parts = helmSources.get(file);
    if (parts) {
      module.push(`  ${JSON.stringify(file)}: fill(${JSON.stringify(parts)}),`);
      continue;
    }
    let spec;
    try {
      spec = Handlebars.precompile(source, { strict: true, noEscape: true, knownHelpersOnly: true });
    } catch (error) {
      // Handlebars' own message (it names the line), without a stack of this script.
      const output = `templates/${file}: ${error instanceof Error ? error.message : error}`;
      throw Object.assign(new Error(output), { output });
    }
    module.push(`  ${JSON.stringify(file)}: runtime.template(${spec}),`);
  }
  return new Map(
    [...entries].map(([name, lines]) => [
      name,
      [
        'import Handlebars from "handlebars/lib/handlebars.runtime.js";',
        `import { fill } from ${JSON.stringify(path.join(root, "src/template-parts.ts"))};`,
        "const runtime = Handlebars.create();",
        "export default {",
        ...lines,
        "};",
        ...(name === "chart" ? [`export const valuesSchemaJson = ${JSON.stringify(schemaJson)};`] : []),
        "",
      ].join("\n"),
    ]),
  );
}

/** The folders of templates/ that become modules, besides partials/. */
const TEMPLATE_MODULES = ["chart", "migrate"];

/** values.schema.json, produced from the zod schema in src/values-schema.ts. */
async function valuesSchemaJson() {
  const bundled = await esbuild.build({
    entryPoints: [path.join(root, "src/values-schema.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    // The input rules it is made from use yaml-doc's YAML 1.1 check, which imports the yaml package.
    plugins: [esmYamlPlugin],
    // Errors are printed once, by the step that failed.
    logLevel: "silent",
  });
  const [output] = bundled.outputFiles;
  if (!output) throw new Error("esbuild wrote no bundle of src/values-schema.ts");
  const source = Buffer.from(output.text).toString("base64");
  const { valuesJsonSchema } = await import(`data:text/javascript;base64,${source}`);
  return `${JSON.stringify(valuesJsonSchema(), null, 2)}\n`;
}

/**
 * Resolves `virtual:templates/<folder>` to its module, made before bundling.
 * @param {Map<string, string>} modules
 * @returns {esbuild.Plugin}
 */
const templatesPlugin = (modules) => ({
  name: "templates",
  setup(build) {
    build.onResolve({ filter: /^virtual:templates\// }, (args) => {
      const name = args.path.slice("virtual:templates/".length);
      if (!modules.has(name)) return { errors: [{ text: `no templates/${name}/ for ${args.path}` }] };
      return { path: name, namespace: "templates" };
    });
    build.onLoad({ filter: /.*/, namespace: "templates" }, (args) => ({
      contents: modules.get(args.path),
      resolveDir: root,
      loader: "js",
    }));
  },
});

// The yaml package's ES module build (published for browsers, plain JavaScript with no browser
// APIs) starts noticeably faster than its CommonJS build, which Node's "node" condition picks.
/** @type {esbuild.Plugin} */
const esmYamlPlugin = {
  name: "esm-yaml",
  setup(build) {
    const yamlDir = path.join(root, "node_modules/yaml/browser");
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(yamlDir, "index.js"), sideEffects: false }));
    // Its modules only define things, so a bundle keeps only the parts its command uses:
    // init, which only writes YAML, carries no parser.
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.importer.startsWith(yamlDir)
        ? { path: path.resolve(args.resolveDir, args.path), sideEffects: false }
        : undefined,
    );
  },
};

// commander requires node:child_process at load time only to run stand-alone executable
// subcommands, which bluegreen has none of; loading it (and net, streams...) costs every
// command several milliseconds. This defers it to first use.
/** @type {esbuild.Plugin} */
const lazyChildProcessPlugin = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`)
        ? { path: "child_process", namespace: "lazy" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
      contents: 'module.exports = { spawn: (...args) => require("node:child_process").spawn(...args) };',
      loader: "js",
    }));
  },
};

// ajv-formats-draft2019 (doctor's and migrate's schema formats) requires "punycode", which
// names Node's own module before the package of that name it depends on; Node 22 and later
// print a deprecation warning (DEP0040) when that module loads, on every doctor run. The
// bundle carries the package instead, as its README says to ask for it ("punycode/").
/** @type {esbuild.Plugin} */
const userlandPunycodePlugin = {
  name: "userland-punycode",
  setup(build) {
    build.onResolve({ filter: /^(node:)?punycode$/ }, (args) =>
      build.resolve("punycode/", { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer }),
    );
  },
};

// @kubernetes-models/validate 3.x (under the Argo Rollouts models) offers Node's ES module
// importers a build that finds its own dependencies at run time with
// createRequire(import.meta.url): bundled, there is neither an import.meta nor a node_modules to
// find them in. Its CommonJS build requires them plainly, so the bundle carries them.
/** @type {esbuild.Plugin} */
const commonJsValidatePlugin = {
  name: "commonjs-validate",
  setup(build) {
    build.onResolve({ filter: /^@kubernetes-models\/validate$/ }, (args) =>
      args.kind === "require-call"
        ? undefined
        : build.resolve(args.path, { kind: "require-call", resolveDir: args.resolveDir, importer: args.importer }),
    );
  },
};

// dist/ is replaced whole, never edited in place: everything is built into a directory beside
// it and renamed over it at the end, so `npx bluegreen` in a clone runs the old build or the new
// one, never half of either. A build that fails (or is interrupted) leaves the old dist/ working
// and says which step failed, with that step's own output.
class BuildError extends Error {}

const dist = path.join(root, "dist");
const staging = path.join(root, `.dist-building-${process.pid}`);
await removeStaleBuilds();
try {
  const templates = await step("checking templates/", async () => {
    const files = await readTemplates();
    const problems = checkTemplates(files);
    if (problems.length > 0) throw Object.assign(new Error("mis-escaped templates"), { output: problems.join("\n") });
    return files;
  });
  const schemaJson = await step("producing values.schema.json from src/values-schema.ts", () => valuesSchemaJson());
  const templateModules = await step("rendering and precompiling templates/ with Handlebars", async () =>
    templatesModules(templates, schemaJson),
  );
  const built = await step("bundling src/ with esbuild", () =>
    esbuild.build({
      metafile: true,
      // One bundle per command (see src/bundles.ts), each loaded only when its command runs.
      entryPoints: {
        cli: path.join(root, "src/cli.ts"),
        init: path.join(root, "src/commands/init.ts"),
        "add-env": path.join(root, "src/commands/add-env.ts"),
        "bump-image": path.join(root, "src/commands/bump-image.ts"),
        doctor: path.join(root, "src/commands/doctor.ts"),
        history: path.join(root, "src/commands/history.ts"),
        rollback: path.join(root, "src/commands/rollback.ts"),
        migrate: path.join(root, "src/commands/migrate.ts"),
        prompts: path.join(root, "src/prompts.ts"),
        // doctor's and migrate's schema validators, compiled ahead of time (schema-validators.mjs).
        "schema-validators": SCHEMA_VALIDATORS_SOURCE,
      },
      outdir: staging,
      outExtension: { ".js": ".cjs" },
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      define: { __BLUEGREEN_VERSION__: JSON.stringify(pkg.version) },
      plugins: [
        templatesPlugin(templateModules),
        esmYamlPlugin,
        lazyChildProcessPlugin,
        userlandPunycodePlugin,
        commonJsValidatePlugin,
        schemaValidatorsPlugin,
      ],
      legalComments: "none",
      minify: !process.env.NO_MINIFY,
      // Linked maps beside the bundles (dist/<name>.cjs.map), read only when DEBUG turns source
      // maps on (bin/bluegreen.cjs): an inline map would be read with its bundle on every run.
      // Without the sources' text (a stack trace needs only the mappings), and trimmed to src/.
      sourcemap: "linked",
      sourcesContent: false,
      // Errors are printed once, below, by the step that failed.
      logLevel: "silent",
    }),
  );
  await step("trimming the source maps to src/", () => trimSourceMaps(staging));
  await step("writing THIRD-PARTY-LICENSES.txt", async () =>
    writeFile(path.join(staging, "THIRD-PARTY-LICENSES.txt"), await thirdPartyLicenses(built.metafile)),
  );
  await step("replacing dist/", () => replaceDist());
} catch (error) {
  await rm(staging, { recursive: true, force: true });
  process.stderr.write(
    `${error instanceof BuildError ? error.message : `build failed: ${error instanceof Error ? error.stack : error}`}\n`,
  );
  process.stderr.write(`dist/ is unchanged${existsSync(dist) ? "" : " (there was none)"}.\n`);
  process.exit(1);
}

/**
 * Each bundle's map covers src/ only (scripts/source-maps.mjs says why).
 * @param {string} dir
 */
async function trimSourceMaps(dir) {
  for (const file of (await readdir(dir)).filter((name) => name.endsWith(".map"))) {
    const map = JSON.parse(await readFile(path.join(dir, file), "utf8"));
    await writeFile(
      path.join(dir, file),
      JSON.stringify(keepOwnSources(map, (source) => source.startsWith("../src/"))),
    );
  }
}

/**
 * Runs one step of the build; a failure names the step and carries its own output.
 * @template T
 * @param {string} name
 * @param {() => Promise<T>} action
 * @returns {Promise<T>}
 */
async function step(name, action) {
  try {
    return await action();
  } catch (caught) {
    // esbuild's failures carry its messages; others may carry a tool's output.
    const error = /** @type {{ errors?: esbuild.Message[], output?: string, stack?: string } | undefined} */ (caught);
    const output = error?.errors?.length
      ? // Without esbuild's notes on which plugin callback threw (a stack of the build script).
        esbuild
          .formatMessagesSync(
            error.errors.map((message) => ({ ...message, notes: [] })),
            { kind: "error", color: false },
          )
          .join("")
      : (error?.output ?? (error?.stack || String(caught)));
    throw new BuildError(`build failed while ${name}:\n${String(output).trimEnd()}`);
  }
}

/** Swaps the new build in: two renames, with the old dist/ removed only once the new one is in place. */
async function replaceDist() {
  const previous = `${dist}.previous-${process.pid}`;
  if (existsSync(dist)) await rename(dist, previous);
  await rename(staging, dist);
  await rm(previous, { recursive: true, force: true });
}

/**
 * Builds that were interrupted leave a staging directory behind (and, killed between the two
 * renames, no dist/ but the previous one): tidy the first, put the second back.
 */
async function removeStaleBuilds() {
  for (const entry of await readdir(root)) {
    if (/^\.dist-building-\d+$/.test(entry)) await rm(path.join(root, entry), { recursive: true, force: true });
    if (/^dist\.previous-\d+$/.test(entry)) {
      if (existsSync(dist)) await rm(path.join(root, entry), { recursive: true, force: true });
      else await rename(path.join(root, entry), dist);
    }
  }
}

/**
 * The licenses of every package bundled into dist/, which ships their code.
 * @param {esbuild.Metafile} metafile
 */
async function thirdPartyLicenses(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match?.[1]) packages.add(path.join(root, match[1]));
  }
  const sections = [];
  for (const dir of [...packages].sort()) {
    const { name, version, license } = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    const licenseFile = (await readdir(dir)).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
    const text = licenseFile ? (await readFile(path.join(dir, licenseFile), "utf8")).trim() : `License: ${license}`;
    sections.push(`${name}@${version} (${license})\n\n${text}`);
  }
  return `bluegreen bundles the following packages into dist/.\n\n${sections.join(`\n\n${"-".repeat(72)}\n\n`)}\n`;
}
