// `bluegreen bump-image <tag | image-ref>`: set the image of every environment (values.yaml and
// Chart.yaml appVersion) or of one (values-<env>.yaml), changing only the scalars concerned.
import path from "node:path";
import { findChart, readOverlay, readOverlays, type ChartDir } from "../chart/find.js";
import { mergeValues } from "../chart/values.js";
import { replaceFiles } from "../fs-atomic.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import { out } from "../output.js";
import { bumpImageInput, parseInput, type ImageChange } from "../schema.js";
import { setStrings, valueAt, type ParsedYaml } from "../yaml-edit.js";

export interface BumpImageOptions {
  chart?: string;
  env?: string;
}

const FIELDS = { image: "<tag | image-ref>", chart: "--chart", env: "--env" };

interface Change {
  file: ParsedYaml;
  key: string;
  path: string[];
  from: string;
  to: string;
}

export async function runBumpImage(image: string, options: BumpImageOptions): Promise<void> {
  const input = parseInput(bumpImageInput, { image, chart: options.chart, env: options.env }, FIELDS);
  const chart = await findChart(input.chart);
  const target = input.env === undefined ? chart.values : await readOverlay(chart, input.env);
  const current = effectiveImage(chart.values, input.env === undefined ? undefined : target);
  const next = applyChange(current, input.image);

  const changes: Change[] = [];
  const change = (file: ParsedYaml, key: string, keyPath: string[], from: string, to: string) => {
    if (from !== to) changes.push({ file, key, path: keyPath, from, to });
  };
  change(target, "image.repository", ["image", "repository"], current.repository, next.repository);
  change(target, "image.tag", ["image", "tag"], current.tag ?? "", next.tag ?? "");
  change(target, "image.digest", ["image", "digest"], current.digest ?? "", next.digest ?? "");
  if (input.env === undefined && next.tag !== undefined && next.tag !== current.tag) {
    change(chart.chartYaml, "appVersion", ["appVersion"], stringAt(chart.chartYaml, ["appVersion"]), next.tag);
  }

  if (changes.length === 0) {
    process.stdout.write(`${out.dim(`image is already ${formatImageRef(next)} in ${target.file}: nothing changed`)}\n`);
    return;
  }
  // Read everything before writing anything: a chart that cannot be read is refused unchanged.
  const notes = input.env === undefined ? await pinnedEnvironmentNotes(chart, changes) : [];
  const files = [...new Set(changes.map((c) => c.file))];
  replaceFiles(
    files.map((file) => ({
      path: path.join(chart.dir, file.file),
      content: setStrings(
        file,
        changes.filter((c) => c.file === file).map(({ path: p, to }) => ({ path: p, value: to, comment: pinComment(input.env) })),
      ),
    })),
  );
  for (const c of changes) process.stdout.write(`${c.key} ${shown(c.from)} → ${out.bold(shown(c.to))} (${c.file.file})\n`);
  for (const note of notes) process.stdout.write(`${note}\n`);
}

/** The image an environment renders: values.yaml, with the overlay's image keys on top. */
function effectiveImage(values: ParsedYaml, overlay: ParsedYaml | undefined): ImageRef {
  const base = (values.doc.toJS() ?? {}) as object;
  const merged = overlay ? mergeValues(base, (overlay.doc.toJS() ?? {}) as object) : base;
  const image = ((merged as { image?: Record<string, unknown> }).image ?? {}) as Record<string, unknown>;
  const text = (key: string) => (image[key] === undefined || image[key] === null ? undefined : String(image[key]));
  return { repository: text("repository") ?? "", tag: text("tag") || undefined, digest: text("digest") || undefined };
}

/** A tag replaces the tag and clears a digest; a reference replaces what it names; a digest alone pins. */
function applyChange(current: ImageRef, change: ImageChange): ImageRef {
  if (change.kind === "tag") return { repository: current.repository, tag: change.tag };
  if (change.kind === "digest") return { ...current, digest: change.digest };
  const { ref } = change;
  return { repository: ref.repository, tag: ref.tag ?? current.tag, digest: ref.digest };
}

function stringAt(file: ParsedYaml, keyPath: string[]): string {
  const value = valueAt(file, keyPath);
  return value === undefined || value === null ? "" : String(value);
}

/** Said above an image block that bump-image adds to an overlay. */
const pinComment = (env: string | undefined) =>
  env === undefined ? undefined : `${env} runs its own image, not the one in values.yaml (set by bluegreen bump-image --env ${env}).`;

const shown = (value: string) => (value === "" ? "(none)" : value);

/** Environments that set their own image keep it: say so, so nobody expects them to change. */
async function pinnedEnvironmentNotes(chart: ChartDir, changes: Change[]): Promise<string[]> {
  const keys = changes.filter((c) => c.key.startsWith("image.")).map((c) => c.path);
  return (await readOverlays(chart)).flatMap(({ env, overlay }) => {
    const pinned = keys.filter((keyPath) => valueAt(overlay, keyPath) !== undefined).map((p) => p.join("."));
    return pinned.length === 0
      ? []
      : [`${out.yellow("note:")} ${overlay.file} sets its own ${pinned.join(", ")}, so ${env} keeps it (bluegreen bump-image <tag> --env ${env} changes it)`];
  });
}
