// Schema validation of rendered manifests against the published JSON schemas
// (kubernetes-models and @kubernetes-models/argo-rollouts), plus small lookup
// helpers over the documents helmTemplate returns.
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

/** Anything with a validate() that throws; the models' constructors take the object minus apiVersion/kind. */
type ModelClass = new (data: any) => { validate(): void };

const MODELS: Record<string, ModelClass> = {
  "argoproj.io/v1alpha1/Application": Application,
  "argoproj.io/v1alpha1/Rollout": Rollout,
  "argoproj.io/v1alpha1/AnalysisTemplate": AnalysisTemplate,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
};

/** Schema errors of one manifest, e.g. ["/spec/maxReplicas must be integer"]; [] when valid. */
export function validateManifest(obj: unknown): string[] {
  if (typeof obj !== "object" || obj === null) return ["not an object"];
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  const Model = MODELS[`${String(apiVersion)}/${String(kind)}`];
  if (!Model) return [`no schema for apiVersion ${String(apiVersion)} kind ${String(kind)}`];
  try {
    // The model copies every field, so apiVersion/kind are checked too.
    new Model(obj).validate();
    return [];
  } catch (err) {
    // @kubernetes-models/validate throws a ValidationError carrying ajv's errors.
    const errors = (err as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors.map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
    }
    return [(err as Error).message];
  }
}

interface HasKind {
  kind?: unknown;
}

/** All documents of the given kind, in order. */
export function byKind<T extends HasKind>(docs: readonly T[], kind: string): T[] {
  return docs.filter((doc) => doc.kind === kind);
}

/** The only document of the given kind; throws if there are none or several. */
export function one<T extends HasKind>(docs: readonly T[], kind: string): T {
  const found = byKind(docs, kind);
  if (found.length !== 1) {
    const kinds = docs.map((doc) => String(doc.kind)).join(", ");
    throw new Error(`expected exactly one ${kind}, found ${found.length} (documents: ${kinds || "none"})`);
  }
  return found[0]!;
}
