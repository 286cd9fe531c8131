// Every command's flags, declared once: cli.ts builds commander's options (and so the help)
// from these tables, each command's options type is inferred from its table, and refusals name
// a field by the flag written here. A key must be what commander calls the flag (`--repo-url`
// is repoUrl), and each command's fieldNames checks its table against its input schema, so a
// flag added in one place and not the other does not compile. No imports but names.ts (and
// zod's types): cli.ts loads this on every run.
import type { input, ZodMiniType } from "zod/mini";
import { SLACK_SECRET_FILE } from "./chart/names.js";

export interface FlagSpec {
  /** As commander reads it: `--name <name>`, `-y, --yes`. */
  readonly flags: string;
  readonly help: string;
  /** An environment variable that gives the value when the flag does not. */
  readonly env?: string;
  /** Also declare `--no-<flag>`, with this help: the value is then false. */
  readonly negate?: string;
}

type FlagTable = Record<string, FlagSpec>;

/** `--repo-url <git-url>` → `repo-url`. */
type LongName<Flags extends string> = Flags extends `${string}--${infer Rest}`
  ? Rest extends `${infer Name} ${string}`
    ? Name
    : Rest
  : never;
/** `repo-url` → `repoUrl`, as commander names the value. */
type Camel<Name extends string> = Name extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : Name;

/** A table whose every key is the name commander gives its flag's value. */
type Checked<T extends FlagTable> = {
  [K in keyof T]: Camel<LongName<T[K]["flags"]>> extends K
    ? T[K]
    : { flags: `the key of ${T[K]["flags"]} must be ${Camel<LongName<T[K]["flags"]>>}` };
};

const table = <const T extends FlagTable>(flags: T & Checked<T>): T => flags;

/** The options commander hands a command for a table: text for a flag with a value, else a switch. */
export type OptionsOf<T extends FlagTable> = {
  [K in keyof T]?: T[K]["flags"] extends `${string}<${string}>` ? string : boolean;
};

/**
 * Whether a command's flags and its input schema agree: every flag is a field of the schema or
 * is `Unparsed` (a switch the command reads itself, such as --force), and every field of the
 * schema is a flag or one of the command's `Args`.
 */
type FlagsMatch<T extends FlagTable, Input, Args, Unparsed> = [
  Exclude<keyof T, keyof Input | Unparsed>,
  Exclude<keyof Input, keyof T | Args>,
] extends [never, never]
  ? true
  : {
      flagsWithoutSchemaField: Exclude<keyof T, keyof Input | Unparsed>;
      schemaFieldsWithoutFlag: Exclude<keyof Input, keyof T | Args>;
    };

/**
 * How refusals name each field of a command's input: by its flag (`--repo-url`), and each
 * argument as the usage writes it (`<env>`). Where the flags and the schema disagree the result
 * says how (flagsWithoutSchemaField, schemaFieldsWithoutFlag), and parseInput does not take it:
 * the command does not compile.
 */
export function fieldNames<
  T extends FlagTable,
  S extends ZodMiniType,
  const A extends Record<string, string> = Record<never, string>,
  const U extends keyof T = never,
>(
  flags: T,
  _schema: S,
  args: A,
  _unparsed: readonly U[] = [],
): FlagsMatch<T, input<S>, keyof A, U> extends true
  ? Record<keyof T | keyof A, string>
  : { mismatch: FlagsMatch<T, input<S>, keyof A, U> } {
  const names: Record<string, string> = { ...args };
  for (const [key, spec] of Object.entries(flags)) names[key] = `--${/--([a-z0-9-]+)/.exec(spec.flags)![1]}`;
  return names as never;
}

const CHART = { flags: "--chart <dir>", help: "the chart's directory (default: the current directory)" } as const;
const DIFF = { flags: "--dry-run", help: "print the changes as a unified diff, and write nothing" } as const;
const COMMIT = {
  flags: "--commit",
  help: "commit exactly the files this changes, with a message naming the app, environments and images (never pushes)",
} as const;
const JSON_OUTPUT = { flags: "--json", help: "print what changed as JSON, for CI (errors too)" } as const;

export const INIT_FLAGS = table({
  name: { flags: "--name <name>", help: "app name: lowercase letters, digits and '-', 1-53 characters" },
  image: {
    flags: "--image <ref>",
    help: "container image with a tag or a digest: [registry[:port]/]path[:tag][@sha256:digest]",
  },
  replicas: { flags: "--replicas <n>", help: "replicas, 1-1000 (default: 2)" },
  slackWebhook: {
    flags: "--slack-webhook <url>",
    help: `Slack incoming webhook URL; kept only in ${SLACK_SECRET_FILE} (default: none)`,
    env: "BLUEGREEN_SLACK_WEBHOOK",
  },
  port: { flags: "--port <n>", help: "container port, 1-65535 (default: 8080; the Services expose port 80)" },
  envs: { flags: "--envs <list>", help: "environments, comma-separated (default: sandbox,prod)" },
  repoUrl: {
    flags: "--repo-url <git-url>",
    help: "git repository Argo CD deploys from; writes argocd/<env>.yaml (https://, ssh:// or git@host:path)",
  },
  repoPath: {
    flags: "--repo-path <path>",
    help: "the chart's path in that repository (default: its path in the git repository around it; required outside one)",
  },
  revision: { flags: "--revision <ref>", help: "branch, tag or commit Argo CD follows (default: HEAD)" },
  namespace: {
    flags: "--namespace <ns>",
    help: "namespace prefix: each environment deploys to <ns>-<env> (default: <name>)",
  },
  argocdNamespace: {
    flags: "--argocd-namespace <ns>",
    help: "namespace of Argo CD and its Applications (default: argocd)",
  },
  project: { flags: "--project <name>", help: "Argo CD project of the Applications (default: default)" },
  rolloutNotifications: {
    flags: "--rollout-notifications",
    help: "also post Argo Rollouts events (paused, aborted, completed) to the Slack webhook",
  },
  host: {
    flags: "--host <fqdn>",
    help: "serve production traffic at this host: turns on the Ingress to the active Service",
  },
  previewHost: {
    flags: "--preview-host <fqdn>",
    help: "try green at this host before promotion: turns on an Ingress to the preview Service",
  },
  yes: { flags: "-y, --yes", help: "never prompt: take the flags and the defaults" },
  force: { flags: "--force", help: "write into a non-empty directory, replacing only the files bluegreen generates" },
  dryRun: { flags: "--dry-run", help: "print what would be written, and write nothing" },
});

export const ADD_ENV_FLAGS = table({
  chart: CHART,
  replicas: { flags: "--replicas <n>", help: "replicas, 1-1000 (prod: the HPA's minimum)" },
  autoPromote: {
    flags: "--auto-promote",
    help: "switch traffic as soon as green is ready (default except prod)",
    negate: "wait for kubectl argo rollouts promote (default for prod)",
  },
  force: { flags: "--force", help: "replace an existing values-<env>.yaml" },
  dryRun: DIFF,
  commit: COMMIT,
  json: JSON_OUTPUT,
});

export const BUMP_IMAGE_FLAGS = table({
  chart: CHART,
  env: { flags: "--env <env>", help: "change only values-<env>.yaml (default: values.yaml and Chart.yaml appVersion)" },
  from: {
    flags: "--from <env>",
    help: "with --env: copy the image that <env> renders (repository, tag, digest) instead of giving one",
  },
  dryRun: DIFF,
  commit: COMMIT,
  json: JSON_OUTPUT,
});

export const HISTORY_FLAGS = table({
  chart: CHART,
  env: { flags: "--env <env>", help: "only this environment (default: every one)" },
  json: { flags: "--json", help: "print the history as JSON, for CI" },
});

export const ROLLBACK_FLAGS = table({
  env: { flags: "--env <env>", help: "the environment to roll back (required)" },
  to: {
    flags: "--to <tag|image-ref|commit>",
    help: "the image to go to, or a commit whose image to go to (default: the one before the current)",
  },
  chart: CHART,
  dryRun: DIFF,
  commit: COMMIT,
  json: JSON_OUTPUT,
});

export const DOCTOR_FLAGS = table({
  chart: CHART,
  json: { flags: "--json", help: "print the findings as JSON, for CI" },
  helm: { flags: "--helm <path>", help: "the helm binary to render with (default: HELM_BIN, else helm on PATH)" },
  timeout: { flags: "--timeout <seconds>", help: "longest one helm template may take, 1-3600 (default: 120)" },
});

export const MIGRATE_FLAGS = table({
  chart: CHART,
  dryRun: DIFF,
  helm: {
    flags: "--helm <path>",
    help: "the helm binary that proves the result (default: HELM_BIN, else helm on PATH)",
  },
});
