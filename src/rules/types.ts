// What the release rules look at and what they report. The rules run on rendered manifests
// (the output of `helm template`), so they judge what the cluster will actually receive.

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

export type Rule = (manifests: Manifest[]) => Finding[];

export const resourceName = (manifest: Manifest) =>
  `${manifest.kind ?? "Unknown"}/${manifest.metadata?.name ?? manifest.metadata?.generateName ?? "(unnamed)"}`;

export const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

/** A selector selects a set of labels when every key/value of the selector is among them. */
export const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);
