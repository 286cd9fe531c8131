// What a day-2 command does to the files of a chart, done or, with --dry-run, only shown: a
// unified diff per file, as `git diff` would print it, and not a byte written.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { replaceFiles } from "./fs-atomic.js";
import { out } from "./output.js";

export interface FileChange {
  /** Absolute path. */
  path: string;
  content: string;
}

export function applyChanges(chartDir: string, changes: FileChange[], options: { dryRun?: boolean }): void {
  if (!options.dryRun) return replaceFiles(changes);
  for (const change of changes) process.stdout.write(diffOf(chartDir, change));
  process.stdout.write(out.bold("Dry run: nothing written.\n"));
}

function diffOf(chartDir: string, change: FileChange): string {
  const name = path.relative(chartDir, change.path).split(path.sep).join("/");
  let before: string | undefined;
  try {
    before = readFileSync(change.path, "utf8");
  } catch {
    before = undefined; // a new file
  }
  const patch = createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${name}`, `b/${name}`, before ?? "", change.content);
  return patch
    .split("\n")
    .filter((line) => !/^=+$/.test(line))
    .map((line) =>
      line.startsWith("+") && !line.startsWith("+++") ? out.green(line)
      : line.startsWith("-") && !line.startsWith("---") ? out.red(line)
      : line.startsWith("@@") ? out.cyan(line)
      : line,
    )
    .join("\n");
}
