// Setting the image of values.yaml (every environment that follows it) or of one environment's
// overlay, as bump-image and rollback both do: only the scalars concerned change, and what each
// environment renders before and after is worked out from the edited text, so the command can
// say who moves and who keeps their image.
import path from "node:path";
import { type HelmValue, helmText } from "../helm-values.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import type { ImageChange } from "../input-schema.js";
import { type ParsedYaml, parseOwnedYaml, setStrings, valueAt } from "../yaml-edit.js";
import type { ChartDir } from "./find.js";
import { appVersionOf, IMAGE_KEYS, imageText, pinnedKeys, renderedImage, valuesOf } from "./rendered-image.js";

export interface Overlay {
  env: string;
  overlay: ParsedYaml;
}

export interface KeyChange {
  file: string;
  key: string;
  /** The value written in the file before; null where the key was not there. */
  old: string | null;
  /** What the environment rendered for this key before (from values.yaml where the overlay had none). */
  rendered: string;
  new: string;
}

export interface EnvironmentMove {
  env: string;
  before?: string;
  after?: string;
}

export interface ImageEdit {
  /** The environment whose overlay is edited; undefined: values.yaml (and Chart.yaml appVersion). */
  env?: string;
  changes: KeyChange[];
  writes: { path: string; content: string }[];
  /** values.yaml's image (or the edited environment's) before and after. */
  before?: string;
  after?: string;
  /** Environments whose rendered image changes. */
  moves: EnvironmentMove[];
  /** With values.yaml edited: environments that pin their own image and keep it. */
  kept: { env: string; file: string; image?: string }[];
  /** Moved environments whose overlay pins only part of the image (the rest comes from values.yaml). */
  partlyPinned: { env: string; file: string; keys: string[] }[];
}

/** The image values.yaml renders (overlay undefined), or an environment: values.yaml with its overlay on top. */
export function currentImage(
  chart: Pick<ChartDir, "values" | "chartYaml">,
  overlay: ParsedYaml | undefined,
): ImageRef | undefined {
  return renderedImage(valuesOf(chart.values), overlay && valuesOf(overlay), appVersionOf(chart.chartYaml));
}

/** Said above an image block added to an overlay that had none. */
const pinComment = (env: string) =>
  `${env} runs its own image, not the one in values.yaml: promote into it with bluegreen bump-image --env ${env} --from <env>.`;

const text = (value: HelmValue | undefined) => helmText(value) ?? null;

/**
 * The edits that make `env` (or, undefined, values.yaml) render `next`; no changes when it does
 * already. An overlay always ends up pinning the whole image (repository, tag and digest), so
 * that a later change in values.yaml cannot combine with part of it into an image that was
 * never built.
 */
export function planImageEdit(
  chart: ChartDir,
  overlays: Overlay[],
  env: string | undefined,
  next: ImageRef,
): ImageEdit {
  const target = env === undefined ? chart.values : overlays.find((o) => o.env === env)!.overlay;
  const beforeRef = currentImage(chart, env === undefined ? undefined : target);
  const before = imageText(beforeRef);
  const unchanged: ImageEdit = {
    env,
    changes: [],
    writes: [],
    before,
    after: before,
    moves: [],
    kept: [],
    partlyPinned: [],
  };
  if (before !== undefined && before === formatImageRef(next)) return unchanged;

  const wanted: Record<(typeof IMAGE_KEYS)[number], string> = {
    repository: next.repository,
    tag: next.tag ?? "",
    digest: next.digest ?? "",
  };
  const edits: { parsed: ParsedYaml; path: string[]; change: KeyChange }[] = [];
  for (const key of IMAGE_KEYS) {
    const keyPath = ["image", key];
    const old = text(valueAt(target, keyPath));
    // values.yaml without a key renders it empty; an overlay without one takes values.yaml's.
    const same = env === undefined ? (old ?? "") === wanted[key] : old === wanted[key];
    if (same || (key === "repository" && wanted[key] === "")) continue;
    const rendered = (beforeRef?.[key] ?? "") as string;
    edits.push({
      parsed: target,
      path: keyPath,
      change: { file: target.file, key: `image.${key}`, old, rendered, new: wanted[key] },
    });
  }
  // values.yaml and appVersion name the same version: the tag defaults to it in helm create charts.
  if (env === undefined && next.tag !== undefined && edits.some((e) => e.path[1] === "tag")) {
    const old = text(valueAt(chart.chartYaml, ["appVersion"]));
    if (old !== next.tag) {
      edits.push({
        parsed: chart.chartYaml,
        path: ["appVersion"],
        change: { file: chart.chartYaml.file, key: "appVersion", old, rendered: old ?? "", new: next.tag },
      });
    }
  }
  if (edits.length === 0) return unchanged;

  const edited = new Map<string, ParsedYaml>();
  const writes = [...new Set(edits.map((e) => e.parsed))].map((parsed) => {
    const content = setStrings(
      parsed,
      edits
        .filter((e) => e.parsed === parsed)
        .map((e) => ({ path: e.path, value: e.change.new, comment: env === undefined ? undefined : pinComment(env) })),
    );
    edited.set(parsed.file, parseOwnedYaml(parsed.file, content));
    return { path: path.join(chart.dir, parsed.file), content };
  });
  const after = {
    values: edited.get(chart.values.file) ?? chart.values,
    chartYaml: edited.get(chart.chartYaml.file) ?? chart.chartYaml,
  };

  const moves: EnvironmentMove[] = [];
  const kept: ImageEdit["kept"] = [];
  const partlyPinned: ImageEdit["partlyPinned"] = [];
  for (const { env: name, overlay } of overlays) {
    if (env !== undefined && name !== env) continue;
    const was = imageText(currentImage(chart, overlay));
    const now = imageText(currentImage(after, edited.get(overlay.file) ?? overlay));
    const keys = pinnedKeys(valuesOf(overlay));
    if (was !== now) {
      moves.push({ env: name, before: was, after: now });
      if (env === undefined && keys.length > 0) partlyPinned.push({ env: name, file: overlay.file, keys });
    } else if (env === undefined && keys.length > 0) {
      kept.push({ env: name, file: overlay.file, image: was });
    }
  }
  const afterImage = imageText(currentImage(after, env === undefined ? undefined : edited.get(target.file)));
  return { env, changes: edits.map((e) => e.change), writes, before, after: afterImage, moves, kept, partlyPinned };
}

/**
 * An image as a message shows it next to another: only what differs from `other`'s repository
 * (`1.4.2`, `1.4.2@sha256:…`), the whole reference when the repository differs, "none" for none.
 */
export function shortImage(image: string | undefined, other: string | undefined): string {
  if (image === undefined) return "none";
  const repository = (ref: string) => ref.replace(/@.*$/, "").replace(/:[^:/]*$/, "");
  if (other !== undefined && repository(image) === repository(other)) {
    const rest = image.slice(repository(image).length);
    return rest.startsWith(":") ? rest.slice(1) : rest;
  }
  return image;
}

/** A tag replaces the tag and clears a digest; a reference replaces what it names; a digest alone pins. */
export function applyChange(current: ImageRef, change: ImageChange): ImageRef {
  if (change.kind === "tag") return { repository: current.repository, tag: change.tag };
  if (change.kind === "digest") return { ...current, digest: change.digest };
  const { ref } = change;
  return { repository: ref.repository, tag: ref.tag ?? current.tag, digest: ref.digest };
}
