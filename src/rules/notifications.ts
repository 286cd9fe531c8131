// Where a rendered chart posts release messages, and how: the Argo CD hook Jobs, the Jobs of
// the Rollout's analyses, and the Argo Rollouts notification subscriptions. Our tests read the
// same model to run every rendered command, and doctor reports what would post twice.
import type { RolloutsTrigger } from "../chart/names.js";
import { isHook, syncPhases, syncWaiters } from "./sync.js";
import { type Manifest, ofKind, resourceName } from "./types.js";

/** A release event a person wants to hear about once. */
export type ReleaseEvent = "live" | "paused" | "smoke-test-failed" | "sync-failed" | "aborted";

export interface JobContainer {
  /** `Job/x` for a hook, `AnalysisTemplate/x` for an analysis metric. */
  resource: string;
  /** Where it runs: a hook phase (`PostSync`...), or `pre-promotion` / `post-promotion`. */
  runsAt: string;
  /** For analysis metrics: listed in the analysis' dryRun, so its outcome cannot matter. */
  dryRun: boolean;
  /** The container, with Argo Rollouts' {{args.x}} already resolved as the AnalysisRun would. */
  container: any;
  /** The pod spec around it (security context and the like). */
  pod: any;
}

/** Hook Jobs and the Job metrics of the Rollouts' pre- and post-promotion analyses. */
export function jobContainers(manifests: Manifest[]): JobContainer[] {
  const found: JobContainer[] = [];
  for (const job of ofKind(manifests, "Job").filter(isHook)) {
    for (const phase of syncPhases(job)) {
      const pod = job.spec?.template?.spec ?? {};
      for (const container of pod.containers ?? [])
        found.push({ resource: resourceName(job), runsAt: phase, dryRun: false, container, pod });
    }
  }
  const templates = new Map(ofKind(manifests, "AnalysisTemplate").map((t) => [t.metadata?.name, t]));
  for (const rollout of ofKind(manifests, "Rollout")) {
    for (const [runsAt, analysis] of [
      ["pre-promotion", rollout.spec?.strategy?.blueGreen?.prePromotionAnalysis],
      ["post-promotion", rollout.spec?.strategy?.blueGreen?.postPromotionAnalysis],
    ] as const) {
      const used = (analysis?.templates ?? [])
        .map((ref: any) => templates.get(ref.templateName))
        .filter(Boolean) as Manifest[];
      // utils/analysis/helpers.go: the templates' arguments, with the Rollout's values over them.
      const args: Record<string, string> = {};
      for (const template of used)
        for (const arg of template.spec?.args ?? []) if (typeof arg.value === "string") args[arg.name] ??= arg.value;
      for (const arg of analysis?.args ?? []) if (typeof arg.value === "string") args[arg.name] = arg.value;
      for (const template of used) {
        const dryRun: string[] = (template.spec?.dryRun ?? []).map((d: any) => String(d.metricName));
        for (const metric of template.spec?.metrics ?? []) {
          const pod = metric.provider?.job?.spec?.template?.spec;
          if (!pod) continue;
          const isDryRun = dryRun.some((pattern) => safeRegExp(pattern)?.test(metric.name) ?? false);
          for (const container of pod.containers ?? []) {
            found.push({
              resource: resourceName(template),
              runsAt,
              dryRun: isDryRun,
              container: resolveArgs(container, args),
              pod,
            });
          }
        }
      }
    }
  }
  return found;
}

/** dryRun metric names are regular expressions (utils/analysis/helpers.go GetDryRunMetrics). */
const safeRegExp = (pattern: string) => {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
};

/**
 * Argo Rollouts' substitution of {{args.name}} in a metric (utils/template/template.go): each
 * placeholder once, by the argument's text as it is; an unknown one is an error there, and is
 * left in place here for the rules to see.
 */
export function resolveArgs<T>(value: T, args: Record<string, string>): T {
  if (typeof value === "string") {
    return value.replace(/\{\{([^}]*)\}\}/g, (match, tag: string) => {
      const name = tag.trim();
      return name.startsWith("args.") && args[name.slice(5)] !== undefined ? args[name.slice(5)]! : match;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => resolveArgs(item, args)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveArgs(v, args)])) as T;
  return value;
}

/** The names of the env vars a container reads from Secrets: where a webhook would come from. */
const secretVars = (container: any): string[] =>
  (container.env ?? []).filter((e: any) => e?.valueFrom?.secretKeyRef).map((e: any) => String(e.name));

/** The container's command line as one text, for the shell scripts inside it. */
export const commandText = (container: any) =>
  [...(container.command ?? []), ...(container.args ?? [])].map(String).join("\n");

/**
 * The curl calls of a container that post to a webhook: curl lines that use a variable read from
 * a Secret, or a Slack webhook address.
 */
export function webhookCurls(container: any): string[] {
  const vars = secretVars(container);
  const text = commandText(container);
  const calls =
    container.command?.[0] === "curl" || container.command?.[0]?.endsWith?.("/curl")
      ? [text.replace(/\n/g, " ")]
      : text.split("\n").filter((line) => /(^|[\s;&|(])curl\s/.test(line));
  return calls.filter(
    (line) => /hooks\.slack\.com/.test(line) || vars.some((name) => new RegExp(`\\$\\(?\\{?${name}\\b`).test(line)),
  );
}

export const postsToWebhook = (container: any) => webhookCurls(container).length > 0;

/** The payload env vars the smoke test posts from, when they carry a message. */
const payload = (container: any, name: string) => (container.env ?? []).find((e: any) => e?.name === name)?.value;

/** Rollout events from notifications.argoproj.io/subscribe.<trigger>.<service> annotations. */
const TRIGGER_EVENTS: Record<RolloutsTrigger, ReleaseEvent[]> = {
  "on-rollout-completed": ["live"],
  "on-rollout-paused": ["paused"],
  "on-rollout-aborted": ["smoke-test-failed", "aborted"],
};

export interface Mechanism {
  event: ReleaseEvent;
  /** What posts it, for people: `PostSync hook Job/x`, `on-rollout-completed`... */
  by: string;
}

/** Every mechanism that would post each event in this render. */
export function notificationMechanisms(manifests: Manifest[]): Mechanism[] {
  const found: Mechanism[] = [];
  const rollouts = ofKind(manifests, "Rollout");
  const syncWaits = rollouts.some((rollout) => syncWaiters(rollout, manifests).length > 0);
  for (const job of jobContainers(manifests).filter((j) => postsToWebhook(j.container))) {
    const by = `${job.runsAt} ${job.runsAt.endsWith("promotion") ? "analysis" : "hook"} ${job.resource}`;
    if (job.runsAt === "PostSync") found.push({ event: "live", by });
    if (job.runsAt === "SyncFail") {
      found.push({ event: "sync-failed", by });
      // A sync that waits for the Rollout fails when the Rollout is aborted, and SyncFail runs.
      if (syncWaits) found.push({ event: "smoke-test-failed", by });
    }
    if (job.runsAt === "post-promotion" && job.dryRun) found.push({ event: "live", by });
    if (job.runsAt.endsWith("promotion") && !job.dryRun) {
      const passed = payload(job.container, "SLACK_PAYLOAD_PASSED");
      const failed = payload(job.container, "SLACK_PAYLOAD_FAILED");
      if (passed) found.push({ event: "paused", by });
      // A metric that posts without saying when is taken to report its failure.
      if (failed || (passed === undefined && failed === undefined)) found.push({ event: "smoke-test-failed", by });
    }
  }
  for (const rollout of rollouts) {
    for (const key of Object.keys(rollout.metadata?.annotations ?? {})) {
      const trigger = /^notifications\.argoproj\.io\/subscribe\.([^.]+)\./.exec(key)?.[1];
      const events =
        trigger !== undefined && Object.hasOwn(TRIGGER_EVENTS, trigger)
          ? TRIGGER_EVENTS[trigger as RolloutsTrigger]
          : [];
      for (const event of events) found.push({ event, by: `Argo Rollouts ${trigger}` });
    }
  }
  // One failing smoke test through both analyses is still one mechanism.
  return found.filter((m, i) => found.findIndex((o) => o.event === m.event && o.by === m.by) === i);
}
