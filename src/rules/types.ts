// What the release rules look at and what they report. The rules run on rendered manifests
// (the output of `helm template`), so they judge what the cluster will actually receive.
import type { FileData } from "../file-fields.js";

export type Severity = "error" | "warning";

export interface Finding {
  /** Stable id, e.g. `hpa-target`. */
  rule: string;
  severity: Severity;
  /** `Kind/name` of the resource concerned, or `chart` for the release as a whole. */
  resource: string;
  /** What is wrong. Never contains a secret value. */
  message: string;
  /** How to fix it. */
  fix: string;
}

/** A rendered Kubernetes object; only the fields the rules read are typed. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
  [key: string]: unknown;
}

/**
 * What rendered the manifests, and what deploys them: plain Helm (what `helm template` gives
 * anyone), or Argo CD with an Application's parameters; and the Argo CD Applications that
 * deploy this render (from the chart's argocd/ folder), [] when the chart has none at all. Left
 * out, the rules that judge the Applications do not run.
 */
export interface RenderContext {
  renderer?: "helm" | "argocd";
  applications?: FileData[];
}

export type Rule = (manifests: Manifest[], context?: RenderContext) => Finding[];

export const resourceName = (manifest: Manifest) =>
  `${manifest.kind ?? "Unknown"}/${manifest.metadata?.name ?? manifest.metadata?.generateName ?? "(unnamed)"}`;

export const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

/** A selector selects a set of labels when every key/value of the selector is among them. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/**
 * The pod template a Rollout runs: its own, or, with workloadRef, the referenced Deployment's
 * (Argo Rollouts copies it). Undefined when a workloadRef names nothing the chart renders.
 */
export function podTemplateOf(rollout: Manifest, manifests: Manifest[]): any | undefined {
  const ref = rollout.spec?.workloadRef;
  if (!ref) return rollout.spec?.template ?? {};
  return manifests.find((m) => m.kind === ref.kind && m.metadata?.name === ref.name)?.spec?.template;
}

/** Deployments that a Rollout runs through workloadRef, by name. */
export const referencedWorkloads = (manifests: Manifest[]) =>
  new Set(
    manifests.filter((m) => m.kind === "Rollout" && m.spec?.workloadRef).map((m) => m.spec.workloadRef.name as string),
  );
