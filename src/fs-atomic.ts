// All-or-nothing writing. A chart is staged in a hidden directory beside its target and renamed
// into place; an edited file is written beside itself, flushed, and renamed over the original.
// Whatever fails, and wherever, what was there before is what remains.
//
// The calls are synchronous: a CLI has nothing else to do meanwhile, and each asynchronous step
// would cost a round trip through the thread pool.
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { failure, ioFailure, isCliError } from "./errors.js";

export interface FileToWrite {
  /** Path relative to the directory being written. */
  path: string;
  content: string;
  /** Holds a credential: mode 0600 whatever the umask. */
  secret?: boolean;
}

export type DirectoryState = "missing" | "empty" | "non-empty";

export function directoryState(dir: string): DirectoryState {
  let info;
  try {
    info = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw ioFailure("read", dir, error);
  }
  if (!info.isDirectory()) throw failure(`${dir} exists and is not a directory`);
  try {
    return readdirSync(dir).length === 0 ? "empty" : "non-empty";
  } catch (error) {
    throw ioFailure("read", dir, error);
  }
}

// Unique enough for a name that is only ever created exclusively (mkdir, O_EXCL).
const uniqueSuffix = () => `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * Creates a file that must not exist yet, optionally flushed to disk. With `exactMode`, the mode
 * is set exactly, whatever the umask; otherwise the umask applies, as for any new file.
 */
function writeNewFile(file: string, content: string, mode: number, options: { flush: boolean; exactMode: boolean }): void {
  const fd = openSync(file, "wx", mode);
  try {
    const bytes = Buffer.from(content);
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    if (options.flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (options.exactMode) chmodSync(file, mode);
}

/**
 * Writes a whole directory of files. A missing or empty target is replaced in one rename.
 * With `replace`, a non-empty target keeps every file we do not write; ours are swapped in one
 * by one and swapped back if any step fails.
 */
export function writeDirectory(target: string, files: FileToWrite[], options: { replace: boolean }): void {
  const parent = path.dirname(target);
  let createdParent: string | undefined;
  try {
    createdParent = mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw ioFailure("create", parent, error);
  }
  const staging = path.join(parent, `.${path.basename(target)}.bluegreen-${uniqueSuffix()}`);
  try {
    mkdirSync(staging);
    for (const dir of new Set(files.map((file) => path.dirname(file.path)))) mkdirSync(path.join(staging, dir), { recursive: true });
    for (const file of files) {
      // A new chart has no earlier content to protect, so it is not flushed file by file. The
      // Secret is created 0600, which a umask can only narrow.
      writeNewFile(path.join(staging, file.path), file.content, file.secret ? 0o600 : 0o666, { flush: false, exactMode: false });
    }
    if (directoryState(target) === "non-empty") {
      if (!options.replace) throw failure(`${target} is not empty (use --force to replace the files bluegreen generates)`);
      swapFilesIn(staging, target, files);
    } else {
      // rename(2) replaces an empty directory atomically.
      renameSync(staging, target);
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
    if (isCliError(error)) throw error;
    // Name the file that failed as the person knows it: inside the target, not the staging copy.
    const where = (error as NodeJS.ErrnoException).path?.replace(staging, target) ?? target;
    throw ioFailure("write", where, error);
  }
  rmSync(staging, { recursive: true, force: true });
}

function swapFilesIn(staging: string, target: string, files: FileToWrite[]): void {
  const backup = path.join(staging, `.previous-${uniqueSuffix()}`);
  const done: { file: string; hadPrevious: boolean }[] = [];
  try {
    for (const file of files) {
      const destination = path.join(target, file.path);
      mkdirSync(path.dirname(destination), { recursive: true });
      const hadPrevious = exists(destination);
      if (hadPrevious) {
        mkdirSync(path.dirname(path.join(backup, file.path)), { recursive: true });
        renameSync(destination, path.join(backup, file.path));
      }
      done.push({ file: file.path, hadPrevious });
      renameSync(path.join(staging, file.path), destination);
    }
  } catch (error) {
    for (const { file, hadPrevious } of done.reverse()) {
      const destination = path.join(target, file);
      rmSync(destination, { force: true });
      if (hadPrevious) renameSync(path.join(backup, file), destination);
    }
    throw error;
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes files of a chart that people own, each through a flushed temporary file beside it and
 * a rename, so no reader ever sees half a file and a crash leaves the old or the new one. With
 * several files, all are staged before any is renamed, and if a rename fails the ones already
 * renamed are put back (from hard links to the originals) before the error is reported.
 */
export function replaceFiles(files: { path: string; content: string }[]): void {
  const staged: { file: string; temporary: string; original?: string }[] = [];
  const renamed: typeof staged = [];
  let current = files[0]?.path ?? "";
  const quietly = (action: () => void) => {
    try {
      action();
    } catch {
      // Cleaning up after a failure: the first error is the one to report.
    }
  };
  try {
    for (const { path: file, content } of files) {
      current = file;
      const previous = statOrUndefined(file);
      const temporary = siblingPath(file, "tmp");
      staged.push({ file, temporary });
      // An edited file keeps exactly the mode it had; a new one gets the umask's.
      writeNewFile(temporary, content, previous ? previous.mode & 0o7777 : 0o666, { flush: true, exactMode: previous !== undefined });
      if (previous) {
        const original = siblingPath(file, "orig");
        // A hard link keeps the original bytes and inode; a copy where links are not supported.
        try {
          linkSync(file, original);
        } catch {
          copyFileSync(file, original, constants.COPYFILE_EXCL);
        }
        staged.at(-1)!.original = original;
      }
    }
    for (const entry of staged) {
      current = entry.file;
      renameSync(entry.temporary, entry.file);
      renamed.push(entry);
    }
  } catch (error) {
    for (const entry of renamed.reverse()) {
      quietly(() => (entry.original ? renameSync(entry.original, entry.file) : unlinkSync(entry.file)));
    }
    for (const { temporary, original } of staged) {
      quietly(() => unlinkSync(temporary));
      if (original) quietly(() => unlinkSync(original));
    }
    throw ioFailure("write", current, error);
  }
  for (const { original } of staged) if (original) quietly(() => unlinkSync(original));
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

const siblingPath = (file: string, suffix: string) =>
  path.join(path.dirname(file), `.${path.basename(file)}.bluegreen-${uniqueSuffix()}.${suffix}`);
