// The app's image must name a version: a release starts only when the pod template changes,
// and `latest` never changes it.
import { hasDigest, splitImageRef } from "../image-ref.js";
import { type Finding, ofKind, podTemplateOf, type Rule, resourceName } from "./types.js";

export const imageRules: Rule = (manifests) =>
  ofKind(manifests, "Rollout").flatMap((rollout): Finding[] =>
    (podTemplateOf(rollout, manifests)?.spec?.containers ?? [])
      .filter((container: any) => !isPinned(container.image))
      .map((container: any) => ({
        rule: "image-unpinned",
        severity: "error",
        resource: resourceName(rollout),
        message: `container ${container.name} runs ${container.image ?? "no image"}: untagged or latest, so a new build never starts a release and nodes may run different builds`,
        fix: "set image.tag to a version (bluegreen bump-image <tag>)",
      })),
  );

/** The tag of a rendered image, or undefined when it has none. */
export const imageTag = (image: unknown) => (typeof image === "string" ? splitImageRef(image).tag : undefined);

/** An image with an explicit tag other than latest, or a digest. */
export function isPinned(image: unknown): boolean {
  if (typeof image !== "string") return false;
  if (hasDigest(image)) return true;
  const tag = imageTag(image);
  return tag !== undefined && tag !== "" && tag !== "latest";
}
