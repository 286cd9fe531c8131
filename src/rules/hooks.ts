// Argo CD hook Jobs that report a release: they must run once per sync, never hang a sync,
// never leak the webhook, and never receive the app's traffic.
import { isPinned } from "./images.js";
import { ofKind, resourceName, selects, type Finding, type Manifest, type Rule } from "./types.js";

const HOOK = "argocd.argoproj.io/hook";
const DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy";

export const hookRules: Rule = (manifests) => {
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
      add("hook-lifecycle", "error", "the hook Job needs a fixed name and hook-delete-policy BeforeHookCreation, or Jobs pile up (generateName) or the next sync fails on the old one", "give it a fixed name and argocd.argoproj.io/hook-delete-policy: BeforeHookCreation,HookSucceeded");
    }
    const spec = job.spec ?? {};
    if (typeof spec.activeDeadlineSeconds !== "number" || typeof spec.backoffLimit !== "number") {
      add("hook-deadline", "error", "the hook Job has no activeDeadlineSeconds or backoffLimit: a stuck Job holds the sync", "set spec.activeDeadlineSeconds and spec.backoffLimit");
    }
    const podSpec = spec.template?.spec ?? {};
    for (const container of podSpec.containers ?? []) {
      if (!isPinned(container.image)) {
        add("image-unpinned", "error", `hook container ${container.name} uses ${container.image ?? "no image"}, which is not pinned`, "use an explicit version tag (or digest), never latest");
      }
      const command = [...(container.command ?? []), ...(container.args ?? [])].map(String);
      if (command[0] === "curl" && !command.some((arg) => arg === "--fail" || arg === "-f" || arg === "--fail-with-body")) {
        add("hook-curl-fail", "error", "curl without --fail exits 0 on an HTTP error, so a failed notification looks sent", "add --fail (and --retry, --max-time)");
      }
      const context = { ...podSpec.securityContext, ...container.securityContext };
      if (context.runAsNonRoot !== true || context.allowPrivilegeEscalation !== false) {
        add("hook-security", "warning", `hook container ${container.name} may run as root or escalate privileges`, "set runAsNonRoot: true and allowPrivilegeEscalation: false");
      }
    }
    const podLabels = spec.template?.metadata?.labels;
    for (const service of services) {
      if (selects(service.spec?.selector, podLabels)) {
        add("hook-pods-selected", "error", `Service ${service.metadata?.name} selects the hook Job's pods and could send them traffic`, "give the Job's pod template labels that no Service selects");
      }
    }
    if (hook.split(",").includes("SyncFail") && !isHelmTestOrHook(job)) {
      add("hook-under-helm", "warning", "under plain helm install, this SyncFail Job is an ordinary Job and reports a failure on every install", "also mark it as a Helm test hook (helm.sh/hook: test)");
    }
  }
  return findings;
};

const isHelmTestOrHook = (job: Manifest) => job.metadata?.annotations?.["helm.sh/hook"] !== undefined;
