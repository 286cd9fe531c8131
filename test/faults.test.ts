// Real faults in the middle of writing: a disk that fills up (tmpfs in a private mount namespace,
// ENOSPC), a file-size limit (ulimit -f, EFBIG), a process killed with half a file written (strace
// delivers SIGKILL), a directory the user may not write to (the CLI runs as uid 65534), and files
// that are not what they should be (a dangling symlink, `templates` as a regular file). No mocks,
// no hooks in the product: every case runs the built CLI (bin/bluegreen.cjs) as a process.
// The faults need Linux root facilities (strace, unshare, setpriv as root): CI has them all; where
// one is missing, the tests that need it are skipped and say so (test/support/facilities.ts).
//
// After every fault: exit status 1, exactly one `error: ` line on stderr and no stack frame; no
// partial chart, no half-written file, no temporary file (except beside a file after a crash, where
// the real file must still be byte-identical).
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, type CliResult, cliEnv, listFiles, makeTempDir, REPO_ROOT, runCli, snapshotTree } from "./support/cli.js";
import { describeNeeds, itNeeds } from "./support/facilities.js";
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
 * The calls of the syscalls `names` (comma-separated) the CLI makes, in order, as strace prints
 * them ("pid name(args) = r", a file descriptor with its path: "5</dir>"), from a run of `args`
 * in `cwd` after the shell commands `prefix` (ulimit...). The run is a probe: callers run it on a
 * copy, or on a chart the command leaves unchanged.
 */
async function syscalls(names: string, args: string[], cwd: string, prefix = ""): Promise<string[]> {
  const log = join(makeTempDir(), "strace.log");
  const result = await sh(
    `${prefix} exec "$@"`,
    ["strace", "-f", "-qq", "-y", "-o", log, "-e", `trace=${names}`, NODE, CLI, ...args],
    cwd,
  );
  expect(result.code, shown(result)).not.toBe(HARNESS_FAILED);
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => new RegExp(`^\\d+\\s+(?:${names.split(",").join("|")})\\(`).test(line));
}

/** The syscall a line of `syscalls` is a call of. */
const syscallOf = (line: string) => /^\d+\s+(\w+)\(/.exec(line)?.[1];

/** The CLI under strace, killed (SIGKILL) at its nth call of `name`. */
function killedAt(name: string, n: number, args: string[], cwd: string): Promise<CliResult> {
  return run(
    "strace",
    [
      "-f",
      "-qq",
      "-o",
      "/dev/null",
      "-e",
      `trace=${name}`,
      "-e",
      `inject=${name}:signal=KILL:when=${n}`,
      NODE,
      CLI,
      ...args,
    ],
    cwd,
  );
}

/** A copy of the reference chart at <repo>/shop, committed in a fresh git repository <repo>. */
async function chartInGit(): Promise<{ repo: string; chart: string }> {
  const repo = makeTempDir();
  const chart = join(repo, "shop");
  cpSync((await reference()).dir, chart, { recursive: true });
  const git = (...args: string[]) => run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], repo);
  for (const args of [
    ["init", "-q"],
    ["add", "."],
    ["commit", "-qm", "chart"],
  ])
    expect((await git(...args)).code).toBe(0);
  return { repo, chart };
}

const gitStatus = async (repo: string) =>
  (await run("git", ["status", "--porcelain", "--untracked-files=all"], repo)).stdout;

/**
 * Mounts a tmpfs of `size` bytes on `mnt` in a private mount namespace, runs `prepare` there
 * (with "$mnt" set), then the CLI with `cliArgs` in "$mnt/$workdir", then copies whatever is left on
 * the tmpfs (minus the filler file) to `out`, so the test can look at it after the namespace is gone.
 */
function onTmpfs(opts: {
  size: number;
  prepare?: string;
  workdir: string;
  cliArgs: string[];
}): Promise<CliResult & { out: string }> {
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
  return sh(script, [mnt, out, String(opts.size), opts.workdir, NODE, CLI, ...opts.cliArgs], base, [
    "unshare",
    "-rm",
  ]).then((result) => ({
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
    for (const part of ["bin", "dist", "package.json"])
      cpSync(join(REPO_ROOT, part), join(copy, part), { recursive: true });
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

const shown = (result: CliResult) =>
  `exit ${result.code} (signal ${result.signal})\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;

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
  itNeeds(["unshare"])("leaves no partial chart when the disk fills up partway through init", async () => {
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
    const result = await sh(
      `ulimit -c 0; ulimit -f ${limit / BLOCK}; trap "" XFSZ; exec "$@"`,
      [NODE, CLI, "init", "--yes", "--name", "shop", "--image", IMAGE],
      cwd,
    );
    expectOneErrorLine(result, /file too large|EFBIG/i);
    expect(readdirSync(cwd), "no chart and no hidden staging directory in the parent").toEqual([]);
  });

  itNeeds(["nobody"])(
    "creates nothing and says permission denied when the parent directory is not writable",
    async () => {
      const parent = makeTempDir();
      chmodSync(parent, 0o755); // root's: uid 65534 may enter and read, not write
      const result = await asNobody(parent, ["init", "--yes", "--name", "shop", "--image", IMAGE]);
      expectOneErrorLine(result, /permission denied/i);
      expect(readdirSync(parent)).toEqual([]);
    },
  );

  it("changes no byte when --force finds templates is a file", async () => {
    const { files } = await reference();
    const parent = makeTempDir();
    const target = join(parent, "shop");
    mkdirSync(target);
    // Files init generates, edited by a person (listed before templates/, so a writer that
    // replaced files one by one would have replaced these before it failed); a file init does not
    // generate; and templates as a plain file, which --force refuses before writing anything.
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

    const result = await runCli(["init", "--yes", "--force", "--name", "shop", "--image", IMAGE], {
      cwd: parent,
      env: { DEBUG: undefined },
    });
    expectOneErrorLine(result, /^error: shop\/templates is a file where bluegreen writes the directory templates\//);
    expect(listFiles(target)).toEqual([...before.keys()]);
    for (const [file, bytes] of before)
      expect(readFileSync(join(target, file)).equals(bytes), `${file} is byte-identical`).toBe(true);
    expect(readdirSync(parent), "no hidden staging directory left").toEqual(["shop"]);
  });
});

// --- bump-image ---------------------------------------------------------------------------------

describe("bump-image never leaves a half-written file", () => {
  itNeeds(["unshare"])(
    "changes neither values.yaml nor Chart.yaml when the disk fills up partway through bump-image",
    async () => {
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
    },
  );

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

  itNeeds(["strace"])(
    "keeps values.yaml and Chart.yaml byte-identical when bump-image is killed with half a file written",
    async () => {
      // A 4 kB file-size limit cuts the new values.yaml off after 4096 bytes; strace then kills the
      // process (SIGKILL) as it starts removing that half-written staged file: a real crash with
      // half a file on disk. Only the chart's hidden workspace may hold it, and the next run clears it.
      const chart = await copyChart();
      const before = snapshot(chart);
      const size = readFileSync(join(chart, "values.yaml")).length;
      expect(size).toBeGreaterThan(8 * BLOCK);
      const limit = "ulimit -c 0; ulimit -f 8;";
      // Node 20's and 22's fs.rmSync remove a file of the staged directory with unlink(path), 24's
      // with unlinkat(fd of the directory, name): the kill comes at whichever removes it.
      const removals = await syscalls("unlink,unlinkat", ["bump-image", "2.0"], chart, limit);
      const removal = removals.find((line) => /\/\.bluegreen\/tx-[^/>"]+(?:\/s0"|>, "s0")/.test(line));
      expect(removal, `a removal of the staged values.yaml among\n${removals.join("\n")}`).toBeDefined();
      const syscall = syscallOf(removal!)!;
      const n = removals.filter((line) => syscallOf(line) === syscall).indexOf(removal!) + 1;
      expectUnchanged(chart, before);

      const kill = [
        "strace",
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        `trace=${syscall}`,
        "-e",
        `inject=${syscall}:signal=KILL:when=${n}`,
      ];
      const result = await sh(`${limit} exec "$@"`, [...kill, NODE, CLI, "bump-image", "2.0"], chart);
      expect(result.code, shown(result)).not.toBe(0);
      expect(result.stdout, "nothing reported as done").toBe("");

      const leftovers = listFiles(chart).filter((file) => !before.has(file));
      expect(
        leftovers.every((file) => file.startsWith(".bluegreen/")),
        leftovers.join(", "),
      ).toBe(true);
      const staged = leftovers.find((file) => /^\.bluegreen\/tx-[^/]+\/s0$/.test(file));
      expect(staged, "the crash really left the staged file").toBeDefined();
      expect(readFileSync(join(chart, staged!)).length, "the staged file is half-written").toBe(8 * BLOCK);
      for (const file of before.keys())
        expect(snapshot(chart).get(file) === before.get(file), `${file} is byte-identical`).toBe(true);

      const next = await runCli(["bump-image", "--dry-run", "2.0"], { cwd: chart, env: { DEBUG: undefined } });
      expect(next.code, shown(next)).toBe(0);
      expect(next.stderr).toBe("note: undid an interrupted bluegreen bump-image: it had not changed any file yet\n");
      expectUnchanged(chart, before);
    },
  );

  itNeeds(["nobody"])(
    "changes nothing and says permission denied when the chart directory is not writable",
    async () => {
      const chart = await copyChart();
      chmodSync(join(chart, ".."), 0o755);
      chmodSync(chart, 0o755); // root's: uid 65534 may not create files in it…
      for (const file of ["values.yaml", "Chart.yaml"]) chownSync(join(chart, file), 65534, 65534); // …though it owns these
      const before = snapshot(chart);
      const result = await asNobody(chart, ["bump-image", "2.0"]);
      expectOneErrorLine(result, /permission denied/i);
      expectUnchanged(chart, before);
    },
  );

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
  itNeeds(["unshare"])(
    "writes no overlay and leaves README.md as it was when the disk fills up partway through add-env",
    async () => {
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
    },
  );

  itNeeds(["nobody"])(
    "writes no overlay and says permission denied when the chart directory is not writable",
    async () => {
      const chart = await copyChart();
      chmodSync(join(chart, ".."), 0o755);
      chmodSync(chart, 0o755);
      chownSync(join(chart, "README.md"), 65534, 65534);
      const before = snapshot(chart);
      const result = await asNobody(chart, ["add-env", "staging"]);
      expectOneErrorLine(result, /permission denied/i);
      expectUnchanged(chart, before);
    },
  );

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

// --- crashes: the next run finishes or undoes what a killed bluegreen started ------------------

describeNeeds(["strace"])("a killed command's change is finished or undone by the next run", () => {
  it("finishes a bump-image killed between renaming values.yaml and Chart.yaml; git never sees a temporary file", async () => {
    // Where, among its renames, bump-image renames the new Chart.yaml into place: found on a copy.
    const probe = await chartInGit();
    const renames = await syscalls("rename", ["bump-image", "4.0"], probe.chart);
    const n = renames.findIndex((line) => line.includes(`, "${join(probe.chart, "Chart.yaml")}")`)) + 1;
    expect(n, renames.join("\n")).toBeGreaterThan(1);
    expect(renames[n - 2], "values.yaml is renamed just before").toContain(`, "${join(probe.chart, "values.yaml")}")`);

    const { repo, chart } = await chartInGit();
    const before = snapshot(chart);
    const killed = await killedAt("rename", n, ["bump-image", "4.0"], chart);
    expect(killed.code, shown(killed)).not.toBe(0);
    expect(killed.stdout, "nothing reported as done").toBe("");
    expect(readFileSync(join(chart, "values.yaml"), "utf8"), "killed after values.yaml").toContain('tag: "4.0"');
    expect(snapshot(chart).get("Chart.yaml"), "and before Chart.yaml").toBe(before.get("Chart.yaml"));
    expect(await gitStatus(repo), "git sees the changed file, and no temporary one").toBe(" M shop/values.yaml\n");

    const started = Date.now();
    const next = await runCli(["bump-image", "4.0"], { cwd: chart, env: { DEBUG: undefined } });
    expect(next.code, shown(next)).toBe(0);
    expect(Date.now() - started, "the dead command's lock is taken over, not waited for").toBeLessThan(8_000);
    expect(next.stderr).toBe(
      "note: finished an interrupted bluegreen bump-image: values.yaml, Chart.yaml now hold what it was writing\n",
    );
    expect(next.stdout).toMatch(/already .*4\.0.*nothing changed/);
    expect(readFileSync(join(chart, "Chart.yaml"), "utf8")).toContain('appVersion: "4.0"');
    expect(await gitStatus(repo)).toBe(" M shop/Chart.yaml\n M shop/values.yaml\n");
    expect(readdirSync(join(repo, ".git")), "no workspace left in the git directory").not.toContain("bluegreen");
  });

  it("undoes a bump-image killed before its first rename, taking over its stale lock", async () => {
    const chart = await copyChart();
    const before = snapshot(chart);
    const renames = await syscalls("rename", ["bump-image", "--dry-run", "4.0"], chart);
    expect(renames, "a dry run renames nothing").toEqual([]);
    const killed = await killedAt("rename", 1, ["bump-image", "4.0"], chart);
    expect(killed.code, shown(killed)).not.toBe(0);
    const leftovers = listFiles(chart).filter((file) => !before.has(file));
    expect(leftovers.length, "the crash left its lock and staging").toBeGreaterThan(0);
    expect(
      leftovers.every((file) => file.startsWith(".bluegreen/")),
      leftovers.join(", "),
    ).toBe(true);

    const next = await runCli(["bump-image", "4.0"], { cwd: chart, env: { DEBUG: undefined } });
    expect(next.code, shown(next)).toBe(0);
    expect(next.stderr).toBe("note: undid an interrupted bluegreen bump-image: it had not changed any file yet\n");
    expect(next.stdout).toContain("image.tag 1.0 → 4.0");
    expect(listFiles(chart)).toEqual([...before.keys()]);
  });

  it("removes the staging a killed init left, with its copy of the Slack Secret, when init runs beside it again", async () => {
    const webhook = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
    const args = ["init", "--yes", "--name", "shop", "--image", IMAGE, "--slack-webhook", webhook];
    const probe = makeTempDir();
    const renames = await syscalls("rename", args, probe);
    const n = renames.findIndex((line) => line.includes(`, "${join(probe, "shop")}")`)) + 1;
    expect(n, renames.join("\n")).toBeGreaterThan(0);

    const parent = makeTempDir();
    const killed = await killedAt("rename", n, args, parent);
    expect(killed.code, shown(killed)).not.toBe(0);
    const holding = () =>
      listFiles(parent).filter((file) => readFileSync(join(parent, file), "utf8").includes(webhook));
    expect(holding(), "the killed init left a copy of the Secret").toHaveLength(1);
    expect(holding()[0]).toMatch(/^\.bluegreen-init-[^/]+\/chart\/slack-webhook-secret\.yaml$/);

    const next = await runCli(["init", "--yes", "--name", "cart", "--image", IMAGE], {
      cwd: parent,
      env: { DEBUG: undefined },
    });
    expect(next.code, shown(next)).toBe(0);
    expect(readdirSync(parent)).toEqual(["cart"]);
    expect(holding()).toEqual([]);
  });

  it.for([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("removes its staging at once when %s stops init while it writes", async ([signal, status]) => {
    const parent = makeTempDir();
    // strace holds init for 3 s right after it wrote (and chmod'ed) the staged Secret.
    const child = spawn(
      "strace",
      [
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        "trace=chmod,fchmodat",
        "-e",
        "inject=chmod,fchmodat:delay_exit=3000000:when=1",
        NODE,
        CLI,
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        IMAGE,
        "--slack-webhook",
        "https://hooks.slack.com/services/T0/B0/abc",
      ],
      { cwd: parent, env: env(), stdio: "ignore" },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const staged = () => listFiles(parent).some((file) => file.endsWith("slack-webhook-secret.yaml"));
    for (let i = 0; i < 200 && !staged(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(staged(), "init is staging the chart").toBe(true);
    const node = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/)[0]);
    process.kill(node, signal);
    expect(await exited).toBe(status);
    expect(readdirSync(parent), "no chart and no staging").toEqual([]);
  });
});

describe("init into a mount point", () => {
  itNeeds(["unshare"])("writes the chart into an empty mount point, which it keeps", async () => {
    const result = await onTmpfs({
      size: 1024 * 1024,
      workdir: ".",
      cliArgs: ["init", ".", "--yes", "--name", "shop", "--image", IMAGE],
    });
    expect(result.code, shown(result)).toBe(0);
    expect(listFiles(result.out)).toEqual(listFiles((await reference()).dir));
  });
});
