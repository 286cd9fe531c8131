// All-or-nothing writing. A chart is staged in a hidden directory beside its target and renamed
// into place; an edited file is written beside itself, flushed, and renamed over the original.
// Whatever fails, and wherever, what was there before is what remains.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, copyFile, link, lstat, mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { CliError, failure, ioFailure } from "./errors.js";

export interface FileToWrite {
  /** Path relative to the directory being written. */
  path: string;
  content: string;
  /** Holds a credential: mode 0600 whatever the umask. */
  secret?: boolean;
}

export type DirectoryState = "missing" | "empty" | "non-empty";

export async function directoryState(dir: string): Promise<DirectoryState> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw ioFailure("read", dir, error);
  }
  if (!info.isDirectory()) throw failure(`${dir} exists and is not a directory`);
  try {
    return (await readdir(dir)).length === 0 ? "empty" : "non-empty";
  } catch (error) {
    throw ioFailure("read", dir, error);
  }
}

const uniqueSuffix = () => randomBytes(6).toString("hex");

async function writeNewFile(file: string, content: string, mode: number): Promise<void> {
  const handle = await open(file, "wx", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The umask may have taken bits away (or, for 0600, must not have added any): set it exactly.
  await chmod(file, mode);
}

/**
 * Writes a whole directory of files. A missing or empty target is replaced in one rename.
 * With `replace`, a non-empty target keeps every file we do not write; ours are swapped in one
 * by one and swapped back if any step fails.
 */
export async function writeDirectory(target: string, files: FileToWrite[], options: { replace: boolean }): Promise<void> {
  const parent = path.dirname(target);
  let createdParent: string | undefined;
  try {
    createdParent = await mkdir(parent, { recursive: true });
  } catch (error) {
    throw ioFailure("create", parent, error);
  }
  const staging = path.join(parent, `.${path.basename(target)}.bluegreen-${uniqueSuffix()}`);
  try {
    await mkdir(staging);
    for (const file of files) {
      const destination = path.join(staging, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      await writeNewFile(destination, file.content, file.secret ? 0o600 : 0o644);
    }
    const state = await directoryState(target);
    if (state === "non-empty") {
      if (!options.replace) throw failure(`${target} is not empty (use --force to replace the files bluegreen generates)`);
      await swapFilesIn(staging, target, files);
    } else {
      // rename(2) replaces an empty directory atomically.
      await rename(staging, target);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    if (error instanceof CliError) throw error;
    // Name the file that failed as the person knows it: inside the target, not the staging copy.
    const where = (error as NodeJS.ErrnoException).path?.replace(staging, target) ?? target;
    throw ioFailure("write", where, error);
  }
  await rm(staging, { recursive: true, force: true });
}

async function swapFilesIn(staging: string, target: string, files: FileToWrite[]): Promise<void> {
  const backup = path.join(staging, `.previous-${uniqueSuffix()}`);
  const done: { file: string; hadPrevious: boolean }[] = [];
  try {
    for (const file of files) {
      const destination = path.join(target, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      const hadPrevious = await exists(destination);
      if (hadPrevious) {
        await mkdir(path.dirname(path.join(backup, file.path)), { recursive: true });
        await rename(destination, path.join(backup, file.path));
      }
      done.push({ file: file.path, hadPrevious });
      await rename(path.join(staging, file.path), destination);
    }
  } catch (error) {
    for (const { file, hadPrevious } of done.reverse()) {
      const destination = path.join(target, file);
      await rm(destination, { force: true });
      if (hadPrevious) await rename(path.join(backup, file), destination);
    }
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
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
export async function replaceFiles(files: { path: string; content: string }[]): Promise<void> {
  const staged: { file: string; temporary: string; original?: string }[] = [];
  const renamed: typeof staged = [];
  let current = files[0]?.path ?? "";
  try {
    for (const { path: file, content } of files) {
      current = file;
      const previous = await stat(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      const temporary = siblingPath(file, "tmp");
      staged.push({ file, temporary });
      await writeNewFile(temporary, content, previous ? previous.mode & 0o7777 : 0o644);
      if (previous) {
        const original = siblingPath(file, "orig");
        // A hard link keeps the original bytes and inode; a copy where links are not supported.
        await link(file, original).catch(() => copyFile(file, original, constants.COPYFILE_EXCL));
        staged.at(-1)!.original = original;
      }
    }
    for (const entry of staged) {
      current = entry.file;
      await rename(entry.temporary, entry.file);
      renamed.push(entry);
    }
  } catch (error) {
    for (const entry of renamed.reverse()) {
      await (entry.original ? rename(entry.original, entry.file) : unlink(entry.file)).catch(() => undefined);
    }
    await Promise.all(staged.map(({ temporary }) => unlink(temporary).catch(() => undefined)));
    await Promise.all(staged.map(({ original }) => (original ? unlink(original).catch(() => undefined) : undefined)));
    throw ioFailure("write", current, error);
  }
  await Promise.all(staged.map(({ original }) => (original ? unlink(original).catch(() => undefined) : undefined)));
}

const siblingPath = (file: string, suffix: string) =>
  path.join(path.dirname(file), `.${path.basename(file)}.bluegreen-${uniqueSuffix()}.${suffix}`);
