// Real git repositories for the tests of history, rollback and --commit: a repository of its
// own in a temporary directory (no outer GIT_DIR, system or global config can leak in), and
// authors and dates that the tests choose, so history can be checked commit by commit.
import { join } from "node:path";
import { expect } from "vitest";
import { type CliResult, makeTempDir, runCli, snapshotTree } from "./cli.js";
import { mergeEnv, type ProcessResult, runProcess } from "./process.js";

export interface Person {
  name: string;
  email: string;
}

export const ANN: Person = { name: "Ann Example", email: "ann@example.com" };
export const BOB: Person = { name: "Bob Builder", email: "bob@example.com" };

/** What a commit is made with: who, and when (ISO 8601 with offset). */
export interface Stamp {
  who?: Person;
  date?: string;
}

/** Day `n` of a test's history: 2025-03-0n 10:00 at +01:00, one commit a day. */
export const day = (n: number) => `2025-03-${String(n).padStart(2, "0")}T10:00:00+01:00`;

/** The environment a git (or a bluegreen that runs git) sees in a test. */
export function gitEnv({ who = ANN, date = day(1) }: Stamp = {}): Record<string, string | undefined> {
  return {
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** Runs git in `repo`; fails the test unless it exits 0 (or `allow`). */
export async function git(
  repo: string,
  args: string[],
  stamp: Stamp & { allow?: boolean; input?: string } = {},
): Promise<ProcessResult> {
  const result = await runProcess("git", args, {
    cwd: repo,
    env: mergeEnv(process.env, gitEnv(stamp)),
    input: stamp.input,
  });
  if (!stamp.allow) expect(result.code, `git ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

/** A new repository on branch main, with nothing in it. */
export async function newRepo(): Promise<string> {
  const repo = makeTempDir("bluegreen-git-");
  await git(repo, ["-c", "init.defaultBranch=main", "init", "-q"]);
  return repo;
}

/** Stages everything and commits it. Returns the new commit's id. */
export async function commitAll(repo: string, message: string, stamp: Stamp = {}): Promise<string> {
  await git(repo, ["add", "-A"], stamp);
  await git(repo, ["commit", "-q", "-m", message], stamp);
  return head(repo);
}

export async function head(repo: string, rev = "HEAD"): Promise<string> {
  return (await git(repo, ["rev-parse", rev])).stdout.trim();
}

/** The built CLI in `cwd`, committing (with --commit) as `stamp` says. */
export function bluegreen(cwd: string, args: string[], stamp: Stamp = {}): Promise<CliResult> {
  return runCli(args, { cwd, env: gitEnv(stamp) });
}

/** The work tree (without .git) and the index, to prove that a refusal changed neither. */
export async function repoState(repo: string): Promise<{ tree: Map<string, Buffer>; index: string; head: string }> {
  const tree = new Map([...snapshotTree(repo)].filter(([file]) => !file.startsWith(".git/")));
  const index = (await git(repo, ["ls-files", "--stage"])).stdout;
  return { tree, index, head: (await git(repo, ["rev-parse", "HEAD"], { allow: true })).stdout.trim() };
}

/** `git status --porcelain` of the repository: what is staged and what is not. */
export async function status(repo: string): Promise<string> {
  return (await git(repo, ["status", "--porcelain"])).stdout;
}

export const chartIn = (repo: string, path = "charts/shop") => join(repo, path);
