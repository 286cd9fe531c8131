// The HPA and the Rollout must agree on who owns the replica count, and the HPA must be able
// to measure what it scales on.
import { ofKind, podTemplateOf, resourceName, type Finding, type Rule } from "./types.js";

export const scalingRules: Rule = (manifests) => {
  const findings: Finding[] = [];
  const rollouts = new Map(ofKind(manifests, "Rollout").map((r) => [r.metadata?.name, r]));
  for (const hpa of ofKind(manifests, "HorizontalPodAutoscaler")) {
    const resource = resourceName(hpa);
    const target = hpa.spec?.scaleTargetRef ?? {};
    const rollout = target.kind === "Rollout" ? rollouts.get(target.name) : undefined;
    if (target.kind !== "Rollout" || target.apiVersion !== "argoproj.io/v1alpha1" || !rollout) {
      findings.push({
        rule: "hpa-target",
        severity: "error",
        resource,
        message: `the HPA scales ${target.apiVersion ?? "?"} ${target.kind ?? "?"} ${target.name ?? "?"}, not a Rollout of this chart`,
        fix: "set scaleTargetRef to apiVersion argoproj.io/v1alpha1, kind Rollout, and the Rollout's name",
      });
      continue;
    }
    if (rollout.spec?.replicas !== undefined) {
      findings.push({
        rule: "replicas-under-hpa",
        severity: "error",
        resource: resourceName(rollout),
        message: "the Rollout sets replicas while an HPA scales it: every sync resets what the HPA chose",
        fix: "leave replicas out of the Rollout when autoscaling is on",
      });
    }
    const metrics: any[] = hpa.spec?.metrics ?? [];
    // autoscaling/v2 with no metrics defaults to CPU utilisation.
    const scalesOnCpu = metrics.length === 0 || metrics.some((m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization");
    const containers: any[] = podTemplateOf(rollout, manifests)?.spec?.containers ?? [];
    if (scalesOnCpu && !containers.every((c) => c.resources?.requests?.cpu !== undefined)) {
      findings.push({
        rule: "hpa-cpu-request",
        severity: "error",
        resource,
        message: "the HPA scales on CPU utilisation but a container of the Rollout requests no CPU, so it cannot measure it",
        fix: "set resources.requests.cpu on every container",
      });
    }
  }
  return findings;
};
