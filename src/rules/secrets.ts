// A Slack webhook URL is a credential: it belongs in a Secret applied out of band, never in a
// rendered manifest (which lives in git) or in any file git would commit.
import { SLACK_WEBHOOK_SOURCE } from "../redact.js";
import { type Finding, type Rule, resourceName } from "./types.js";

// Whatever the case of the host or a port: https://HOOKS.SLACK.COM:443/services/... posts as well.
const SLACK_WEBHOOK = new RegExp(SLACK_WEBHOOK_SOURCE, "i");

/**
 * Whether text holds a webhook URL, also base64-encoded (as `kubectl create secret -o yaml`
 * writes a Secret's data).
 */
export function containsWebhook(text: string): boolean {
  if (SLACK_WEBHOOK.test(text)) return true;
  for (const token of text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []) {
    if (SLACK_WEBHOOK.test(Buffer.from(token, "base64").toString("latin1"))) return true;
  }
  return false;
}

export { redact } from "../redact.js";

/** Paths (a.b[0].c) of every string in a value that holds a webhook URL. */
export function webhookPaths(value: unknown, path = ""): string[] {
  if (typeof value === "string") return containsWebhook(value) ? [path || "(value)"] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => webhookPaths(item, `${path}[${index}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => webhookPaths(item, path ? `${path}.${key}` : key));
  }
  return [];
}

export const secretRules: Rule = (manifests) =>
  manifests.flatMap((manifest): Finding[] =>
    webhookPaths(manifest).map((path) => ({
      rule: "webhook-in-manifest",
      severity: "error",
      resource: resourceName(manifest),
      message: `a Slack webhook URL is written into the manifest at ${path}`,
      fix: "keep the URL in a Secret applied with kubectl (or Sealed/External Secrets) and read it with secretKeyRef",
    })),
  );
