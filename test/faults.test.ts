// Real faults in the middle of writing: a disk that fills up (tmpfs in a private mount namespace,
// ENOSPC), a file-size limit (ulimit -f, EFBIG), a process killed with half a file written (strace
// delivers SIGKILL), a directory the user may not write to (the CLI runs as uid 65534), and files
// that are not what they should be (a dangling symlink, `templates` as a regular file). No mocks,
// no hooks in the product: every case runs the built CLI (bin/bluegreen.cjs) as a process.
//
// After every fault: exit status 1, exactly one `error: ` line on stderr and no stack frame; no
// partial chart, no half-written file, no temporary file (except beside a file after a crash, where
// the real file must still be byte-identical).
import { chmodSync, chownSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, REPO_ROOT, cliEnv, listFiles, makeTempDir, runCli, snapshotTree, type CliResult } from "./support/cli.js";
import { runProcess } from "./support/process.js";

const IMAGE = "ghcr.io/acme/shop:1.0";
const NODE = process.execPath;
const PAGE = 4096; // tmpfs charges whole pages
const BLOCK = 512; // `ulimit -f` counts 512-byte blocks in sh
const NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"];
/** Exit statuses the shell harnesses use when they, not the CLI, failed. */
const HARNESS_FAILED = 99;

// --- running the CLI under a fault ------------------------------------------------------------

/** The CLI's environment: no colour, and no DEBUG (which would add a stack trace). */
const env = () => cliEnv({ DEBUG: undefined });

function run(command: string, args: string[], cwd: string): Promise<CliResult> {
  return runProcess(command, args, { cwd, env: env(), timeoutMs: 30_000 });
}

/** `sh -c script sh ...args`, so paths reach the script as "$1", "$2"… and need no quoting. */
function sh(script: string, args: string[], cwd: string, wrapper: string[] = []): Promise<CliResult> {
  const [command, ...rest] = [...wrapper, "sh", "-c", script, "sh", ...args];
  return run(command!, rest, cwd);
}

/**
 * Mounts a tmpfs of `size` bytes on `mnt` in a private mount namespace, runs `prepare` there
 * (with "$mnt" set), then the CLI with `cliArgs` in "$mnt/$workdir", then copies whatever is left on
 * the tmpfs (minus the filler file) to `out`, so the test can look at it after the namespace is gone.
 */
function onTmpfs(opts: { size: number; prepare?: string; workdir: string; cliArgs: string[] }): Promise<CliResult & { out: string }> {
  const base = makeTempDir();
  const mnt = join(base, "mnt");
  const out = join(base, "out");
  mkdirSync(mnt);
  mkdirSync(out);
  const script = `
    fail() { echo "harness: $*" >&2; exit ${HARNESS_FAILED}; }
    mnt=$1 out=$2 size=$3 workdir=$4; shift 4
    mount -t tmpfs -o size=$size tmpfs "$mnt" || fail "cannot mount a tmpfs"
    ${opts.prepare ?? ":"}
    cd "$mnt/$workdir" || fail "no $mnt/$workdir"
    "$@"; status=$?
    rm -f "$mnt/filler"
    cp -a "$mnt/." "$out/" || fail "cannot copy the tmpfs out"
    exit $status`;
  return sh(script, [mnt, out, String(opts.size), opts.workdir, NODE, CLI, ...opts.cliArgs], base, ["unshare", "-rm"]).then((result) => ({
    ...result,
    out,
  }));
}

/** Leaves exactly `free` bytes (whole pages) on the tmpfs "$mnt" by writing "$mnt/filler". */
const fillTmpfs = (free: number) => `
    avail=$(df -B1 --output=avail "$mnt" | tail -n 1)
    head -c $((avail - ${free})) /dev/zero > "$mnt/filler" || fail "cannot write the filler"
    [ "$(df -B1 --output=avail "$mnt" | tail -n 1)" -eq ${free} ] || fail "did not leave ${free} bytes free"`;

/**
 * The CLI as uid/gid 65534 (root ignores permissions). If that user cannot read the repository,
 * a copy of bin/, dist/ and package.json that it can read is used instead.
 */
let unprivilegedCliRun: Promise<string> | undefined;
function unprivilegedCli(): Promise<string> {
  return (unprivilegedCliRun ??= (async () => {
    const canRead = async (root: string) => {
      const probe = `const fs = require("fs"), path = require("path");
        for (const part of ["bin", "dist"]) for (const f of fs.readdirSync(path.join(${JSON.stringify(root)}, part), { recursive: true }))
          { const p = path.join(${JSON.stringify(root)}, part, f); if (!fs.statSync(p).isDirectory()) fs.readFileSync(p); }
        fs.readFileSync(path.join(${JSON.stringify(root)}, "package.json"));`;
      return (await run("setpriv", [...NOBODY, NODE, "-e", probe], "/")).code === 0;
    };
    if (await canRead(REPO_ROOT)) return CLI;
    const copy = makeTempDir();
    chmodSync(copy, 0o755);
    for (const part of ["bin", "dist", "package.json"]) cpSync(join(REPO_ROOT, part), join(copy, part), { recursive: true });
    expect(await canRead(copy), "uid 65534 can read a copy of bin/ and dist/").toBe(true);
    return join(copy, "bin", "bluegreen.cjs");
  })());
}

async function asNobody(cwd: string, args: string[]): Promise<CliResult> {
  return run("setpriv", [...NOBODY, NODE, await unprivilegedCli(), ...args], cwd);
}

// --- charts -------------------------------------------------------------------------------------

interface Reference {
  dir: string;
  /** The files init writes, in the order it lists them (the order it writes them), with sizes. */
  files: { path: string; size: number }[];
}

/** One real init; its chart is copied for every edit, and its file sizes size the faults. */
let referenceRun: Promise<Reference> | undefined;
function reference(): Promise<Reference> {
  return (referenceRun ??= (async () => {
    const cwd = makeTempDir();
    const result = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE], { cwd });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const dir = join(cwd, "shop");
    const lines = result.stdout.split("\n");
    const start = lines.findIndex((line) => line.startsWith("Wrote a Blue/Green chart"));
    const listed = lines.slice(start + 1, lines.indexOf("", start)).map((line) => line.trim().split(/\s+/)[0]!);
    expect([...listed].sort()).toEqual(listFiles(dir));
    return { dir, files: listed.map((path) => ({ path, size: readFileSync(join(dir, path)).length })) };
  })());
}

const pages = (bytes: number) => Math.ceil(bytes / PAGE);

/** A fresh copy of the reference chart, at <temp>/shop. */
async function copyChart(): Promise<string> {
  const dir = join(makeTempDir(), "shop");
  cpSync((await reference()).dir, dir, { recursive: true });
  return dir;
}

/** Every file below `dir` with its bytes; a symlink as its target (it may dangle). */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir).map((file) => {
      const full = join(dir, file);
      const info = lstatSync(full);
      const bytes = info.isSymbolicLink() ? `symlink -> ${readlinkSync(full)}` : readFileSync(full).toString("base64");
      return [file, `${(info.mode & 0o7777).toString(8)} ${bytes}`];
    }),
  );
}

function expectUnchanged(dir: string, before: Map<string, string>): void {
  const after = snapshot(dir);
  expect([...after.keys()], `files in ${dir}`).toEqual([...before.keys()]);
  for (const [file, bytes] of before) expect(after.get(file) === bytes, `${file} is byte-identical`).toBe(true);
}

function dangle(chart: string, file: string): void {
  rmSync(join(chart, file));
  symlinkSync("vanished.yaml", join(chart, file));
}

// --- what every failure looks like ----------------------------------------------------------

const shown = (result: CliResult) => `exit ${result.code} (signal ${result.signal})\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;

/** Exit 1 and exactly one `error: ` line on stderr, with no stack frame; returns that line. */
function expectOneErrorLine(result: CliResult, reason?: RegExp): string {
  expect(result.code, shown(result)).toBe(1);
  expect(result.stderr, "one line starting error: ").toMatch(/^error: [^\n]+\n$/);
  expect(result.stderr).not.toMatch(/^\s*at /m);
  expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  if (reason) expect(result.stderr).toMatch(reason);
  return result.stderr.trimEnd();
}

// --- init -------------------------------------------------------------------------------------

describe("init leaves no trace when writing fails partway", () => {
  it("leaves no partial chart when the disk fills up partway through init", async () => {
    const { files } = await reference();
    // Room for the files written before the first one that needs more than one page, and for
    // one page of that one: it fails after 4 kB were written, with other files already complete.
    const k = files.findIndex((file, i) => i > 0 && pages(file.size) > 1);
    expect(k, "a multi-page file that is not written first").toBeGreaterThan(0);
    const fits = files.slice(0, k).reduce((sum, file) => sum + pages(file.size), 0);
    const total = files.reduce((sum, file) => sum + pages(file.size), 0);
    const args = ["init", "--yes", "--name", "shop", "--image", IMAGE];

    // Control: with room for exactly the whole chart, init works on the same kind of disk (so the
    // sizes above are what the tmpfs charges, and the smaller disk below fails only for space).
    const roomy = await onTmpfs({ size: total * PAGE, workdir: ".", cliArgs: args });
    expect(roomy.code, shown(roomy)).toBe(0);
    expect(listFiles(join(roomy.out, "shop"))).toEqual(listFiles((await reference()).dir));

    const full = await onTmpfs({ size: (fits + 1) * PAGE, workdir: ".", cliArgs: args });
    const line = expectOneErrorLine(full, /no space left/i);
    expect(line).toContain("shop");
    expect(readdirSync(full.out), "no chart and no hidden staging directory in the parent").toEqual([]);
  });

  it("leaves no partial chart when a file-size limit stops init partway through a file", async () => {
    const { files } = await reference();
    // The smallest limit (in 512-byte blocks) that every file before file k fits under, where
    // file k does not: earlier files are written whole, file k is cut off partway (EFBIG).
    let limit = 0;
    let largest = 0;
    const k = files.findIndex((file, i) => {
      largest = Math.max(largest, i > 0 ? files[i - 1]!.size : 0);
      limit = Math.ceil(largest / BLOCK) * BLOCK;
      return i > 0 && file.size > limit;
    });
    expect(k, "a file larger than every file written before it").toBeGreaterThan(0);

    const cwd = makeTempDir();
    const result = await sh(`ulimit -c 0; ulimit -f ${limit / BLOCK}; trap "" XFSZ; exec "$@"`, [NODE, CLI, "init", "--yes", "--name", "shop", "--image", IMAGE], cwd);
    expectOneErrorLine(result, /file too large|EFBIG/i);
    expect(readdirSync(cwd), "no chart and no hidden staging directory in the parent").toEqual([]);
  });

  it("creates nothing and says permission denied when the parent directory is not writable", async () => {
    const parent = makeTempDir();
    chmodSync(parent, 0o755); // root's: uid 65534 may enter and read, not write
    const result = await asNobody(parent, ["init", "--yes", "--name", "shop", "--image", IMAGE]);
    expectOneErrorLine(result, /permission denied/i);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("puts every original byte back when --force fails partway because templates is a file", async () => {
    const { files } = await reference();
    const parent = makeTempDir();
    const target = join(parent, "shop");
    mkdirSync(target);
    // Files init generates, edited by a person (init swaps .gitignore and README.md in before it
    // reaches templates/, so the failure comes after some originals were already replaced); a file
    // init does not generate; and templates as a plain file.
    writeFileSync(join(target, ".gitignore"), "node_modules/\n");
    writeFileSync(join(target, "README.md"), "# Our notes\n");
    writeFileSync(join(target, "values.yaml"), "# mine\nreplicaCount: 7\n");
    writeFileSync(join(target, "notes.txt"), "keep me\n");
    writeFileSync(join(target, "templates"), "not a directory\n");
    const firstTemplate = files.findIndex((file) => file.path.startsWith("templates/"));
    expect(
      files.slice(0, firstTemplate).map((file) => file.path),
      "files that exist in the target are written before templates/ is reached",
    ).toEqual(expect.arrayContaining([".gitignore", "README.md"]));
    const before = snapshotTree(target);

    const result = await runCli(["init", "--yes", "--force", "--name", "shop", "--image", IMAGE], { cwd: parent, env: { DEBUG: undefined } });
    expectOneErrorLine(result);
    expect(listFiles(target)).toEqual([...before.keys()]);
    for (const [file, bytes] of before) expect(readFileSync(join(target, file)).equals(bytes), `${file} is byte-identical`).toBe(true);
    expect(readdirSync(parent), "no hidden staging directory left").toEqual(["shop"]);
  });
});

// --- bump-image ---------------------------------------------------------------------------------

describe("bump-image never leaves a half-written file", () => {
  it("changes neither values.yaml nor Chart.yaml when the disk fills up partway through bump-image", async () => {
    const chart = await copyChart();
    const before = snapshot(chart);
    // Room for the new values.yaml and not for the new Chart.yaml as well.
    const free = pages(readFileSync(join(chart, "values.yaml")).length) * PAGE;
    const result = await onTmpfs({
      size: 1024 * 1024,
      prepare: `cp -a "${chart}" "$mnt/shop" || fail "cannot copy the chart in"\n${fillTmpfs(free)}`,
      workdir: "shop",
      cliArgs: ["bump-image", "2.0"],
    });
    expectOneErrorLine(result, /no space left/i);
    expect(readdirSync(result.out)).toEqual(["shop"]);
    expectUnchanged(join(result.out, "shop"), before);
  });

  it("changes neither values.yaml nor Chart.yaml when a file-size limit stops bump-image partway through a write", async () => {
    // Without a trap, sh's SIGXFSZ would kill a process here; Node ignores SIGXFSZ itself, so the
    // write fails with EFBIG instead and bump-image has to clean up after itself.
    const chart = await copyChart();
    const before = snapshot(chart);
    expect(readFileSync(join(chart, "values.yaml")).length).toBeGreaterThan(8 * BLOCK);
    const result = await sh(`ulimit -c 0; ulimit -f 8; exec "$@"`, [NODE, CLI, "bump-image", "2.0"], chart);
    expect(result.code, shown(result)).not.toBe(0);
    expectOneErrorLine(result, /file too large|EFBIG/i);
    expectUnchanged(chart, before);
  });

  it("keeps values.yaml and Chart.yaml byte-identical when bump-image is killed with half a file written", async () => {
    // A 4 kB file-size limit cuts the new values.yaml off after 4096 bytes; strace then kills the
    // process (SIGKILL) before it can remove that half-written temporary file: a real crash with
    // half a file on disk. Only a hidden temporary file may be left beside values.yaml.
    const chart = await copyChart();
    const before = snapshot(chart);
    const size = readFileSync(join(chart, "values.yaml")).length;
    expect(size).toBeGreaterThan(8 * BLOCK);
    const kill = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=unlink,unlinkat", "-e", "inject=unlink,unlinkat:signal=KILL:when=1"];
    const result = await sh(`command -v strace >/dev/null || { echo "harness: strace is not installed" >&2; exit ${HARNESS_FAILED}; }
      ulimit -c 0; ulimit -f 8; exec "$@"`, [...kill, NODE, CLI, "bump-image", "2.0"], chart);
    expect(result.code, shown(result)).not.toBe(HARNESS_FAILED);
    expect(result.code, shown(result)).not.toBe(0);
    expect(result.stdout, "nothing reported as done").toBe("");

    const leftovers = listFiles(chart).filter((file) => !before.has(file));
    expect(leftovers, "the crash really left a temporary file").toHaveLength(1);
    expect(leftovers[0]).toMatch(/^\.values\.yaml\.[^/]+$/);
    expect(readFileSync(join(chart, leftovers[0]!)).length, "the temporary file is half-written").toBe(8 * BLOCK);
    rmSync(join(chart, leftovers[0]!));
    expectUnchanged(chart, before);
  });

  it("changes nothing and says permission denied when the chart directory is not writable", async () => {
    const chart = await copyChart();
    chmodSync(join(chart, ".."), 0o755);
    chmodSync(chart, 0o755); // root's: uid 65534 may not create files in it…
    for (const file of ["values.yaml", "Chart.yaml"]) chownSync(join(chart, file), 65534, 65534); // …though it owns these
    const before = snapshot(chart);
    const result = await asNobody(chart, ["bump-image", "2.0"]);
    expectOneErrorLine(result, /permission denied/i);
    expectUnchanged(chart, before);
  });

  it("changes nothing when --env prod names an overlay that is a dangling symlink", async () => {
    const chart = await copyChart();
    dangle(chart, "values-prod.yaml");
    const before = snapshot(chart);
    const result = await runCli(["bump-image", "2.0", "--env", "prod"], { cwd: chart, env: { DEBUG: undefined } });
    const line = expectOneErrorLine(result);
    expect(line).toContain("values-prod.yaml");
    expectUnchanged(chart, before);
  });

  it("does not change values.yaml and then exit 1 when an overlay is a dangling symlink", async () => {
    // A base bump does not need values-prod.yaml; it may succeed or refuse, but exit 1 promises
    // that nothing was done, and an error must not blame --env, which was not given.
    const chart = await copyChart();
    dangle(chart, "values-prod.yaml");
    const before = snapshot(chart);
    const result = await runCli(["bump-image", "2.0"], { cwd: chart, env: { DEBUG: undefined } });
    if (result.code === 0) {
      expect(readFileSync(join(chart, "values.yaml"), "utf8")).toContain('tag: "2.0"');
      return;
    }
    const after = snapshot(chart);
    const changed = [...before.keys()].filter((file) => after.get(file) !== before.get(file));
    expect(changed, `exit ${result.code} says nothing was done, yet files changed\n${shown(result)}`).toEqual([]);
    expectOneErrorLine(result);
    expect(result.stderr, "the error blames --env, which was not given").not.toContain("--env");
  });
});

// --- add-env ----------------------------------------------------------------------------------

describe("add-env writes its overlay and README.md together or not at all", () => {
  it("writes no overlay and leaves README.md as it was when the disk fills up partway through add-env", async () => {
    const chart = await copyChart();
    const before = snapshot(chart);
    // Two pages: room for the new overlay (one page) and for the first 4 kB of the new README.
    expect(readFileSync(join(chart, "README.md")).length).toBeGreaterThan(2 * PAGE);
    const result = await onTmpfs({
      size: 1024 * 1024,
      prepare: `cp -a "${chart}" "$mnt/shop" || fail "cannot copy the chart in"\n${fillTmpfs(2 * PAGE)}`,
      workdir: "shop",
      cliArgs: ["add-env", "staging"],
    });
    expectOneErrorLine(result, /no space left/i);
    expect(readdirSync(result.out)).toEqual(["shop"]);
    expectUnchanged(join(result.out, "shop"), before);
  });

  it("writes no overlay and says permission denied when the chart directory is not writable", async () => {
    const chart = await copyChart();
    chmodSync(join(chart, ".."), 0o755);
    chmodSync(chart, 0o755);
    chownSync(join(chart, "README.md"), 65534, 65534);
    const before = snapshot(chart);
    const result = await asNobody(chart, ["add-env", "staging"]);
    expectOneErrorLine(result, /permission denied/i);
    expectUnchanged(chart, before);
  });

  it("writes nothing when an existing overlay is a dangling symlink", async () => {
    const chart = await copyChart();
    dangle(chart, "values-sandbox.yaml");
    const before = snapshot(chart);
    const result = await runCli(["add-env", "staging"], { cwd: chart, env: { DEBUG: undefined } });
    const line = expectOneErrorLine(result);
    expect(line).toContain("values-sandbox.yaml");
    expectUnchanged(chart, before);
  });
});
