// What each environment of a chart has rendered, release by release, read from git: every
// commit on the branch that changes the image an environment renders (through values.yaml, its
// overlay, or Chart.yaml's appVersion where the tag defaults to it), then the work tree's
// uncommitted change, if any. Any chart with image.repository/tag/digest works, made by
// bluegreen or not.
//
// Three git processes whatever the length of the history: rev-parse (the repository), one log
// of the chart's files with the blob each commit left them at, and one cat-file for all blobs.
import {
  type Commit,
  commitInHistory,
  firstParentLog,
  type Repo,
  readObjects,
  repoPath,
  repositoryOf,
} from "../git.js";
import type { ImageRef } from "../image-ref.js";
import { type ParsedYaml, parseOwnedYaml } from "../yaml-edit.js";
import { type ChartDir, readOverlay, readOverlays } from "./find.js";
import { overlayFile } from "./names.js";
import { imageText, renderedImage, type Values, valuesOf } from "./rendered-image.js";

export interface HistoryEntry {
  /** Undefined: the work tree's uncommitted change. */
  commit?: Commit;
  /** The image rendered before and after; undefined where the environment rendered none. */
  before?: string;
  after?: string;
  beforeImage?: ImageRef;
  afterImage?: ImageRef;
  /** The chart's files whose change made this entry (values.yaml, the overlay, Chart.yaml). */
  files: string[];
}

export interface EnvironmentHistory {
  /** Undefined for a chart without overlays: values.yaml alone. */
  env?: string;
  /** The values files Helm reads for it, in order. */
  valuesFiles: string[];
  /** The image it renders now (in the work tree). */
  current?: string;
  currentImage?: ImageRef;
  /** Newest first. */
  entries: HistoryEntry[];
}

/** A chart's files at one point: the text of each, undefined where it does not exist. */
type Snapshot = Map<string, string | undefined>;

/** Parsed values files, by content: a history repeats the same blobs many times. */
class ValuesCache {
  private readonly parsed = new Map<string, Values | null>();
  /** The data of a values file; null when it does not parse (Helm could not render it either). */
  of(file: string, text: string): Values | null {
    const key = `${file}\0${text}`;
    let values = this.parsed.get(key);
    if (values === undefined) {
      try {
        values = valuesOf(parseOwnedYaml(file, text));
      } catch {
        values = null;
      }
      this.parsed.set(key, values);
    }
    return values;
  }
}

const UNRENDERABLE = Symbol("unrenderable");

/**
 * The image an environment renders with these files: undefined where it does not exist
 * (no values.yaml, or no overlay), UNRENDERABLE where Helm would fail (a file that does not
 * parse, or an incomplete image): a sync of that state fails, and what ran before keeps running.
 */
function imageIn(
  snapshot: Snapshot,
  env: string | undefined,
  cache: ValuesCache,
): ImageRef | undefined | typeof UNRENDERABLE {
  const valuesText = snapshot.get("values.yaml");
  const overlayText = env === undefined ? undefined : snapshot.get(overlayFile(env));
  if (valuesText === undefined || (env !== undefined && overlayText === undefined)) return undefined;
  const values = cache.of("values.yaml", valuesText);
  const overlay = overlayText === undefined ? undefined : cache.of(overlayFile(env!), overlayText);
  const chartText = snapshot.get("Chart.yaml");
  const chart = chartText === undefined ? {} : cache.of("Chart.yaml", chartText);
  if (values === null || overlay === null || chart === null) return UNRENDERABLE;
  return renderedImage(values, overlay, chart.appVersion) ?? UNRENDERABLE;
}

const filesOf = (env: string | undefined) => [
  "values.yaml",
  ...(env === undefined ? [] : [overlayFile(env)]),
  "Chart.yaml",
];

/** The environments history follows: every overlay in the work tree, or values.yaml alone. */
const environmentsOf = (chart: ChartDir): (string | undefined)[] => (chart.envs.length > 0 ? chart.envs : [undefined]);

/**
 * Each environment's history (or only `only`'s), newest first. `workTree` holds the chart's
 * files as they are on disk (overlays by their file name).
 */
export function chartHistory(
  chart: ChartDir,
  repo: Repo,
  workTree: Map<string, ParsedYaml>,
  only?: string,
): EnvironmentHistory[] {
  const envs = only === undefined ? environmentsOf(chart) : [only];
  const files = [...new Set(envs.flatMap(filesOf))];
  const commits = firstParentLog(
    repo,
    files.map((file) => repoPath(repo, file)),
  ).reverse();
  const blobs = readObjects(
    repo,
    commits.flatMap((commit) => [...commit.changes.values()].filter((oid): oid is string => oid !== null)),
  );
  const cache = new ValuesCache();

  const histories = envs.map((env): EnvironmentHistory & { last?: ImageRef } => ({
    env,
    valuesFiles: filesOf(env).slice(0, -1),
    entries: [],
  }));
  const snapshot: Snapshot = new Map(files.map((file) => [file, undefined]));
  const advance = (next: Snapshot, changed: string[], commit: Commit | undefined) => {
    for (const history of histories) {
      const image = imageIn(next, history.env, cache);
      if (image === UNRENDERABLE || imageText(image) === imageText(history.last)) continue;
      const touched = filesOf(history.env).filter((file) => changed.includes(file));
      history.entries.push({
        commit,
        before: imageText(history.last),
        after: imageText(image),
        beforeImage: history.last,
        afterImage: image,
        files: touched,
      });
      history.last = image;
    }
  };
  for (const commit of commits) {
    const changed: string[] = [];
    for (const [file, oid] of commit.changes) {
      const name = file.slice(repo.prefix.length);
      snapshot.set(name, oid === null ? undefined : blobs.get(oid));
      changed.push(name);
    }
    advance(snapshot, changed, commit);
  }
  // The work tree last: what a commit of it would add.
  const onDisk: Snapshot = new Map(files.map((file) => [file, workTree.get(file)?.source]));
  advance(
    onDisk,
    files.filter((file) => onDisk.get(file) !== snapshot.get(file)),
    undefined,
  );

  return histories.map(({ last, ...history }) => ({
    ...history,
    current: imageText(last),
    currentImage: last,
    entries: history.entries.reverse(),
  }));
}

/**
 * The image an environment rendered at a commit that HEAD contains, if the word names one;
 * `{ commit: undefined }` when the word is no such commit.
 */
export function imageAtCommit(
  repo: Repo,
  word: string,
  env: string | undefined,
): { commit?: string; image?: ImageRef } {
  const commit = commitInHistory(repo, word);
  if (commit === undefined) return {};
  const files = filesOf(env);
  const texts = readObjects(
    repo,
    files.map((file) => `${commit}:${repoPath(repo, file)}`),
  );
  const snapshot: Snapshot = new Map(files.map((file) => [file, texts.get(`${commit}:${repoPath(repo, file)}`)]));
  const image = imageIn(snapshot, env, new ValuesCache());
  return { commit, image: image === UNRENDERABLE ? undefined : image };
}

/** The chart's repository and the history of `env` (or every environment), from the files as they are now. */
export async function readHistory(
  chart: ChartDir,
  given: string | undefined,
  env: string | undefined,
  why: string,
): Promise<{ repo: Repo; histories: EnvironmentHistory[] }> {
  if (env !== undefined) await readOverlay(chart, env);
  const repo = repositoryOf(chart.dir, given ?? "the current directory", why);
  const workTree = new Map<string, ParsedYaml>([
    ["values.yaml", chart.values],
    ["Chart.yaml", chart.chartYaml],
    ...(await readOverlays(chart)).map(({ overlay }): [string, ParsedYaml] => [overlay.file, overlay]),
  ]);
  return { repo, histories: chartHistory(chart, repo, workTree, env) };
}
