// Loads a bundle of dist/ (see bundles.ts), with the V8 code cache the build made for it.
//
// Compiling JavaScript is a large part of a short CLI run. `npm run build` runs each command
// once (scripts/build.mjs) and saves V8's code cache of what ran beside each bundle; loading a
// bundle with it skips most of that work. A cache that does not fit the running Node (another
// V8 version or other flags) is rejected by V8 and the bundle compiles as usual.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

declare const __dirname: string;

/** Set by the build only: write the code cache of every bundle this process ran. */
const WRITE_CACHE = process.env.BLUEGREEN_WRITE_CODE_CACHE === "1";
const loaded = new Map<string, unknown>();

export function load(name: string): unknown {
  const file = path.join(__dirname, `${name}.cjs`);
  if (loaded.has(file)) return loaded.get(file);
  const cacheFile = `${file}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    // V8 checks a cache against the source's length, not its content: a bundle changed after
    // its cache was written (newer mtime) compiles from scratch.
    if (!WRITE_CACHE && statSync(file).mtimeMs <= statSync(cacheFile).mtimeMs) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache: compile as usual.
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  loaded.set(file, undefined);
  (script.runInThisContext() as Function).call(module.exports, module.exports, createRequire(file), module, file, __dirname);
  loaded.set(file, module.exports);
  if (WRITE_CACHE) process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));
  return module.exports;
}
