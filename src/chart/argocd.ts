// Argo CD Applications that deploy the chart, one per environment, in argocd/<env>.yaml. They
// are kept out of the chart's release (.helmignore) and applied once with kubectl; from then on
// Argo CD syncs each environment from git.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { readUtf8 } from "../fs-read.js";
import { section, type Entry, type Section } from "../yaml-doc.js";
import { ignoreEntry, RESPECT_IGNORE_DIFFERENCES, rolloutWorkload } from "./replica-drift.js";
import { namespaceFor } from "./values.js";

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
        entry("finalizers", ["resources-finalizer.argocd.argoproj.io"], "Deleting the Application deletes what it deployed."),
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
                entry("releaseName", name, "Keeps resource names stable: the Rollout and the active Service are called " + name + "."),
                entry("valueFiles", ["values.yaml", `values-${env}.yaml`]),
              ),
            ),
          ),
        ),
        entry("destination", section(entry("server", argo.server), entry("namespace", namespaceFor(argo.namespace, env)))),
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
 * undefined when the chart has no argocd/ folder or no Application in it.
 */
export async function readArgoSettings(chartDir: string): Promise<ArgoSettings | undefined> {
  for (const { app } of await readApplications(chartDir)) {
    if (typeof app.spec?.source?.repoURL !== "string") continue;
    const env = /^values-(.+)\.yaml$/.exec(app.spec.source.helm?.valueFiles?.at(-1) ?? "")?.[1];
    const destination: string = app.spec.destination?.namespace ?? "";
    return {
      repoUrl: app.spec.source.repoURL,
      repoPath: app.spec.source.path ?? ".",
      revision: app.spec.source.targetRevision ?? "HEAD",
      argocdNamespace: app.metadata?.namespace ?? "argocd",
      project: app.spec.project ?? "default",
      server: app.spec.destination?.server ?? IN_CLUSTER,
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
  for (const { app } of applications) {
    const helm = app.spec?.source?.helm;
    const valuesFile = helm?.valueFiles?.at(-1);
    const parameters = Array.isArray(helm?.parameters) ? helm.parameters : [];
    if (typeof valuesFile !== "string" || parameters.length === 0 || byValuesFile.has(valuesFile)) continue;
    const escape = (value: string) => (/^\{.*\}$/.test(value) ? value : value.replace(/(?<!\\),/g, "\\,"));
    byValuesFile.set(
      valuesFile,
      parameters
        .filter((p: any) => typeof p?.name === "string" && p.name !== "")
        .flatMap((p: any) => [p.forceString ? "--set-string" : "--set", `${p.name}=${escape(String(p.value ?? ""))}`]),
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

/** An Argo CD Application of the chart's argocd/ folder: the file, its text and what it says. */
export interface ApplicationFile {
  /** argocd/prod.yaml */
  file: string;
  source: string;
  app: any;
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
    const app = doc.errors.length === 0 ? doc.toJS() : undefined;
    if (app?.kind === "Application" && String(app.apiVersion ?? "").startsWith("argoproj.io/")) {
      applications.push({ file: `${ARGOCD_DIR}/${name}`, source, app });
    }
  }
  return applications;
}
