// Argo CD Applications that deploy the chart, one per environment, in argocd/<env>.yaml. They
// are kept out of the chart's release (.helmignore) and applied once with kubectl; from then on
// Argo CD syncs each environment from git.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { booleanAt, type FileData, listAt, mappingAt, stringAt, stringsAt, valueAt } from "../file-fields.js";
import { readUtf8 } from "../fs-read.js";
import { type Entry, type Section, section } from "../yaml-doc.js";
import { envOfOverlay, namespaceFor, overlayFile } from "./names.js";
import { ignoreEntry, RESPECT_IGNORE_DIFFERENCES, rolloutWorkload } from "./replica-drift.js";

export const ARGOCD_DIR = "argocd";
export const IN_CLUSTER = "https://kubernetes.default.svc";

export interface ArgoSettings {
  repoUrl: string;
  /** The chart's path inside the repository. */
  repoPath: string;
  revision: string;
  argocdNamespace: string;
  project: string;
  /** The cluster the environments deploy to. */
  server: string;
  /** Each environment deploys to <namespace>-<env>. */
  namespace: string;
}

export const applicationFile = (env: string) => `${ARGOCD_DIR}/${env}.yaml`;

/**
 * Retries of a failed automated sync. Without this Argo CD retries 5 times (controller/appcontroller.go
 * autoSync), and every attempt runs the SyncFail hook again; after the last one it skips that
 * revision ("failed previous sync attempt") until a new commit or a manual sync. Backoff: 30 s,
 * then 60 s (pkg/apis/application/v1alpha1/types.go NextRetryAt).
 */
export const SYNC_RETRY = { limit: 2, backoff: { duration: "30s", factor: 2, maxDuration: "3m" } };

const entry = (key: string, value: unknown, doc?: string): Entry => ({ key, value, doc });

export interface ApplicationOptions {
  /** The environment runs an HPA: Argo CD leaves the Rollout's replicas to it (replica-drift.ts). */
  autoscaling?: boolean;
}

export function application(name: string, env: string, argo: ArgoSettings, options: ApplicationOptions = {}): Section {
  return section(
    entry("apiVersion", "argoproj.io/v1alpha1"),
    entry("kind", "Application"),
    entry(
      "metadata",
      section(
        entry("name", `${name}-${env}`),
        entry("namespace", argo.argocdNamespace),
        entry("labels", { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": name, environment: env }),
        entry(
          "finalizers",
          ["resources-finalizer.argocd.argoproj.io"],
          "Deleting the Application deletes what it deployed.",
        ),
      ),
    ),
    entry(
      "spec",
      section(
        entry("project", argo.project),
        entry(
          "source",
          section(
            entry("repoURL", argo.repoUrl),
            entry("targetRevision", argo.revision),
            entry("path", argo.repoPath),
            entry(
              "helm",
              section(
                entry(
                  "releaseName",
                  name,
                  `Keeps resource names stable: the Rollout and the active Service are called ${name}.`,
                ),
                entry("valueFiles", ["values.yaml", overlayFile(env)]),
              ),
            ),
          ),
        ),
        entry(
          "destination",
          section(entry("server", argo.server), entry("namespace", namespaceFor(argo.namespace, env))),
        ),
        entry(
          "syncPolicy",
          section(
            entry(
              "automated",
              { prune: true, selfHeal: true },
              "Git is the truth: changes sync by themselves, and drift (kubectl edits, rollouts undo) is put back.",
            ),
            entry(
              "syncOptions",
              ["CreateNamespace=true", ...(options.autoscaling ? [RESPECT_IGNORE_DIFFERENCES] : [])],
              "Client-side apply, never ServerSideApply=true: with it Argo CD puts back the Service selectors\nArgo Rollouts switches (argo-rollouts#3437), and no resource can opt out (argo-cd#20306).\nOnly the Argo Rollouts CRDs are installed server-side.",
            ),
            entry(
              "retry",
              SYNC_RETRY,
              `A failed sync is tried ${SYNC_RETRY.limit} more times, and each failed attempt runs the SyncFail hook: at most\n${SYNC_RETRY.limit + 1} failure messages per commit. Then Argo CD leaves that commit alone until the next one.`,
            ),
          ),
        ),
        ...(options.autoscaling
          ? [
              entry(
                "ignoreDifferences",
                [ignoreEntry(rolloutWorkload(name))],
                "The HPA owns the Rollout's count: syncs keep the live one (RespectIgnoreDifferences) and\nself-heal leaves it. Remove this (and that option) only after turning autoscaling off.",
              ),
            ]
          : []),
      ),
    ),
  );
}

export function applicationHeader(name: string, env: string): string {
  return [
    `Argo CD Application: deploys the ${env} environment of ${name} from git.`,
    "Apply it once; Argo CD then syncs every change pushed to the repository:",
    `  kubectl apply -f ${applicationFile(env)}`,
  ].join("\n");
}

/**
 * The settings of the Applications a chart already has, for a new environment to match them;
 * undefined when the chart has no argocd/ folder or no Application with a spec.source in it.
 */
export async function readArgoSettings(chartDir: string): Promise<ArgoSettings | undefined> {
  for (const app of await readApplications(chartDir)) {
    const repoUrl = stringAt(app, "spec.source.repoURL", "a git repository URL");
    if (repoUrl === undefined) continue;
    const env = envOfOverlay(stringsAt(app, "spec.source.helm.valueFiles", "values file names")?.at(-1) ?? "");
    const destination = stringAt(app, "spec.destination.namespace", "a namespace name") ?? "";
    return {
      repoUrl,
      repoPath: stringAt(app, "spec.source.path", "a path in the repository") ?? ".",
      revision: stringAt(app, "spec.source.targetRevision", "a git branch, tag or commit") ?? "HEAD",
      argocdNamespace: stringAt(app, "metadata.namespace", "a namespace name") ?? "argocd",
      project: stringAt(app, "spec.project", "an Argo CD project name") ?? "default",
      server: stringAt(app, "spec.destination.server", "a Kubernetes API server URL") ?? IN_CLUSTER,
      namespace: env && destination.endsWith(`-${env}`) ? destination.slice(0, -env.length - 1) : destination,
    };
  }
  return undefined;
}

/**
 * The `helm template` arguments an Application in argocd/ adds for a values file (its last
 * valueFile): its helm.parameters as Argo CD passes them (util/helm/cmd.go: --set, or
 * --set-string with forceString, commas escaped). Without any, Argo CD renders what plain Helm does,
 * as it does for the Applications bluegreen writes: they pass none.
 */
export function applicationHelmArgs(applications: ApplicationFile[]): Map<string, string[]> {
  const byValuesFile = new Map<string, string[]>();
  for (const app of applications) {
    const helm = mappingAt(app, "spec.source.helm");
    const valuesFile = helm && stringsAt(helm, "valueFiles", "values file names")?.at(-1);
    const parameters = (helm && listAt(helm, "parameters", "a list of {name, value}")) ?? [];
    if (valuesFile === undefined || parameters.length === 0 || byValuesFile.has(valuesFile)) continue;
    const escapeCommas = (value: string) => (/^\{.*\}$/.test(value) ? value : value.replace(/(?<!\\),/g, "\\,"));
    byValuesFile.set(
      valuesFile,
      parameters.flatMap((parameter) => {
        const name = stringAt(parameter, "name", "a Helm value's name");
        if (name === undefined || name === "") return [];
        const value = valueAt(parameter, "value");
        return [
          booleanAt(parameter, "forceString") ? "--set-string" : "--set",
          `${name}=${escapeCommas(String(value ?? ""))}`,
        ];
      }),
    );
  }
  return byValuesFile;
}

/**
 * The chart's path inside the git repository that will hold it (`.` at its root), or undefined
 * outside one. The target and its parents need not exist yet: the nearest `.git` (a directory,
 * or the file of a worktree or submodule) above decides.
 */
export function pathInRepository(target: string): string | undefined {
  for (let dir = target; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ".git"))) return path.relative(dir, target).split(path.sep).join("/") || ".";
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** An Argo CD Application of the chart's argocd/ folder: the file, its text and what it says (read with file-fields.ts). */
export interface ApplicationFile extends FileData {
  /** argocd/prod.yaml */
  file: string;
  source: string;
}

/** Every Application in argocd/*.yaml, by file name; files that are not one are left out. */
export async function readApplications(chartDir: string): Promise<ApplicationFile[]> {
  const dir = path.join(chartDir, ARGOCD_DIR);
  if (!existsSync(dir)) return [];
  const applications: ApplicationFile[] = [];
  for (const name of (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    // Read as the chart's own files are: a named pipe or a non-UTF-8 file is refused, never waited on.
    const read = readUtf8(path.join(dir, name), `${ARGOCD_DIR}/${name}`);
    const source = read.kind === "text" ? read.text : "";
    const doc = parseDocument(source);
    const data: unknown = doc.errors.length === 0 ? doc.toJS() : undefined;
    const app = { file: `${ARGOCD_DIR}/${name}`, source, data };
    if (valueAt(app, "kind") === "Application" && String(valueAt(app, "apiVersion") ?? "").startsWith("argoproj.io/"))
      applications.push(app);
  }
  return applications;
}
