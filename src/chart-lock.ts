// One bluegreen command at a time changes a chart. Every editing command takes the chart's lock
// before it reads a file and holds it until its last rename; a second command waits for it
// (briefly) or refuses. A lock whose process is gone is taken over.
//
// Where the lock lives (the chart's workspace, shared with journal.ts):
// - inside the git directory of the repository that holds the chart, when there is one on the
//   same file system: <git dir>/bluegreen/<hash of the chart's real path>/. Git never shows it,
//   and staged files there can be renamed into the chart.
// - otherwise in the chart itself, under one hidden name: <chart>/.bluegreen/, removed again
//   when the command is done.
//
// The lock is a file created in one step (link(2) of a complete temporary file, so nobody reads
// it half-written) that names its owner: pid, host, boot and the process's start time, so a pid
// that was reused is not mistaken for the owner. A stale lock is removed only by whoever holds
// the marker named after that lock's nonce (itself a lock, taken the same way), and only if the
// lock still has that nonce: two commands that find the same stale lock cannot both take it.
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { sha256Hex } from "./crypto.js";
import { failure, ioFailure } from "./errors.js";
import { onInterrupt } from "./interrupt.js";
import { printError } from "./output.js";

// --- who owns a lock or a staging directory -----------------------------------------------------

export interface Owner {
  pid: number;
  /** A short hash of the host name: another machine's process cannot be checked. */
  host: string;
  /** A short hash of the kernel's boot id: a lock from before a reboot is stale whatever its pid. */
  boot: string;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string;
  command: string;
  nonce: string;
}

const readOr = (file: string, fallback: string) => {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
};

/**
 * Four hex digits that tell one host or boot from another in an owner record (FNV-1a: an
 * identity, not a secret, so no cryptographic hash and no node:crypto on every command's path).
 */
const shortHash = (text: string) => {
  if (text === "") return "";
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return ((hash >>> 16) ^ (hash & 0xffff)).toString(16).padStart(4, "0");
};

/** Field 22 of /proc/<pid>/stat; "" where there is no /proc. */
function startTime(pid: number): string {
  const stat = readOr(`/proc/${pid}/stat`, "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? "";
}

/** "Z" for a zombie, and so on; "" where there is no /proc. */
function processState(pid: number): string {
  const stat = readOr(`/proc/${pid}/stat`, "");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "";
}

/**
 * Hex digits that tell two runs apart (beside the pid, start time and host). Math.random is seeded
 * per process from the system's entropy, which is all a nonce needs; node:crypto would cost every
 * command its load.
 */
const randomDigits = (count: number) =>
  Array.from({ length: count }, () => Math.floor(Math.random() * 16).toString(16)).join("");

let self: Omit<Owner, "command" | "nonce"> | undefined;

export function newOwner(command: string): Owner {
  self ??= {
    pid: process.pid,
    host: shortHash(hostname()),
    boot: shortHash(readOr("/proc/sys/kernel/random/boot_id", "")),
    start: startTime(process.pid),
  };
  return { ...self, command, nonce: randomDigits(10) };
}

/** Whether the process that wrote an owner record may still be running. */
export function ownerAlive(owner: Owner): boolean {
  const me = newOwner("");
  // Another machine's process (a shared file system) cannot be checked: assume it runs.
  if (owner.host !== me.host) return true;
  if (owner.boot !== "" && me.boot !== "" && owner.boot !== me.boot) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (processState(owner.pid) === "Z") return false;
  const start = startTime(owner.pid);
  return owner.start === "" || start === "" || start === owner.start;
}

/**
 * An owner as part of a file name (staging directories carry their owner in their name, so
 * that a killed process leaves nothing to read but the name):
 * <command>.<pid>.<start>.<host><boot>.<nonce>, with `_` for an unknown start.
 */
export const ownerTag = (owner: Owner) =>
  `${owner.command}.${owner.pid}.${owner.start || "_"}.${owner.host || "____"}${owner.boot || "____"}.${owner.nonce}`;

export function parseOwnerTag(tag: string): Owner | undefined {
  const match = /^([a-z-]+)\.(\d+)\.(\d+|_)\.([0-9a-f_]{4})([0-9a-f_]{4})\.([0-9a-f]+)$/.exec(tag);
  if (!match) return undefined;
  const [, command, pid, start, host, boot, nonce] = match as unknown as string[];
  const unknown = (text: string) => (/^_+$/.test(text) ? "" : text);
  return {
    command: command!,
    pid: Number(pid),
    start: unknown(start!),
    host: unknown(host!),
    boot: unknown(boot!),
    nonce: nonce!,
  };
}

export function readOwner(file: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Owner;
    return typeof owner.pid === "number" && typeof owner.nonce === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Writes an owner record to a new file in one write. */
export function writeOwner(file: string, owner: Owner): void {
  const fd = openSync(file, "wx", 0o600);
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
}

// --- where a chart's workspace is --------------------------------------------------------------

/** The git directory of the repository `dir` is in (following a worktree's .git file); undefined outside git. */
export function gitDirOf(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const dotGit = path.join(current, ".git");
    try {
      const info = lstatSync(dotGit);
      if (info.isDirectory()) return dotGit;
      if (info.isFile()) {
        const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
        if (pointer) return path.resolve(current, pointer);
      }
    } catch {
      // No .git here: look further up.
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/** `dir`'s real path, also for a directory that does not exist yet (its nearest existing ancestor's, joined). */
export function realPath(dir: string): string {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      if (path.dirname(current) === current) return path.resolve(dir);
      missing.push(path.basename(current));
    }
  }
}

export interface Workspace {
  /** Where the lock, the journal and staged files of this chart live. */
  dir: string;
  /** In a git directory (kept), or the chart's own .bluegreen (removed when empty). */
  inGit: boolean;
  /** The git workspace root holding every chart's workspace, for sweeping stale staging. */
  root?: string;
}

export const CHART_WORKSPACE = ".bluegreen";

/**
 * The workspace of the chart in `chartDir` (which may not exist yet, for init): in the git
 * directory when it is on the chart's file system, else the chart's own .bluegreen.
 */
export function workspaceOf(chartDir: string): Workspace {
  const real = realPath(chartDir);
  const gitDir = gitDirOf(real);
  if (gitDir !== undefined) {
    try {
      if (statSync(gitDir).dev === statSync(nearestExisting(real)).dev) {
        const root = path.join(gitDir, "bluegreen");
        return { dir: path.join(root, sha256Hex(real).slice(0, 16)), inGit: true, root };
      }
    } catch {
      // An unreadable git directory: use the chart's own workspace.
    }
  }
  return { dir: path.join(real, CHART_WORKSPACE), inGit: false };
}

export function nearestExisting(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      statSync(current);
      return current;
    } catch {
      if (path.dirname(current) === current) return current;
    }
  }
}

/** Creates the workspace; a git directory we may not write falls back to the chart's own. */
export function ensureWorkspace(chartDir: string, shownChart: string): Workspace {
  const workspace = workspaceOf(chartDir);
  try {
    mkdirSync(workspace.dir, { recursive: true, mode: 0o700 });
    return workspace;
  } catch (error) {
    if (!workspace.inGit) throw ioFailure("create", path.join(shownChart, CHART_WORKSPACE), error);
  }
  const own = { dir: path.join(realPath(chartDir), CHART_WORKSPACE), inGit: false };
  try {
    mkdirSync(own.dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioFailure("create", path.join(shownChart, CHART_WORKSPACE), error);
  }
  return own;
}

/** Removes a workspace that holds nothing any more (the chart's own one, and empty git ones). */
export function tidyWorkspace(workspace: Workspace): void {
  for (const dir of [workspace.dir, ...(workspace.root ? [workspace.root] : [])]) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty, or gone: either way nothing to do
    }
  }
}

// --- the lock ------------------------------------------------------------------------------------

const WAIT_MS = 10_000;
const POLL_MS = 40;
const NOTE_AFTER_MS = 1_000;

export interface ChartLock {
  workspace: Workspace;
  /** The command that holds it, for the records of what it changes. */
  command: string;
  release(): void;
}

const held = new Map<string, ChartLock>();

/**
 * Takes the lock of the chart in `chartDir` for `command`, waiting up to 10 s for another
 * bluegreen command to finish; refuses (exit 1) after that. Released when the process exits.
 */
export async function lockChart(chartDir: string, command: string, shownChart: string): Promise<ChartLock> {
  const existing = held.get(path.resolve(chartDir));
  if (existing) return existing;
  const workspace = ensureWorkspace(chartDir, shownChart);
  const me = newOwner(command);
  const file = path.join(workspace.dir, "lock");
  const started = Date.now();
  let noted = false;
  for (;;) {
    const holder = acquire(file, me, workspace, shownChart);
    if (holder === undefined) break;
    const waited = Date.now() - started;
    if (waited >= WAIT_MS) {
      throw failure(
        `another bluegreen command${describe(holder)} is changing ${chartLabel(shownChart)}; try again when it has finished`,
      );
    }
    if (!noted && waited >= NOTE_AFTER_MS) {
      noted = true;
      printError(
        `waiting for another bluegreen command${describe(holder)} to finish changing ${chartLabel(shownChart)}…\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let dispose = () => {};
  const lock: ChartLock = {
    workspace,
    command,
    release: () => {
      if (!held.delete(path.resolve(chartDir))) return;
      process.off("exit", lock.release);
      dispose();
      const current = readOwner(file);
      if (current?.nonce === me.nonce) quietly(() => unlinkSync(file));
      tidyWorkspace(workspace);
    },
  };
  held.set(path.resolve(chartDir), lock);
  process.on("exit", lock.release);
  dispose = onInterrupt(lock.release);
  return lock;
}

/** A chart as messages name it: "this chart" for the current directory. */
export const chartLabel = (shownChart: string) => (shownChart === "." ? "this chart" : shownChart);

const describe = (owner: Owner) => (owner.pid > 0 ? ` (${owner.command}, pid ${owner.pid})` : "");

/** The lock held by this process for a chart, if any. */
export const heldLock = (chartDir: string): ChartLock | undefined => held.get(path.resolve(chartDir));

/** The lock if nobody holds it right now (for a quick tidy-up by a command that only reads). */
export function tryLockChart(command: string, shownChart: string, workspace: Workspace): ChartLock | undefined {
  const me = newOwner(command);
  const file = path.join(workspace.dir, "lock");
  if (acquire(file, me, workspace, shownChart) !== undefined) return undefined;
  const lock: ChartLock = {
    workspace,
    command,
    release: () => {
      if (readOwner(file)?.nonce === me.nonce) quietly(() => unlinkSync(file));
      tidyWorkspace(workspace);
    },
  };
  return lock;
}

/** Creates `file` naming `me`; returns undefined when taken, else the live owner that holds it. */
function acquire(file: string, me: Owner, workspace: Workspace, shownChart: string): Owner | undefined {
  for (;;) {
    if (create(file, me, workspace, shownChart)) return undefined;
    const holder = holderOf(file);
    if (holder === undefined) continue; // released meanwhile
    if (holder.alive) return holder.owner;
    // Stale: remove it, but only under the marker of that very lock.
    const marker = `${file}.${holder.owner.nonce}`;
    const markerHolder = acquire(marker, me, workspace, shownChart);
    if (markerHolder !== undefined) return markerHolder; // someone else is taking it over
    try {
      if (holderOf(file)?.owner.nonce === holder.owner.nonce) quietly(() => unlinkSync(file));
    } finally {
      quietly(() => unlinkSync(marker));
    }
  }
}

/**
 * Who holds a lock file, and whether they may still run. A file with no readable owner (written
 * by hand, or cut short on a file system without hard links) counts as held while it is fresh.
 */
function holderOf(file: string): { owner: Owner; alive: boolean } | undefined {
  const owner = readOwner(file);
  if (owner !== undefined) return { owner, alive: ownerAlive(owner) };
  let info: Stats;
  try {
    info = statSync(file);
  } catch {
    return undefined;
  }
  const unknown: Owner = { pid: 0, host: "", boot: "", start: "", command: "unknown", nonce: `i${info.ino}` };
  return { owner: unknown, alive: Date.now() - info.mtimeMs < WAIT_MS };
}

function create(file: string, me: Owner, workspace: Workspace, shownChart: string): boolean {
  const temporary = `${file}~${me.nonce}${randomDigits(6)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeOwner(temporary, me);
      break;
    } catch (error) {
      // The workspace was tidied away by a command that just finished: make it again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && attempt < 5) {
        ensureWorkspaceDir(workspace, shownChart);
        continue;
      }
      throw ioFailure("create", shownLockPath(workspace, shownChart), error);
    }
  }
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS")
      return createWithoutLinks(file, me, workspace, shownChart);
    throw ioFailure("create", shownLockPath(workspace, shownChart), error);
  } finally {
    quietly(() => unlinkSync(temporary));
  }
}

/** A file system without hard links: an exclusive create, with the owner written right after. */
function createWithoutLinks(file: string, me: Owner, workspace: Workspace, shownChart: string): boolean {
  try {
    writeOwner(file, me);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw ioFailure("create", shownLockPath(workspace, shownChart), error);
  }
}

function ensureWorkspaceDir(workspace: Workspace, shownChart: string): void {
  try {
    mkdirSync(workspace.dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw ioFailure("create", shownLockPath(workspace, shownChart), error);
  }
}

const shownLockPath = (workspace: Workspace, shownChart: string) =>
  workspace.inGit
    ? `the lock of ${shownChart} in ${path.dirname(workspace.root ?? workspace.dir)}`
    : path.join(shownChart, CHART_WORKSPACE);

export function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // Cleaning up: a first error, if any, is the one to report.
  }
}

/** Every entry of a directory, or none if it cannot be read. */
export function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes a directory tree, never throwing (cleaning up). */
export const removeTree = (dir: string) => quietly(() => rmSync(dir, { recursive: true, force: true, maxRetries: 2 }));
