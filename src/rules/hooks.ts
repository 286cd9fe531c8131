// Release messages and the Jobs that send them: Argo CD hook Jobs and the Jobs of the Rollout's
// analyses. A message must never hold a sync open, fail a sync or a release, run under plain
// Helm to report a failure that did not happen, or be posted twice; the Jobs must run once per
// sync, be bounded, pinned, unprivileged and never receive the app's traffic.
import { hasDigest } from "../image-ref.js";
import { isPinned } from "./images.js";
import {
  commandText,
  type JobContainer,
  jobContainers,
  notificationMechanisms,
  postsToWebhook,
  type ReleaseEvent,
  webhookCurls,
} from "./notifications.js";
import { syncWaiters } from "./sync.js";
import { type Finding, type Manifest, ofKind, type Rule, resourceName, selects } from "./types.js";

const HOOK = "argocd.argoproj.io/hook";
const DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy";
// Helm's pkg/action: install runs pre-/post-install hooks, upgrade pre-/post-upgrade, test the test
// hooks (test-success is read as test, pkg/releaseutil/manifest_sorter.go).
const HELM_RUNS: Record<string, string> = {
  "pre-install": "helm install runs it",
  "post-install": "helm install runs it",
  "pre-upgrade": "helm upgrade runs it",
  "post-upgrade": "helm upgrade runs it",
  test: "helm test runs it",
  "test-success": "helm test runs it",
};

const csv = (text: string | undefined) =>
  (text ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);

export const hookRules: Rule = (manifests, context = {}) => [
  ...syncHeldByPromotion(manifests),
  ...hookJobRules(manifests, context.renderer ?? "helm"),
  ...messageRules(manifests),
];

/** Where promotion is manual, nothing may make the sync wait for the Rollout's health. */
function syncHeldByPromotion(manifests: Manifest[]): Finding[] {
  return ofKind(manifests, "Rollout")
    .filter((rollout) => rollout.spec?.strategy?.blueGreen?.autoPromotionEnabled === false)
    .flatMap((rollout) =>
      syncWaiters(rollout, manifests).map(({ manifest, why }) => ({
        rule: "sync-held-by-promotion",
        severity: "error" as const,
        resource: resourceName(manifest),
        message: `${why}, so Argo CD's sync waits for ${resourceName(rollout)} to be healthy; waiting for its manual promotion the Rollout is Suspended, the sync stays Running until someone promotes or aborts, and Argo CD auto-syncs nothing meanwhile (not even a hotfix)`,
        fix: 'where promotion is manual, render no PostSync hook (bluegreen charts: notifications.slack.postSyncWithManualPromotion: false) and apply nothing in a later sync wave than the Rollout; say "live" through Argo Rollouts notifications or a dry-run post-promotion analysis',
      })),
    );
}

function hookJobRules(manifests: Manifest[], renderer: "helm" | "argocd"): Finding[] {
  const findings: Finding[] = [];
  const services = ofKind(manifests, "Service");
  for (const job of ofKind(manifests, "Job")) {
    const hook = job.metadata?.annotations?.[HOOK];
    if (!hook) continue;
    const resource = resourceName(job);
    const add = (rule: string, severity: Finding["severity"], message: string, fix: string) =>
      findings.push({ rule, severity, resource, message, fix });
    const policies = (job.metadata?.annotations?.[DELETE_POLICY] ?? "").split(",").map((p) => p.trim());
    if (!job.metadata?.name || !policies.includes("BeforeHookCreation")) {
      add(
        "hook-lifecycle",
        "error",
        "the hook Job needs a fixed name and hook-delete-policy BeforeHookCreation, or Jobs pile up (generateName) or the next sync fails on the old one",
        "give it a fixed name and argocd.argoproj.io/hook-delete-policy: BeforeHookCreation,HookSucceeded",
      );
    }
    const spec = job.spec ?? {};
    if (typeof spec.activeDeadlineSeconds !== "number" || typeof spec.backoffLimit !== "number") {
      add(
        "hook-deadline",
        "error",
        "the hook Job has no activeDeadlineSeconds or backoffLimit: a stuck Job holds the sync",
        "set spec.activeDeadlineSeconds and spec.backoffLimit",
      );
    }
    for (const container of spec.template?.spec?.containers ?? []) {
      const context = { ...spec.template?.spec?.securityContext, ...container.securityContext };
      if (context.runAsNonRoot !== true || context.allowPrivilegeEscalation !== false) {
        add(
          "hook-security",
          "warning",
          `hook container ${container.name} may run as root or escalate privileges`,
          "set runAsNonRoot: true and allowPrivilegeEscalation: false",
        );
      }
    }
    const podLabels = spec.template?.metadata?.labels;
    for (const service of services) {
      if (selects(service.spec?.selector, podLabels)) {
        add(
          "hook-pods-selected",
          "error",
          `Service ${service.metadata?.name} selects the hook Job's pods and could send them traffic`,
          "give the Job's pod template labels that no Service selects",
        );
      }
    }
    // Plain Helm has no SyncFail. Argo CD ignores the Helm hook of a Job that has its own
    // (gitops-engine pkg/sync/hook/hook.go Types), so the Helm hook only says what plain Helm does
    // with the Job: a rollback is the one Helm event that means a release failed.
    if (csv(hook).includes("SyncFail")) {
      const events = csv(job.metadata?.annotations?.["helm.sh/hook"]);
      const fix =
        "make it a Helm post-rollback hook as well (helm.sh/hook: post-rollback, helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded): Argo CD still runs it only on SyncFail, and plain Helm only when a release is rolled back";
      const underHelm = (message: string) => add("hook-under-helm", "warning", message, fix);
      // argo-cd controller/hook.go: helm.sh/hook pre-delete or post-delete makes any resource a
      // PreDelete or PostDelete hook too, whatever its Argo CD hook says.
      const deletes = events.filter((event) => event === "pre-delete" || event === "post-delete");
      if (deletes.length > 0) {
        underHelm(
          `this SyncFail Job is also a Helm ${deletes.join(",")} hook: Argo CD runs it when the Application is deleted, and helm uninstall runs it too, each posting a failure that did not happen`,
        );
      }
      if (renderer === "helm") {
        const runs = events.flatMap((event) => (HELM_RUNS[event] ? [HELM_RUNS[event]!] : []));
        if (events.length === 0) {
          underHelm(
            "under plain helm install this SyncFail Job is an ordinary Job: it runs on every install and upgrade and posts a failure that did not happen",
          );
        } else if (runs.length > 0) {
          const test =
            events.includes("test") || events.includes("test-success")
              ? " (and an Application with helm.skipTests: true drops it)"
              : "";
          underHelm(
            `this SyncFail Job is also a Helm ${events.join(",")} hook: ${[...new Set(runs)].join(" and ")} and posts a failure that did not happen${test}`,
          );
        }
      }
    }
  }
  return findings;
}

/** The Jobs that post messages, and the messages themselves. */
function messageRules(manifests: Manifest[]): Finding[] {
  const findings: Finding[] = [];
  for (const job of jobContainers(manifests)) {
    const add = (rule: string, severity: Finding["severity"], message: string, fix: string) =>
      findings.push({ rule, severity, resource: job.resource, message, fix });
    const { container } = job;
    const isHookJob = !job.runsAt.endsWith("promotion");
    // The images the cluster pulls only to report or check a release (curl, usually): pinned by
    // digest. A hook that runs the app's own image (a migration) follows the app's tag.
    const reportsOrChecks = postsToWebhook(container) || !isHookJob;
    if (!isPinned(container.image)) {
      add(
        "image-unpinned",
        "error",
        `${describe(job)} container ${container.name} uses ${container.image ?? "no image"}, which is not pinned`,
        "use an explicit version tag and digest, never latest",
      );
    } else if (reportsOrChecks && !hasDigest(container.image)) {
      add(
        "image-digest",
        "warning",
        `${describe(job)} container ${container.name} pulls ${container.image} by tag alone, which its registry can move`,
        "pin the digest too (image@sha256:...); a pull-through mirror keeps it",
      );
    }
    const posting = webhookCurls(container);
    if (posting.length === 0) continue;
    if (!posting.every((line) => /--fail(-with-body)?\b|\s-f\b|\s-[a-zA-Z]*f[a-zA-Z]*\s/.test(line))) {
      add(
        "hook-curl-fail",
        "warning",
        `${describe(job)} posts with curl without --fail: an HTTP error (a revoked webhook, Slack down) is logged as sent`,
        "add --fail, and log the failure before exiting 0",
      );
    }
    // A message that fails must not fail what it reports on. A smoke test that also posts is
    // meant to fail hard, and a dry-run metric cannot fail its analysis: both are left alone.
    const onlyPosts = webhookCurls(container).length === curlCalls(container);
    if ((isHookJob || (onlyPosts && !job.dryRun)) && !exitsZero(container, posting)) {
      add(
        "notification-exit-code",
        "error",
        `${describe(job)} exits non-zero when Slack cannot be reached or refuses the message: ${isHookJob ? (job.runsAt === "SyncFail" ? "the sync reports its SyncFail hook failed too" : "that fails the sync") : "that fails the analysis and aborts the release"}`,
        isHookJob
          ? "post from a shell that logs why a message was not sent and ends with exit 0"
          : "list the metric in the analysis' dryRun, and post from a shell that ends with exit 0",
      );
    }
  }
  const byEvent = new Map<string, string[]>();
  for (const { event, by } of notificationMechanisms(manifests))
    byEvent.set(event, [...(byEvent.get(event) ?? []), by]);
  for (const [event, mechanisms] of byEvent) {
    if (mechanisms.length < 2) continue;
    findings.push({
      rule: "notification-duplicate",
      severity: "warning",
      resource: "chart",
      message: `${EVENT_NAMES[event as ReleaseEvent]} is posted ${mechanisms.length} times: by ${mechanisms.join(" and by ")}`,
      fix: "let one mechanism post each event (bluegreen charts choose one by themselves; with notifications.rollouts, Argo Rollouts posts the Rollout's events)",
    });
  }
  return findings;
}

const EVENT_NAMES: Record<ReleaseEvent, string> = {
  live: "a release going live",
  paused: "a release waiting for promotion",
  "smoke-test-failed": "a failed smoke test",
  "sync-failed": "a failed sync",
  aborted: "an aborted release",
};

const describe = (job: JobContainer) =>
  job.runsAt.endsWith("promotion") ? `the ${job.runsAt} analysis` : `the ${job.runsAt} hook`;

/** How many curl calls a container makes. */
const curlCalls = (container: any) =>
  container.command?.[0] === "curl"
    ? 1
    : commandText(container)
        .split("\n")
        .filter((line) => /(^|[\s;&|(])curl\s/.test(line)).length;

/**
 * Whether a failing post still exits 0: a shell script that ends with `exit 0` and never sets
 * -e, or every posting curl followed by `|| true`. A bare curl command never does.
 */
function exitsZero(container: any, posting: string[]): boolean {
  if (!postsToWebhook(container) || container.command?.[0] === "curl") return false;
  const script = commandText(container);
  const statements = script
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (!/(^|\n)\s*set\s+-[a-z]*e/.test(script) && statements.at(-1) === "exit 0") return true;
  return posting.every((line) => /\|\|\s*(true|:|exit 0)\s*;?\s*$/.test(line.trim()));
}
