// `bluegreen init` and the directory it writes into: an existing empty directory is kept (its
// inode, owner and mode), also the current one and one reached through a symbolic link; a
// directory holding only .git counts as empty; --force writes nothing but the files init
// generates, never through a link out of the chart, refuses where a directory or link stands in
// a generated file's place, keeps the modes of what it replaces and says which files it
// replaced; and messages name paths as the person gave them. Runs the built CLI.
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, type CliResult, listFiles, makeTempDir, runCli } from "./support/cli.js";
import { runProcess } from "./support/process.js";

const IMAGE = "ghcr.io/acme/shop:1.4.2";
const init = (cwd: string, ...args: string[]) =>
  runCli(["init", "--yes", "--name", "shop", "--image", IMAGE, ...args], { cwd, env: { DEBUG: undefined } });
const shown = (result: CliResult) =>
  `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;

function expectSuccess(result: CliResult): void {
  expect(result.code, shown(result)).toBe(0);
  expect(result.stderr, shown(result)).toBe("");
}

function expectRefused(result: CliResult, reason: RegExp): void {
  expect(result.code, shown(result)).toBe(1);
  expect(result.stderr).toMatch(reason);
  expect(result.stdout).toBe("");
}

/** Every entry below `dir`: a file's bytes, a link's target (never followed). */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir).map((file) => {
      const full = join(dir, file);
      return [
        file,
        lstatSync(full).isSymbolicLink() ? `-> ${readlinkSync(full)}` : readFileSync(full).toString("base64"),
      ];
    }),
  );
}

/** One init's files, for comparing where they were written. */
let generatedRun: Promise<string[]> | undefined;
const generated = () =>
  (generatedRun ??= (async () => {
    const dir = makeTempDir();
    expectSuccess(await init(dir));
    return listFiles(join(dir, "shop"));
  })());

describe("an existing directory is kept", () => {
  it("writes into an empty directory that keeps its inode, owner and mode", async () => {
    const parent = makeTempDir();
    const dir = join(parent, "priv");
    mkdirSync(dir);
    chmodSync(dir, 0o700);
    chownSync(dir, 65534, 65534);
    const before = lstatSync(dir);
    expectSuccess(await init(parent, "priv"));
    const after = lstatSync(dir);
    expect([after.ino, after.uid, after.gid, after.mode & 0o7777]).toEqual([before.ino, 65534, 65534, 0o700]);
    expect(listFiles(dir)).toEqual(await generated());
    expect(readdirSync(parent), "no staging left beside it").toEqual(["priv"]);
  });

  it("`init .` leaves the shell in a live directory", async () => {
    const dir = makeTempDir();
    // The shell's working directory must still be the one that holds the chart afterwards.
    const result = await runProcess(
      "sh",
      ["-c", `"$0" "$1" init . --yes --name shop --image ${IMAGE} >/dev/null && ls Chart.yaml`, process.execPath, CLI],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Chart.yaml\n");
    expect(listFiles(dir)).toEqual(await generated());
  });

  it("writes through a symbolic link to an empty directory, which stays a link", async () => {
    const parent = makeTempDir();
    mkdirSync(join(parent, "real"));
    symlinkSync("real", join(parent, "link"));
    expectSuccess(await init(parent, "link"));
    expect(lstatSync(join(parent, "link")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(parent, "link"))).toBe("real");
    expect(listFiles(join(parent, "real"))).toEqual(await generated());
  });

  it("takes a directory holding only .git as empty (git init && bluegreen init .), and git sees only the chart", async () => {
    const dir = makeTempDir();
    expect((await runProcess("git", ["init", "-q"], { cwd: dir })).code).toBe(0);
    const head = readFileSync(join(dir, ".git", "HEAD"));
    expectSuccess(await init(dir, "."));
    expect(readFileSync(join(dir, ".git", "HEAD")).equals(head)).toBe(true);
    expect(listFiles(dir).filter((file) => !file.startsWith(".git/"))).toEqual(await generated());
    const status = await runProcess("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: dir });
    expect(
      status.stdout
        .trim()
        .split("\n")
        .map((line) => line.slice(3))
        .sort(),
    ).toEqual(await generated());
    expect(readdirSync(join(dir, ".git")), "no workspace left in the git directory").not.toContain("bluegreen");
  });
});

describe("--force writes only the files init generates", () => {
  it("refuses, changing nothing, where a generated file's path is a directory", async () => {
    const parent = makeTempDir();
    mkdirSync(join(parent, "f2", "README.md", "docs"), { recursive: true });
    writeFileSync(join(parent, "f2", "README.md", "docs", "notes.txt"), "ours\n");
    writeFileSync(join(parent, "f2", "values.yaml"), "replicaCount: 3\n");
    const before = snapshot(parent);
    expectRefused(
      await init(parent, "f2", "--force"),
      /^error: f2\/README\.md is a directory where bluegreen writes a file: move it away first\n$/,
    );
    expect(snapshot(parent)).toEqual(before);
  });

  it("never writes through a symbolic link that leads out of the chart", async () => {
    const parent = makeTempDir();
    mkdirSync(join(parent, "outside"));
    writeFileSync(join(parent, "outside", "keep.txt"), "outside the chart\n");
    mkdirSync(join(parent, "shop"));
    writeFileSync(join(parent, "shop", "values.yaml"), "replicaCount: 3\n");
    symlinkSync("../outside", join(parent, "shop", "argocd"));
    const before = snapshot(parent);
    const result = await init(
      parent,
      "--force",
      "--repo-url",
      "https://github.com/acme/deploy.git",
      "--repo-path",
      "shop",
    );
    expectRefused(
      result,
      /^error: shop\/argocd is a symbolic link that leads out of the chart: bluegreen writes only inside it\n$/,
    );
    expect(snapshot(parent)).toEqual(before);
    expect(readdirSync(join(parent, "outside"))).toEqual(["keep.txt"]);
  });

  it("says which files it replaced, keeps their modes, and keeps the person's other files", async () => {
    const parent = makeTempDir();
    const chart = join(parent, "shop");
    mkdirSync(chart);
    writeFileSync(join(chart, "values.yaml"), "replicaCount: 3\n");
    chmodSync(join(chart, "values.yaml"), 0o640);
    writeFileSync(join(chart, "README.md"), "# ours\n");
    writeFileSync(join(chart, "notes.txt"), "keep me\n");
    const result = await init(parent, "--force");
    expectSuccess(result);
    expect(result.stdout).toContain("\nReplaced 2 files that were there (--force): README.md, values.yaml\n");
    expect(statSync(join(chart, "values.yaml")).mode & 0o7777).toBe(0o640);
    expect(readFileSync(join(chart, "notes.txt"), "utf8")).toBe("keep me\n");
    expect(listFiles(chart)).toEqual([...(await generated()), "notes.txt"].sort());
    // Replaced whole, as the README warns: what was written there by hand is gone.
    expect(readFileSync(join(chart, "README.md"), "utf8")).not.toContain("# ours");
    expect(readFileSync(join(chart, "values.yaml"), "utf8")).toMatch(/^replicaCount: 2$/m);
  });
});

describe("messages name paths as the person gave them", () => {
  it("says `/ is not empty`, not a path that climbs out of the current directory", async () => {
    const result = await init(makeTempDir(), "/");
    expectRefused(result, /^error: \/ is not empty \(use --force to replace the files bluegreen generates\)\n$/);
  });

  it("writes a chart whose directory name is 240 characters long, and names a 300-character one as too long", async () => {
    const parent = makeTempDir();
    expectSuccess(await init(parent, "d".repeat(240)));
    expect(listFiles(join(parent, "d".repeat(240)))).toEqual(await generated());

    const long = "e".repeat(300);
    const result = await init(parent, long);
    expectRefused(result, new RegExp(`^error: could not use ${long}: file name too long \\(ENAMETOOLONG\\)\\n$`));
    expect(readdirSync(parent)).toEqual(["d".repeat(240)]);
  });
});
