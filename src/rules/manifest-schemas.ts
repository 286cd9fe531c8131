// Every rendered object of a kind we know is checked against its published schema: the Argo
// Rollouts and Argo CD CRDs, the Kubernetes API (kubernetes-models) and the Gateway API CRDs
// (@kubernetes-models/gateway-api). A typo that Helm renders happily fails here, not at sync time.
// The Rollout, AnalysisTemplate and HTTPRoute schemas are checked by validators compiled at
// build time (./schema-validators.ts says why); the other models ship theirs compiled.
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { AnalysisTemplate, HTTPRoute, Rollout, type SchemaError, type ValidateFunction } from "./schema-validators.js";
import { type Finding, type Manifest, type Rule, resourceName } from "./types.js";

type Model = new (data: any) => { validate(): void };

const VALIDATORS: Record<string, ValidateFunction> = {
  "argoproj.io/v1alpha1/Rollout": Rollout,
  "argoproj.io/v1alpha1/AnalysisTemplate": AnalysisTemplate,
  "gateway.networking.k8s.io/v1/HTTPRoute": HTTPRoute,
};

const MODELS: Record<string, Model> = {
  "argoproj.io/v1alpha1/Application": Application,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Pod": Pod,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
};

/** Schema errors of one object, e.g. ["/spec/maxReplicas must be integer"]; undefined for a kind we have no schema for. */
export function schemaErrors(manifest: Manifest): string[] | undefined {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const validate = VALIDATORS[key];
  if (validate) return validate(manifest) ? [] : excludeNullableRefErrors(validate.errors ?? []).map(describe);
  const Model = MODELS[key];
  if (!Model) return undefined;
  try {
    new Model(manifest).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) return errors.map(describe);
    return [(error as Error).message.split("\n", 1)[0]!];
  }
}

const describe = (error: { instancePath?: string; message?: string }) =>
  `${error.instancePath || "/"} ${error.message ?? "is invalid"}`;

/**
 * The errors @kubernetes-models/validate 3.1.2 reports (its excludeNullableRefErrors): a field
 * that may be null is `oneOf: [{$ref}, {type: null}]`, and when the reference fails only its own
 * errors count, not the oneOf's nor "must be null".
 */
export function excludeNullableRefErrors(errors: SchemaError[]): SchemaError[] {
  const result: SchemaError[] = [];
  const excluded = new Set<string>();
  for (const error of errors) {
    if (error.keyword === "oneOf" && Array.isArray(error.schema)) {
      const nullIndex = error.schema.findIndex((branch: { type?: unknown }) => branch?.type === "null");
      if (nullIndex > -1) {
        excluded.add(`${error.schemaPath}/${nullIndex}/type`);
        continue;
      }
    }
    result.push(error);
  }
  // Never none: an invalid object says at least that.
  const kept = result.filter((error) => !excluded.has(error.schemaPath));
  return kept.length > 0 ? kept : [{ keyword: "", instancePath: "", schemaPath: "", message: "is invalid" }];
}

export const schemaRules: Rule = (manifests) =>
  manifests.flatMap((manifest): Finding[] =>
    (schemaErrors(manifest) ?? []).map((error) => ({
      rule: "schema",
      severity: "error",
      resource: resourceName(manifest),
      message: `does not match the ${manifest.apiVersion} ${manifest.kind} schema: ${error}`,
      fix: "correct the field in the template or values that renders it",
    })),
  );
