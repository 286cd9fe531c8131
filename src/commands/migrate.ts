// `bluegreen migrate`: turn a chart whose app runs as a Deployment (such as one made by
// `helm create`) into a Blue/Green chart, keeping the person's values, comments and templates.
//
// The Deployment stays, and a Rollout runs its pod template through workloadRef with
// scaleDown: progressively. Replacing the Deployment outright would, under Argo CD, let the
// prune delete the old pods before the Rollout's first pods are ready; with workloadRef, Argo
// Rollouts scales the Deployment down only as its own pods become available. The Deployment
// stops setting replicas, so Argo CD's self-heal never scales it back up against that.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import templates from "virtual:templates";
import { applyChanges, type FileChange } from "../changes.js";
import { findChart, overlayFile } from "../chart/find.js";
import { baseValues, isProduction, overlayHeader, overlayValues, type ChartSettings } from "../chart/values.js";
import { migratedExposureValues } from "../chart/values-production.js";
import { failure } from "../errors.js";
import { out } from "../output.js";
import { migrateInput, parseInput } from "../schema.js";
import { section, Section, yamlText } from "../yaml-doc.js";

export interface MigrateOptions {
  chart?: string;
  dryRun?: boolean;
}

/** What migrate adds to templates/, from templates/migrate/ (and the hooks init writes too). */
const NEW_TEMPLATES: Record<string, string> = {
  "templates/rollout.yaml": "migrate/rollout.yaml",
  "templates/preview-service.yaml": "migrate/preview-service.yaml",
  "templates/bluegreen-hooks.yaml": "chart/templates/hooks.yaml",
  "templates/_bluegreen.tpl": "migrate/_bluegreen.tpl",
};

const PREVIEW_INGRESS = { "templates/preview-ingress.yaml": "migrate/preview-ingress.yaml" };
const PREVIEW_HTTPROUTE = { "templates/preview-httproute.yaml": "migrate/preview-httproute.yaml" };

const renders = (sources: Source[], kind: string) => sources.some((t) => new RegExp(`^kind:\\s*${kind}\\s*$`, "m").test(t.text));

/** The values the Blue/Green templates read, added to values.yaml where the chart has none. */
const NEEDED_VALUES = [
  "environment",
  "replicaCount",
  "revisionHistoryLimit",
  "progressDeadlineSeconds",
  "progressDeadlineAbort",
  "service",
  "previewService",
  "blueGreen",
  "autoscaling",
  "notifications",
];

export async function runMigrate(options: MigrateOptions): Promise<void> {
  const input = parseInput(migrateInput, { chart: options.chart, dryRun: options.dryRun }, { chart: "--chart" });
  const chart = await findChart(input.chart);
  const sources = await readTemplates(chart.dir);

  const rollout = sources.find((t) => /^kind:\s*Rollout\s*$/m.test(t.text));
  if (rollout) throw failure(`${rollout.file} already renders a Rollout: this chart is Blue/Green already (bluegreen doctor checks it)`);
  const deployments = sources.filter((t) => /^kind:\s*Deployment\s*$/m.test(t.text));
  if (deployments.length === 0) throw failure("no template renders a Deployment: migrate converts a chart whose app runs as one");
  if (deployments.length > 1) throw failure(`${deployments.map((d) => d.file).join(" and ")} both render a Deployment: migrate one app per chart`);
  // Beside the chart's own Ingress or HTTPRoute (helm create writes both), one to the preview Service.
  const exposure = { ingress: renders(sources, "Ingress"), httpRoute: renders(sources, "HTTPRoute") };
  const newTemplates = { ...NEW_TEMPLATES, ...(exposure.ingress ? PREVIEW_INGRESS : {}), ...(exposure.httpRoute ? PREVIEW_HTTPROUTE : {}) };
  for (const file of Object.keys(newTemplates)) {
    if (sources.some((t) => t.file === file)) throw failure(`${file} exists already: migrate would overwrite it`);
  }
  const prefix = helperPrefix(sources);

  const changes: FileChange[] = [];
  const change = (file: string, content: string) => changes.push({ path: path.join(chart.dir, file), content });

  const deployment = deployments[0]!;
  change(deployment.file, deploymentWithoutReplicas(deployment.text, prefix));
  for (const hpa of sources.filter((t) => /scaleTargetRef:/.test(t.text) && /kind:\s*Deployment/.test(t.text))) {
    change(hpa.file, hpa.text.replace(/(scaleTargetRef:\s*\n\s*apiVersion:\s*)apps\/v1(\s*\n\s*kind:\s*)Deployment/g, "$1argoproj.io/v1alpha1$2Rollout"));
  }
  const context = { name: prefix, bg: `${prefix}.bluegreen` };
  for (const [file, template] of Object.entries(newTemplates)) change(file, templates[template]!(context));

  const values = (chart.values.doc.toJS() ?? {}) as Record<string, any>;
  const settings = settingsFor(chart.name, values);
  const added = [
    ...baseValues(settings).entries.filter((entry) => NEEDED_VALUES.includes(entry.key) && !(entry.key in values)),
    ...migratedExposureValues(exposure).filter((entry) => !(entry.key in values)),
  ];
  if (added.length > 0) {
    const block = yamlText(section(...added), "Blue/Green release settings, added by bluegreen migrate (see templates/rollout.yaml).");
    change("values.yaml", `${chart.values.source.replace(/\n*$/, "\n")}\n${block}`);
  }
  for (const env of ["sandbox", "prod"].filter((e) => !chart.envs.includes(e))) {
    change(overlayFile(env), yamlText(migratedOverlay(env, values), overlayHeader(env)));
  }

  applyChanges(chart.dir, changes, { dryRun: input.dryRun });
  if (input.dryRun) return;
  const shown = (file: string) => path.relative(chart.dir, file);
  process.stdout.write(
    [
      out.green(`Migrated ${chart.name} to Blue/Green releases:`),
      ...changes.map((c) => `  ${sources.some((t) => path.join(chart.dir, t.file) === c.path) || shown(c.path) === "values.yaml" ? "changed" : "added  "} ${shown(c.path)}`),
      "",
      out.bold("Next:"),
      `  bluegreen doctor --chart ${path.relative(process.cwd(), chart.dir) || "."}   # renders every environment and checks it`,
      "  Install Argo Rollouts in the cluster before the first sync (see bluegreen's README); its CRDs need",
      "  kubectl apply --server-side, but the Application must not use ServerSideApply=true: Argo CD would",
      "  put back the Service selectors Argo Rollouts switches.",
      "  For Slack: set notifications.slack.enabled, and have the Application pass its own name as",
      "  notifications.argocdApplication (spec.source.helm.parameters) for the Argo CD hook Jobs.",
      "",
    ].join("\n"),
  );
}

interface Source {
  file: string;
  text: string;
}

async function readTemplates(dir: string): Promise<Source[]> {
  const entries = await readdir(path.join(dir, "templates"), { recursive: true, withFileTypes: true }).catch(() => []);
  const sources: Source[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !/\.(ya?ml|tpl)$/.test(entry.name)) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    sources.push({ file, text: await readFile(path.join(dir, file), "utf8") });
  }
  return sources.sort((a, b) => a.file.localeCompare(b.file));
}

/** The prefix of the chart's helpers (`helm create` defines <chart>.name, .fullname, .labels...). */
function helperPrefix(sources: Source[]): string {
  const all = sources.map((s) => s.text).join("\n");
  const prefix = /define\s+"([^"]+)\.fullname"/.exec(all)?.[1];
  const missing = ["name", "fullname", "labels", "selectorLabels"].filter((h) => !new RegExp(`define\\s+"${escapeRegExp(prefix ?? "")}\\.${h}"`).test(all));
  if (prefix === undefined || missing.length > 0) {
    throw failure(`the chart's templates define no ${missing.map((h) => `"<chart>.${h}"`).join(", ")} helper: migrate builds on the helpers helm create writes`);
  }
  return prefix;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The Deployment, with replicas left to the Rollout and with pod labels that change only when
 * the app does (helm.sh/chart on the pod template would start a release on every chart bump).
 */
function deploymentWithoutReplicas(text: string, prefix: string): string {
  const replicas =
    /^([ \t]*)\{\{-?\s*if not \.Values\.autoscaling\.enabled\s*-?\}\}[ \t]*\n[ \t]*replicas:[^\n]*\n[ \t]*\{\{-?\s*end\s*-?\}\}[ \t]*\n|^([ \t]*)replicas:[^\n]*\n/m;
  const note = (indent: string) =>
    `${indent}# replicas: none here. The Rollout (templates/rollout.yaml) owns the count and scales this\n${indent}# Deployment down as its own pods become ready (bluegreen migrate).\n`;
  const withoutReplicas = text.replace(replicas, (_match, a: string | undefined, b: string | undefined) => note(a ?? b ?? "  "));
  return withoutReplicas.replace(`include "${prefix}.labels" . | nindent 8`, `include "${prefix}.selectorLabels" . | nindent 8`);
}

function settingsFor(name: string, values: Record<string, any>): ChartSettings {
  const replicas = Number.isInteger(values.replicaCount) && values.replicaCount > 0 ? values.replicaCount : 2;
  return {
    name,
    image: { repository: String(values.image?.repository ?? ""), tag: String(values.image?.tag ?? "") },
    replicas,
    port: 80,
    envs: ["sandbox", "prod"],
    namespace: name,
    slackEnabled: false,
    rolloutNotifications: false,
  };
}

/** The overlays init writes; prod also gets a CPU request if the chart has none, for its HPA. */
function migratedOverlay(env: string, values: Record<string, any>): Section {
  // No PodDisruptionBudget here: the chart's templates may have one, and a pod under two budgets cannot be evicted.
  const overlay = overlayValues(env, isProduction(env) ? { replicas: Math.max(Number(values.replicaCount) || 2, 2), disruptionBudget: false } : {});
  if (isProduction(env) && values.resources?.requests?.cpu === undefined) {
    overlay.entries.push({
      key: "resources",
      value: { ...(values.resources ?? {}), requests: { ...(values.resources?.requests ?? {}), cpu: "100m", memory: values.resources?.requests?.memory ?? "128Mi" } },
      doc: "Autoscaling measures CPU use against the CPU request, which values.yaml does not set.",
      gap: true,
    });
  }
  return overlay;
}
