// Every rule about what a person may give us lives here, once: flags and prompt answers are
// checked by the same field schemas, and the chart's values.schema.json is produced from them.
// zod/mini keeps this module small enough to load on every command without slowing start-up.
import * as z from "zod/mini";
import { DEFAULT_ENVS, namespaceFor } from "./chart/names.js";
import { inputError } from "./errors.js";
import { type ImageRef, isTag, parseImageRef, unsupportedDigestAlgorithm } from "./image-ref.js";
import { isAmbiguous } from "./yaml-doc.js";

export const APP_NAME_MAX = 53;
export const ENV_NAME_MAX = 20;
export const REPLICAS_MAX = 1000;
const TEXT_MAX = 512;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Service names must be DNS-1035 labels (a letter first), and the app name becomes one.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const text = (message: string) =>
  z.string({ error: message }).check(z.maxLength(TEXT_MAX, { error: message, abort: true }));

/** A text rule: one message that says what is allowed, however the value breaks it. */
const rule = (message: string, test: (value: string) => boolean) =>
  text(message).check(z.refine(test, { error: message, abort: true }));

/** A text rule of several checks in turn, each with the message that says what it wants. */
const rules = (...checks: [message: string, test: (value: string) => boolean][]) =>
  text(checks[0]![0]).check(
    ...checks.map(([message, test]) => z.refine<string>(test, { error: message, abort: true })),
  );

// Kubernetes and Helm read YAML 1.1 (sigs.k8s.io/yaml over go-yaml), where `yes`, `on`, `n` or
// `null` written plain are not strings. A name is written plain in places bluegreen does not
// control (a person's templates, kubectl output pasted into a file), so such a word is refused
// as a name rather than trusted to be quoted everywhere.
const yamlWord = (what: string): [string, (value: string) => boolean] => [
  `reads as a boolean, a number or null in YAML (as yes, no, on, off, y, n, true and null do), which Kubernetes and Helm would not take for ${what}: choose another`,
  (v) => !isAmbiguous(v),
];

export const appName = rules(
  [
    `must be 1-${APP_NAME_MAX} characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (it names the Rollout and its Services)`,
    (v) => v.length <= APP_NAME_MAX && DNS_1035_LABEL.test(v),
  ],
  yamlWord("a name"),
);

export const envName = rules(
  [
    `must be 1-${ENV_NAME_MAX} characters of lowercase letters, digits and '-', starting and ending with a letter or digit`,
    (v) => v.length <= ENV_NAME_MAX && DNS_LABEL.test(v),
  ],
  yamlWord("an environment name"),
);

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.pipe(
    rule(message, (v) => /^[0-9]{1,7}$/.test(v) && Number(v) >= min && Number(v) <= max),
    z.transform((v: string) => Number(v)),
  );
};

export const replicas = wholeNumber(1, REPLICAS_MAX);
export const port = wholeNumber(1, 65535);

const IMAGE_RULE =
  "must be an image reference [registry[:port]/]path:tag[@sha256:digest] with a lowercase path, a registry port from 1 to 65535 and a tag of letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')";

// Kubernetes and the registries pull sha256 digests; any other algorithm (sha512, blake3...) is
// refused by name, also where it would otherwise pass for an image called sha512 with a tag.
const DIGEST_RULE: [string, (value: string) => boolean] = [
  "has a digest that is not sha256: only sha256 digests (sha256:<64 hex>) are supported",
  (v) => unsupportedDigestAlgorithm(v) === undefined,
];

const LATEST_RULE =
  "needs a version tag, not latest: a release starts only when the tag changes, and latest never does";

/**
 * An image for a new chart: a tag or a digest is required, so a release never means "whatever
 * latest is". A digest alone pins the image exactly.
 */
export const imageWithTag = z
  .pipe(
    rules(DIGEST_RULE, [IMAGE_RULE, (v) => parseImageRef(v) !== undefined]),
    z.transform((v: string) => parseImageRef(v)!),
  )
  .check(
    z.refine((ref: ImageRef) => ref.tag !== undefined || ref.digest !== undefined, {
      error:
        "needs a tag, for example ghcr.io/acme/app:1.4.2, or a digest (app@sha256:...): without one the cluster would run whatever 'latest' is",
      abort: true,
    }),
    z.refine((ref: ImageRef) => ref.tag !== "latest", { error: LATEST_RULE }),
  );

export type ImageChange =
  | { kind: "tag"; tag: string }
  | { kind: "digest"; digest: string }
  | { kind: "ref"; ref: ImageRef };

const BARE_DIGEST = /^@?(sha256:[a-f0-9]{64})$/;

function toImageChange(value: string): ImageChange | undefined {
  // `sha256:...` is always meant as a digest, never as an image called sha256.
  if (/^@?sha256:/i.test(value)) {
    const digest = BARE_DIGEST.exec(value)?.[1];
    return digest ? { kind: "digest", digest } : undefined;
  }
  if (!/[/:@]/.test(value)) return isTag(value) ? { kind: "tag", tag: value } : undefined;
  const ref = parseImageRef(value);
  return ref && { kind: "ref", ref };
}

/**
 * What bump-image accepts: a bare word is a tag; `sha256:<digest>` pins a digest; anything else
 * with '/', ':' or '@' is a reference, which also sets the repository.
 */
export const imageChange = z
  .pipe(
    rules(DIGEST_RULE, [
      "must be a tag (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'), an image reference such as ghcr.io/acme/app:v2, or a digest such as app@sha256:<64 hex>",
      (v) => toImageChange(v) !== undefined,
    ]),
    z.transform((v: string) => toImageChange(v)!),
  )
  .check(
    z.refine(
      (change: ImageChange) =>
        (change.kind === "tag" ? change.tag : change.kind === "ref" ? change.ref.tag : undefined) !== "latest",
      {
        error: LATEST_RULE,
      },
    ),
  );

// The WHATWG URL parser turns a look-alike host (a Cyrillic і in gіthub.com) into punycode
// silently, so the raw text is checked: what a person reads must be where the URL points.
const ASCII_RULE =
  "must be plain ASCII: a host with other letters (a Cyrillic letter that looks like a Latin one) can pass for another host; write an internationalized name in its xn-- form";
const isAscii = (value: string) => /^[\x20-\x7e]*$/.test(value);

const WEBHOOK_RULE = "must be an https:// URL (a Slack incoming webhook), or empty for no notifications";

// The message never repeats the value: a webhook URL is a credential.
export const slackWebhook = z.pipe(
  rules([WEBHOOK_RULE, (v) => v === "" || isHttpsUrl(v)], [ASCII_RULE, (v) => isAscii(v)]),
  z.transform((v: string) => (v === "" ? undefined : v)),
);

function isHttpsUrl(value: string): boolean {
  if (/[\s\u0000-\u001f\u007f"'<>\\`{}]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

export const envList = z.pipe(
  rules(
    [
      `must be a comma-separated list of environment names, each 1-${ENV_NAME_MAX} characters of lowercase letters, digits and '-', starting and ending with a letter or digit, none repeated`,
      (v) => {
        const names = splitList(v);
        return (
          names.length > 0 &&
          new Set(names).size === names.length &&
          names.every((n) => n.length <= ENV_NAME_MAX && DNS_LABEL.test(n))
        );
      },
    ],
    [`has a name that ${yamlWord("an environment name")[0]}`, (v) => splitList(v).every((n) => yamlWord("")[1](n))],
  ),
  z.transform(splitList),
);

/** `sandbox, prod` reads as two names; only plain spaces around commas are forgiven. */
function splitList(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.replace(/^ +| +$/g, ""))
    .filter((part) => part !== "");
}

/** A DNS name (RFC 1123 subdomain): labels of 1-63 lowercase letters, digits and '-', joined by dots. */
export const DNS_NAME_PATTERN = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*";
const DNS_NAME = new RegExp(`^${DNS_NAME_PATTERN}$`);

/** A host an Ingress serves: a DNS name, never an IP address (Kubernetes refuses those there). */
export const host = rule(
  "must be a DNS name such as shop.example.com: lowercase letters, digits, '-' and '.', at most 253 characters, not an IP address",
  (v) => v.length <= 253 && DNS_NAME.test(v) && !/^[0-9.]+$/.test(v),
);

const directory = rule(
  "must be a directory path without control characters",
  (v) => v !== "" && !/[\u0000-\u001f\u007f]/.test(v),
);

// Argo CD wiring (all optional: without a repository URL no Applications are written).
export const NAMESPACE_MAX = 63;

const REPO_URL_RULE =
  "must be a git repository URL: https://host/path, ssh://[user@]host[:port]/path or git@host:path, without a password or token in it";

/** https://, ssh:// or scp-like git@host:path; never with credentials in it. */
export function isRepoUrl(value: string): boolean {
  if (/[\s\u0000-\u001f\u007f"'<>\\`{}|^]/.test(value)) return false;
  const scp = /^([a-z_][a-z0-9_.-]*)@([a-zA-Z0-9.-]+):(?!\/\/)([A-Za-z0-9._~/-]+)$/.exec(value);
  if (scp) return true;
  try {
    const url = new URL(value);
    if (url.protocol === "https:")
      return url.hostname !== "" && url.username === "" && url.password === "" && url.pathname.length > 1;
    if (url.protocol === "ssh:") return url.hostname !== "" && url.password === "" && url.pathname.length > 1;
    return false;
  } catch {
    return false;
  }
}

// A token also travels in a query (?access_token=...) or a fragment; a git URL needs neither.
const NO_QUERY_RULE =
  "must not have a query (?...) or fragment (#...): a git repository URL needs neither, and a token there would be written into argocd/*.yaml and the README";

// The message never repeats the value: it may hold a credential.
export const repoUrl = z.pipe(
  rules(
    [ASCII_RULE, (v) => isAscii(v)],
    [NO_QUERY_RULE, (v) => !/[?#]/.test(v)],
    [REPO_URL_RULE, (v) => v === "" || isRepoUrl(v)],
  ),
  z.transform((v: string) => (v === "" ? undefined : v)),
);

/** The cluster an Application deploys to, as read from argocd/*.yaml: never with credentials. */
export const clusterServer = rules(
  [ASCII_RULE, (v) => isAscii(v)],
  [
    "must be the https:// URL of a Kubernetes API server, without a user, password, token, query or fragment in it (Argo CD keeps cluster credentials in its cluster Secrets)",
    (v) => isServerUrl(v),
  ],
);

function isServerUrl(value: string): boolean {
  if (/[\s"'<>\\`{}|^?#]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

export const repoPath = rule(
  "must be a path inside the repository, relative to its root (such as charts/shop, or . for the root), without '..'",
  (v) => v !== "" && !v.startsWith("/") && !/[\u0000-\u001f\u007f\\]/.test(v) && !v.split("/").includes(".."),
);

// git check-ref-format's rules, within the characters a ref in a values file should carry.
export const revision = rule(
  "must be a git branch, tag or commit (such as HEAD, main or v1.2.0): letters, digits, '.', '_', '-' and '/', no part starting with '.' or ending with '.lock', no '..' or '//', not starting with '-' or '/', not ending with '/' or '.'",
  (v) =>
    /^[A-Za-z0-9._/-]{1,255}$/.test(v) &&
    !v.startsWith("-") &&
    !v.endsWith(".") &&
    !v.includes("..") &&
    v.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock")),
);

export const namespace = rule(
  `must be a namespace name: 1-${NAMESPACE_MAX} characters of lowercase letters, digits and '-', starting and ending with a letter or digit`,
  (v) => v.length <= NAMESPACE_MAX && DNS_LABEL.test(v),
);

// An AppProject is a Kubernetes object: its name is a DNS-1123 subdomain.
export const project = rule(
  "must be an Argo CD project name: lowercase letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit (at most 253 characters)",
  (v) => v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v),
);

export const initInput = z
  .object({
    name: appName,
    image: imageWithTag,
    replicas: z._default(replicas, 2),
    slackWebhook: z.optional(slackWebhook),
    port: z._default(port, 8080),
    envs: z._default(envList, DEFAULT_ENVS),
    directory: z.optional(directory),
    repoUrl: z.optional(repoUrl),
    repoPath: z.optional(repoPath),
    revision: z._default(revision, "HEAD"),
    namespace: z.optional(namespace),
    argocdNamespace: z._default(namespace, "argocd"),
    project: z._default(project, "default"),
    rolloutNotifications: z.optional(z.boolean()),
    host: z.optional(host),
    previewHost: z.optional(host),
  })
  .check(
    z.superRefine((input, ctx) => {
      // Each environment deploys to <namespace>-<env> (the Applications, the next steps and the
      // Secret's instructions all name it), which must still be a namespace name.
      const base = input.namespace ?? input.name;
      const tooLong = input.envs.filter((env) => namespaceFor(base, env).length > NAMESPACE_MAX);
      if (tooLong.length > 0) {
        ctx.addIssue({
          code: "custom",
          path: [input.namespace === undefined ? "name" : "namespace"],
          message: `${namespaceFor(base, tooLong[0]!)} would be ${namespaceFor(base, tooLong[0]!).length} characters, and a namespace has at most ${NAMESPACE_MAX}: choose a shorter ${input.namespace === undefined ? "--namespace" : "one"} (each environment deploys to <namespace>-<env>)`,
        });
      }
      if (input.previewHost !== undefined && input.previewHost === input.host) {
        ctx.addIssue({
          code: "custom",
          path: ["previewHost"],
          message: "must differ from --host: the preview host reaches green, the host production",
        });
      }
      if (input.rolloutNotifications && input.slackWebhook === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["rolloutNotifications"],
          message: "needs --slack-webhook: the notifications post to that webhook",
        });
      }
    }),
  );

/** What add-env copies from the Applications already in argocd/. */
export const argoFileSettings = z.looseObject({
  repoUrl: repoUrl,
  server: clusterServer,
  repoPath: repoPath,
  revision: revision,
  argocdNamespace: namespace,
  project: project,
  namespace: namespace,
});
export type InitAnswers = Partial<Record<Exclude<keyof z.input<typeof initInput>, "rolloutNotifications">, string>> & {
  rolloutNotifications?: boolean;
};

export const addEnvInput = z.object({
  env: envName,
  chart: z.optional(directory),
  replicas: z.optional(replicas),
  // "both" when --auto-promote and --no-auto-promote were given together (commander would keep
  // whichever came last).
  autoPromote: z.optional(z.boolean({ error: "cannot be given together with --no-auto-promote: choose one" })),
  commit: z.optional(z.boolean()),
  json: z.optional(z.boolean()),
});

export const bumpImageInput = z
  .object({
    image: z.optional(imageChange),
    chart: z.optional(directory),
    env: z.optional(envName),
    from: z.optional(envName),
    dryRun: z.optional(z.boolean()),
    commit: z.optional(z.boolean()),
    json: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((input, ctx) => {
      if (input.from === undefined) {
        // Without --from, the image is required; "is required" is said where it is missing.
        if (input.image === undefined) ctx.addIssue({ code: "custom", path: ["image"], message: "is required" });
      } else if (input.image !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          message: "copies the image of another environment: give it without <tag | image-ref>",
        });
      } else if (input.env === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["from"],
          message: "needs --env <env>, the environment to copy the image into",
        });
      } else if (input.from === input.env) {
        ctx.addIssue({ code: "custom", path: ["from"], message: "must name another environment than --env" });
      }
    }),
  );

const helmBinary = rule("must be the path of a helm binary", (v) => v !== "" && !/[\u0000-\u001f\u007f]/.test(v));

export const historyInput = z.object({
  chart: z.optional(directory),
  env: z.optional(envName),
  json: z.optional(z.boolean()),
});

// A commit as git names one: a hash, a branch or tag, HEAD~2, main^, @{1}.
const COMMITISH = /^(?!-)[A-Za-z0-9._/@{}~^-]{1,255}$/;

/** What rollback --to names: an image (when it parses as one) and the word, which may also be a commit. */
export interface RollbackTarget {
  word: string;
  image?: ImageChange;
}

export const rollbackTarget = z.pipe(
  rule(
    "must be a commit of the chart's history (such as HEAD~1 or a1b2c3d), an image tag (1.4.2), a reference (ghcr.io/acme/app:1.4.2) or a digest (sha256:<64 hex>)",
    (v) => toImageChange(v) !== undefined || COMMITISH.test(v),
  ),
  z.transform((v: string): RollbackTarget => {
    const image = toImageChange(v);
    const latest =
      image && (image.kind === "tag" ? image.tag : image.kind === "ref" ? image.ref.tag : undefined) === "latest";
    return { word: v, image: latest ? undefined : image };
  }),
);

export const rollbackInput = z.object({
  env: envName,
  to: z.optional(rollbackTarget),
  chart: z.optional(directory),
  dryRun: z.optional(z.boolean()),
  commit: z.optional(z.boolean()),
  json: z.optional(z.boolean()),
});
export type RollbackInput = z.output<typeof rollbackInput>;

export const migrateInput = z.object({
  chart: z.optional(directory),
  dryRun: z.optional(z.boolean()),
  helm: z.optional(helmBinary),
});

export const doctorInput = z.object({
  chart: z.optional(directory),
  helm: z.optional(helmBinary),
  timeout: z._default(wholeNumber(1, 3600), 120),
});

/** One parse of everything a person gave a command; a refusal names each field as they gave it. */
export function parseInput<T extends z.ZodMiniType>(
  schema: T,
  given: object,
  names: Record<string, string>,
): z.output<T> {
  const result = schema.safeParse(given);
  if (!result.success) throw inputError(result.error.issues, given, names);
  return result.data;
}

/** The message for one value of one field, or undefined when it is allowed (used at prompts). */
export function fieldError(schema: z.ZodMiniType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0]?.message;
}
