// Finding the chart a day-2 command works on, and reading the files a person owns in it.
import { lstatSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isMap, isSeq } from "yaml";
import { type ChartLock, entriesOf, lockChart, tryLockChart, workspaceOf } from "../chart-lock.js";
import { failure, ioFailure } from "../errors.js";
import { stringAt } from "../file-fields.js";
import { readUtf8 } from "../fs-read.js";
import { recover, sweepStaleStaging } from "../journal.js";
import { byName } from "../order.js";
import { printError } from "../output.js";
import { relativePath } from "../paths.js";
import { type ParsedYaml, parseOwnedYaml } from "../yaml-edit.js";
import { envOfOverlay, isProduction, overlayFile } from "./names.js";

export interface ChartDir {
  dir: string;
  /** The chart's name from Chart.yaml. */
  name: string;
  chartYaml: ParsedYaml;
  values: ParsedYaml;
  /** Environments with a values-<env>.yaml, production last. */
  envs: string[];
}

/**
/**
 * The chart in `--chart` or the current directory, or, as git finds a repository, in the
 * nearest directory above it that has a Chart.yaml (not above the root of a git repository).
 * It must have Chart.yaml and values.yaml. A chart found above is named on stderr.
 * A command that will change the chart names itself as `editing`: it then holds the chart's lock
 * (chart-lock.ts) from before it reads a file until it exits.
 */
export async function findChart(chart: string | undefined, options: { editing?: string } = {}): Promise<ChartDir> {
  const start = path.resolve(chart ?? ".");
  const shown = chart ?? "the current directory";
  try {
    if (!(await stat(start)).isDirectory()) throw failure(`${shown} is not a directory`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw failure(`no chart found: ${shown} does not exist`);
    if ((error as NodeJS.ErrnoException).code) throw ioFailure("read", shown, error);
    throw error;
  }
  const dir = nearestChart(start);
  if (dir === undefined) {
    throw failure(
      `no chart found in ${shown} or above it (no Chart.yaml): run bluegreen init, or point --chart at the chart's directory`,
    );
  }
  const where = dir === start ? shown : relativePath(dir);
  if (dir !== start) printError(`note: using the chart in ${where} (the nearest Chart.yaml above ${shown})\n`);
  await prepareChart(dir, dir === start ? (chart ?? ".") : where, options.editing);
  const chartYaml = await readOwned(
    dir,
    "Chart.yaml",
    `no chart found in ${where} (no Chart.yaml): run bluegreen init, or point --chart at the chart's directory`,
  );
  const values = await readOwned(
    dir,
    "values.yaml",
    `no values.yaml in ${where}: bluegreen edits charts that have one`,
  );
  // bluegreen names the Applications and the commits after the chart. A name that is not text
  // (`name: 123`, which Helm 3 and 4 render as "123") used to be replaced silently by the
  // directory's name; it is refused instead, saying what to write.
  const raw = chartYaml.doc.get("name");
  const name = stringAt(
    { file: "Chart.yaml", data: { name: isSeq(raw) ? [] : isMap(raw) ? {} : raw } },
    "name",
    "the chart's name",
  );
  return { dir, name: name ?? path.basename(dir), chartYaml, values, envs: await listEnvs(dir) };
}

/**
 * Before a chart is read: an editing command takes its lock (waiting for another command, or
 * refusing); every command finishes or undoes a change a killed bluegreen left behind, and
 * removes staging a killed init left beside it.
 */
async function prepareChart(dir: string, shown: string, editing: string | undefined): Promise<void> {
  const workspace = workspaceOf(dir);
  sweepStaleStaging(path.dirname(dir), workspace.root);
  let lock: ChartLock | undefined;
  if (editing !== undefined) lock = await lockChart(dir, editing, shown);
  else if (entriesOf(workspace.dir).some((entry) => entry.startsWith("tx-")))
    lock = tryLockChart("read", shown, workspace);
  if (lock === undefined) return;
  for (const note of recover(lock.workspace, shown)) printError(`${note}\n`);
  if (editing === undefined) lock.release();
}

/** The nearest directory from `start` up that holds a Chart.yaml, stopping at a repository's root. */
function nearestChart(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (lstatOrUndefined(path.join(dir, "Chart.yaml"))) return dir;
    if (lstatOrUndefined(path.join(dir, ".git")) || path.dirname(dir) === dir) return undefined;
  }
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

async function readOwned(dir: string, file: string, missing: string): Promise<ParsedYaml> {
  return parseOwnedYaml(file, await readText(path.join(dir, file), missing));
}

/**
 * Reads a chart file as UTF-8 text; `missing` is the message when it is not there, `shown` how
 * other messages name it. A FIFO, socket, device or directory in its place is refused unopened.
 */
export async function readText(file: string, missing: string, shown = path.basename(file)): Promise<string> {
  const result = readUtf8(file, shown);
  if (result.kind === "text") return result.text;
  throw failure(result.dangling ? `${shown} is a link to a file that does not exist` : missing);
}

/** A chart file that may be absent (undefined then), read like readText. */
export async function readOptionalText(file: string, shown = path.basename(file)): Promise<string | undefined> {
  const result = readUtf8(file, shown);
  return result.kind === "text" ? result.text : undefined;
}

/** The overlay an environment flag names; `flag` is how the message names it. */
export async function readOverlay(chart: ChartDir, env: string, flag = "--env"): Promise<ParsedYaml> {
  const file = overlayFile(env);
  const known = chart.envs.length > 0 ? chart.envs.map(overlayFile).join(", ") : "none";
  const text = await readText(
    path.join(chart.dir, file),
    `${flag}: no ${file} in the chart (environments: ${known}); add one with bluegreen add-env ${env}`,
  );
  return parseOwnedYaml(file, text);
}

/** Every environment's overlay, parsed; for commands that need to know them all. */
export async function readOverlays(chart: ChartDir): Promise<{ env: string; overlay: ParsedYaml }[]> {
  const overlays = [];
  for (const env of chart.envs) {
    const file = overlayFile(env);
    const text = await readText(
      path.join(chart.dir, file),
      `${file} disappeared while bluegreen was reading the chart`,
    );
    overlays.push({ env, overlay: parseOwnedYaml(file, text) });
  }
  return overlays;
}

async function listEnvs(dir: string): Promise<string[]> {
  const envs = (await readdir(dir)).flatMap((file) => envOfOverlay(file) ?? []);
  return sortEnvs(envs);
}

/** Environments in promotion order: everything else alphabetically, then the production ones. */
export function sortEnvs(envs: string[]): string[] {
  const rank = (env: string) => (isProduction(env) ? 1 : 0);
  return [...new Set(envs)].sort((a, b) => rank(a) - rank(b) || byName(a, b));
}
