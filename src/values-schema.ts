// values.schema.json: the chart's values, checked by Helm on every lint, template and sync.
// Built from the same rules as the input schemas (schema.ts), and turned into JSON Schema at
// build time (scripts/build.mjs), so the CLI never constructs it. Objects are loose, because
// people extend charts; types and the rules of each value are enforced.
import * as z from "zod/mini";
import { DIGEST_PATTERN, REPOSITORY_MAX, REPOSITORY_PATTERN, TAG_PATTERN } from "./image-ref.js";
import { REPLICAS_MAX } from "./schema.js";

const pattern = (source: string, message: string) => z.string().check(z.regex(new RegExp(source), message));
const intRange = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max));
const map = z.record(z.string(), z.unknown());
const list = z.array(z.unknown());

export const valuesSchema = z.looseObject({
  environment: z.optional(z.string()),
  nameOverride: z.optional(z.string()),
  fullnameOverride: z.optional(z.string()),
  replicaCount: z.optional(intRange(1, REPLICAS_MAX)),
  revisionHistoryLimit: z.optional(intRange(1)),
  progressDeadlineSeconds: z.optional(intRange(1)),
  progressDeadlineAbort: z.optional(z.boolean()),
  image: z.optional(
    z.looseObject({
      repository: z.optional(
        pattern(REPOSITORY_PATTERN, "lowercase image repository without tag").check(z.maxLength(REPOSITORY_MAX)),
      ),
      tag: z.optional(z.union([z.literal(""), pattern(TAG_PATTERN, "image tag")])),
      digest: z.optional(z.union([z.literal(""), pattern(DIGEST_PATTERN, "sha256 digest")])),
      pullPolicy: z.optional(z.enum(["Always", "IfNotPresent", "Never"])),
    }),
  ),
  imagePullSecrets: z.optional(list),
  containerPort: z.optional(intRange(1, 65535)),
  service: z.optional(
    z.looseObject({
      type: z.optional(z.enum(["ClusterIP", "NodePort", "LoadBalancer"])),
      port: z.optional(intRange(1, 65535)),
      annotations: z.optional(map),
    }),
  ),
  previewService: z.optional(
    z.looseObject({
      type: z.optional(z.enum(["ClusterIP", "NodePort", "LoadBalancer"])),
      annotations: z.optional(map),
    }),
  ),
  blueGreen: z.optional(
    z.looseObject({
      autoPromotionEnabled: z.optional(z.boolean()),
      autoPromotionSeconds: z.optional(intRange(0)),
      scaleDownDelaySeconds: z.optional(intRange(0)),
      previewReplicaCount: z.optional(z.nullable(intRange(1, REPLICAS_MAX))),
      smokeTest: z.optional(
        z.looseObject({
          enabled: z.optional(z.boolean()),
          path: z.optional(pattern("^$|^/[^\\s]*$", "empty, or a path starting with /")),
          timeoutSeconds: z.optional(intRange(1, 300)),
          retries: z.optional(intRange(0, 20)),
          image: z.optional(z.string()),
          postPromotion: z.optional(z.boolean()),
        }),
      ),
    }),
  ),
  autoscaling: z.optional(
    z.looseObject({
      enabled: z.optional(z.boolean()),
      minReplicas: z.optional(intRange(1, REPLICAS_MAX)),
      maxReplicas: z.optional(intRange(1, REPLICAS_MAX)),
      targetCPUUtilizationPercentage: z.optional(z.nullable(intRange(1))),
      targetMemoryUtilizationPercentage: z.optional(z.nullable(intRange(1))),
    }),
  ),
  resources: z.optional(map),
  livenessProbe: z.optional(map),
  readinessProbe: z.optional(map),
  podAnnotations: z.optional(map),
  podLabels: z.optional(map),
  podSecurityContext: z.optional(map),
  securityContext: z.optional(map),
  serviceAccountName: z.optional(z.string()),
  automountServiceAccountToken: z.optional(z.boolean()),
  env: z.optional(list),
  volumes: z.optional(list),
  volumeMounts: z.optional(list),
  nodeSelector: z.optional(map),
  tolerations: z.optional(list),
  affinity: z.optional(map),
  notifications: z.optional(
    z.looseObject({
      slack: z.optional(
        z.looseObject({
          enabled: z.optional(z.boolean()),
          secretName: z.optional(z.string()),
          secretKey: z.optional(z.string()),
          image: z.optional(z.string()),
          retries: z.optional(intRange(0, 10)),
          timeoutSeconds: z.optional(intRange(1, 300)),
          activeDeadlineSeconds: z.optional(intRange(1)),
          ttlSecondsAfterFinished: z.optional(intRange(0)),
        }),
      ),
      rollouts: z.optional(
        z.looseObject({
          enabled: z.optional(z.boolean()),
          triggers: z.optional(z.array(z.enum(["on-rollout-paused", "on-rollout-aborted", "on-rollout-completed"]))),
        }),
      ),
    }),
  ),
});

export function valuesJsonSchema(): object {
  return z.toJSONSchema(valuesSchema, { target: "draft-7", io: "input" });
}
