// PodDisruptionBudgets over the Rollout's pods: a budget that can never allow a disruption
// blocks every node drain and cluster upgrade, forever.
import { type Finding, ofKind, podTemplateOf, type Rule, resourceName, selects } from "./types.js";

/** What an int-or-percentage budget value comes to for a number of pods (Kubernetes rounds up). */
function scaled(value: unknown, pods: number): number | undefined {
  if (typeof value === "number") return value;
  const percent = typeof value === "string" ? /^(\d+)%$/.exec(value)?.[1] : undefined;
  return percent === undefined ? undefined : Math.ceil((Number(percent) * pods) / 100);
}

export const disruptionRules: Rule = (manifests) => {
  const findings: Finding[] = [];
  const hpas = ofKind(manifests, "HorizontalPodAutoscaler");
  for (const pdb of ofKind(manifests, "PodDisruptionBudget")) {
    const resource = resourceName(pdb);
    const spec = pdb.spec ?? {};
    const add = (message: string, fix: string) =>
      findings.push({ rule: "pdb-blocks-drain", severity: "error", resource, message, fix });
    if (spec.maxUnavailable !== undefined && scaled(spec.maxUnavailable, 1) === 0) {
      add(
        `maxUnavailable is ${String(spec.maxUnavailable)}: no pod may ever be evicted, so every node drain waits forever`,
        "set maxUnavailable: 1",
      );
      continue;
    }
    if (spec.minAvailable === undefined) continue;
    // The fewest pods the selected Rollouts run: their replicas, or their HPA's minimum.
    for (const rollout of ofKind(manifests, "Rollout")) {
      if (!selects(spec.selector?.matchLabels, podTemplateOf(rollout, manifests)?.metadata?.labels)) continue;
      const hpa = hpas.find(
        (h) => h.spec?.scaleTargetRef?.kind === "Rollout" && h.spec?.scaleTargetRef?.name === rollout.metadata?.name,
      );
      const pods = hpa ? (hpa.spec?.minReplicas ?? 1) : (rollout.spec?.replicas ?? 1);
      const minAvailable = scaled(spec.minAvailable, pods);
      if (minAvailable !== undefined && minAvailable >= pods) {
        add(
          `minAvailable ${String(spec.minAvailable)} keeps all ${pods} pod(s) of Rollout ${rollout.metadata?.name} up: no pod may be evicted, so a node drain waits forever`,
          "use maxUnavailable: 1 instead of minAvailable",
        );
      }
    }
  }
  return findings;
};
