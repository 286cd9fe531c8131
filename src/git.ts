// The git that bluegreen reads and writes: the repository around a chart, its history as
// machine-readable output (log with a NUL-separated format and raw diffs, cat-file --batch),
// and a commit of exactly the files a command changed. Reading never uses output meant for
// people, and spawns a fixed number of processes whatever the length of the history.
//
// Every command runs at the top of the work tree with literal pathspecs, so a path is always
// the file it names (a chart directory called `[x]` is not a pattern).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { failure } from "./errors.js";
import { redact } from "./rules/secrets.js";

export interface Repo {
  /** The work tree's top directory. */
  top: string;
  gitDir: string;
  /** The directory asked about, relative to `top`, with a trailing '/' ("" at the top). */
  prefix: string;
}

interface GitRun {
  cwd: string;
  input?: string;
  /** Exit codes that are answers, not failures. */
  ok?: number[];
  /** Git's own messages in English, for the few this module recognises. */
  english?: boolean;
}

interface GitResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

const MAX_OUTPUT = 1024 * 1024 * 1024;

function git(args: string[], run: GitRun): GitResult {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0", ...(run.english ? { LC_ALL: "C", LANGUAGE: "C" } : {}) };
  const result = spawnSync("git", args, { cwd: run.cwd, input: run.input, env, maxBuffer: MAX_OUTPUT });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw failure("git is not installed (or not on PATH)");
    if (code === "ENOBUFS") throw failure(`git ${args[0]} printed more than bluegreen can hold`);
    throw failure(`could not run git ${args[0]}: ${redact(result.error.message)}`);
  }
  const status = result.status ?? 1;
  const stderr = result.stderr.toString("utf8");
  if (!(run.ok ?? [0]).includes(status)) throw failure(`git ${args[0]} failed: ${gitReason(stderr)}`);
  return { status, stdout: result.stdout, stderr };
}

/** Git's first message line, without its "fatal:"/"error:" prefix, safe to print. */
export function gitReason(stderr: string): string {
  const line =
    stderr
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? "no reason given";
  return redact(line.replace(/^(fatal|error): /, ""));
}

const lines = (result: GitResult) => result.stdout.toString("utf8").split("\n");

/**
 * The repository around `dir`. Outside one: exit 1 with `why` (what needed it).
 */
export function repositoryOf(dir: string, shown: string, why: string): Repo {
  const result = git(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--show-prefix"], {
    cwd: dir,
    ok: [0, 128],
    english: true,
  });
  if (result.status !== 0) {
    if (/not a git repository/.test(result.stderr)) throw failure(`${shown} is not in a git repository: ${why}`);
    throw failure(`cannot read the git repository around ${shown}: ${gitReason(result.stderr)}`);
  }
  const [top, gitDir, prefix] = lines(result);
  return { top: top!, gitDir: gitDir!, prefix: prefix ?? "" };
}

/** A chart file's path inside the repository. */
export const repoPath = (repo: Repo, file: string) => `${repo.prefix}${file}`;

export interface Commit {
  id: string;
  short: string;
  /** Committer date, ISO 8601 with the committer's offset: when the change landed on the branch. */
  date: string;
  author: string;
  email: string;
  subject: string;
  /** Each path of the ones asked for that this commit changed, to its new blob (null: deleted). Blob ids are abbreviated, as git abbreviates them: unique. */
  changes: Map<string, string | null>;
}

const FIELDS = ["%H", "%h", "%cI", "%aN", "%aE", "%s"];

/**
 * The commits on HEAD's first-parent line that change any of `paths`, newest first, with what
 * each changed them to. First parents only: those are the states the branch was in, the ones a
 * GitOps controller following it can have deployed; a merged branch shows as its merge commit.
 * Empty when HEAD has no commits yet.
 */
export function firstParentLog(repo: Repo, paths: string[]): Commit[] {
  const args = [
    "--literal-pathspecs",
    "log",
    "-z",
    "--first-parent",
    "--diff-merges=first-parent",
    "--raw",
    "--no-renames",
    "--root",
    "--no-color",
    "--no-show-signature",
    "--no-relative",
    "--encoding=UTF-8",
    `--format=${FIELDS.join("%x00")}`,
    "HEAD",
    "--",
    ...paths,
  ];
  const result = git(args, { cwd: repo.top, ok: [0, 128], english: true });
  if (result.status !== 0) {
    if (!hasHead(repo)) return [];
    throw failure(`git log failed: ${gitReason(result.stderr)}`);
  }
  return parseLog(result.stdout.toString("utf8"));
}

/**
 * `log -z --raw` output: per commit the format's NUL-separated fields, then for each changed
 * path a `:mode mode old new status` token and the path (the first token after the fields
 * starts with a newline). Paths come only after a status token, so none is mistaken for a
 * commit id.
 */
export function parseLog(output: string): Commit[] {
  const tokens = output.split("\0");
  const commits: Commit[] = [];
  let i = 0;
  while (i < tokens.length) {
    const id = tokens[i]!.replace(/^\n/, "");
    if (id === "") {
      i++;
      continue;
    }
    const [short, date, author, email, subject] = tokens.slice(i + 1, i + FIELDS.length);
    const commit: Commit = {
      id,
      short: short!,
      date: date!,
      author: author!,
      email: email!,
      subject: subject!,
      changes: new Map(),
    };
    i += FIELDS.length;
    while (i < tokens.length && tokens[i]!.replace(/^\n/, "").startsWith(":")) {
      const [, , , newOid, status] = tokens[i]!.replace(/^\n/, "").slice(1).split(" ");
      commit.changes.set(tokens[i + 1]!, status === "D" ? null : newOid!);
      i += 2;
    }
    commits.push(commit);
  }
  return commits;
}

function hasHead(repo: Repo): boolean {
  return git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: repo.top, ok: [0, 1] }).status === 0;
}

/** The contents of blobs (or `<rev>:<path>` names), in one `git cat-file --batch`; missing ones are absent. */
export function readObjects(repo: Repo, names: string[]): Map<string, string> {
  const wanted = [...new Set(names)];
  const contents = new Map<string, string>();
  if (wanted.length === 0) return contents;
  if (wanted.some((name) => /[\n\r]/.test(name)))
    throw failure("a path in the chart holds a line break, which git cat-file cannot be asked for");
  const out = git(["cat-file", "--batch", "--buffer"], { cwd: repo.top, input: `${wanted.join("\n")}\n` }).stdout;
  let offset = 0;
  for (const name of wanted) {
    const end = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, end).toString("utf8");
    offset = end + 1;
    const match = /^[0-9a-f]+ (\S+) (\d+)$/.exec(header);
    if (!match) continue; // "<name> missing" (or ambiguous): nothing there
    const size = Number(match[2]);
    if (match[1] === "blob") contents.set(name, out.subarray(offset, offset + size).toString("utf8"));
    offset += size + 1;
  }
  return contents;
}

/**
 * The commit a word names, when git resolves it to one that HEAD contains (the chart's
 * history); undefined otherwise.
 */
export function commitInHistory(repo: Repo, word: string): string | undefined {
  const resolved = git(["rev-parse", "-q", "--verify", "--end-of-options", `${word}^{commit}`], {
    cwd: repo.top,
    ok: [0, 1, 128],
  });
  if (resolved.status !== 0) return undefined;
  const id = lines(resolved)[0]!;
  const ancestor = git(["merge-base", "--is-ancestor", id, "HEAD"], { cwd: repo.top, ok: [0, 1, 128] });
  return ancestor.status === 0 ? id : undefined;
}

export type PathState = "clean" | "changed" | "untracked" | "ignored";

/**
 * Whether each path differs from HEAD, staged or not, is there but unknown to git, or is
 * ignored. From `git status --porcelain=v2`, the format git keeps stable for programs.
 */
export function pathStates(repo: Repo, paths: string[]): Map<string, PathState> {
  const states = new Map<string, PathState>(paths.map((p) => [p, "clean"]));
  const args = [
    "--no-optional-locks",
    "--literal-pathspecs",
    "status",
    "--porcelain=v2",
    "-z",
    "--untracked-files=all",
    "--ignored=matching",
    "--no-renames",
    "--",
    ...paths,
  ];
  const tokens = git(args, { cwd: repo.top }).stdout.toString("utf8").split("\0");
  for (const token of tokens) {
    if (token === "") continue;
    // "1 XY ... path", "2 XY ... path" (renames are off), "u XY ... path", "? path", "! path".
    const kind = token[0];
    const file =
      kind === "?" || kind === "!"
        ? token.slice(2)
        : token
            .split(" ")
            .slice(kind === "u" ? 10 : 8)
            .join(" ");
    if (states.has(file)) states.set(file, kind === "!" ? "ignored" : kind === "?" ? "untracked" : "changed");
  }
  return states;
}

/** An operation that stops a partial commit: a merge, cherry-pick or revert in progress. */
export function operationInProgress(repo: Repo): string | undefined {
  const heads: Record<string, string> = {
    MERGE_HEAD: "a merge",
    CHERRY_PICK_HEAD: "a cherry-pick",
    REVERT_HEAD: "a revert",
  };
  return Object.entries(heads).find(([head]) => existsSync(path.join(repo.gitDir, head)))?.[1];
}

/** Fails unless git knows who commits (user.name and user.email, or the environment). */
export function checkIdentity(repo: Repo): void {
  const result = git(["var", "GIT_COMMITTER_IDENT"], { cwd: repo.top, ok: [0, 128] });
  if (result.status !== 0)
    throw failure(
      `--commit: git does not know who you are (set user.name and user.email with git config): ${gitReason(result.stderr)}`,
    );
}

/**
 * Commits exactly `paths` as they are in the work tree, with the person's own git: their hooks,
 * signing and identity apply. `git commit --only` builds the commit from HEAD plus these paths,
 * so whatever else is staged stays staged and out of the commit. New files are added first.
 * Returns the new commit's id and short id.
 */
export function commitOnly(
  repo: Repo,
  paths: string[],
  added: string[],
  message: string,
): { id: string; short: string } {
  if (added.length > 0) git(["--literal-pathspecs", "add", "--", ...added], { cwd: repo.top });
  const result = git(["--literal-pathspecs", "commit", "--only", "--quiet", "--no-edit", "--file=-", "--", ...paths], {
    cwd: repo.top,
    input: message,
    ok: [0, 1, 128],
  });
  if (result.status !== 0) {
    // Put the index back as it was: the new files were not there.
    if (added.length > 0)
      git(["--literal-pathspecs", "rm", "--cached", "--quiet", "--ignore-unmatch", "--", ...added], {
        cwd: repo.top,
        ok: [0, 1, 128],
      });
    const said = (result.stderr || result.stdout.toString("utf8")).trim();
    const reason =
      said === ""
        ? `it exited with status ${result.status}, saying nothing (a hook of this repository refused it?)`
        : gitReason(said);
    throw failure(`--commit: git commit failed, so nothing was changed: ${reason}`);
  }
  const [id, short] = lines(git(["rev-parse", "HEAD", "--short", "HEAD"], { cwd: repo.top }));
  return { id: id!, short: short! };
}
