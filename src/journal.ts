// A change to several files, atomic as a set, also across a crash.
//
// A transaction is a directory tx-<owner> in the chart's workspace, named after the process that
// writes it (command, pid, start time: chart-lock.ts ownerTag) so a stale one is told apart, (chart-lock.ts: in the git
// directory, else <chart>/.bluegreen), made while the chart's lock is held:
//   journal.json  what goes where; `staging` until every new file is complete, then `committed`
//   s<i>          each new file (or, for init, a new directory) staged complete, with its mode
//   b<i>          a hard link to (or a copy of) the file it replaces, to put back on an error
// A staged file lives in the workspace when that is on the destination's file system, else
// beside the destination as .bluegreen-<nonce>-<i> (recorded in the journal before it exists).
//
// Commit: write journal.json as `committed` (flushed), then rename each staged file over its
// destination, then remove the transaction. A failure (the process still running) puts every
// renamed file back from its b<i> and reports the first error. A crash (kill -9, power loss)
// leaves the transaction, whose owner is gone; the next bluegreen run on the chart takes the
// lock and then
// - without a committed journal: removes the staged files. Nothing had been changed ("undid").
// - with one: renames every staged file that is still there over its destination ("finished"),
//   provided the destination is still the file it was meant to replace (by sha256); a file
//   someone edited since is left alone, and said so.
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import {
  entriesOf,
  newOwner,
  ownerAlive,
  ownerTag,
  parseOwnerTag,
  quietly,
  removeTree,
  type Workspace,
} from "./chart-lock.js";
import { sha256Hex } from "./crypto.js";
import { ioFailure, isCliError } from "./errors.js";
import { onInterrupt, signalsHandled } from "./interrupt.js";

interface Entry {
  /** How messages name the file (relative to the chart). */
  shown: string;
  /** Where it goes: a real path (a symlink's target, never the link). */
  dest: string;
  /** The staged file or directory. */
  staged: string;
  /** A link to (or copy of) the file it replaces, made at commit. */
  backup?: string;
  /** sha256 of what dest held when staged; null when it did not exist. */
  before: string | null;
  /** sha256 of the staged file; "tree" for a staged directory. */
  after: string;
}

interface JournalFile {
  state: "staging" | "committed";
  command: string;
  chart: string;
  entries: Entry[];
}

export interface FileOptions {
  /** The new file's mode; with `exactMode`, set exactly (whatever the umask). */
  mode: number;
  exactMode: boolean;
  /** The owner to keep (set where the process may). */
  uid?: number;
  gid?: number;
}

const TX_PREFIX = "tx-";
const hash = (bytes: Buffer | string) => sha256Hex(bytes);

function fileHash(file: string): string | null {
  try {
    return hash(readFileSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export class Transaction {
  private readonly entries: Entry[] = [];
  private readonly dir: string;
  private readonly nonce: string;
  private readonly device: number;
  private readonly dispose: () => void;
  private committed = false;

  /**
   * Opens a transaction in `workspace` (the chart's lock must be held). `flush` makes every
   * staged file durable before the commit, for files people own; a new chart skips that.
   */
  constructor(
    workspace: Workspace,
    private readonly command: string,
    private readonly chart: string,
    private readonly flush: boolean,
  ) {
    const owner = newOwner(command);
    this.nonce = owner.nonce;
    this.dir = path.join(workspace.dir, `${TX_PREFIX}${ownerTag(owner)}`);
    try {
      mkdirSync(this.dir, { mode: 0o700 });
    } catch (error) {
      removeTree(this.dir);
      throw ioFailure("write", chart, error);
    }
    this.device = statSync(this.dir).dev;
    this.dispose = onInterrupt(() => this.abort());
  }

  /** Stages a file with its complete content. */
  addFile(shown: string, dest: string, content: string | Buffer, options: FileOptions): void {
    const staged = this.stagedPath(dest);
    const entry: Entry = { shown, dest, staged, before: fileHash(dest), after: hash(content) };
    this.record(entry);
    writeNew(staged, content, options, this.flush);
  }

  /** Stages a new directory, filled by `build` (init); it must not exist at `dest` yet. */
  addTree(shown: string, dest: string, build: (dir: string) => void): void {
    const staged = this.stagedPath(dest);
    this.record({ shown, dest, staged, before: null, after: "tree" });
    mkdirSync(staged);
    build(staged);
  }

  private stagedPath(dest: string): string {
    const i = this.entries.length;
    let device: number | undefined;
    try {
      device = statSync(path.dirname(dest)).dev;
    } catch {
      device = undefined;
    }
    return device === undefined || device === this.device
      ? path.join(this.dir, `s${i}`)
      : path.join(path.dirname(dest), `.bluegreen-${this.nonce}-${i}`);
  }

  private record(entry: Entry): void {
    this.entries.push(entry);
    // A file staged outside the workspace is named in the journal before it exists.
    if (!entry.staged.startsWith(this.dir + path.sep)) this.writeJournal("staging");
  }

  private writeJournal(state: JournalFile["state"]): void {
    const journal: JournalFile = { state, command: this.command, chart: this.chart, entries: this.entries };
    const temporary = path.join(this.dir, `journal.${state}`);
    writeNew(temporary, JSON.stringify(journal), { mode: 0o600, exactMode: false }, this.flush);
    renameSync(temporary, path.join(this.dir, "journal.json"));
    if (this.flush) syncDirectory(this.dir);
  }

  /**
   * Renames every staged file into place, or none: on an error, what was renamed is put back.
   * A signal that arrived while the files were staged is handled first (the change is then
   * abandoned); one that arrives during the renames waits for them.
   */
  async commit(): Promise<void> {
    await signalsHandled();
    const renamed: Entry[] = [];
    try {
      for (const [i, entry] of this.entries.entries()) {
        if (entry.before === null) continue;
        entry.backup = entry.staged.startsWith(this.dir + path.sep)
          ? path.join(this.dir, `b${i}`)
          : `${entry.staged}.orig`;
        backUp(entry.dest, entry.backup);
      }
      this.writeJournal("committed");
      this.committed = true;
      for (const entry of this.entries) {
        renameSync(entry.staged, entry.dest);
        renamed.push(entry);
      }
    } catch (error) {
      const shown = this.entries[renamed.length]?.shown ?? this.chart;
      for (const entry of renamed.reverse()) {
        quietly(() =>
          entry.backup ? renameSync(entry.backup, entry.dest) : rmSync(entry.dest, { recursive: true, force: true }),
        );
      }
      this.committed = false;
      this.abort();
      throw isCliError(error) ? error : ioFailure("write", shown, error);
    }
    this.finish();
  }

  /** Removes whatever was staged; nothing was renamed. */
  abort(): void {
    if (this.committed) return; // the renames finish; a crash now is for the next run to finish
    for (const entry of this.entries) {
      if (!entry.staged.startsWith(this.dir + path.sep)) {
        quietly(() => rmSync(entry.staged, { recursive: true, force: true }));
        if (entry.backup) quietly(() => unlinkSync(entry.backup!));
      }
    }
    removeTree(this.dir);
    this.dispose();
  }

  private finish(): void {
    for (const entry of this.entries)
      if (entry.backup && !entry.backup.startsWith(this.dir + path.sep)) quietly(() => unlinkSync(entry.backup!));
    removeTree(this.dir);
    this.dispose();
  }
}

/** Creates a file that must not exist yet, with its mode (and owner) as asked. */
export function writeNew(file: string, content: string | Buffer, options: FileOptions, flush: boolean): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode);
  try {
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    if (flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (options.exactMode) chmodSync(file, options.mode);
  if (
    options.uid !== undefined &&
    options.gid !== undefined &&
    (options.uid !== process.getuid?.() || options.gid !== process.getgid?.())
  ) {
    // Root editing someone's file keeps it theirs; others may only keep their own groups.
    quietly(() => chownSync(file, options.uid!, options.gid!));
    if (options.exactMode) quietly(() => chmodSync(file, options.mode)); // chown may clear set-id bits
  }
}

function backUp(file: string, backup: string): void {
  try {
    linkSync(file, backup);
  } catch {
    copyFileSync(file, backup, constants.COPYFILE_EXCL);
  }
}

function syncDirectory(dir: string): void {
  quietly(() => {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

// --- the next run after a crash ------------------------------------------------------------------

/**
 * Finishes or undoes every transaction in `workspace` whose process is gone (the chart's lock
 * must be held). Returns one line per transaction, saying which.
 */
export function recover(workspace: Workspace, shownChart: string): string[] {
  const notes: string[] = [];
  for (const name of entriesOf(workspace.dir)
    .filter((entry) => entry.startsWith(TX_PREFIX))
    .sort()) {
    const dir = path.join(workspace.dir, name);
    const owner = parseOwnerTag(name.slice(TX_PREFIX.length));
    if (owner !== undefined && ownerAlive(owner)) continue;
    const note = recoverOne(dir, shownChart);
    if (note) notes.push(note);
  }
  return notes;
}

function recoverOne(dir: string, shownChart: string): string {
  let journal: JournalFile | undefined;
  try {
    journal = JSON.parse(readFileSync(path.join(dir, "journal.json"), "utf8")) as JournalFile;
  } catch {
    journal = undefined;
  }
  const command = `bluegreen ${journal?.command ?? parseOwnerTag(path.basename(dir).slice(TX_PREFIX.length))?.command ?? "command"}`;
  if (journal?.state !== "committed") {
    for (const entry of journal?.entries ?? [])
      if (!entry.staged.startsWith(dir + path.sep))
        quietly(() => rmSync(entry.staged, { recursive: true, force: true }));
    removeTree(dir);
    return `note: undid an interrupted ${command}${inChart(shownChart)}: it had not changed any file yet`;
  }
  const changedSince: string[] = [];
  for (const entry of journal.entries) {
    if (!exists(entry.staged)) continue; // renamed before the crash
    const current = entry.after === "tree" ? (exists(entry.dest) ? "present" : null) : safeHash(entry.dest);
    if (current === entry.after) {
      quietly(() => rmSync(entry.staged, { recursive: true, force: true }));
      continue;
    }
    if (current === entry.before) {
      try {
        renameSync(entry.staged, entry.dest);
        continue;
      } catch {
        // Left as it is, and said so below.
      }
    }
    changedSince.push(entry.shown);
    quietly(() => rmSync(entry.staged, { recursive: true, force: true }));
  }
  for (const entry of journal.entries)
    if (entry.backup && !entry.backup.startsWith(dir + path.sep)) quietly(() => unlinkSync(entry.backup!));
  removeTree(dir);
  const all = journal.entries.map((entry) => entry.shown).join(", ");
  if (changedSince.length > 0) {
    return `note: an interrupted ${command}${inChart(shownChart)} had not finished ${changedSince.join(", ")}, which changed since; bluegreen left it as it is (check ${all} with git diff)`;
  }
  return `note: finished an interrupted ${command}${inChart(shownChart)}: ${all} now ${journal.entries.length === 1 ? "holds" : "hold"} what it was writing`;
}

const inChart = (shownChart: string) => (shownChart === "." ? "" : ` in ${shownChart}`);

function safeHash(file: string): string | null | "unreadable" {
  try {
    return fileHash(file);
  } catch {
    return "unreadable";
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
 * Removes staging left by bluegreen processes that are gone and that had committed nothing: an
 * interrupted init's copy of the chart (and of its Slack Secret) among them. `dirs` are the
 * places such staging can be: a directory's hidden .bluegreen-init-* entries, and every chart
 * workspace in a git directory's bluegreen/.
 */
export function sweepStaleStaging(parent: string | undefined, gitRoot: string | undefined): void {
  const candidates: { dir: string; tag: string }[] = [];
  if (parent) {
    for (const name of entriesOf(parent))
      if (name.startsWith(INIT_STAGING_PREFIX))
        candidates.push({ dir: path.join(parent, name), tag: name.slice(INIT_STAGING_PREFIX.length) });
  }
  if (gitRoot) {
    for (const chart of entriesOf(gitRoot)) {
      for (const name of entriesOf(path.join(gitRoot, chart))) {
        if (name.startsWith(TX_PREFIX))
          candidates.push({ dir: path.join(gitRoot, chart, name), tag: name.slice(TX_PREFIX.length) });
      }
    }
  }
  for (const { dir, tag } of candidates) {
    const owner = parseOwnerTag(tag);
    if (owner === undefined ? !olderThan(dir, 60_000) : ownerAlive(owner)) continue;
    let state: string | undefined;
    try {
      state = (JSON.parse(readFileSync(path.join(dir, "journal.json"), "utf8")) as JournalFile).state;
    } catch {
      state = undefined;
    }
    if (state === "committed") continue; // for that chart's next run to finish
    removeTree(dir);
  }
}

export const INIT_STAGING_PREFIX = ".bluegreen-init-";

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > ms;
  } catch {
    return false;
  }
}
