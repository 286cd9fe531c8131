// The app's image must name a version: a release starts only when the pod template changes,
// and `latest` never changes it.
import { isPinned } from "./hooks.js";
import { ofKind, podTemplateOf, resourceName, type Finding, type Rule } from "./types.js";

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
