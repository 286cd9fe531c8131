// values.schema.json: the chart's values, checked by Helm on every lint, template and sync.
// Built from the same rules as the input schemas (input-schema.ts), and turned into JSON Schema at
// build time (scripts/build.mjs), so the CLI never constructs it. The top level is open, because
// people extend charts; the chart's own objects (image, service, blueGreen, ingress...) are closed,
// so a typo such as `autoscaling.enable` fails `helm lint` instead of being ignored; free-form
// maps (resources, annotations, probes...) stay open. Types and the rules of each value are enforced.
import * as z from "zod/mini";
import { ROLLOUTS_NOTIFICATION_TRIGGERS } from "./chart/names.js";
import { DIGEST_PATTERN, REPOSITORY_MAX, REPOSITORY_PATTERN, TAG_PATTERN } from "./image-ref.js";
import { DNS_NAME_PATTERN, REPLICAS_MAX } from "./input-schema.js";

const pattern = (source: string, message: string) => z.string().check(z.regex(new RegExp(source), message));
const intRange = (min: number, max?: number) =>
  max === undefined ? z.int().check(z.minimum(min)) : z.int().check(z.minimum(min), z.maximum(max));
const map = z.record(z.string(), z.unknown());
/** A registry host (name or IP, optional port) and an optional path, as a mirror is written. */
const REGISTRY_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$";
const list = z.array(z.unknown());
const maps = z.array(map);
/** A DNS name such as shop.example.com (a wildcard first label allowed, as Ingress hosts allow it). */
const hostname = pattern(`^(\\*\\.)?${DNS_NAME_PATTERN}$`, "a DNS name such as shop.example.com").check(
  z.maxLength(253),
);
const hostOrEmpty = z.union([z.literal(""), hostname]);
/** A number of pods, or a percentage of them. */
const count = (min: number) =>
  z.union([intRange(min), pattern(`^([${min}-9]|[1-9][0-9]|100)%$`, `a percentage from ${min}% to 100%`)]);
const tls = z.array(z.strictObject({ secretName: z.optional(z.string()), hosts: z.optional(z.array(hostname)) }));
const parentRefs = z.array(map);

export const valuesSchema = z.looseObject({
  environment: z.optional(z.string()),
  nameOverride: z.optional(z.string()),
  fullnameOverride: z.optional(z.string()),
  replicaCount: z.optional(intRange(1, REPLICAS_MAX)),
  revisionHistoryLimit: z.optional(intRange(1)),
  progressDeadlineSeconds: z.optional(intRange(1)),
  progressDeadlineAbort: z.optional(z.boolean()),
  image: z.optional(
    z.strictObject({
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
    z.strictObject({
      type: z.optional(z.enum(["ClusterIP", "NodePort", "LoadBalancer"])),
      port: z.optional(intRange(1, 65535)),
      annotations: z.optional(map),
    }),
  ),
  previewService: z.optional(
    z.strictObject({
      type: z.optional(z.enum(["ClusterIP", "NodePort", "LoadBalancer"])),
      annotations: z.optional(map),
    }),
  ),
  ingress: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      className: z.optional(z.string()),
      annotations: z.optional(map),
      hosts: z.optional(
        z.array(
          z.strictObject({
            host: hostname,
            paths: z.array(
              z.strictObject({
                path: pattern("^/", "a path starting with /"),
                pathType: z.optional(z.enum(["Prefix", "Exact", "ImplementationSpecific"])),
              }),
            ),
          }),
        ),
      ),
      tls: z.optional(tls),
      preview: z.optional(
        z.strictObject({
          enabled: z.optional(z.boolean()),
          host: z.optional(hostOrEmpty),
          className: z.optional(z.string()),
          annotations: z.optional(map),
          tls: z.optional(tls),
        }),
      ),
    }),
  ),
  httpRoute: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      annotations: z.optional(map),
      parentRefs: z.optional(parentRefs),
      hostnames: z.optional(z.array(hostname)),
      rules: z.optional(maps),
      preview: z.optional(
        z.strictObject({
          enabled: z.optional(z.boolean()),
          hostname: z.optional(hostOrEmpty),
          parentRefs: z.optional(parentRefs),
        }),
      ),
    }),
  ),
  blueGreen: z.optional(
    z.strictObject({
      autoPromotionEnabled: z.optional(z.boolean()),
      autoPromotionSeconds: z.optional(intRange(0)),
      scaleDownDelaySeconds: z.optional(intRange(0)),
      previewReplicaCount: z.optional(z.nullable(intRange(1, REPLICAS_MAX))),
      antiAffinity: z.optional(
        z.strictObject({
          preferredDuringSchedulingIgnoredDuringExecution: z.optional(z.strictObject({ weight: intRange(1, 100) })),
          requiredDuringSchedulingIgnoredDuringExecution: z.optional(z.strictObject({})),
        }),
      ),
      smokeTest: z.optional(
        z.strictObject({
          enabled: z.optional(z.boolean()),
          path: z.optional(pattern("^$|^/[^\\s]*$", "empty, or a path starting with /")),
          timeoutSeconds: z.optional(intRange(1, 300)),
          retries: z.optional(intRange(0, 20)),
          image: z.optional(
            z.strictObject({
              registry: z.optional(pattern(REGISTRY_PATTERN, "registry host[:port], optionally with a path")),
              repository: z.optional(pattern(REPOSITORY_PATTERN, "lowercase image repository without registry or tag")),
              tag: z.optional(pattern(TAG_PATTERN, "image tag")),
              digest: z.optional(z.union([z.literal(""), pattern(DIGEST_PATTERN, "sha256 digest")])),
            }),
          ),
          postPromotion: z.optional(z.boolean()),
        }),
      ),
    }),
  ),
  autoscaling: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      minReplicas: z.optional(intRange(1, REPLICAS_MAX)),
      maxReplicas: z.optional(intRange(1, REPLICAS_MAX)),
      targetCPUUtilizationPercentage: z.optional(z.nullable(intRange(1))),
      targetMemoryUtilizationPercentage: z.optional(z.nullable(intRange(1))),
    }),
  ),
  podDisruptionBudget: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      // Never 0: a budget that allows no disruption blocks every node drain.
      maxUnavailable: z.optional(count(1)),
    }),
  ),
  topologySpread: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      topologyKey: z.optional(z.string().check(z.minLength(1))),
      maxSkew: z.optional(intRange(1)),
    }),
  ),
  topologySpreadConstraints: z.optional(maps),
  resources: z.optional(map),
  livenessProbe: z.optional(map),
  readinessProbe: z.optional(map),
  startupProbe: z.optional(map),
  lifecycle: z.optional(map),
  terminationGracePeriodSeconds: z.optional(z.nullable(intRange(0))),
  podAnnotations: z.optional(map),
  podLabels: z.optional(map),
  podSecurityContext: z.optional(map),
  securityContext: z.optional(map),
  serviceAccount: z.optional(
    z.strictObject({
      create: z.optional(z.boolean()),
      automount: z.optional(z.boolean()),
      annotations: z.optional(map),
      name: z.optional(z.string()),
    }),
  ),
  // ConfigMap keys; the values are strings, so YAML never turns 1.10 into 1.1 on the way.
  config: z.optional(
    z.record(pattern("^[-._a-zA-Z0-9]+$", "a ConfigMap key: letters, digits, '-', '_' and '.'"), z.string()),
  ),
  envFrom: z.optional(maps),
  env: z.optional(maps),
  volumes: z.optional(list),
  volumeMounts: z.optional(list),
  nodeSelector: z.optional(map),
  tolerations: z.optional(list),
  affinity: z.optional(map),
  migrations: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      command: z.optional(z.array(z.string())),
      args: z.optional(z.array(z.string())),
      activeDeadlineSeconds: z.optional(intRange(1)),
      backoffLimit: z.optional(intRange(0, 10)),
      resources: z.optional(map),
    }),
  ),
  notifications: z.optional(
    z.strictObject({
      slack: z.optional(
        z.strictObject({
          enabled: z.optional(z.boolean()),
          secretName: z.optional(z.string()),
          secretKey: z.optional(z.string()),
          retries: z.optional(intRange(0, 10)),
          timeoutSeconds: z.optional(intRange(1, 300)),
          activeDeadlineSeconds: z.optional(intRange(1)),
          ttlSecondsAfterFinished: z.optional(intRange(0)),
          postSyncWithManualPromotion: z.optional(z.boolean()),
        }),
      ),
      rollouts: z.optional(
        z.strictObject({
          enabled: z.optional(z.boolean()),
          triggers: z.optional(z.array(z.enum(ROLLOUTS_NOTIFICATION_TRIGGERS))),
        }),
      ),
    }),
  ),
});

export function valuesJsonSchema(): object {
  return z.toJSONSchema(valuesSchema, { target: "draft-7", io: "input" });
}
