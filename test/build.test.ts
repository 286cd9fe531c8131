// `npm run build` in a clone: dist/ is replaced whole or not at all, so `npx bluegreen` never
// runs half a build, and a failing build says which step failed with that step's own output.
// Runs the real build script on a copy of the sources (node_modules linked, not copied).
import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cliEnv, makeTempDir, REPO_ROOT } from "./support/cli.js";
import { runProcess } from "./support/process.js";

/** A clone with the current dist/ built, to build again. */
function clone(): string {
  const dir = makeTempDir("bluegreen-clone-");
  for (const part of ["bin", "dist", "scripts", "src", "templates", "package.json", "tsconfig.json"])
    cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const build = (dir: string) => runProcess(process.execPath, ["scripts/build.mjs"], { cwd: dir, timeoutMs: 120_000 });
const version = (dir: string) =>
  runProcess(process.execPath, [join(dir, "bin", "bluegreen.cjs"), "--version"], { cwd: dir });
const leftovers = (dir: string) => readdirSync(dir).filter((entry) => /^\.dist-building-|^dist\.previous-/.test(entry));

describe("npm run build", () => {
  /** Builds `dir` after `breakIt`; the build must fail in `step`, print no stack of its own, and leave dist/ working. */
  async function failedBuild(step: string, breakIt: (dir: string) => void): Promise<string> {
    const dir = clone();
    const before = readFileSync(join(dir, "dist", "cli.cjs"));
    breakIt(dir);
    const result = await build(dir);
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith(`build failed while ${step}:\n`), result.stderr).toBe(true);
    expect(result.stderr).toMatch(/dist\/ is unchanged\.\n$/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(join(dir, "dist", "cli.cjs"))).toEqual(before);
    expect((await version(dir)).code).toBe(0);
    expect(leftovers(dir)).toEqual([]);
    return result.stderr;
  }
  const append = (dir: string, file: string, text: string) =>
    writeFileSync(join(dir, file), `${readFileSync(join(dir, file), "utf8")}${text}`);

  it("keeps the old dist/ working when a step fails, and prints esbuild's error once, with file:line", async () => {
    const stderr = await failedBuild("bundling src/ with esbuild", (dir) =>
      append(dir, "src/commands/history.ts", "export const broken = ;\n"),
    );
    const line = readFileSync(join(REPO_ROOT, "src/commands/history.ts"), "utf8").split("\n").length;
    expect(stderr).toContain(`src/commands/history.ts:${line}:22:`);
    expect(stderr).toContain('Unexpected ";"');
    expect(stderr.match(/Unexpected ";"/g)).toHaveLength(1);
  }, 120_000);

  it("refuses a mis-escaped Helm template, naming templates/<file>:<line> and what is wrong", async () => {
    const file = "templates/chart/templates/pdb.yaml";
    const line = readFileSync(join(REPO_ROOT, file), "utf8").split("\n").length;
    const stderr = await failedBuild("checking templates/", (dir) =>
      append(dir, file, "  maxUnavailable: {{{ .Values.pdb.maxUnavailable }}}\n"),
    );
    expect(stderr).toContain(`${file}:${line}: {{{ .Values.pdb.maxUnavailable }}}: a Helm expression in triple braces`);
  }, 120_000);

  it("prints Handlebars' own parse error for a README template, without a stack of the build", async () => {
    const stderr = await failedBuild("rendering and precompiling templates/ with Handlebars", (dir) =>
      append(dir, "templates/chart/README.md.hbs", "{{#if}}\n"),
    );
    expect(stderr).toContain("templates/chart/README.md.hbs: Parse error on line");
  }, 120_000);

  it("keeps the old dist/ working when the build is killed halfway, and the next build tidies up", async () => {
    const dir = clone();
    const child = spawn(process.execPath, ["scripts/build.mjs"], { cwd: dir, stdio: "ignore" });
    // Kill it once it has started writing its new build.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (leftovers(dir).length > 0 && existsSync(join(dir, leftovers(dir)[0]!, "cli.cjs"))) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(poll);
        reject(new Error("the build ended before it could be interrupted"));
      });
    });
    expect((await version(dir)).code).toBe(0);

    const rebuilt = await build(dir);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(leftovers(dir)).toEqual([]);
    expect((await version(dir)).stdout.trim()).toBe(
      JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version,
    );
    expect(readdirSync(join(dir, "dist"))).toEqual(
      expect.arrayContaining(["cli.cjs", "init.cjs", "THIRD-PARTY-LICENSES.txt"]),
    );
  }, 120_000);
});

describe("stack traces under DEBUG", () => {
  // An error nobody foresaw: standard output on a full disk (/dev/full fails every write with
  // ENOSPC), as in `bluegreen init > log` with no space left.
  const initIntoFullDisk = (debug: string | undefined) =>
    runProcess(
      "sh",
      [
        "-c",
        'exec "$0" "$@" > /dev/full',
        process.execPath,
        CLI,
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.0",
      ],
      {
        cwd: makeTempDir(),
        env: cliEnv({ DEBUG: debug }),
      },
    );

  it("name the lines of src/ with DEBUG=1, from the source maps beside dist/", async () => {
    const result = await initIntoFullDisk("1");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("ENOSPC");
    expect(result.stderr).toMatch(/\(.*\bsrc\/commands\/init\.ts:\d+:\d+\)$/m);
    expect(result.stderr).toMatch(/\(.*\bsrc\/cli\.ts:\d+:\d+\)$/m);
  });

  it("leave the source maps unread without DEBUG, where the failure is one line in words and exit 1", async () => {
    const result = await initIntoFullDisk(undefined);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\bsrc\/[\w/.-]+\.ts/);
    expect(result.stderr).toBe("error: could not write the output: no space left on the device (ENOSPC)\n");
  });

  it("ship maps of src/ only, without the sources' text", () => {
    const map = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "init.cjs.map"), "utf8"));
    expect(map.sources.length).toBeGreaterThan(0);
    for (const source of map.sources) expect(source).toMatch(/^\.\.\/src\/.+\.ts$/);
    expect(map.sourcesContent).toBeUndefined();
    expect(readFileSync(join(REPO_ROOT, "dist", "init.cjs"), "utf8").trimEnd()).toMatch(
      /\n\/\/# sourceMappingURL=init\.cjs\.map$/,
    );
  });
});
