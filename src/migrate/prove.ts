// Before migrate writes a byte, real Helm renders every environment twice: the chart as it is
// (what runs now) and, in a copy with every change applied, the chart as migrate leaves it.
// The result must hold the release rules, and where an environment ran before, take over
// without losing a pod: the Deployment keeps its pod template (a change would roll it during
// the handover) and at least its count, and the Rollout starts at no fewer pods than the
// Deployment can be running (its replicas, or, under an HPA, the HPA's maxReplicas).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { FileChange } from "../changes.js";
import { CliError, failure } from "../errors.js";
import { renderChart } from "../helm.js";
import { checkRelease, type Manifest, type RenderContext } from "../rules/index.js";

export interface Combination {
  /** values.yaml or values-<env>.yaml, as doctor names it. */
  label: string;
  files: string[];
  /** The Helm release name Argo CD renders it with. */
  release: string;
}

/** One environment of the migrated chart, as Helm renders it. */
export interface Render {
  label: string;
  manifests: Manifest[];
  rollout: string;
  /** The Rollout's replicas: the count it starts at. */
  replicas: number;
  deployment: string;
  deploymentReplicas: number;
  /** An HPA scales the Rollout here. */
  hpa: boolean;
}

export interface ProofInput {
  helm: string;
  chartDir: string;
  changes: FileChange[];
  before: Combination[];
  after: Combination[];
  /** The Applications that deploy a render, as migrate leaves them (RenderContext.applications). */
  applicationsFor: (render: Render) => RenderContext["applications"];
}

export function proveMigration(input: ProofInput): { renders: Render[] } {
  const running = new Map(input.before.map((c) => [c.label, renderOrRefuse(input.helm, input.chartDir, c, "before")]));
  const stage = mkdtempSync(path.join(tmpdir(), "bluegreen-migrate-"));
  try {
    const staged = path.join(stage, "chart");
    cpSync(input.chartDir, staged, { recursive: true, filter: (file) => path.basename(file) !== ".git" });
    for (const change of input.changes) {
      const target = path.join(staged, path.relative(input.chartDir, change.path));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, change.content);
    }
    const renders = input.after.map((c) => describe(c.label, renderOrRefuse(input.helm, staged, c, "after")));
    const problems = renders.flatMap((render) => [
      ...checkRelease(render.manifests, { applications: input.applicationsFor(render) })
        .filter((finding) => finding.severity === "error")
        .map((finding) => `${render.label}: ${finding.rule} ${finding.resource}: ${finding.message}`),
      ...takeover(render, running.get(render.label)),
    ]);
    if (problems.length > 0) {
      throw new CliError([...problems, "migrate changed nothing: the migrated chart would break the rules above"], 1);
    }
    return { renders };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function renderOrRefuse(helm: string, dir: string, combination: Combination, when: "before" | "after"): Manifest[] {
  const namespace = combination.release;
  const result = renderChart(helm, dir, combination.release, combination.files, namespace);
  if (!("failed" in result)) return result.manifests;
  const reason = result.failed.message;
  throw failure(
    when === "before"
      ? `the chart does not render with ${combination.label} (${reason}): migrate proves its result against what runs now, so fix that first`
      : `the migrated chart would not render with ${combination.label} (${reason}), so migrate changed nothing`,
  );
}

function describe(label: string, manifests: Manifest[]): Render {
  const rollout = manifests.find((m) => m.kind === "Rollout");
  const deployment = manifests.find(
    (m) => m.kind === "Deployment" && m.metadata?.name === rollout?.spec?.workloadRef?.name,
  );
  const name = rollout?.metadata?.name ?? "";
  return {
    label,
    manifests,
    rollout: name,
    replicas: Number(rollout?.spec?.replicas ?? 0),
    deployment: deployment?.metadata?.name ?? String(rollout?.spec?.workloadRef?.name ?? ""),
    deploymentReplicas: Number(deployment?.spec?.replicas ?? 0),
    hpa: manifests.some(
      (m) =>
        m.kind === "HorizontalPodAutoscaler" &&
        m.spec?.scaleTargetRef?.kind === "Rollout" &&
        m.spec?.scaleTargetRef?.name === name,
    ),
  };
}

/** What keeps the pods that run now serving through the handover; problems as lines. */
function takeover(render: Render, before: Manifest[] | undefined): string[] {
  if (before === undefined) return []; // a new environment: nothing runs yet
  const was = before.find((m) => m.kind === "Deployment" && m.metadata?.name === render.deployment);
  const now = render.manifests.find((m) => m.kind === "Deployment" && m.metadata?.name === render.deployment);
  if (!was || !now) {
    const names = before.filter((m) => m.kind === "Deployment").map((m) => m.metadata?.name);
    return [
      `${render.label}: the Rollout's workloadRef names Deployment ${render.deployment}, but the chart renders ${names.join(", ") || "no Deployment"}`,
    ];
  }
  const problems: string[] = [];
  if (!isDeepStrictEqual(was.spec?.template, now.spec?.template)) {
    problems.push(
      `${render.label}: the Deployment's pod template would change, which rolls its running pods during the handover`,
    );
  }
  const hpa = before.find(
    (m) =>
      m.kind === "HorizontalPodAutoscaler" &&
      m.spec?.scaleTargetRef?.kind === "Deployment" &&
      m.spec?.scaleTargetRef?.name === render.deployment,
  );
  // What the Deployment can be running: its replicas, or under an HPA anything up to its maximum.
  const ran = typeof was.spec?.replicas === "number" ? was.spec.replicas : hpa ? Number(hpa.spec?.maxReplicas ?? 1) : 1;
  if (render.deploymentReplicas < ran)
    problems.push(
      `${render.label}: the Deployment would go from ${ran} to ${render.deploymentReplicas} pods at the sync`,
    );
  if (render.replicas < ran)
    problems.push(
      `${render.label}: the Rollout would start at ${render.replicas} pods while the Deployment runs up to ${ran}`,
    );
  return problems;
}
