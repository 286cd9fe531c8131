// The names that the chart's files, environments and namespaces go by, each decided here once:
// every command, message and template that names one asks this module. No imports, so the
// command table (cli.ts) and the build can use it as cheaply as the commands do.

/** The environments init and migrate write when none are given. */
export const DEFAULT_ENVS = ["sandbox", "prod"];

/** The values file of an environment, merged by Helm over values.yaml. */
export const overlayFile = (env: string) => `values-${env}.yaml`;

// An environment name is a DNS label (input-schema.ts envName).
const OVERLAY = /^values-([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.yaml$/;

/** The environment of a values file named by overlayFile; undefined for any other file. */
export const envOfOverlay = (file: string) => OVERLAY.exec(file)?.[1];

/** The namespace an environment deploys to: <namespace>-<env>. */
export const namespaceFor = (base: string, env: string) => `${base}-${env}`;

/**
 * Environments named like production get its preset: prod, production, prod-* and production-*
 * (prod-eu), *-prod and *-production (eu-prod). pre-prod, non-prod and not-prod say the opposite.
 */
export const isProduction = (env: string) =>
  /^(?:prod|production)(?:-.+)?$|^.+-(?:prod|production)$/.test(env) && !/^(?:pre|non|not)-prod(?:uction)?$/.test(env);

/** The Secret that holds the Slack webhook: git-ignored, helm-ignored, applied by hand, never committed. */
export const SLACK_SECRET_FILE = "slack-webhook-secret.yaml";

/** The Argo Rollouts notification triggers the chart subscribes to (argo-rollouts notification catalog). */
export const ROLLOUTS_NOTIFICATION_TRIGGERS = [
  "on-rollout-paused",
  "on-rollout-aborted",
  "on-rollout-completed",
] as const;
export type RolloutsTrigger = (typeof ROLLOUTS_NOTIFICATION_TRIGGERS)[number];
