// `bluegreen bump-image <tag | image-ref>`: set the image of values.yaml (and Chart.yaml
// appVersion), which every environment that does not pin its own image follows, or of one
// environment (values-<env>.yaml), changing only the scalars concerned. With --from, the image
// one environment renders is copied into another: promote what was tested.
import { type ChartDir, findChart, readOverlay, readOverlays } from "../chart/find.js";
import { applyChange, currentImage, planImageEdit, shortImage } from "../chart/image-edit.js";
import { changeLine, commitBody, editJson, environmentNotes, movedEnvironments } from "../chart/image-report.js";
import { commitMessage, writeAndCommit } from "../commit.js";
import { failure } from "../errors.js";
import { BUMP_IMAGE_FLAGS, fieldNames, type OptionsOf } from "../flags.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import { bumpImageInput, parseInput } from "../input-schema.js";
import { printJson } from "../json.js";
import { out, print } from "../output.js";

export type BumpImageOptions = OptionsOf<typeof BUMP_IMAGE_FLAGS>;
const FIELDS = fieldNames(BUMP_IMAGE_FLAGS, bumpImageInput, { image: "<tag | image-ref>" });

export async function runBumpImage(image: string | undefined, options: BumpImageOptions): Promise<void> {
  const given = { image, ...options };
  const input = parseInput(bumpImageInput, given, FIELDS);
  const chart = await findChart(input.chart, { editing: input.dryRun ? undefined : "bump-image" });
  // Read everything before writing anything: a chart that cannot be read is refused unchanged.
  if (input.env !== undefined) await readOverlay(chart, input.env);
  const overlays = await readOverlays(chart);
  const target = input.env === undefined ? undefined : overlays.find((o) => o.env === input.env)!.overlay;
  const current = currentImage(chart, target) ?? { repository: "" };
  const next = input.from === undefined ? applyChange(current, input.image!) : await renderedImage(chart, input.from);

  const edit = planImageEdit(chart, overlays, input.env, next);
  const where = input.env === undefined ? chart.values.file : target!.file;
  if (edit.changes.length === 0) {
    if (input.json)
      return printJson(editJson(edit, chart.dir, { from: input.from ?? null }, undefined, input.dryRun === true));
    print(`${out.dim(`image is already ${formatImageRef(next)} in ${where}: nothing changed`)}\n`);
    return;
  }
  const envs = movedEnvironments(edit);
  const summary = `release ${edit.after ?? formatImageRef(next)} (was ${shortImage(edit.moves[0]?.before ?? edit.before, edit.after)})`;
  const body = [
    ...commitBody(edit),
    ...(input.from === undefined ? [] : [`Promoted from ${input.from}, which runs it now.`]),
  ];
  const lines = [...edit.changes.map((c) => changeLine(c)), ...environmentNotes(edit, chart.dir)];

  // Say what changed only once it has; a dry run says what would, then shows it.
  if (input.dryRun && !input.json) print(lines.map((l) => `${l}\n`).join(""));
  const commit = await writeAndCommit(chart.dir, edit.writes, input, commitMessage(chart.name, envs, summary, body));
  if (input.json)
    return printJson(editJson(edit, chart.dir, { from: input.from ?? null }, commit, input.dryRun === true));
  if (!input.dryRun) print(lines.map((l) => `${l}\n`).join(""));
  if (commit) print(`${out.green(`Committed ${commit.short}`)}: ${commit.message.split("\n", 1)[0]}\n`);
}

/** The image an environment renders exactly, to be copied as it is into another. */
async function renderedImage(chart: ChartDir, env: string): Promise<ImageRef> {
  const rendered = currentImage(chart, await readOverlay(chart, env, "--from"));
  if (rendered === undefined) {
    throw failure(`--from: ${env} renders no complete image (image.repository with image.tag or image.digest)`);
  }
  return rendered;
}
