// The validators of the kinds whose models compile their schema with Ajv on first use
// (@kubernetes-models/validate 3.x, under the Argo Rollouts and Gateway API models). The build
// replaces this module with the same validators compiled to code ahead of time
// (scripts/schema-validators.mjs), so the CLI never compiles a schema. Unbundled (tsc, the
// unit tier) they validate through the models as published; errors come already filtered.
import { AnalysisTemplate as AnalysisTemplateModel } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import { Rollout as RolloutModel } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { HTTPRoute as HTTPRouteModel } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";

/** An Ajv error, as far as doctor reads it. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  message?: string;
  schema?: unknown;
}

/** An Ajv validate function: true when valid, else false with its errors. */
export interface ValidateFunction {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

function fromModel(Model: new (data: any) => { validate(): void }): ValidateFunction {
  const validate: ValidateFunction = (data) => {
    try {
      new Model(data).validate();
      validate.errors = null;
      return true;
    } catch (error) {
      const errors = (error as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw error;
      validate.errors = errors;
      return false;
    }
  };
  return validate;
}

export const Rollout = fromModel(RolloutModel);
export const AnalysisTemplate = fromModel(AnalysisTemplateModel);
export const HTTPRoute = fromModel(HTTPRouteModel);
