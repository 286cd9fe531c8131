// Who owns each replica count, and that no sync loses pods over it. The HPA must aim at the
// Rollout and be able to measure what it scales on. A Rollout, or the Deployment a Rollout runs
// through workloadRef, without replicas runs one pod unless an HPA owns it (Argo Rollouts
// defaults a missing count to 1: rollout/controller.go). A count in git that an HPA or Argo
// Rollouts changes must be one the Argo CD Applications ignore (chart/replica-drift.ts says
// why). And a Rollout that takes over from a Deployment must start at least at its count:
// while the first release runs, Argo Rollouts scales the Deployment to the Rollout's replicas
// minus its ready pods (rollout/replicaset.go reconcileNewReplicaSet).
import {
  deploymentWorkload,
  ignoresReplicas,
  ignoreText,
  missingIgnore,
  RESPECT_IGNORE_DIFFERENCES,
  respectsIgnores,
  rolloutWorkload,
  type Workload,
} from "../chart/replica-drift.js";
import {
  type Finding,
  type Manifest,
  ofKind,
  podTemplateOf,
  type RenderContext,
  type Rule,
  resourceName,
} from "./types.js";

export const scalingRules: Rule = (manifests, context) => [
  ...hpaFindings(manifests),
  ...replicaFindings(manifests, context),
];

function hpaFindings(manifests: Manifest[]): Finding[] {
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
    const metrics: any[] = hpa.spec?.metrics ?? [];
    // autoscaling/v2 with no metrics defaults to CPU utilisation.
    const scalesOnCpu =
      metrics.length === 0 ||
      metrics.some(
        (m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization",
      );
    const containers: any[] = podTemplateOf(rollout, manifests)?.spec?.containers ?? [];
    if (scalesOnCpu && !containers.every((c) => c.resources?.requests?.cpu !== undefined)) {
      findings.push({
        rule: "hpa-cpu-request",
        severity: "error",
        resource,
        message:
          "the HPA scales on CPU utilisation but a container of the Rollout requests no CPU, so it cannot measure it",
        fix: "set resources.requests.cpu on every container",
      });
    }
  }
  return findings;
}

function replicaFindings(manifests: Manifest[], context: RenderContext | undefined): Finding[] {
  const findings: Finding[] = [];
  const hpas = ofKind(manifests, "HorizontalPodAutoscaler");
  const scaledByHpa = (kind: string, name: string) =>
    hpas.some((h) => h.spec?.scaleTargetRef?.kind === kind && h.spec?.scaleTargetRef?.name === name);

  for (const rollout of ofKind(manifests, "Rollout")) {
    const name = rollout.metadata?.name ?? "";
    const resource = resourceName(rollout);
    const replicas = rollout.spec?.replicas;
    const underHpa = scaledByHpa("Rollout", name);
    if (replicas == null && !underHpa) {
      findings.push({
        rule: "replicas-missing",
        severity: "error",
        resource,
        message: "the Rollout sets no replicas and no HPA scales it: Argo Rollouts runs it at one pod",
        fix: "set spec.replicas in the Rollout template (replicas: {{ .Values.replicaCount }})",
      });
    }
    if (replicas != null && underHpa) {
      findings.push(
        ...drift(
          context,
          "replicas-under-hpa",
          rolloutWorkload(name),
          resource,
          "an HPA scales the Rollout and git keeps its replicas",
          "the HPA",
        ),
      );
    }
    // Only where no HPA renders at all: one aimed elsewhere is hpa-target's to report.
    if (hpas.length === 0) {
      for (const app of context?.applications ?? []) {
        const { file } = app;
        if (!ignoresReplicas(app, rolloutWorkload(name))) continue;
        findings.push({
          rule: "replicas-ignored-without-hpa",
          severity: "warning",
          resource,
          message: `${file} ignores the Rollout's replicas drift, but no HPA scales it here: a change of its replica count never reaches the cluster`,
          fix: `once no HPA scales it (autoscaling off), remove ${ignoreText(rolloutWorkload(name))} from spec.ignoreDifferences in ${file}, then kubectl apply -f ${file}`,
        });
      }
    }

    const ref = rollout.spec?.workloadRef;
    const deployment =
      ref?.kind === "Deployment"
        ? manifests.find((m) => m.kind === "Deployment" && m.metadata?.name === ref.name)
        : undefined;
    if (!deployment) continue; // rollout.ts reports a workloadRef that names nothing
    const deploymentResource = resourceName(deployment);
    const running = deployment.spec?.replicas;
    if (running == null && !scaledByHpa("Deployment", ref.name)) {
      findings.push({
        rule: "replicas-missing",
        severity: "error",
        resource: deploymentResource,
        message:
          "the Deployment the Rollout runs through workloadRef sets no replicas and no HPA scales it: a sync that removes them resets a running Deployment to one pod, before the Rollout's pods exist",
        fix: "keep the Deployment's replicas (the count it runs), and let the Argo CD Applications ignore their drift while Argo Rollouts scales it down",
      });
    }
    if (typeof running !== "number" || running === 0) continue;
    findings.push(
      ...drift(
        context,
        "workload-ref-replicas",
        deploymentWorkload(ref.name),
        deploymentResource,
        "Argo Rollouts scales this Deployment down as the Rollout's pods become ready, and git keeps its replicas",
        "Argo Rollouts",
      ),
    );
    if (typeof replicas === "number" && replicas < running) {
      findings.push({
        rule: "workload-ref-start",
        severity: "error",
        resource,
        message: `the Rollout starts at ${replicas} pods while the Deployment it takes over from runs ${running}: as the Rollout's pods become ready, Argo Rollouts scales the Deployment to ${replicas} minus them, so serving pods drop to ${replicas}`,
        fix: "start the Rollout at the Deployment's count: render both replicas from one expression",
      });
    }
  }
  return findings;
}

/**
 * A count in git that another controller changes: every Application that deploys it must leave
 * it alone, or self-heal and every sync put git's count back.
 */
function drift(
  context: RenderContext | undefined,
  rule: string,
  workload: Workload,
  resource: string,
  what: string,
  owner: string,
): Finding[] {
  const applications = context?.applications;
  if (applications === undefined) return [];
  if (applications.length === 0) {
    return [
      {
        rule: "replicas-drift-unchecked",
        severity: "warning",
        resource,
        message: `${what}; no Argo CD Application in argocd/ deploys these values, so doctor cannot check that Argo CD ignores that field's drift (without it, self-heal and every sync put back git's count)`,
        fix: `in the Application that deploys these values, add ${ignoreText(workload)} to spec.ignoreDifferences and ${RESPECT_IGNORE_DIFFERENCES} to spec.syncPolicy.syncOptions`,
      },
    ];
  }
  return applications.flatMap((application) => {
    const edit = missingIgnore(application, workload);
    if (edit === undefined) return [];
    const why = ignoresReplicas(application, workload)
      ? `${application.file} ignores its drift but lacks ${RESPECT_IGNORE_DIFFERENCES}, so every sync applies git's count again`
      : `${application.file} does not tell Argo CD to ignore its drift, so self-heal puts back git's count whenever ${owner} changes it${respectsIgnores(application) ? "" : ", and every sync resets it"}`;
    return [{ rule, severity: "error" as const, resource, message: `${what}, and ${why}`, fix: edit }];
  });
}
