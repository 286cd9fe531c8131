// What the chart's README.md shows: the environments, the commands to run, and a table of
// every knob in values.yaml, taken from the same commented data that writes values.yaml.
// The parts that list environments sit between marker comments, so `add-env` can keep them
// true without touching anything else a person wrote in the README.
import { formatImageRef } from "../image-ref.js";
import { Section } from "../yaml-doc.js";
import { IN_CLUSTER, type ArgoSettings } from "./argocd.js";
import { baseValues, namespaceFor, slackSecret, type ChartSettings } from "./values.js";

export interface ValueRow {
  key: string;
  value: string;
  description: string;
}

export function valueRows(root: Section, prefix = ""): ValueRow[] {
  return root.entries.flatMap((entry) => {
    const key = `${prefix}${entry.key}`;
    if (entry.value instanceof Section) return valueRows(entry.value, `${key}.`);
    return [{ key, value: cell(JSON.stringify(entry.value)), description: cell((entry.doc ?? "").replace(/^-- /, "")) }];
  });
}

/** One Markdown table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

export interface Environment {
  name: string;
  /** The environment's values: values.yaml merged with its overlay. */
  values: Record<string, any>;
}

/** What an environment does differently, in a few words, from its merged values. */
export function describeEnvironment(values: Record<string, any>): string {
  const promotion = values.blueGreen?.autoPromotionEnabled === false ? "manual promotion" : "automatic promotion";
  const scaling = values.autoscaling?.enabled
    ? `autoscaling on (${values.autoscaling.minReplicas}-${values.autoscaling.maxReplicas} pods)`
    : `${values.replicaCount} ${values.replicaCount === 1 ? "replica" : "replicas"}, no autoscaling`;
  return `${promotion}, ${scaling}`;
}

const MARKED = (id: string, content: string) =>
  `<!-- bluegreen:${id} (bluegreen add-env keeps this part up to date) -->\n${content}\n<!-- /bluegreen:${id} -->`;

export function environmentsBlock(namespace: string, envs: Environment[]): string {
  return MARKED(
    "environments",
    [
      "| File | What it is for |",
      "| --- | --- |",
      "| `values.yaml` | Every knob with its default and a comment. Shared by all environments. |",
      ...envs.map(
        (env) =>
          `| \`values-${env.name}.yaml\` | The **${env.name}** environment: ${describeEnvironment(env.values)}. Namespace \`${namespaceFor(namespace, env.name)}\`. |`,
      ),
      "| `values.schema.json` | Types and rules of the values. Helm checks the merged values against it on every `lint`, `template` and sync, so a typo such as `replicaCount: three` fails before it reaches the cluster. Unknown keys are allowed. |",
      "| `slack-webhook-secret.yaml` | Only when a webhook was given: the Secret that holds it. Git-ignored and helm-ignored, mode 0600. Apply it, never commit it. |",
      "| `templates/` | The Rollout, the Services, the HPA, the hook Jobs; the Ingress, HTTPRoute, ServiceAccount, PodDisruptionBudget, ConfigMap and migration Job where their values turn them on; and `_helpers.tpl` with the usual name and label helpers. |",
    ].join("\n"),
  );
}

export function secretsBlock(namespace: string, envs: Environment[]): string {
  return MARKED(
    "secrets",
    [
      "   ```sh",
      ...envs.flatMap((env) => [
        `   kubectl create namespace ${namespaceFor(namespace, env.name)}`,
        `   kubectl apply -n ${namespaceFor(namespace, env.name)} -f slack-webhook-secret.yaml`,
      ]),
      "   ```",
    ].join("\n"),
  );
}

/** The README with every marked block regenerated; blocks a person removed stay removed. */
export function refreshBlocks(readme: string, namespace: string, envs: Environment[]): string {
  const blocks: Record<string, string> = {
    environments: environmentsBlock(namespace, envs),
    secrets: secretsBlock(namespace, envs),
  };
  return readme.replace(
    /<!-- bluegreen:([a-z]+) [^\n]*-->\n[\s\S]*?\n<!-- \/bluegreen:\1 -->/g,
    (block, id: string) => blocks[id] ?? block,
  );
}

export function readmeContext(settings: ChartSettings, envs: Environment[], argo?: ArgoSettings) {
  const summary = envs.map((env) => ({ name: env.name, namespace: namespaceFor(settings.namespace, env.name) }));
  return {
    name: settings.name,
    image: formatImageRef(settings.image),
    firstEnv: summary[0]!,
    lastEnv: summary.at(-1)!,
    // The release flow: bump where promotion is automatic, watch, promote into the pinned ones.
    testedEnv: summary.find((_, i) => envs[i]!.values.blueGreen?.autoPromotionEnabled !== false) ?? summary[0]!,
    pinnedEnv: summary.find((_, i) => envs[i]!.values.blueGreen?.autoPromotionEnabled === false),
    slack: settings.slackEnabled,
    environmentsBlock: environmentsBlock(settings.namespace, envs),
    secretsBlock: secretsBlock(settings.namespace, envs),
    rolloutNotifications: settings.rolloutNotifications,
    host: settings.host,
    previewHost: settings.previewHost,
    // The Application shown: the real one when init wrote them, a sketch to fill in otherwise.
    argo: argo ?? {
      repoUrl: "https://github.com/your-org/your-repo.git",
      repoPath: `path/to/${settings.name}`,
      revision: "HEAD",
      argocdNamespace: "argocd",
      project: "default",
      server: IN_CLUSTER,
    },
    applications: argo !== undefined,
    secret: slackSecret(settings),
    values: valueRows(baseValues(settings)),
  };
}
