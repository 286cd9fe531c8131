// Replica counts that Argo CD must leave to another controller: an HPA's Rollout, and, while a
// migrated chart's first release runs, the Deployment that Argo Rollouts scales down.
//
// Git keeps a count for both, because a missing one means one pod: Argo Rollouts defaults a
// Rollout without spec.replicas to 1 (argo-rollouts rollout/controller.go), and a Deployment
// whose replicas leave its applied configuration is reset to 1 by the API server. So the
// Application that deploys them ignores that field's drift (ignoreDifferences, Argo CD's
// docs/user-guide/diffing.md) and, with RespectIgnoreDifferences=true, keeps the live count
// when it syncs: argo-cd controller/sync.go normalizeTargetResources copies the live value of
// every ignored field into what it applies (docs/user-guide/sync-options.md). Without that
// option the diff is quiet but every sync applies git's count again.
//
// The ignore is written per environment, only where an HPA runs, never conditionally with a
// jqPathExpression on something the chart renders under an HPA: Argo CD evaluates such an
// expression on the live and the git object separately (util/argo/normalizers/
// diff_normalizer.go), so in the sync that turns autoscaling on it matches git and not live,
// drops replicas from what it applies, and client-side apply then removes the field: one pod.
import path from "node:path";
import { type FileData, listAt, mappingAt, stringAt, stringsAt } from "../file-fields.js";
import { appendItems, parseOwnedYaml, type SequenceEdit } from "../yaml-edit.js";

export const RESPECT_IGNORE_DIFFERENCES = "RespectIgnoreDifferences=true";
const REPLICAS_POINTER = "/spec/replicas";

/** A workload whose replica count some controller owns. */
export interface Workload {
  group: string;
  kind: string;
  name: string;
}

export const rolloutWorkload = (name: string): Workload => ({ group: "argoproj.io", kind: "Rollout", name });
export const deploymentWorkload = (name: string): Workload => ({ group: "apps", kind: "Deployment", name });

/** The spec.ignoreDifferences entry that leaves a workload's count alone. */
export const ignoreEntry = (workload: Workload) => ({
  group: workload.group,
  kind: workload.kind,
  name: workload.name,
  jsonPointers: [REPLICAS_POINTER],
});

/** The Helm sources of an Application (one with spec.source, several with spec.sources). */
const helmOf = (app: FileData): FileData[] =>
  [mappingAt(app, "spec.source"), ...(listAt(app, "spec.sources") ?? [])].flatMap(
    (source) => (source && mappingAt(source, "helm")) ?? [],
  );

/**
 * The values file an Application deploys, named as doctor names its renders: the last
 * values-<env>.yaml it lists, or values.yaml when it lists no other (Helm reads values.yaml anyway).
 */
export function valuesFileOf(app: FileData): string {
  const files = helmOf(app).flatMap((helm) => stringsAt(helm, "valueFiles", "values file names") ?? []);
  const overlay = files
    .map((f) => path.posix.basename(f))
    .filter((f) => /^values-.+\.ya?ml$/.test(f))
    .at(-1);
  return overlay ?? "values.yaml";
}

/** The Helm release name Argo CD renders with: helm.releaseName, else the Application's name (argo-cd reposerver/repository/repository.go). */
export function releaseNameOf(app: FileData | undefined): string | undefined {
  if (app === undefined) return undefined;
  const given = helmOf(app)
    .map((helm) => stringAt(helm, "releaseName", "a Helm release name"))
    .find((name) => name !== undefined && name !== "");
  return given ?? stringAt(app, "metadata.name", "the Application's name");
}

/** Argo CD's glob match of a group or kind pattern (util/glob): `*` is any run of characters. */
const globMatch = (pattern: string | undefined, value: string) =>
  new RegExp(
    `^${String(pattern ?? "")
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")}$`,
  ).test(value);

/** Whether the Application's ignoreDifferences leave the workload's spec.replicas alone. */
export function ignoresReplicas(app: FileData, workload: Workload): boolean {
  return (listAt(app, "spec.ignoreDifferences") ?? []).some((entry) => {
    const name = stringAt(entry, "name", "a resource name");
    return (
      globMatch(stringAt(entry, "group", "an API group"), workload.group) &&
      globMatch(stringAt(entry, "kind", "a resource kind"), workload.kind) &&
      (name === undefined || name === "" || name === workload.name) &&
      ((stringsAt(entry, "jsonPointers", "JSON pointers")?.includes(REPLICAS_POINTER) ?? false) ||
        (stringsAt(entry, "jqPathExpressions", "jq path expressions")?.includes(".spec.replicas") ?? false))
    );
  });
}

/** Whether syncs keep the live value of ignored fields (RespectIgnoreDifferences=true). */
export function respectsIgnores(app: FileData): boolean {
  return (
    stringsAt(app, "spec.syncPolicy.syncOptions", "sync options such as CreateNamespace=true")?.includes(
      RESPECT_IGNORE_DIFFERENCES,
    ) ?? false
  );
}

/** What an Application lacks to leave the workload's count alone, as an exact edit; undefined when nothing. */
export function missingIgnore(application: FileData, workload: Workload): string | undefined {
  const parts = [
    ...(ignoresReplicas(application, workload) ? [] : [`add ${ignoreText(workload)} to spec.ignoreDifferences`]),
    ...(respectsIgnores(application) ? [] : [`add ${RESPECT_IGNORE_DIFFERENCES} to spec.syncPolicy.syncOptions`]),
  ];
  return parts.length === 0
    ? undefined
    : `in ${application.file}, ${parts.join(" and ")}, then kubectl apply -f ${application.file}`;
}

/** The entry as one line of flow YAML, for messages. */
export const ignoreText = (workload: Workload) =>
  `{group: ${workload.group}, kind: ${workload.kind}, name: ${workload.name}, jsonPointers: [${REPLICAS_POINTER}]}`;

/**
 * An Application's text with what it lacks to leave these workloads' counts alone: their
 * ignoreDifferences entries and RespectIgnoreDifferences=true, appended surgically. The text
 * unchanged when it lacks nothing.
 */
export function withReplicaIgnores(application: FileData & { source: string }, workloads: Workload[]): string {
  const missing = workloads.filter((workload) => !ignoresReplicas(application, workload));
  const edits: SequenceEdit[] = [];
  if (missing.length > 0) edits.push({ path: ["spec", "ignoreDifferences"], items: missing.map(ignoreEntry) });
  if (workloads.length > 0 && !respectsIgnores(application))
    edits.push({ path: ["spec", "syncPolicy", "syncOptions"], items: [RESPECT_IGNORE_DIFFERENCES] });
  return edits.length === 0
    ? application.source
    : appendItems(parseOwnedYaml(application.file, application.source), edits);
}

/**
 * The Applications that deploy a values file: [] when the chart has none at all (the rules then
 * say what they cannot check), undefined when it has some but none for this file (such as
 * values.yaml alone, which no environment deploys): nothing to judge.
 */
export function applicationsDeploying<T extends FileData>(applications: T[], valuesFile: string): T[] | undefined {
  const found = applications.filter((app) => valuesFileOf(app) === valuesFile);
  return found.length > 0 || applications.length === 0 ? found : undefined;
}
