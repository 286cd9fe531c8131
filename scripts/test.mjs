// `npm test`: the build, the type check, the lint and both test tiers. tsc (one thread, several
// seconds) and Biome need no build, so they start at once, beside it, and go on while the e2e
// tier waits on its child processes; the tests start when the build is done. Vitest prints as it
// goes; each check prints its output when it ends, and a failed build prints its error. The exit
// status is non-zero when any of them failed.
//   npm test -- test/doctor.test.ts   (arguments go to vitest)
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const requireFromRoot = createRequire(path.join(root, "package.json"));
const vitest = path.join(path.dirname(requireFromRoot.resolve("vitest/package.json")), "vitest.mjs");

/**
 * Runs `node <script> ...args` in the repository; a check's output is kept until it ends.
 * @param {string} script
 * @param {string[]} args
 * @param {boolean} streamed
 * @returns {Promise<{ code: number, output: string }>}
 */
function run(script, args, streamed) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      stdio: streamed ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ code: 1, output: `cannot start ${script}: ${error.message}\n` }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** @param {string} name @param {Promise<{ code: number, output: string }>} done */
async function check(name, done) {
  const { code, output } = await done;
  process.stdout.write(code === 0 ? `${name}: passed\n` : `${name}: FAILED (exit ${code})\n${output}\n`);
  return code;
}

/** Vitest, once the build has made dist/; its exit status. */
async function tests() {
  const build = await run(path.join(root, "scripts", "build.mjs"), [], true);
  if (build.code !== 0) {
    process.stdout.write("The build failed, so no test ran.\n");
    return build.code;
  }
  return (await run(vitest, ["run", ...process.argv.slice(2)], true)).code;
}

const codes = await Promise.all([
  check("tsc --noEmit", run(requireFromRoot.resolve("typescript/bin/tsc"), ["--noEmit"], false)),
  check("biome ci .", run(requireFromRoot.resolve("@biomejs/biome/bin/biome"), ["ci", "."], false)),
  tests(),
]);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
