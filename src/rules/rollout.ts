// The Rollout and the two Services Argo Rollouts switches between: the cross-references that
// only fail at run time, when a release is already under way.
import { imageTag } from "./images.js";
import {
  type Finding,
  type Manifest,
  ofKind,
  podTemplateOf,
  type Rule,
  referencedWorkloads,
  resourceName,
  selects,
} from "./types.js";

const isRollout = (m: Manifest) => m.kind === "Rollout" && m.apiVersion === "argoproj.io/v1alpha1";

export const rolloutRules: Rule = (manifests) => {
  const findings: Finding[] = [];
  const rollouts = manifests.filter(isRollout);
  if (rollouts.length === 0) {
    findings.push({
      rule: "rollout-missing",
      severity: "error",
      resource: "chart",
      message: "no argoproj.io/v1alpha1 Rollout is rendered",
      fix: "render the app's pods as a Rollout with strategy.blueGreen (bluegreen migrate converts a Deployment)",
    });
  }
  const referenced = referencedWorkloads(manifests);
  for (const deployment of ofKind(manifests, "Deployment")) {
    // A Rollout runs it through workloadRef; its count is for scaling.ts to judge.
    if (referenced.has(deployment.metadata?.name ?? "")) continue;
    if (deployment.spec?.replicas === 0) continue;
    findings.push({
      rule: "deployment-beside-rollout",
      severity: "error",
      resource: resourceName(deployment),
      message: "a Deployment runs pods of its own; Argo Rollouts does not switch them",
      fix: "remove the Deployment once its spec lives in the Rollout, or reference it from the Rollout with workloadRef and scale it to zero",
    });
  }
  for (const rollout of rollouts) findings.push(...checkRollout(rollout, manifests));
  return findings;
};

function checkRollout(rollout: Manifest, manifests: Manifest[]): Finding[] {
  const findings: Finding[] = [];
  const resource = resourceName(rollout);
  const add = (rule: string, severity: Finding["severity"], message: string, fix: string) =>
    findings.push({ rule, severity, resource, message, fix });
  const spec = rollout.spec ?? {};
  const blueGreen = spec.strategy?.blueGreen;
  if (!blueGreen) {
    add(
      "bluegreen-strategy",
      "error",
      "the Rollout has no strategy.blueGreen",
      "set strategy.blueGreen with activeService and previewService",
    );
    return findings;
  }
  const template = podTemplateOf(rollout, manifests);
  if (template === undefined) {
    add(
      "workload-ref-missing",
      "error",
      `workloadRef names ${spec.workloadRef.kind} ${spec.workloadRef.name}, which the chart does not render`,
      "point workloadRef at the Deployment the chart renders",
    );
    return findings;
  }
  if (spec.workloadRef && spec.workloadRef.scaleDown !== "progressively") {
    add(
      "workload-ref-scale-down",
      "warning",
      `workloadRef.scaleDown is ${spec.workloadRef.scaleDown ?? "not set"}: the Deployment's own pods keep running beside the Rollout's`,
      "set workloadRef.scaleDown: progressively",
    );
  }
  const podLabels: Record<string, string> | undefined = template.metadata?.labels;
  const containers: any[] = template.spec?.containers ?? [];

  if (!selects(spec.selector?.matchLabels, podLabels)) {
    add(
      "selector-mismatch",
      "error",
      "spec.selector does not select the Rollout's own pod template",
      "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
    );
  }

  const services = new Map(ofKind(manifests, "Service").map((s) => [s.metadata?.name, s]));
  const roles = [
    ["activeService", blueGreen.activeService],
    ["previewService", blueGreen.previewService],
  ] as const;
  for (const [field, name] of roles) {
    if (typeof name !== "string" || name === "") {
      add(
        "service-missing",
        "error",
        `strategy.blueGreen.${field} is not set`,
        `name the ${field === "activeService" ? "active" : "preview"} Service in strategy.blueGreen.${field}`,
      );
      continue;
    }
    const service = services.get(name);
    if (!service) {
      add(
        "service-missing",
        "error",
        `strategy.blueGreen.${field} names Service ${name}, which the chart does not render`,
        `render a Service named ${name}, or point ${field} at one that exists`,
      );
      continue;
    }
    if (!selects(service.spec?.selector, podLabels)) {
      add(
        "selector-mismatch",
        "error",
        `Service ${name} (${field}) does not select the Rollout's pods`,
        "use the Rollout's selector labels as the Service selector",
      );
    }
    for (const port of service.spec?.ports ?? []) {
      if (!containerHasPort(containers, port.targetPort ?? port.port)) {
        add(
          "target-port-missing",
          "error",
          `Service ${name} sends traffic to port ${port.targetPort ?? port.port}, which no container declares`,
          "make targetPort the container port's name or number",
        );
      }
    }
  }
  if (blueGreen.activeService && blueGreen.activeService === blueGreen.previewService) {
    add(
      "active-equals-preview",
      "error",
      "activeService and previewService are the same Service",
      "give the preview Service its own name",
    );
  }
  const preview = services.get(blueGreen.previewService);
  if (preview?.spec?.type === "LoadBalancer") {
    findings.push({
      rule: "preview-load-balancer",
      severity: "warning",
      resource: resourceName(preview),
      message: "the preview Service is a LoadBalancer: every environment pays for a second load balancer",
      fix: "give the preview Service type ClusterIP (previewService.type) and reach it with kubectl port-forward",
    });
  }
  if (typeof blueGreen.scaleDownDelaySeconds !== "number") {
    add(
      "scale-down-delay",
      "error",
      "strategy.blueGreen.scaleDownDelaySeconds is not set",
      "set it explicitly, 30 or more, so in-flight requests finish before blue goes",
    );
  } else if (blueGreen.scaleDownDelaySeconds < 30) {
    add(
      "scale-down-delay",
      "error",
      `scaleDownDelaySeconds is ${blueGreen.scaleDownDelaySeconds}, under 30`,
      "set it to 30 or more: nodes' iptables may still send traffic to blue for a while after the switch",
    );
  }
  if (typeof blueGreen.autoPromotionEnabled !== "boolean") {
    add(
      "auto-promotion-implicit",
      "warning",
      "strategy.blueGreen.autoPromotionEnabled is not set (Argo Rollouts defaults to true)",
      "set it explicitly per environment: false where a person promotes",
    );
  }
  for (const field of ["prePromotionAnalysis", "postPromotionAnalysis"] as const) {
    const analysis = blueGreen[field];
    if (!analysis) continue;
    const given = new Set((analysis.args ?? []).map((arg: any) => arg.name));
    for (const ref of analysis.templates ?? []) {
      if (ref.clusterScope) continue;
      const template = manifests.find((m) => m.kind === "AnalysisTemplate" && m.metadata?.name === ref.templateName);
      if (!template) {
        add(
          "analysis-template-missing",
          "error",
          `strategy.blueGreen.${field} names AnalysisTemplate ${ref.templateName}, which the chart does not render`,
          "render the AnalysisTemplate, or remove the reference",
        );
        continue;
      }
      const missing = (template.spec?.args ?? []).filter(
        (arg: any) => arg.value === undefined && arg.valueFrom === undefined && !given.has(arg.name),
      );
      for (const arg of missing) {
        add(
          "analysis-args",
          "error",
          `strategy.blueGreen.${field} does not pass argument ${arg.name}, which AnalysisTemplate ${ref.templateName} needs`,
          `add {name: ${arg.name}, value: ...} to strategy.blueGreen.${field}.args`,
        );
      }
    }
  }
  const historyLimit = spec.revisionHistoryLimit ?? 10;
  if (
    typeof blueGreen.scaleDownDelayRevisionLimit === "number" &&
    blueGreen.scaleDownDelayRevisionLimit > historyLimit
  ) {
    add(
      "revision-limits",
      "error",
      `scaleDownDelayRevisionLimit (${blueGreen.scaleDownDelayRevisionLimit}) is above revisionHistoryLimit (${historyLimit})`,
      "keep scaleDownDelayRevisionLimit at or under revisionHistoryLimit",
    );
  }
  for (const container of containers) {
    if (!container.readinessProbe) {
      add(
        "readiness-probe",
        "error",
        `container ${container.name} has no readinessProbe: green counts as ready before it can serve`,
        "add a readinessProbe on a real health endpoint",
      );
    }
    if (!container.livenessProbe) {
      add("liveness-probe", "warning", `container ${container.name} has no livenessProbe`, "add a livenessProbe");
    }
  }
  if (podLabels?.["helm.sh/chart"] !== undefined) {
    add(
      "chart-label-on-pods",
      "warning",
      `the pod template${spec.workloadRef ? " (the Deployment's, through workloadRef)" : ""} carries helm.sh/chart: a chart version bump alone starts a Blue/Green release`,
      spec.workloadRef
        ? "once the first release is through, label the Deployment's pod template with the chart's selector labels instead of all its labels, as a change of its own: it starts one release, and chart bumps no longer do"
        : "keep helm.sh/chart on the Rollout's metadata, off spec.template",
    );
  }
  const version = podLabels?.["app.kubernetes.io/version"];
  const tag = imageTag(containers[0]?.image);
  if (version !== undefined && tag !== undefined && version !== labelValue(tag)) {
    add(
      "version-label",
      "warning",
      `pods are labelled version ${version} but run image tag ${tag}`,
      "derive app.kubernetes.io/version from the image tag, not Chart.AppVersion",
    );
  }
  return findings;
}

function containerHasPort(containers: any[], target: unknown): boolean {
  return containers.some((container) =>
    (container.ports ?? []).some((port: any) =>
      typeof target === "string" ? port.name === target : port.containerPort === target,
    ),
  );
}

/** What a tag becomes as a label value: at most 63 characters, alphanumeric at both ends. */
const labelValue = (tag: string) => tag.slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
