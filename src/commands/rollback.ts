// `bluegreen rollback --env <env>`: put back the image an environment ran before its current one
// (or the one --to names), through git. Under Argo CD self-heal this is the rollback that lasts:
// `kubectl argo rollouts undo` or a rollback in Argo CD's UI changes the live Rollout, and
// self-heal syncs it back to what git says. Without --to it goes to the image before the newest
// entry of the environment's history, so a second rollback comes back, as `cd -` does.
import { findChart, readOverlays } from "../chart/find.js";
import { type HistoryEntry, imageAtCommit, readHistory } from "../chart/history.js";
import { applyChange, currentImage, planImageEdit, shortImage } from "../chart/image-edit.js";
import { changeLine, commitBody, editJson, environmentNotes, movedEnvironments } from "../chart/image-report.js";
import { overlayFile } from "../chart/names.js";
import { pinsImage, valuesOf } from "../chart/rendered-image.js";
import { commitMessage, writeAndCommit } from "../commit.js";
import { failure, usageError } from "../errors.js";
import { fieldNames, type OptionsOf, ROLLBACK_FLAGS } from "../flags.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import { parseInput, type RollbackInput, rollbackInput } from "../input-schema.js";
import { printJson } from "../json.js";
import { out, print } from "../output.js";

export type RollbackOptions = OptionsOf<typeof ROLLBACK_FLAGS>;
const FIELDS = fieldNames(ROLLBACK_FLAGS, rollbackInput, {});

export async function runRollback(options: RollbackOptions): Promise<void> {
  const input = parseInput(rollbackInput, { ...options }, FIELDS);
  const chart = await findChart(input.chart, { editing: input.dryRun ? undefined : "rollback" });
  const shown = input.chart ?? "the current directory";
  const { repo, histories } = await readHistory(
    chart,
    input.chart,
    input.env,
    "bluegreen rollback finds the release to undo in the chart's git history",
  );
  const history = histories[0]!;
  const newest = history.entries[0];
  if (newest === undefined)
    throw failure(`${input.env} has no release in the git history of ${shown}: there is nothing to roll back`);

  const overlays = await readOverlays(chart);
  const overlay = overlays.find((o) => o.env === input.env)!.overlay;
  const current = currentImage(chart, overlay);
  const { image: target, how } = targetOf(input, newest, () => imageAtCommit(repo, input.to!.word, input.env), current);

  // An environment that pins its image is rolled back alone; one that follows values.yaml is
  // rolled back there, with every environment that follows it too.
  const env = pinsImage(valuesOf(overlay)) ? input.env : undefined;
  const edit = planImageEdit(chart, overlays, env, target);
  const undone = undoneRelease(newest);
  const json = (commit: Parameters<typeof editJson>[3]) =>
    printJson(
      editJson(
        edit,
        chart.dir,
        { env: input.env, rollsBack: undoneJson(newest), to: input.to?.word ?? null },
        commit,
        input.dryRun === true,
      ),
    );
  if (edit.changes.length === 0) {
    if (input.json) return json(undefined);
    print(`${out.dim(`${input.env} already renders ${formatImageRef(target)}: nothing changed`)}\n`);
    return;
  }
  const envs = env === undefined ? movedEnvironments(edit) : [input.env];
  const before = edit.moves.find((m) => m.env === input.env)?.before ?? history.current;
  const after = edit.moves.find((m) => m.env === input.env)?.after ?? formatImageRef(target);
  const summary = `roll back to ${after} (was ${shortImage(before, after)})`;
  const body = [...commitBody(edit), `Rolls back ${undone}.`];
  const lines = [
    `Rolling back ${out.bold(input.env)}: ${before ?? "no image"} → ${out.bold(after)}${how}`,
    `  undoes ${undone}`,
    ...edit.changes.map((c) => changeLine(c)),
    ...environmentNotes(edit, chart.dir, input.env),
  ];

  if (input.dryRun && !input.json) print(lines.map((l) => `${l}\n`).join(""));
  const commit = await writeAndCommit(chart.dir, edit.writes, input, commitMessage(chart.name, envs, summary, body));
  if (input.json) return json(commit);
  if (!input.dryRun) print(lines.map((l) => `${l}\n`).join(""));
  if (commit) print(`${out.green(`Committed ${commit.short}`)}: ${commit.message.split("\n", 1)[0]}\n`);
  else if (!input.dryRun) print(`${out.dim("Commit and push it for Argo CD to deploy it (or run with --commit).")}\n`);
}

/** The image to go to, and how --to was read (a commit or an image), for the first line. */
function targetOf(
  input: RollbackInput,
  newest: HistoryEntry,
  atCommit: () => { commit?: string; image?: ImageRef },
  current: ImageRef | undefined,
): { image: ImageRef; how: string } {
  if (input.to === undefined) {
    if (newest.beforeImage === undefined) {
      throw failure(
        `${input.env} has no earlier release: it has rendered ${newest.after} since ${undoneRelease(newest)}`,
      );
    }
    return { image: newest.beforeImage, how: "" };
  }
  const { commit, image } = atCommit();
  if (commit !== undefined) {
    if (image === undefined)
      throw failure(
        `--to: ${input.env} rendered no image at commit ${commit.slice(0, 12)} (the chart or its ${overlayFile(input.env)} was not there, or did not render)`,
      );
    return { image, how: out.dim(` (what it rendered at commit ${commit.slice(0, 12)})`) };
  }
  if (input.to.image === undefined) {
    throw usageError(
      `--to: ${input.to.word} is neither a commit in the chart's history nor an image (a tag such as 1.4.2, a reference or a digest)`,
    );
  }
  return { image: applyChange(current ?? { repository: "" }, input.to.image), how: "" };
}

/** The release being undone: the newest entry of the environment's history. */
function undoneRelease(entry: HistoryEntry): string {
  if (entry.commit === undefined) return `the uncommitted change in ${entry.files.join(", ")}`;
  const { short, date, subject, author } = entry.commit;
  return `${short} (${date.slice(0, 10)}, ${author}: ${subject})`;
}

function undoneJson(entry: HistoryEntry) {
  return {
    workingTree: entry.commit === undefined,
    commit: entry.commit?.id ?? null,
    date: entry.commit?.date ?? null,
    subject: entry.commit?.subject ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  };
}
