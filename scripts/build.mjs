// Builds dist/ from src/ and templates/.
// - One ESM bundle per command, split so that `bluegreen --help` loads only the command table;
//   prompt libraries, zod, yaml and the templates load when a command needs them.
// - templates/ are precompiled with Handlebars here (strict, never HTML-escaping), so the CLI
//   ships only the small Handlebars runtime. In files under templates/chart/templates/ every
//   `{{` belongs to Helm except the triple-stash `{{{name}}}`, which is ours: Helm's delimiters
//   are escaped before Handlebars sees them and come out untouched.
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import Handlebars from "handlebars";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const templatesDir = path.join(root, "templates");
const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"));

/** Escapes every Helm `{{` (anything but a Handlebars triple-stash) for Handlebars. */
export function escapeHelmDelimiters(source) {
  return source.replace(/(?<!\{)\{\{(?!\{)/g, "\\{{");
}

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(templatesDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

async function templatesModule() {
  const entries = [];
  for (const file of await listFiles(templatesDir)) {
    const source = await readFile(path.join(templatesDir, file), "utf8");
    const isHelmTemplate = file.startsWith("chart/templates/");
    const spec = Handlebars.precompile(isHelmTemplate ? escapeHelmDelimiters(source) : source, {
      strict: true,
      noEscape: true,
      knownHelpersOnly: true,
    });
    entries.push(`  ${JSON.stringify(file)}: runtime.template(${spec}),`);
  }
  return [
    'import Handlebars from "handlebars/lib/handlebars.runtime.js";',
    "const runtime = Handlebars.create();",
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
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(root, "node_modules/yaml/browser/index.js") }));
  },
};

await rm(path.join(root, "dist"), { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(root, "src/cli.ts")],
  outdir: path.join(root, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  // Some bundled packages are CommonJS and call require() for Node built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  define: { __BLUEGREEN_VERSION__: JSON.stringify(pkg.version) },
  plugins: [templatesPlugin, esmYamlPlugin],
  legalComments: "none",
  minify: true,
  logLevel: "warning",
});
