// The values files of a new chart, as commented data. values.yaml holds every knob with a
// comment that says what it does; each values-<env>.yaml holds only what that environment
// changes, with a comment that says why.
import type { ImageRef } from "../image-ref.js";
import { type Entry, group, knob, type Section, section } from "../yaml-doc.js";
import { isProduction, overlayFile, ROLLOUTS_NOTIFICATION_TRIGGERS, SLACK_SECRET_FILE } from "./names.js";
import { configValues, disruptionValues, exposureValues, migrationValues } from "./values-production.js";

/**
 * The curl image of the smoke test and of every Slack Job, pinned by digest (the digest of
 * curlimages/curl:8.11.1, as several public projects pin it). A pull-through mirror keeps the
 * digest, so pointing `registry` at one is all a cluster without Docker Hub needs.
 */
export const CURL_IMAGE = {
  registry: "docker.io",
  repository: "curlimages/curl",
  tag: "8.11.1",
  digest: "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
};
/** The Secret and ConfigMap names Argo Rollouts reads in a Rollout's namespace (v1.6+). */
export const ROLLOUTS_NOTIFICATION_SECRET = "argo-rollouts-notification-secret";

export interface ChartSettings {
  name: string;
  image: ImageRef;
  replicas: number;
  port: number;
  envs: string[];
  /** Each environment deploys to <namespace>-<env>. */
  namespace: string;
  slackEnabled: boolean;
  /** Argo Rollouts notifications too, sharing the Slack webhook's Secret. */
  rolloutNotifications: boolean;
  /** With a host, the Ingress to the active Service is on. */
  host?: string;
  /** With a host, a second Ingress to the preview Service is on. */
  previewHost?: string;
}

/**
 * Where the webhook lives. With Argo Rollouts notifications, in the one Secret Argo Rollouts
 * reads, which the hook Jobs then share; otherwise in a Secret of the app's own.
 */
export const slackSecret = (settings: Pick<ChartSettings, "name" | "rolloutNotifications">) =>
  settings.rolloutNotifications
    ? { name: ROLLOUTS_NOTIFICATION_SECRET, key: "slack-webhook-url" }
    : { name: `${settings.name}-slack-webhook`, key: "url" };

export function baseValues(settings: ChartSettings): Section {
  const { image, replicas, port } = settings;
  return section(
    knob(
      "environment",
      "",
      "-- Environment these values deploy (sandbox, prod, ...). Each values-<env>.yaml sets it;\nit appears in Slack messages and NOTES. Empty: the release namespace is used.",
    ),
    knob("nameOverride", "", "-- Replaces the chart name in resource names.", true),
    knob("fullnameOverride", "", "-- Replaces the full name (release + chart) of the Rollout, Services and HPA."),
    knob(
      "replicaCount",
      replicas,
      "-- Pods of the app when autoscaling is off. With it on, the Rollout still starts with at least\nthis many (see autoscaling.enabled): Argo Rollouts runs a Rollout without `replicas` at one pod.",
      true,
    ),
    group(
      "image",
      "Container image. `bluegreen bump-image` edits these keys; a new tag starts a Blue/Green release.",
      knob("repository", image.repository, "-- Registry and path, without tag."),
      knob("tag", image.tag ?? "", "-- Tag to run. Always quoted, so YAML never reads 1.10 as the number 1.1."),
      knob(
        "digest",
        image.digest ?? "",
        "-- Optional sha256 digest. When set, nodes pull exactly this image and the tag only labels it.",
      ),
      knob("pullPolicy", "IfNotPresent", "-- IfNotPresent suits immutable tags; use Always only for tags that move."),
    ),
    knob("imagePullSecrets", [], "-- Secrets for pulling from a private registry, e.g. [{name: regcred}].", true),
    knob(
      "containerPort",
      port,
      "-- Port the container listens on. Both Services send traffic here (port name `http`) and\nexpose it as service.port. Above 1023, so a non-root container with no capabilities can bind it.",
      true,
    ),
    group(
      "service",
      "The active Service: it carries production traffic and always points at the promoted pods.",
      knob("type", "ClusterIP", "-- ClusterIP, NodePort or LoadBalancer."),
      knob("port", 80, "-- Port the Service exposes."),
      knob("annotations", {}, "-- Annotations for the active Service (load balancer settings, for example)."),
    ),
    group(
      "previewService",
      "The preview Service: it points at the new (green) pods while a release waits for promotion.\nTest green through it before traffic switches. Same port as the active Service.",
      knob("type", "ClusterIP", "-- Its own type on purpose: a LoadBalancer here would double your load balancers."),
      knob("annotations", {}, "-- Annotations for the preview Service."),
    ),
    ...exposureValues(settings),
    group(
      "blueGreen",
      "How Argo Rollouts switches from blue (the running version) to green (the new one).",
      knob(
        "autoPromotionEnabled",
        true,
        "-- true: switch traffic as soon as green is ready. false: pause until someone runs\n`kubectl argo rollouts promote` (Argo CD shows the app Suspended meanwhile).",
      ),
      knob(
        "autoPromotionSeconds",
        0,
        "-- With auto promotion, wait this many seconds after green is ready before switching. 0: no wait.",
      ),
      knob(
        "scaleDownDelaySeconds",
        30,
        "-- Seconds blue keeps running after the switch, so in-flight requests finish and a quick\nrollback finds it warm. Resources stay doubled for this long.",
      ),
      knob(
        "previewReplicaCount",
        null,
        "-- Pods green starts with before promotion (fewer than the full count saves resources\nduring a release; it scales up on promotion). null: the full count.",
      ),
      knob(
        "antiAffinity",
        {},
        "-- Argo Rollouts' own anti-affinity: keeps green's pods off the nodes that run blue's, so the\ncluster autoscaler does not restart green when it removes the nodes blue leaves empty.\n{preferredDuringSchedulingIgnoredDuringExecution: {weight: 1}} asks for it;\n{requiredDuringSchedulingIgnoredDuringExecution: {}} insists, and green may not schedule\nuntil new nodes come. {}: off.",
      ),
      group(
        "smokeTest",
        "Before traffic switches, an Argo Rollouts analysis calls green through the preview Service from\ninside the cluster. If it fails, the release is aborted and blue keeps serving.",
        knob("enabled", true, "-- Run the smoke test before every promotion."),
        knob("path", "", "-- Path to call, such as /healthz. Empty: the readiness probe's path (or /)."),
        knob("timeoutSeconds", 10, "-- Timeout of each attempt."),
        knob("retries", 3, "-- Retries on connection errors and transient HTTP errors (408, 429, 5xx)."),
        group(
          "image",
          "The curl image of the smoke test and of every Slack Job, pinned by digest. Set `registry` to a\nmirror and all of them pull from there. An image the cluster cannot pull: Argo Rollouts 1.10+\ncalls the smoke test Inconclusive and pauses the release (`kubectl argo rollouts promote` runs it\nagain; `--full` would skip it); 1.9 fails it at its deadline and aborts the release, blue keeps\nserving. A Slack Job that cannot start posts nothing, and an Argo CD hook Job among them fails\nits sync at notifications.slack.activeDeadlineSeconds.",
          knob("registry", CURL_IMAGE.registry, "-- Registry (or mirror) the curl image is pulled from."),
          knob("repository", CURL_IMAGE.repository, "-- Path of the curl image in that registry."),
          knob("tag", CURL_IMAGE.tag, "-- Tag, for people: the digest decides what runs."),
          knob(
            "digest",
            CURL_IMAGE.digest,
            "-- sha256 digest the nodes pull. Empty: the tag alone, which a registry can move.",
          ),
        ),
        knob(
          "postPromotion",
          false,
          "-- Call the active Service again after the switch; a failure then rolls traffic back to blue\n(which is still running for scaleDownDelaySeconds).",
        ),
      ),
    ),
    knob("revisionHistoryLimit", 3, "-- Old ReplicaSets kept for rollback.", true),
    knob(
      "progressDeadlineSeconds",
      600,
      "-- Seconds green may take to become ready before the release counts as failed.",
    ),
    knob("progressDeadlineAbort", true, "-- Abort a release that misses its deadline, so blue keeps serving."),
    group(
      "autoscaling",
      "HorizontalPodAutoscaler aimed at the Rollout (never a Deployment).",
      knob(
        "enabled",
        false,
        [
          "-- Turn the HPA on. The Rollout keeps `replicas`: max(replicaCount, minReplicas), the count it is",
          "created with, never fewer than ran before. From then on the HPA owns it, so the environment's",
          "Argo CD Application ignores that field's drift, with RespectIgnoreDifferences=true so that syncs",
          "keep the live count:",
          "  ignoreDifferences: [{group: argoproj.io, kind: Rollout, name: <rollout>, jsonPointers: [/spec/replicas]}]",
          "  syncPolicy.syncOptions: [..., RespectIgnoreDifferences=true]",
          "init and add-env write both into argocd/<env>.yaml where autoscaling is on. To turn it on in a",
          "running environment: add both to its Application and kubectl apply it, then set enabled: true;",
          "the sync keeps the pods that run and the HPA takes over from there. To turn it off: set",
          "enabled: false first (the Rollout keeps the HPA's last count), then remove both; the next sync",
          "applies replicaCount. bluegreen doctor reports an Application that does not match its environment.",
        ].join("\n"),
      ),
      knob("minReplicas", Math.max(replicas, 2), "-- Fewest pods the HPA keeps."),
      knob(
        "maxReplicas",
        maxReplicasFor(replicas),
        "-- Most pods the HPA scales to. During a release green adds as many again.",
      ),
      knob(
        "targetCPUUtilizationPercentage",
        80,
        "-- Average CPU use, as a percentage of resources.requests.cpu, the HPA aims for.",
      ),
      knob(
        "targetMemoryUtilizationPercentage",
        null,
        "-- Optional memory target, as a percentage of resources.requests.memory. null: off.",
      ),
    ),
    ...disruptionValues(),
    knob(
      "resources",
      { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      "-- Requests and limits of the app container. The CPU request is required with autoscaling\n(the HPA measures against it). No CPU limit: throttling hurts latency more than it protects.",
      true,
    ),
    knob(
      "livenessProbe",
      { httpGet: { path: "/", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
      "-- Restarts a container that stops answering.",
      true,
    ),
    knob(
      "readinessProbe",
      { httpGet: { path: "/", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
      "-- Decides when green is ready: promotion waits for it. Point it at a real health endpoint.",
    ),
    knob(
      "startupProbe",
      {},
      "-- For an app that starts slowly: liveness and readiness checks wait until it succeeds, e.g.\n{httpGet: {path: /, port: http}, periodSeconds: 5, failureThreshold: 30}. {}: none.",
    ),
    knob(
      "lifecycle",
      {},
      '-- Container lifecycle hooks, e.g. {preStop: {exec: {command: [sleep, "5"]}}} to keep serving while\nthe Service stops sending traffic to a pod that is going away. {}: none.',
    ),
    knob(
      "terminationGracePeriodSeconds",
      null,
      "-- Seconds a stopping pod gets to finish its requests (preStop included) before it is killed.\nnull: Kubernetes' default, 30.",
    ),
    knob("podAnnotations", {}, "-- Annotations for the pods.", true),
    knob("podLabels", {}, "-- Extra pod labels. A change here starts a release, like any pod template change."),
    knob(
      "podSecurityContext",
      { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      "-- Pod security context. The image must run as a non-root user; if its USER is a name,\nset runAsUser to its numeric id.",
      true,
    ),
    knob(
      "securityContext",
      { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      "-- Container security context: read-only root filesystem (/tmp is writable, below) and no capabilities.",
    ),
    group(
      "serviceAccount",
      "The pods' identity in the cluster, as `helm create` has it.",
      knob("create", true, "-- Create a ServiceAccount for the pods. false: use `name`, or the namespace's default."),
      knob(
        "automount",
        false,
        "-- Mount an API token into the pods (and set it on the ServiceAccount) only if the app calls\nthe Kubernetes API.",
      ),
      knob(
        "annotations",
        {},
        "-- Annotations of the ServiceAccount, e.g. a cloud identity (eks.amazonaws.com/role-arn).",
      ),
      knob(
        "name",
        "",
        "-- Name of the ServiceAccount. Empty: the full name when created, else the namespace's default.",
      ),
    ),
    ...configValues(),
    knob(
      "volumes",
      [{ name: "tmp", emptyDir: {} }],
      "-- Volumes of the pod. The emptyDir gives the app a writable /tmp.",
    ),
    knob("volumeMounts", [{ name: "tmp", mountPath: "/tmp" }], "-- Where the container mounts them."),
    knob("nodeSelector", {}, "-- Node scheduling constraints.", true),
    knob("tolerations", []),
    knob("affinity", {}),
    ...migrationValues(),
    group(
      "notifications",
      "Release messages to Slack. Each event is posted by one mechanism at most: Argo CD hook Jobs,\nArgo Rollouts notifications, or Jobs of the Rollout's own analysis (the chart README has the\ntable). None of them holds a sync open where promotion is manual, and none can fail a sync, an\nanalysis or a release when Slack is unreachable: they log why and exit 0. Plain Helm runs the\nhook Jobs as Helm hooks: the PostSync one after each install and upgrade, the SyncFail one only\nafter a rollback, never on install, upgrade or test.",
      group(
        "slack",
        `Slack messages through a webhook URL read from a Secret that you apply once per namespace\n(${SLACK_SECRET_FILE}, never committed); it is never in this chart. Without that Secret the\nJobs log that they have nothing to post to and exit 0. They run blueGreen.smokeTest.image.`,
        knob("enabled", settings.slackEnabled, "-- Post release messages to the webhook in the Secret below."),
        knob("secretName", slackSecret(settings).name, "-- Secret holding the webhook URL."),
        knob("secretKey", slackSecret(settings).key, "-- Key of the URL in that Secret."),
        knob(
          "retries",
          3,
          "-- curl retries on transient errors (connection refused, timeouts, HTTP 408, 429 and 5xx).",
        ),
        knob("timeoutSeconds", 10, "-- Timeout of each attempt."),
        knob(
          "activeDeadlineSeconds",
          120,
          "-- Deadline of a message Job, never shorter than its retries need. Only a Job that cannot start\n(image not pulled, no room) reaches it: it posts nothing, and as a hook fails its sync (under plain\nHelm: its install, upgrade or rollback).",
        ),
        knob(
          "ttlSecondsAfterFinished",
          86400,
          "-- Finished analysis Jobs are kept this long for `kubectl logs`; Argo CD deletes its succeeded hook Jobs at once.",
        ),
        knob(
          "postSyncWithManualPromotion",
          false,
          "-- Also render the PostSync Job where promotion is manual. It costs this: the sync stays Running\nuntil someone promotes or aborts, and Argo CD deploys no newer commit (a hotfix) meanwhile, since\nit never auto-syncs during an operation; `bluegreen doctor` reports it as an error. Off, the\npost-promotion message Job (or Argo Rollouts, with notifications.rollouts) says when a release\ngoes live, and the sync ends as soon as everything is applied.",
        ),
      ),
      group(
        "rollouts",
        "Argo Rollouts' own notifications, to the same webhook: when a release waits for promotion or is\npaused by an inconclusive analysis, is aborted (also after the sync is over, when no hook fires)\nand completes. For these events the chart's own Jobs then stay silent, one message per event.\nThe cluster's Argo Rollouts (1.6+) must run with --self-service-notification-enabled, and the\nwebhook must be in the Secret argo-rollouts-notification-secret (notifications.slack.secretName)\nin the namespace.",
        knob(
          "enabled",
          settings.rolloutNotifications,
          "-- Render the notification ConfigMap and subscribe the Rollout.",
        ),
        knob(
          "triggers",
          [...ROLLOUTS_NOTIFICATION_TRIGGERS],
          "-- The Rollout events that post a message. An event left out is posted by the chart's Jobs where they can.",
        ),
      ),
    ),
  );
}

export const maxReplicasFor = (replicas: number) => Math.min(1000, Math.max(10, replicas * 2));

export interface OverlayOptions {
  replicas?: number;
  autoPromote?: boolean;
  /** The chart has podDisruptionBudget values (charts made by an older bluegreen may not). Default true. */
  disruptionBudget?: boolean;
  /** The chart can render an HPA (a migrated chart may have none): production autoscales. Default true. */
  autoscaling?: boolean;
  /** The image values.yaml renders: an environment with manual promotion pins it (see imagePin). */
  image?: ImageRef;
  /** The environment whose tested image is promoted into this one, named in the pin's comment. */
  promoteFrom?: string;
}

/**
 * An environment where a person promotes runs its own image: a new tag in values.yaml releases
 * everywhere else first, and reaches this one only when the tested image is copied in with
 * `bump-image --env <env> --from <tested env>`. Repository and digest are pinned with the tag,
 * so that a later change of repository (or a digest) in values.yaml can never combine with this
 * tag into an image that was never built or tested.
 */
function imagePin(env: string, image: ImageRef, from = "<env>"): Entry {
  return group(
    "image",
    `${env} runs its own image: a new tag in values.yaml releases to the other environments first,\nand reaches ${env} when the tested image is promoted:  bluegreen bump-image --env ${env} --from ${from}`,
    knob("repository", image.repository),
    knob("tag", image.tag ?? ""),
    knob("digest", image.digest ?? ""),
  );
}

/** Manual promotion is where a person looks at green before it takes traffic. */
const pinned = (env: string, manual: boolean, options: OverlayOptions): Entry[] =>
  manual && options.image ? [imagePin(env, options.image, options.promoteFrom)] : [];

/** values-<env>.yaml: prod waits for a person and autoscales; anything else promotes itself and stays small. */
export function overlayValues(env: string, options: OverlayOptions = {}): Section {
  if (isProduction(env)) {
    const minReplicas = options.replicas ?? 2;
    const scaling =
      options.autoscaling === false
        ? knob(
            "replicaCount",
            minReplicas,
            "Production runs more than one pod: a node drain or a crash never takes it down.",
            true,
          )
        : group(
            "autoscaling",
            "Production scales with load. The HPA owns the Rollout's count, so this environment's Argo CD\nApplication ignores its drift (ignoreDifferences /spec/replicas, RespectIgnoreDifferences=true).",
            knob("enabled", true),
            knob("minReplicas", minReplicas),
            knob("maxReplicas", maxReplicasFor(minReplicas)),
          );
    return section(
      knob("environment", env),
      ...pinned(env, options.autoPromote !== true, options),
      scaling,
      ...(options.disruptionBudget === false
        ? []
        : [
            group(
              "podDisruptionBudget",
              "Node drains and cluster upgrades take one pod at a time.",
              knob("enabled", true),
            ),
          ]),
      group(
        "blueGreen",
        undefined,
        knob(
          "autoPromotionEnabled",
          options.autoPromote ?? false,
          options.autoPromote
            ? "Switches traffic as soon as green is ready."
            : "Green waits behind the preview Service until someone promotes it:\n  kubectl argo rollouts promote <rollout> -n <namespace>\nUntil then Argo CD shows the app Suspended. The sync itself has ended: a newer commit deploys.",
        ),
      ),
    );
  }
  return section(
    knob("environment", env),
    ...pinned(env, options.autoPromote === false, options),
    knob("replicaCount", options.replicas ?? 1, "Small and cheap: enough to try each release.", true),
    group(
      "autoscaling",
      undefined,
      knob(
        "enabled",
        false,
        "To turn it on while this environment runs, first have its Argo CD Application ignore the\nRollout's /spec/replicas drift, with RespectIgnoreDifferences=true; then no sync drops a pod.",
      ),
    ),
    group(
      "blueGreen",
      undefined,
      knob(
        "autoPromotionEnabled",
        options.autoPromote ?? true,
        options.autoPromote === false
          ? "Green waits until someone runs: kubectl argo rollouts promote <rollout> -n <namespace>"
          : "Switches traffic as soon as green is ready: nobody has to promote here.",
      ),
    ),
  );
}

/** The overlays init writes: prod autoscales from the replica count asked for, at least 2. */
export const initialOverlay = (env: string, settings: ChartSettings) =>
  overlayValues(
    env,
    isProduction(env)
      ? {
          replicas: Math.max(settings.replicas, 2),
          image: settings.image,
          promoteFrom: settings.envs.find((other) => !isProduction(other)),
        }
      : {},
  );

export function overlayHeader(env: string): string {
  return [
    `Values for the ${env} environment, merged by Helm over values.yaml:`,
    `  helm template <release> . -f values.yaml -f ${overlayFile(env)}`,
    "Keep only what differs from values.yaml here; every other knob is documented there.",
  ].join("\n");
}

export function baseHeader(settings: ChartSettings): string {
  return [
    `Values for ${settings.name}: a Blue/Green release with Argo Rollouts, deployed by Argo CD.`,
    "values-<env>.yaml files override these per environment. values.schema.json checks the merged",
    "values: a wrong type fails `helm lint`, `helm template` and the Argo CD sync.",
  ].join("\n");
}

export function chartYaml(settings: ChartSettings): Section {
  return section(
    knob("apiVersion", "v2"),
    knob("name", settings.name),
    knob("description", `Blue/Green release of ${settings.name} with Argo Rollouts, deployed by Argo CD`),
    knob("type", "application"),
    knob("version", "0.1.0", "Version of the chart itself: bump it when you change templates."),
    knob(
      "appVersion",
      settings.image.tag ?? "",
      "Version of the app: the image tag in values.yaml. `bluegreen bump-image` keeps them equal.",
    ),
    knob("kubeVersion", ">=1.23.0-0", "autoscaling/v2 HorizontalPodAutoscaler needs Kubernetes 1.23 or later."),
  );
}

/** The one place the webhook URL is written: a Secret applied with kubectl, never committed. */
export function slackSecretManifest(settings: ChartSettings, webhook: string): Section {
  const { name, key } = slackSecret(settings);
  return section(
    knob("apiVersion", "v1"),
    knob("kind", "Secret"),
    knob("metadata", section(knob("name", name), knob("labels", { "app.kubernetes.io/part-of": settings.name }))),
    knob("type", "Opaque"),
    knob("stringData", section(knob(key, webhook))),
  );
}

export function slackSecretHeader(namespaces: string[]): string {
  return [
    "The Slack webhook URL is a credential: this file is git-ignored, helm-ignored and readable only",
    "by you. Apply it once in each namespace, before the first sync, then keep it out of git:",
    ...namespaces.map((ns) => `  kubectl apply -n ${ns} -f ${SLACK_SECRET_FILE}`),
    "Teams with Sealed Secrets or External Secrets can create a Secret of the same name and key there instead.",
  ].join("\n");
}

/** Helm's merge: maps merge key by key, anything else in the overlay replaces the base. */
export function mergeValues(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return result;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
