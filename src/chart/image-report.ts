// How bump-image and rollback tell what an image edit did: to a person (each changed value,
// who moves, who keeps their image and how to promote it), to a reviewer (the commit message)
// and to CI (JSON).
import type { CommitResult } from "../commit.js";
import { out } from "../output.js";
import { relativePath } from "../paths.js";
import { type ImageEdit, type KeyChange, shortImage } from "./image-edit.js";

const shown = (value: string) => (value === "" ? "(none)" : value);

/** `image.tag 1.0 → 1.1 (values.yaml)`; a key an overlay only takes over: `image.repository x, pinned (values-prod.yaml)`. */
export function changeLine(change: KeyChange, bold = true): string {
  const to = bold ? out.bold(shown(change.new)) : shown(change.new);
  if (change.old === null && change.rendered === change.new) return `${change.key} ${to}, pinned (${change.file})`;
  return `${change.key} ${shown(change.old ?? change.rendered)} → ${to} (${change.file})`;
}

/** The --chart flag that points back at this chart from where the person is. */
export function chartFlag(chartDir: string): string {
  const relative = relativePath(chartDir);
  return relative === "." ? "" : ` --chart ${relative}`;
}

/** The command that promotes into `env` what the first moved environment runs now. */
export function promoteCommand(edit: ImageEdit, env: string, chartDir: string): string {
  const tested = edit.moves[0]?.env;
  return tested === undefined
    ? `bluegreen bump-image <tag> --env ${env}${chartFlag(chartDir)}`
    : `bluegreen bump-image --env ${env} --from ${tested}${chartFlag(chartDir)}`;
}

const list = (names: string[]) =>
  names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/**
 * What follows the changed values for values.yaml: who gets the image, who keeps theirs (and,
 * for a release, how to promote into them once the image has been watched where it went).
 */
export function environmentNotes(edit: ImageEdit, chartDir: string, rollbackOf?: string): string[] {
  if (edit.env !== undefined) return [];
  const lines: string[] = [];
  // Environments that now render values.yaml's image; those that pin part of it are told apart below.
  const whole = edit.moves.filter((m) => !edit.partlyPinned.some((p) => p.env === m.env)).map((m) => m.env);
  if (rollbackOf === undefined && whole.length > 0)
    lines.push(`Releases ${edit.after ?? "no image"} to ${list(whole)}.`);
  const others = whole.filter((env) => env !== rollbackOf);
  if (rollbackOf !== undefined && others.length > 0) {
    const one = others.length === 1;
    lines.push(
      `${rollbackOf} takes its image from values.yaml, so ${list(others)} ${one ? "goes" : "go"} back with it (${one ? "it follows" : "they follow"} values.yaml too).`,
    );
  }
  for (const partly of edit.partlyPinned) {
    const image = edit.moves.find((m) => m.env === partly.env)?.after ?? "no image";
    lines.push(
      `${out.yellow("note:")} ${partly.file} sets only image.${partly.keys.join(", image.")}, so ${partly.env} now renders ${image}; give it a whole image with bluegreen bump-image <image-ref> --env ${partly.env}${chartFlag(chartDir)}`,
    );
  }
  const tested = edit.moves[0];
  for (const kept of edit.kept) {
    if (rollbackOf !== undefined) {
      lines.push(`${kept.env} keeps ${kept.image ?? "its image"} (${kept.file} pins its image).`);
      continue;
    }
    const when = tested
      ? `; once ${tested.env} runs ${shortImage(edit.after, kept.image)} well, promote it:`
      : "; to change it:";
    lines.push(
      `${kept.env} keeps ${kept.image ?? "its image"} (${kept.file} pins its image)${when}`,
      `  ${promoteCommand(edit, kept.env, chartDir)}`,
    );
  }
  return lines;
}

/** The environments a commit message names: those that move, else the one edited. */
export function movedEnvironments(edit: ImageEdit): string[] {
  return edit.moves.length > 0 ? edit.moves.map((m) => m.env) : edit.env === undefined ? [] : [edit.env];
}

/** The lines of a commit message's body: each changed value, and who keeps their image. */
export function commitBody(edit: ImageEdit): string[] {
  return [
    ...edit.changes.map((change) => `${change.file}: ${changeLine(change, false).replace(/ \([^)]*\)$/, "")}`),
    ...edit.kept.map((kept) => `${kept.env} keeps ${kept.image ?? "its image"} (${kept.file} pins its image).`),
  ];
}

/** What CI reads: every changed value, the files, who moved and who kept their image, the commit. */
export function editJson(
  edit: ImageEdit,
  chartDir: string,
  extra: Record<string, unknown>,
  commit: CommitResult | undefined,
  dryRun: boolean,
) {
  return {
    chart: chartDir,
    env: edit.env ?? null,
    ...extra,
    image: { before: edit.before ?? null, after: edit.after ?? null },
    changes: edit.changes.map(({ file, key, old, new: value }) => ({ file, key, old, new: value })),
    files: [...new Set(edit.changes.map((c) => c.file))],
    environments: edit.moves.map(({ env, before, after }) => ({ env, before: before ?? null, after: after ?? null })),
    kept: edit.kept.map(({ env, file, image }) => ({
      env,
      file,
      image: image ?? null,
      promote: promoteCommand(edit, env, chartDir),
    })),
    dryRun,
    commit: commit ? { id: commit.id, short: commit.short, message: commit.message } : null,
  };
}
