// `bluegreen migrate`: turn a chart whose app runs as a Deployment (such as one made by
// `helm create`) into a Blue/Green chart, keeping the person's values, comments and templates,
// without a moment of the first sync where fewer pods serve than before.
//
// The Deployment stays, with its pod template untouched and its replicas kept, and a Rollout
// runs that pod template through workloadRef with scaleDown: progressively, starting at the
// Deployment's count: while the first revision runs, Argo Rollouts scales the Deployment to the
// Rollout's replicas minus its ready pods, and to 0 once the Rollout is healthy (argo-rollouts
// rollout/replicaset.go reconcileNewReplicaSet). Replacing the Deployment outright would let
// Argo CD's prune remove its pods before the Rollout's are ready; dropping its replicas would
// reset it to one pod at sync time. Argo CD is told to ignore the counts it does not own
// (chart/replica-drift.ts). The result is rendered by real Helm before anything is written.
import { readdir } from "node:fs/promises";
import path from "node:path";
import chartTemplates from "virtual:templates/chart";
import migrateTemplates from "virtual:templates/migrate";
import { parseDocument } from "yaml";
import { applyChanges, type FileChange } from "../changes.js";
import { type ApplicationFile, readApplications } from "../chart/argocd.js";
import { findChart, readOptionalText, readText } from "../chart/find.js";
import { currentImage } from "../chart/image-edit.js";
import { DEFAULT_ENVS, isProduction, overlayFile } from "../chart/names.js";
import {
  applicationsDeploying,
  deploymentWorkload,
  releaseNameOf,
  rolloutWorkload,
  valuesFileOf,
  withReplicaIgnores,
} from "../chart/replica-drift.js";
import { baseValues, type ChartSettings, overlayHeader, overlayValues } from "../chart/values.js";
import { migratedExposureValues } from "../chart/values-production.js";
import { failure } from "../errors.js";
import { type FileData, mappingAt, valueAt } from "../file-fields.js";
import { fieldNames, MIGRATE_FLAGS, type OptionsOf } from "../flags.js";
import { locateHelm } from "../helm.js";
import { helmValues } from "../helm-values.js";
import type { ImageRef } from "../image-ref.js";
import { migrateInput, parseInput } from "../input-schema.js";
import { type Combination, proveMigration, type Render } from "../migrate/prove.js";
import { withValuesBlock } from "../migrate/values-text.js";
import { readWorkload, type Source } from "../migrate/workload.js";
import { byName } from "../order.js";
import { out, print } from "../output.js";
import { relativePath } from "../paths.js";
import { Section, sectionData, yamlText } from "../yaml-doc.js";

// Migrate writes its own templates and the hooks init writes (chart/templates/hooks.yaml).
const templates = { ...chartTemplates, ...migrateTemplates };

export type MigrateOptions = OptionsOf<typeof MIGRATE_FLAGS>;

/** What migrate adds to templates/, from templates/migrate/ (and the hooks init writes too). */
const NEW_TEMPLATES: Record<string, string> = {
  "templates/rollout.yaml": "migrate/rollout.yaml",
  "templates/preview-service.yaml": "migrate/preview-service.yaml",
  "templates/bluegreen-hooks.yaml": "chart/templates/hooks.yaml",
  "templates/_bluegreen.tpl": "migrate/_bluegreen.tpl",
};

const PREVIEW_INGRESS = { "templates/preview-ingress.yaml": "migrate/preview-ingress.yaml" };
const PREVIEW_HTTPROUTE = { "templates/preview-httproute.yaml": "migrate/preview-httproute.yaml" };

const renders = (sources: Source[], kind: string) =>
  sources.some((t) => new RegExp(`^kind:\\s*${kind}\\s*$`, "m").test(t.text));

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
  const input = parseInput(migrateInput, { ...options }, fieldNames(MIGRATE_FLAGS, migrateInput, {}));
  const helm = locateHelm(input.helm);
  const chart = await findChart(input.chart, { editing: input.dryRun ? undefined : "migrate" });
  const sources = await readTemplates(chart.dir);

  const rollout = sources.find((t) => /^kind:\s*Rollout\s*$/m.test(t.text));
  if (rollout)
    throw failure(
      `${rollout.file} already renders a Rollout: this chart is Blue/Green already (bluegreen doctor checks it)`,
    );
  const deployments = sources.filter((t) => /^kind:\s*Deployment\s*$/m.test(t.text));
  if (deployments.length === 0)
    throw failure("no template renders a Deployment: migrate converts a chart whose app runs as one");
  if (deployments.length > 1)
    throw failure(
      `${deployments.map((d) => d.file).join(" and ")} both render a Deployment: migrate one app per chart`,
    );
  // Beside the chart's own Ingress or HTTPRoute (helm create writes both), one to the preview Service.
  const exposure = { ingress: renders(sources, "Ingress"), httpRoute: renders(sources, "HTTPRoute") };
  const newTemplates = {
    ...NEW_TEMPLATES,
    ...(exposure.ingress ? PREVIEW_INGRESS : {}),
    ...(exposure.httpRoute ? PREVIEW_HTTPROUTE : {}),
  };
  for (const file of Object.keys(newTemplates)) {
    if (sources.some((t) => t.file === file)) throw failure(`${file} exists already: migrate would overwrite it`);
  }
  const prefix = helperPrefix(sources);
  const deployment = deployments[0]!;
  const hpas = sources.filter((t) => /scaleTargetRef:/.test(t.text) && /kind:\s*Deployment/.test(t.text));
  const workload = readWorkload(deployment, hpas, prefix);

  const changes: FileChange[] = [];
  const change = (file: string, content: string) => changes.push({ path: path.join(chart.dir, file), content });
  if (workload.deploymentText !== deployment.text) change(deployment.file, workload.deploymentText);
  for (const hpa of workload.hpaTexts) change(hpa.file, hpa.text);
  const context = {
    name: prefix,
    bg: `${prefix}.bluegreen`,
    workloadName: workload.nameExpression,
    replicas: workload.replicasHelper,
  };
  for (const [file, template] of Object.entries(newTemplates)) change(file, templates[template]!(context));

  const values = helmValues(chart.values);
  const valuesData: FileData = { file: "values.yaml", data: values };
  const added = new Section([
    ...baseValues(settingsFor(chart.name, valuesData)).entries.filter(
      (entry) => NEEDED_VALUES.includes(entry.key) && !(entry.key in values),
    ),
    ...migratedExposureValues(exposure).filter((entry) => !(entry.key in values)),
  ]);
  if (added.entries.length > 0) {
    const block = yamlText(
      added,
      "Blue/Green release settings, added by bluegreen migrate (see templates/rollout.yaml).",
    );
    change("values.yaml", withValuesBlock(chart.values, block, sectionData(added)));
  }
  const newOverlays = DEFAULT_ENVS.filter((e) => !chart.envs.includes(e));
  const image = currentImage(chart, undefined);
  for (const env of newOverlays)
    change(
      overlayFile(env),
      yamlText(migratedOverlay(env, valuesData, workload.autoscaled, image), overlayHeader(env)),
    );

  // Every environment, rendered before (what runs now) and after, by real Helm, under the
  // release name its Argo CD Application gives it.
  const applications = await readApplications(chart.dir);
  const releaseFor = (label: string) =>
    releaseNameOf(applications.find((a) => valuesFileOf(a) === label)) ?? chart.name;
  const combination = (label: string): Combination => ({
    label,
    files: label === "values.yaml" ? ["values.yaml"] : ["values.yaml", label],
    release: releaseFor(label),
  });
  const before = ["values.yaml", ...chart.envs.map(overlayFile)].map(combination);
  const after = [...before, ...newOverlays.map((env) => combination(overlayFile(env)))];
  const proof = proveMigration({
    helm: helm.bin,
    chartDir: chart.dir,
    changes,
    before,
    after,
    // The Applications as migrate leaves them: each told to ignore the counts of what it deploys.
    applicationsFor: (render) => applicationsDeploying(applications, render.label)?.map((a) => edited(a, render)),
  });
  for (const application of applications) {
    const render = proof.renders.find((r) => r.label === valuesFileOf(application));
    if (!render) continue;
    const { source } = edited(application, render);
    if (source !== application.source) change(application.file, source);
  }
  const readme = await readmeWithSection(chart.dir, {
    name: chart.name,
    prefix,
    deploymentFile: deployment.file,
    deployment: proof.renders[0]!.deployment,
    rollout: proof.renders[0]!.rollout,
    applications: changes
      .map((c) => path.relative(chart.dir, c.path).split(path.sep).join("/"))
      .filter((file) => applications.some((a) => a.file === file))
      .join(", "),
  });
  change("README.md", readme.content);

  await applyChanges(chart.dir, changes, { dryRun: input.dryRun });
  if (input.dryRun) return;
  const shown = (file: string) => path.relative(chart.dir, file).split(path.sep).join("/");
  const existed = (file: string) =>
    sources.some((t) => t.file === file) ||
    file === "values.yaml" ||
    applications.some((a) => a.file === file) ||
    (file === "README.md" && readme.existed);
  const autoscaled = proof.renders.filter((r) => r.hpa);
  print(
    [
      out.green(`Migrated ${chart.name} to Blue/Green releases:`),
      ...changes.map((c) => `  ${existed(shown(c.path)) ? "changed" : "added  "} ${shown(c.path)}`),
      "",
      ...autoscaled.map(
        (r) =>
          `${r.label}: autoscaling is on, so the Rollout starts at autoscaling.maxReplicas (${r.replicas} pods): an HPA may be running the Deployment at any count up to that. The HPA, aimed at the Rollout now, then brings it to what the load needs.`,
      ),
      ...(autoscaled.length > 0 ? [""] : []),
      out.bold("Next:"),
      applications.length > 0
        ? "  kubectl apply -f argocd/   # first: Argo CD ignores the replica counts Argo Rollouts and the HPA change"
        : "  Before the first sync, tell each Argo CD Application to ignore the replica counts (README.md, Migrating a live app).",
      `  bluegreen doctor --chart ${relativePath(chart.dir)}   # renders every environment and checks it`,
      "  Install Argo Rollouts in the cluster before the first sync (see bluegreen's README); its CRDs need",
      "  kubectl apply --server-side, but the Application must not use ServerSideApply=true: Argo CD would",
      "  put back the Service selectors Argo Rollouts switches.",
      "  For Slack: set notifications.slack.enabled; the hook Jobs then render from the values alone.",
      "",
    ].join("\n"),
  );
}

/** An Application with the ignoreDifferences the render it deploys needs. */
function edited(application: ApplicationFile, render: Render): ApplicationFile {
  const workloads = [
    ...(render.deploymentReplicas > 0 ? [deploymentWorkload(render.deployment)] : []),
    ...(render.hpa ? [rolloutWorkload(render.rollout)] : []),
  ];
  const source = withReplicaIgnores(application, workloads);
  if (source === application.source) return application;
  return { ...application, source, data: parseDocument(source).toJS() as unknown };
}

async function readTemplates(dir: string): Promise<Source[]> {
  const entries = await readdir(path.join(dir, "templates"), { recursive: true, withFileTypes: true }).catch(() => []);
  const sources: Source[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !/\.(ya?ml|tpl)$/.test(entry.name)) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    sources.push({ file, text: await readText(path.join(dir, file), `${file} disappeared`, file) });
  }
  return sources.sort((a, b) => byName(a.file, b.file));
}

/** The prefix of the chart's helpers (`helm create` defines <chart>.name, .fullname, .labels...). */
function helperPrefix(sources: Source[]): string {
  const all = sources.map((s) => s.text).join("\n");
  const prefix = /define\s+"([^"]+)\.fullname"/.exec(all)?.[1];
  const missing = ["name", "fullname", "labels", "selectorLabels"].filter(
    (h) => !new RegExp(`define\\s+"${escapeRegExp(prefix ?? "")}\\.${h}"`).test(all),
  );
  if (prefix === undefined || missing.length > 0) {
    throw failure(
      `the chart's templates define no ${missing.map((h) => `"<chart>.${h}"`).join(", ")} helper: migrate builds on the helpers helm create writes`,
    );
  }
  return prefix;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** README.md with the "Migrating a live app" section: a new file, or the person's with it added at the end. */
async function readmeWithSection(
  dir: string,
  context: Record<string, string>,
): Promise<{ content: string; existed: boolean }> {
  const section = templates["migrate/README.md.hbs"]!(context);
  // Read as every file of the chart is: a FIFO or a non-UTF-8 README is refused, never waited on.
  const current = await readOptionalText(path.join(dir, "README.md"), "README.md");
  if (current === undefined) return { content: `# ${context.name}\n\n${section}`, existed: false };
  const eol = current.includes("\r\n") ? "\r\n" : "\n";
  const separator =
    current === "" ? "" : current.endsWith(`${eol}${eol}`) ? "" : current.endsWith(eol) ? eol : eol + eol;
  return { content: current + separator + section.replace(/\r?\n/g, eol), existed: true };
}

function settingsFor(name: string, values: FileData): ChartSettings {
  const count = valueAt(values, "replicaCount");
  const replicas = typeof count === "number" && Number.isInteger(count) && count > 0 ? count : 2;
  return {
    name,
    image: {
      repository: String(valueAt(values, "image.repository") ?? ""),
      tag: String(valueAt(values, "image.tag") ?? ""),
    },
    replicas,
    port: 80,
    envs: DEFAULT_ENVS,
    namespace: name,
    slackEnabled: false,
    rolloutNotifications: false,
  };
}

/**
 * The overlays init writes; prod autoscales only where the chart has an HPA, and then also gets
 * a CPU request if the chart has none.
 */
function migratedOverlay(env: string, values: FileData, autoscaled: boolean, image: ImageRef | undefined): Section {
  // No PodDisruptionBudget here: the chart's templates may have one, and a pod under two budgets cannot be evicted.
  // prod pins the image values.yaml renders now, as init's does: releases reach it by promotion.
  const overlay = overlayValues(
    env,
    isProduction(env)
      ? {
          replicas: Math.max(Number(valueAt(values, "replicaCount")) || 2, 2),
          disruptionBudget: false,
          autoscaling: autoscaled,
          image,
          promoteFrom: "sandbox",
        }
      : {},
  );
  // The overlay's resources replace values.yaml's key by key, so what is there must be a mapping.
  const resources = mappingAt(values, "resources");
  const requests = resources && mappingAt(resources, "requests");
  if (isProduction(env) && autoscaled && (requests === undefined || valueAt(requests, "cpu") === undefined)) {
    overlay.entries.push({
      key: "resources",
      value: {
        ...(resources?.data as object),
        requests: {
          ...(requests?.data as object),
          cpu: "100m",
          memory: (requests && valueAt(requests, "memory")) ?? "128Mi",
        },
      },
      doc: "Autoscaling measures CPU use against the CPU request, which values.yaml does not set.",
      gap: true,
    });
  }
  return overlay;
}
