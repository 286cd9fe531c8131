// The chart as Argo CD renders it for one environment: the repo server runs `helm template`
// with the Application's release name, destination namespace, value files and parameters
// (argo-cd reposerver/repository/repository.go, util/helm/cmd.go: --name-template, --namespace,
// --values, --set, --include-crds).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { type HelmBinary, helmTemplate, type Rendered } from "./helm.js";

/** The Application in argocd/<env>.yaml, as written. */
export function applicationOf(chartDir: string, env: string): any {
  return YAML.parse(readFileSync(join(chartDir, "argocd", `${env}.yaml`), "utf8"));
}

/** `helm template` as Argo CD runs it for argocd/<env>.yaml, plus `--set`s and arguments of a test's own. */
export function renderLikeArgoCd(
  helm: HelmBinary,
  chartDir: string,
  env: string,
  extraSets: string[] = [],
  extraArgs: string[] = [],
): Promise<Rendered> {
  const app = applicationOf(chartDir, env);
  const helmSource = app.spec.source.helm ?? {};
  const sets = (helmSource.parameters ?? []).flatMap((p: { name: string; value: string }) => [
    "--set",
    `${p.name}=${p.value}`,
  ]);
  return helmTemplate(
    helm.bin,
    chartDir,
    (helmSource.valueFiles ?? []).map((file: string) => join(chartDir, file)),
    [...sets, ...extraSets.flatMap((set) => ["--set", set]), "--include-crds", ...extraArgs],
    { release: helmSource.releaseName ?? app.metadata.name, namespace: app.spec.destination.namespace },
  );
}
