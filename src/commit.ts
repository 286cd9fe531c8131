// `--commit`: a release as one reviewable commit of exactly the files the command changed.
// Everything that would stop the commit is checked before a byte is written (not a git
// repository, a merge in progress, no identity, one of those files already changed or ignored),
// so a refusal leaves the tree and the index as they were. If git itself then refuses (a hook,
// signing), the files are put back and the refusal is reported. Never a push.
import { readFileSync, unlinkSync } from "node:fs";
import path from "node:path";
import { applyChanges, type FileChange } from "./changes.js";
import { failure } from "./errors.js";
import { checkIdentity, commitOnly, operationInProgress, pathStates, type Repo, repositoryOf } from "./git.js";
import { print } from "./output.js";
import { relativePath } from "./paths.js";

export interface CommitPlan {
  repo: Repo;
  /** The files, relative to the repository's top. */
  paths: string[];
  /** What each file held before the command wrote it (undefined: it did not exist). */
  originals: Map<string, string | undefined>;
  chartDir: string;
}

export interface CommitResult {
  id: string;
  short: string;
  message: string;
}

/** Checks that `files` (absolute paths in the chart) can be committed alone; refuses otherwise. */
export function prepareCommit(chartDir: string, shown: string, files: string[]): CommitPlan {
  const repo = repositoryOf(
    chartDir,
    shown,
    "--commit commits the change to the repository the chart is in; leave --commit out to only write it",
  );
  const operation = operationInProgress(repo);
  if (operation !== undefined)
    throw failure(`--commit: ${operation} is in progress in this repository; finish or abort it first`);
  checkIdentity(repo);
  const relative = (file: string) => path.relative(chartDir, file).split(path.sep).join("/");
  const paths = files.map((file) => `${repo.prefix}${relative(file)}`);
  const states = pathStates(repo, paths);
  const dirty = files.filter((_, i) => states.get(paths[i]!) === "changed").map(relative);
  if (dirty.length > 0) {
    throw failure(
      `--commit: ${dirty.join(", ")} ${dirty.length === 1 ? "has" : "have"} uncommitted changes; commit or stash them first, so that the release commit holds only the release`,
    );
  }
  const untracked = files.filter((_, i) => states.get(paths[i]!) === "untracked").map(relative);
  if (untracked.length > 0) {
    throw failure(
      `--commit: ${untracked.join(", ")} ${untracked.length === 1 ? "is" : "are"} not in git yet; commit the chart first, so that the release commit holds only the release`,
    );
  }
  const ignored = files.filter((_, i) => states.get(paths[i]!) === "ignored").map(relative);
  if (ignored.length > 0) throw failure(`--commit: git ignores ${ignored.join(", ")}, so it cannot be committed`);
  const originals = new Map(files.map((file) => [file, readOrUndefined(file)]));
  return { repo, paths, originals, chartDir };
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Commits the written files; if git refuses, puts them back as they were and says why. */
export async function commitChanges(plan: CommitPlan, message: string): Promise<CommitResult> {
  const files = [...plan.originals.keys()];
  const added = plan.paths.filter((_, i) => plan.originals.get(files[i]!) === undefined);
  try {
    return { ...commitOnly(plan.repo, plan.paths, added, message), message };
  } catch (error) {
    const existing = files.filter((file) => plan.originals.get(file) !== undefined);
    await applyChanges(
      plan.chartDir,
      existing.map((file) => ({ path: file, content: plan.originals.get(file)! })),
      {},
    );
    for (const file of files) if (plan.originals.get(file) === undefined) unlinkSync(file);
    throw error;
  }
}

/**
 * `shop(prod): release ghcr.io/acme/shop:1.4.3 (was 1.4.2)`: the app, the environments, what
 * happened; then one line per changed value, for the reviewer.
 */
export function commitMessage(app: string, envs: string[], summary: string, body: string[]): string {
  const scope = envs.length > 0 ? `(${envs.join(",")})` : "";
  return `${app}${scope}: ${summary}\n${body.length > 0 ? `\n${body.join("\n")}\n` : ""}`;
}

/**
 * Writes a command's changes (or, with dryRun, prints them as a diff, unless JSON is printed
 * instead) and, with `commit`, commits exactly those files, all as one change of the chart. The commit is checked before
 * anything is written: a dry run refuses what the real run would.
 */
export async function writeAndCommit(
  chartDir: string,
  writes: FileChange[],
  options: { dryRun?: boolean; commit?: boolean; json?: boolean },
  message: string,
): Promise<CommitResult | undefined> {
  const shown = relativePath(chartDir);
  const plan = options.commit
    ? prepareCommit(
        chartDir,
        shown,
        writes.map((w) => w.path),
      )
    : undefined;
  if (options.dryRun) {
    if (!options.json) await applyChanges(chartDir, writes, { dryRun: true });
    if (plan && !options.json) print(`Would commit: ${message.split("\n", 1)[0]}\n`);
    return undefined;
  }
  // The command holds the chart's lock (findChart's `editing`) from its first read to here, so
  // no other bluegreen changes these files between the write and the commit.
  await applyChanges(chartDir, writes, {});
  return plan && (await commitChanges(plan, message));
}
