// The image an environment renders, decided in one place: doctor reports it, history follows it
// through git, bump-image and rollback change it. It is what the chart's image helper makes of
// the values Helm sees (values.yaml with the environment's overlay on top):
//   repository, ":" tag (image.tag, else Chart.yaml appVersion, as in charts made by helm
//   create), "@" digest when one is set.
// An image that cannot render (no repository, or neither tag nor digest) is undefined: the
// helper fails the render there, so that state never reaches a cluster.
import { type HelmValue, helmText, helmValues } from "../helm-values.js";
import { formatImageRef, type ImageRef } from "../image-ref.js";
import type { ParsedYaml } from "../yaml-edit.js";
import { mergeValues } from "./values.js";

export type Values = Record<string, unknown>;

export const IMAGE_KEYS = ["repository", "tag", "digest"] as const;

/** A values file as the data Helm reads from it (merge keys, anchors and aliases resolved). */
export const valuesOf = (parsed: ParsedYaml): Values => helmValues(parsed);

/** Chart.yaml's appVersion, as Helm reads it. */
export function appVersionOf(chartYaml: ParsedYaml | undefined): unknown {
  return chartYaml === undefined ? undefined : valuesOf(chartYaml).appVersion;
}

/**
 * The image an environment renders: `base` is values.yaml, `overlay` the environment's values
 * file (none for values.yaml alone), `appVersion` Chart.yaml's.
 */
export function renderedImage(base: Values, overlay: Values | undefined, appVersion: unknown): ImageRef | undefined {
  const image =
    overlay === undefined || !("image" in overlay)
      ? base.image
      : mergeValues({ image: base.image }, { image: overlay.image }).image;
  if (!isMap(image)) return undefined;
  const repository = kept(image.repository);
  // The helper's `.Values.image.tag | default .Chart.AppVersion`: an empty tag takes appVersion.
  const tag = kept(image.tag) ?? kept(appVersion);
  const digest = kept(image.digest);
  if (repository === undefined || (tag === undefined && digest === undefined)) return undefined;
  return { repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The reference the pods run, or undefined when nothing renders. */
export const imageText = (image: ImageRef | undefined) => (image === undefined ? undefined : formatImageRef(image));

/** Whether an overlay sets any image key of its own (then values.yaml's image no longer reaches it whole). */
export function pinsImage(overlay: Values): boolean {
  return isMap(overlay.image) && IMAGE_KEYS.some((key) => (overlay.image as Values)[key] !== undefined);
}

/** Which image keys an overlay sets itself. */
export function pinnedKeys(overlay: Values): string[] {
  return isMap(overlay.image) ? IMAGE_KEYS.filter((key) => (overlay.image as Values)[key] !== undefined) : [];
}

/**
 * How a template prints a value that Sprig's `default` (and `required`) would keep: nil, "",
 * false and 0 count as empty and fall back to the default; anything else prints as Helm prints it.
 */
function kept(value: unknown): string | undefined {
  if (value === "" || value === false || value === 0) return undefined;
  return helmText(value as HelmValue | undefined);
}

const isMap = (value: unknown): value is Values => typeof value === "object" && value !== null && !Array.isArray(value);
