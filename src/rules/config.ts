// A ConfigMap of the chart that the app's pods read must change their pod template when it
// changes (a checksum annotation, or a name that changes with its content). Otherwise a config
// change starts no release: running pods keep the old values, pods that restart pick up the new
// ones, and a bad config reaches blue and green alike with no smoke test in between.
import { type Finding, ofKind, podTemplateOf, type Rule, resourceName } from "./types.js";

/** Names of the ConfigMaps a pod spec reads: envFrom, env, volumes, projected volumes. */
function configMapsRead(podSpec: any): Set<string> {
  const names = new Set<string>();
  for (const container of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
    for (const source of container.envFrom ?? []) if (source.configMapRef?.name) names.add(source.configMapRef.name);
    for (const variable of container.env ?? [])
      if (variable.valueFrom?.configMapKeyRef?.name) names.add(variable.valueFrom.configMapKeyRef.name);
  }
  for (const volume of podSpec?.volumes ?? []) {
    if (volume.configMap?.name) names.add(volume.configMap.name);
    for (const source of volume.projected?.sources ?? []) if (source.configMap?.name) names.add(source.configMap.name);
  }
  return names;
}

/** A name that carries a hash of the content, as kustomize's configMapGenerator writes them. */
const hashedName = (name: string) => /-(?=[a-z0-9]*[0-9])[a-z0-9]{8,}$/.test(name);

export const configRules: Rule = (manifests) => {
  const findings: Finding[] = [];
  const rendered = new Set(ofKind(manifests, "ConfigMap").map((c) => c.metadata?.name));
  for (const rollout of ofKind(manifests, "Rollout")) {
    const template = podTemplateOf(rollout, manifests);
    const annotations = Object.keys(template?.metadata?.annotations ?? {});
    if (annotations.some((key) => /checksum|hash/i.test(key))) continue;
    for (const name of configMapsRead(template?.spec)) {
      if (!rendered.has(name) || hashedName(name)) continue;
      findings.push({
        rule: "config-without-checksum",
        severity: "warning",
        resource: resourceName(rollout),
        message: `the pods read ConfigMap ${name}, but nothing on the pod template changes with it: a config change starts no release and reaches blue and green alike, untested`,
        fix: `add a checksum of its data to the pod template, e.g. checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}`,
      });
    }
  }
  return findings;
};
