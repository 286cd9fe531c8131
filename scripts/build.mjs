// Builds dist/ from src/ and templates/.
// - One CommonJS bundle per command (src/bundles.ts says why), so that `bluegreen --help` loads
//   only the command table; prompt libraries, zod, yaml and the templates load when a command
//   needs them.
// - templates/ are precompiled with Handlebars here (strict, never HTML-escaping), so the CLI
//   ships only the small Handlebars runtime. In Helm templates (everything but the READMEs and
//   ignore files) every `{{` belongs to Helm except the triple-stash `{{{name}}}` and the partial
//   `{{> part}}`, which are ours: Helm's delimiters are escaped before Handlebars sees them and
//   come out untouched. templates/partials/ holds the parts that init's chart and migrate share.
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import Handlebars from "handlebars";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const templatesDir = path.join(root, "templates");
const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));

/** Escapes every Helm `{{` (anything but a Handlebars triple-stash or partial) for Handlebars. */
export function escapeHelmDelimiters(source) {
  return source.replace(/(?<!\{)\{\{(?![{>])/g, "\\{{");
}

const isHelmSource = (file) => !/(^|\/)(README\.md\.hbs|gitignore|helmignore)$/.test(file);

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(templatesDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

async function templatesModule() {
  const entries = [];
  const partials = [];
  for (const file of await listFiles(templatesDir)) {
    const source = await readFile(path.join(templatesDir, file), "utf8");
    const spec = Handlebars.precompile(isHelmSource(file) ? escapeHelmDelimiters(source) : source, {
      strict: true,
      noEscape: true,
      knownHelpersOnly: true,
    });
    const partial = /^partials\/(.+)\.[a-z]+$/.exec(file)?.[1];
    if (partial) partials.push(`runtime.registerPartial(${JSON.stringify(partial)}, runtime.template(${spec}));`);
    else entries.push(`  ${JSON.stringify(file)}: runtime.template(${spec}),`);
  }
  return [
    'import Handlebars from "handlebars/lib/handlebars.runtime.js";',
    "const runtime = Handlebars.create();",
    ...partials,
    "export default {",
    ...entries,
    "};",
    `export const valuesSchemaJson = ${JSON.stringify(await valuesSchemaJson())};`,
    "",
  ].join("\n");
}

/** values.schema.json, produced from the zod schema in src/values-schema.ts. */
async function valuesSchemaJson() {
  const bundled = await esbuild.build({
    entryPoints: [path.join(root, "src/values-schema.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  const source = Buffer.from(bundled.outputFiles[0].text).toString("base64");
  const { valuesJsonSchema } = await import(`data:text/javascript;base64,${source}`);
  return `${JSON.stringify(valuesJsonSchema(), null, 2)}\n`;
}

const templatesPlugin = {
  name: "templates",
  setup(build) {
    build.onResolve({ filter: /^virtual:templates$/ }, () => ({ path: "templates", namespace: "templates" }));
    build.onLoad({ filter: /.*/, namespace: "templates" }, async () => ({
      contents: await templatesModule(),
      resolveDir: root,
      loader: "js",
      watchFiles: [...(await listFiles(templatesDir)).map((file) => path.join(templatesDir, file)), path.join(root, "src/values-schema.ts")],
    }));
  },
};

// The yaml package's ES module build (published for browsers, plain JavaScript with no browser
// APIs) starts noticeably faster than its CommonJS build, which Node's "node" condition picks.
const esmYamlPlugin = {
  name: "esm-yaml",
  setup(build) {
    const yamlDir = path.join(root, "node_modules/yaml/browser");
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(yamlDir, "index.js"), sideEffects: false }));
    // Its modules only define things, so a bundle keeps only the parts its command uses:
    // init, which only writes YAML, carries no parser.
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.importer.startsWith(yamlDir) ? { path: path.resolve(args.resolveDir, args.path), sideEffects: false } : undefined,
    );
  },
};

// commander requires node:child_process at load time only to run stand-alone executable
// subcommands, which bluegreen has none of; loading it (and net, streams...) costs every
// command several milliseconds. This defers it to first use.
const lazyChildProcessPlugin = {
  name: "lazy-child-process",
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: "child_process", namespace: "lazy" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy" }, () => ({
      contents: 'module.exports = { spawn: (...args) => require("node:child_process").spawn(...args) };',
      loader: "js",
    }));
  },
};

await rm(path.join(root, "dist"), { recursive: true, force: true });
const built = await esbuild.build({
  metafile: true,
  // One bundle per command (see src/bundles.ts), each loaded only when its command runs.
  entryPoints: {
    load: path.join(root, "src/load.ts"),
    cli: path.join(root, "src/cli.ts"),
    init: path.join(root, "src/commands/init.ts"),
    "add-env": path.join(root, "src/commands/add-env.ts"),
    "bump-image": path.join(root, "src/commands/bump-image.ts"),
    doctor: path.join(root, "src/commands/doctor.ts"),
    migrate: path.join(root, "src/commands/migrate.ts"),
    prompts: path.join(root, "src/prompts.ts"),
  },
  outdir: path.join(root, "dist"),
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { __BLUEGREEN_VERSION__: JSON.stringify(pkg.version) },
  plugins: [templatesPlugin, esmYamlPlugin, lazyChildProcessPlugin],
  legalComments: "none",
  minify: !process.env.NO_MINIFY,
  logLevel: "warning",
});
await writeFile(path.join(root, "dist/THIRD-PARTY-LICENSES.txt"), await thirdPartyLicenses(built.metafile));
await trainCodeCache();

/** The licenses of every package bundled into dist/, which ships their code. */
async function thirdPartyLicenses(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(path.join(root, match[1]));
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

/**
 * Runs each command once, the way people run them, with the loader writing V8's code cache
 * of what ran beside each bundle (see src/load.ts).
 */
async function trainCodeCache() {
  const { mkdtemp } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { execFileSync } = await import("node:child_process");
  const work = await mkdtemp(path.join(tmpdir(), "bluegreen-build-"));
  const env = { ...process.env, BLUEGREEN_WRITE_CODE_CACHE: "1", NO_COLOR: "1" };
  const run = (...args) => execFileSync(process.execPath, [path.join(root, "bin/bluegreen.cjs"), ...args], { cwd: work, env, stdio: "ignore" });
  try {
    run("--help");
    run("init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.0", "--slack-webhook", "https://hooks.slack.com/services/T0/B0/x");
    run("add-env", "staging", "--chart", "shop");
    run("bump-image", "1.1", "--chart", "shop");
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

