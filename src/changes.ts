// What a day-2 command does to the files of a chart, done or, with --dry-run, only shown: a
// unified diff per file, as `git diff` would print it, and not a byte written.
//
// Done, the files change together or not at all (journal.ts), under the chart's lock that the
// command took before it read them (chart/find.ts). Each file is written where it really is: a
// symbolic link stays a link and its target gets the change; the file keeps its mode exactly,
// and its owner where the process may set it. A FIFO, socket, device or directory in a file's
// place, a link that leads nowhere, and a file with other hard links (which a rename would split
// from it) are refused before anything is written.
import { lstatSync, realpathSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { heldLock, lockChart } from "./chart-lock.js";
import { failure, ioFailure } from "./errors.js";
import { kindOf, readUtf8 } from "./fs-read.js";
import { Transaction } from "./journal.js";
import { out, print } from "./output.js";
import { shownPath } from "./paths.js";

export interface FileChange {
  /** Absolute path. */
  path: string;
  content: string;
}

export async function applyChanges(
  chartDir: string,
  changes: FileChange[],
  options: { dryRun?: boolean },
): Promise<void> {
  const shownChart = shownPath(chartDir);
  if (options.dryRun) {
    for (const change of changes) print(diffOf(chartDir, change));
    print(out.bold("Dry run: nothing written.\n"));
    return;
  }
  const lock = heldLock(chartDir) ?? (await lockChart(chartDir, "edit", shownChart));
  const planned = changes.map((change) => plan(chartDir, change));
  const transaction = new Transaction(lock.workspace, lock.command, shownChart, true);
  let current = shownChart;
  try {
    for (const { shown, dest, content, previous } of planned) {
      current = shown;
      transaction.addFile(
        shown,
        dest,
        content,
        previous
          ? { mode: previous.mode & 0o7777, exactMode: true, uid: previous.uid, gid: previous.gid }
          : { mode: 0o666, exactMode: false },
      );
    }
  } catch (error) {
    transaction.abort();
    throw ioFailure("write", current, error);
  }
  await transaction.commit();
}

interface Planned {
  shown: string;
  dest: string;
  content: string;
  previous?: Stats;
}

/** Where a change really goes, and what the file there is; refuses what cannot be replaced safely. */
function plan(chartDir: string, change: FileChange): Planned {
  const shown = path.relative(chartDir, change.path).split(path.sep).join("/");
  let info: Stats;
  try {
    info = lstatSync(change.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { shown, dest: change.path, content: change.content };
    throw ioFailure("read", shown, error);
  }
  let dest = change.path;
  if (info.isSymbolicLink()) {
    try {
      dest = realpathSync(change.path);
      info = statSync(dest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw failure(`${shown} is a link to a file that does not exist`);
      throw ioFailure("read", shown, error);
    }
  }
  const kind = kindOf(info);
  if (kind !== undefined)
    throw failure(`${shown} is ${kind}, not a file: bluegreen reads and writes regular files only`);
  if (info.nlink > 1) {
    throw failure(
      `${shown} has ${info.nlink - 1} other hard link${info.nlink > 2 ? "s" : ""}: replacing it would leave them with the old text; make it a symbolic link or a copy first`,
    );
  }
  return { shown, dest, content: change.content, previous: info };
}

function diffOf(chartDir: string, change: FileChange): string {
  const name = path.relative(chartDir, change.path).split(path.sep).join("/");
  const read = readUtf8(change.path, name);
  const before = read.kind === "text" ? read.text : undefined; // undefined: a new file
  const patch = createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${name}`,
    `b/${name}`,
    before ?? "",
    change.content,
  );
  return patch
    .split("\n")
    .filter((line) => !/^=+$/.test(line))
    .map((line) =>
      line.startsWith("+") && !line.startsWith("+++")
        ? out.green(line)
        : line.startsWith("-") && !line.startsWith("---")
          ? out.red(line)
          : line.startsWith("@@")
            ? out.cyan(line)
            : line,
    )
    .join("\n");
}
