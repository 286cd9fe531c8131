// `bluegreen bump-image <tag | image-ref>`: set the image of every environment (values.yaml and
// Chart.yaml appVersion) or of one (values-<env>.yaml), changing only the scalars concerned.
// With --from, the image one environment renders is copied into another: promote what was tested.
import path from "node:path";
import { findChart, readOverlay, readOverlays, type ChartDir } from "../chart/find.js";
import { mergeValues } from "../chart/values.js";
import { applyChanges } from "../changes.js";
import { failure } from "../errors.js";
import { helmText, helmValues, isHelmMap } from "../helm-values.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import { out } from "../output.js";
import { bumpImageInput, parseInput, type ImageChange } from "../schema.js";
import { setStrings, valueAt, type ParsedYaml } from "../yaml-edit.js";

export interface BumpImageOptions {
  chart?: string;
  env?: string;
  from?: string;
  dryRun?: boolean;
}

const FIELDS = { image: "<tag | image-ref>", chart: "--chart", env: "--env", from: "--from" };

interface Change {
  file: ParsedYaml;
  key: string;
  path: string[];
  from: string;
  to: string;
}

export async function runBumpImage(image: string | undefined, options: BumpImageOptions): Promise<void> {
  const given = { image, chart: options.chart, env: options.env, from: options.from, dryRun: options.dryRun };
  const input = parseInput(bumpImageInput, given, FIELDS);
  const chart = await findChart(input.chart, { editing: input.dryRun ? undefined : "bump-image" });
  const target = input.env === undefined ? chart.values : await readOverlay(chart, input.env);
  const current = effectiveImage(chart.values, input.env === undefined ? undefined : target);
  const next = input.from === undefined ? applyChange(current, input.image!) : await renderedImage(chart, input.from);

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
  const writes = files.map((file) => ({
    path: path.join(chart.dir, file.file),
    content: setStrings(
      file,
      changes.filter((c) => c.file === file).map(({ path: p, to }) => ({ path: p, value: to, comment: pinComment(input.env) })),
    ),
  }));
  const summary = changes.map((c) => `${c.key} ${shown(c.from)} → ${out.bold(shown(c.to))} (${c.file.file})\n`).join("");
  // Say what changed only once it has; a dry run says what would, then shows it.
  if (input.dryRun) process.stdout.write(summary);
  await applyChanges(chart.dir, writes, { dryRun: input.dryRun });
  if (!input.dryRun) process.stdout.write(summary);
  for (const note of notes) process.stdout.write(`${note}\n`);
}

/** The image an environment renders exactly, to be copied as it is into another. */
async function renderedImage(chart: ChartDir, env: string): Promise<ImageRef> {
  const rendered = effectiveImage(chart.values, await readOverlay(chart, env, "--from"));
  if (rendered.repository === "" || (rendered.tag === undefined && rendered.digest === undefined)) {
    throw failure(`--from: ${env} renders no complete image (image.repository with image.tag or image.digest)`);
  }
  return rendered;
}

/**
 * The image an environment renders: values.yaml, with the overlay's image keys on top, both as
 * Helm reads them (merge keys, anchors and aliases resolved).
 */
function effectiveImage(values: ParsedYaml, overlay: ParsedYaml | undefined): ImageRef {
  const base = helmValues(values);
  const merged = overlay ? mergeValues(base, helmValues(overlay)) : base;
  const image = isHelmMap(merged.image) ? merged.image : {};
  const text = (key: string) => helmText(image[key]);
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
  return helmText(valueAt(file, keyPath)) ?? "";
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
