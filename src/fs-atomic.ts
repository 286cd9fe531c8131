// All-or-nothing writing of a new chart (init). Every file is rendered before anything is
// written, staged complete, and moved into place by renames:
// - a directory that does not exist yet is staged whole and renamed into place in one step;
// - an existing directory (empty, holding only .git, or with --force) is kept as it is (its
//   inode, owner and mode: `init .` leaves the shell in it, a mount point works) and the files
//   are committed into it as one transaction (journal.ts), under the chart's lock.
// `--force` writes nothing but the files init generates, never through a symbolic link that
// leads out of the chart, and refuses up front where a generated path is a directory, a link or
// another special file.
//
// Staging lives where git cannot see it: in the git directory when the target is in a
// repository on the same file system, else beside the target as .bluegreen-init-<nonce> (a new
// directory) or in the target's .bluegreen (an existing one). Staging whose process is gone
// (killed init) is removed by the next bluegreen run beside it; SIGINT and SIGTERM remove it at
// once.
//
// The calls are synchronous where they can be: a CLI has nothing else to do meanwhile, and each
// asynchronous step would cost a round trip through the thread pool.
import { lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmdirSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { CHART_WORKSPACE, lockChart, newOwner, ownerTag, realPath, removeTree, workspaceOf } from "./chart-lock.js";
import { CliError, failure, ioFailure, isCliError } from "./errors.js";
import { kindOf } from "./fs-read.js";
import { onInterrupt, signalsHandled } from "./interrupt.js";
import { INIT_STAGING_PREFIX, recover, sweepStaleStaging, Transaction, writeNew } from "./journal.js";
import { printError } from "./output.js";
import { shownPath } from "./paths.js";

export interface FileToWrite {
  /** Path relative to the directory being written. */
  path: string;
  content: string;
  /** Holds a credential: mode 0600 whatever the umask. */
  secret?: boolean;
}

export type DirectoryState = "missing" | "empty" | "non-empty";

/** What is in the way of a new chart: `.git` (git init first) and bluegreen's own workspace are not. */
const IGNORED = new Set([".git", CHART_WORKSPACE]);

export function directoryState(dir: string): DirectoryState {
  let info: Stats;
  try {
    info = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      if (isDanglingLink(dir)) throw failure(`${shownPath(dir)} is a link to a directory that does not exist`);
      return "missing";
    }
    throw ioFailure("use", shownPath(dir), error);
  }
  if (!info.isDirectory()) throw failure(`${shownPath(dir)} exists and is not a directory`);
  try {
    return readdirSync(dir).some((entry) => !IGNORED.has(entry)) ? "non-empty" : "empty";
  } catch (error) {
    throw ioFailure("read", shownPath(dir), error);
  }
}

function isDanglingLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

export interface Written {
  /** Files that existed and were replaced (--force), relative to the target. */
  replaced: string[];
}

/**
 * Writes a whole directory of files. A missing target is staged and renamed into place; an
 * existing one keeps its inode and receives the files as one transaction. With `replace`, a
 * non-empty target keeps every file we do not write.
 */
export async function writeDirectory(
  target: string,
  files: FileToWrite[],
  options: { replace: boolean },
): Promise<Written> {
  const shown = shownPath(target);
  const state = directoryState(target);
  if (state === "missing") {
    await writeNewDirectory(target, files, shown);
    return { replaced: [] };
  }
  return writeIntoDirectory(target, files, options.replace, shown);
}

async function writeNewDirectory(target: string, files: FileToWrite[], shown: string): Promise<void> {
  const parent = path.dirname(target);
  let createdParent: string | undefined;
  try {
    createdParent = mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw ioFailure("create", shownPath(parent), error);
  }
  const workspace = workspaceOf(target);
  sweepStaleStaging(parent, workspace.root);
  const owner = newOwner("init");
  // In a git directory on the same file system, git never sees the staging; else beside.
  const root = workspace.inGit ? workspace.dir : parent;
  const staging = path.join(root, `${workspace.inGit ? "tx-" : INIT_STAGING_PREFIX}${ownerTag(owner)}`);
  const chart = path.join(staging, "chart");
  const cleanUp = () => {
    removeTree(staging);
    if (workspace.inGit) removeEmpty(workspace.dir, workspace.root!);
    if (createdParent) removeTree(createdParent);
  };
  const dispose = onInterrupt(cleanUp);
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    mkdirSync(staging, { mode: 0o700 });
    writeFiles(chart, files, () => undefined);
    await signalsHandled();
    renameSync(chart, target);
  } catch (error) {
    cleanUp();
    dispose();
    if (isCliError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST")
      throw failure(`${shown} was created by something else meanwhile; nothing written`);
    // Name the file that failed as the person knows it: inside the target, not the staging copy.
    const where = (error as NodeJS.ErrnoException).path?.startsWith(chart)
      ? path.join(shown, path.relative(chart, (error as NodeJS.ErrnoException).path!))
      : shown;
    throw ioFailure("write", where, error);
  }
  removeTree(staging);
  if (workspace.inGit) removeEmpty(workspace.dir, workspace.root!);
  dispose();
}

/** Removes each directory in turn while it is empty (a workspace, then its root). */
function removeEmpty(...dirs: string[]): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/** Writes the files below `dir` (which is created); `mode` gives a replaced file's mode to keep. */
function writeFiles(dir: string, files: FileToWrite[], mode: (file: FileToWrite) => number | undefined): void {
  mkdirSync(dir, { recursive: true });
  for (const sub of new Set(files.map((file) => path.dirname(file.path))))
    mkdirSync(path.join(dir, sub), { recursive: true });
  for (const file of files) {
    // A new chart has no earlier content to protect, so it is not flushed file by file. The
    // Secret is 0600 exactly; a replaced file keeps its mode; the umask applies to the rest.
    const kept = mode(file);
    const options = file.secret
      ? { mode: 0o600, exactMode: true }
      : kept !== undefined
        ? { mode: kept, exactMode: true }
        : { mode: 0o666, exactMode: false };
    writeNew(path.join(dir, file.path), file.content, options, false);
  }
}

interface Placement {
  /** A new directory, staged whole: its path relative to the target, and the files in it. */
  trees: Map<string, FileToWrite[]>;
  /** Files whose directory exists: new ones and replaced ones (with the mode they had). */
  files: { file: FileToWrite; dest: string; previous?: Stats }[];
}

async function writeIntoDirectory(
  target: string,
  files: FileToWrite[],
  replace: boolean,
  shown: string,
): Promise<Written> {
  sweepStaleStaging(path.dirname(realPath(target)), workspaceOf(target).root);
  const lock = await lockChart(target, "init", shown);
  for (const note of recover(lock.workspace, shown)) printError(`${note}\n`);
  try {
    if (directoryState(target) === "non-empty" && !replace) {
      throw failure(`${shown} is not empty (use --force to replace the files bluegreen generates)`);
    }
    const placement = place(target, files, shown);
    const transaction = new Transaction(lock.workspace, "init", shown, false);
    try {
      for (const [tree, inside] of placement.trees) {
        transaction.addTree(path.join(shown, tree), path.join(target, tree), (dir) =>
          writeFiles(
            dir,
            inside.map((file) => ({ ...file, path: path.relative(tree, file.path) })),
            () => undefined,
          ),
        );
      }
      for (const { file, dest, previous } of placement.files) {
        const options = file.secret
          ? { mode: 0o600, exactMode: true }
          : previous
            ? { mode: previous.mode & 0o7777, exactMode: true }
            : { mode: 0o666, exactMode: false };
        transaction.addFile(path.join(shown, file.path), dest, file.content, {
          ...options,
          uid: previous?.uid,
          gid: previous?.gid,
        });
      }
    } catch (error) {
      transaction.abort();
      throw isCliError(error) ? error : ioFailure("write", shown, error);
    }
    await transaction.commit();
    return { replaced: placement.files.filter(({ previous }) => previous !== undefined).map(({ file }) => file.path) };
  } finally {
    lock.release();
  }
}

/**
 * Where each generated file goes in an existing directory. Refuses, before anything is written,
 * every path where a directory, a link or a special file stands in the way, or where a symbolic
 * link would lead out of the chart.
 */
function place(target: string, files: FileToWrite[], shown: string): Placement {
  const root = realpathSync(target);
  const inside = (real: string) => real === root || real.startsWith(root + path.sep);
  const placement: Placement = { trees: new Map(), files: [] };
  const problems = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    let dir = root;
    let tree: string | undefined;
    let problem: string | undefined;
    for (let i = 0; i < parts.length - 1 && tree === undefined && problem === undefined; i++) {
      const relative = parts.slice(0, i + 1).join("/");
      const shownDir = path.join(shown, relative);
      const at = path.join(dir, parts[i]!);
      const info = lstatIn(at, shownDir);
      if (info === undefined) tree = relative;
      else if (info.isDirectory()) dir = at;
      else if (!info.isSymbolicLink())
        problem = `${shownDir} is ${kindOf(info) ?? "a file"} where bluegreen writes the directory ${relative}/: move it away first`;
      else {
        const real = realOrUndefined(at);
        if (real === undefined || !inside(real))
          problem = `${shownDir} is a symbolic link that leads out of the chart: bluegreen writes only inside it`;
        else if (!statSync(real).isDirectory())
          problem = `${shownDir} is a link to a file where bluegreen writes the directory ${relative}/`;
        else dir = real;
      }
    }
    if (problem !== undefined) {
      problems.add(problem);
      continue;
    }
    if (tree !== undefined) {
      placement.trees.set(tree, [...(placement.trees.get(tree) ?? []), file]);
      continue;
    }
    const shownFile = path.join(shown, file.path);
    const dest = path.join(dir, parts.at(-1)!);
    const info = lstatIn(dest, shownFile);
    if (info === undefined) placement.files.push({ file, dest });
    else if (info.isFile()) placement.files.push({ file, dest, previous: info });
    else if (info.isSymbolicLink())
      problems.add(
        `${shownFile} is a symbolic link: --force replaces only regular files, so replace or remove it by hand`,
      );
    else problems.add(`${shownFile} is ${kindOf(info)} where bluegreen writes a file: move it away first`);
  }
  if (problems.size > 0) throw new CliError([...problems], 1);
  return placement;
}

function lstatIn(file: string, shown: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw ioFailure("read", shown, error);
  }
}

function realOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}
