// `bluegreen add-env <env>`: write values-<env>.yaml from a preset, and keep the README's lists
// of environments true. Nothing else in the chart changes.
import { existsSync } from "node:fs";
import path from "node:path";
import {
  ARGOCD_DIR,
  type ArgoSettings,
  application,
  applicationFile,
  applicationHeader,
  readArgoSettings,
} from "../chart/argocd.js";
import { type ChartDir, findChart, readOptionalText, readOverlays, sortEnvs } from "../chart/find.js";
import { currentImage, shortImage } from "../chart/image-edit.js";
import { chartFlag } from "../chart/image-report.js";
import { namespaceFor, overlayFile, SLACK_SECRET_FILE } from "../chart/names.js";
import {
  describeEnvironment,
  type Environment,
  environmentValues,
  promotesByHand,
  refreshBlocks,
} from "../chart/readme.js";
import { imageText, pinsImage, valuesOf } from "../chart/rendered-image.js";
import { mergeValues, overlayHeader, overlayValues } from "../chart/values.js";
import { commitMessage, writeAndCommit } from "../commit.js";
import { failure, usageError } from "../errors.js";
import { valueAt } from "../file-fields.js";
import { ADD_ENV_FLAGS, fieldNames, type OptionsOf } from "../flags.js";
import { helmValues } from "../helm-values.js";
import { addEnvInput, argoFileSettings, fieldError, NAMESPACE_MAX, namespace, parseInput } from "../input-schema.js";
import { printJson } from "../json.js";
import { out, print } from "../output.js";
import { relativePath } from "../paths.js";
import { yamlText } from "../yaml-doc.js";
import { parseOwnedYaml } from "../yaml-edit.js";

/** The flags, with autoPromote "both" when --auto-promote and --no-auto-promote were both given (cli.ts). */
export type AddEnvOptions = Omit<OptionsOf<typeof ADD_ENV_FLAGS>, "autoPromote"> & { autoPromote?: boolean | "both" };
// --force and --dry-run decide what is written, not what is asked for.
const FIELDS = fieldNames(ADD_ENV_FLAGS, addEnvInput, { env: "<env>" }, ["force", "dryRun"]);

export async function runAddEnv(env: string, options: AddEnvOptions): Promise<void> {
  const input = parseInput(
    addEnvInput,
    {
      env,
      chart: options.chart,
      replicas: options.replicas,
      autoPromote: options.autoPromote,
      commit: options.commit,
      json: options.json,
    },
    FIELDS,
  );
  const chart = await findChart(input.chart, { editing: options.dryRun ? undefined : "add-env" });
  const file = overlayFile(input.env);
  if (chart.envs.includes(input.env) && !options.force) {
    throw failure(`${file} already exists (use --force to replace it)`);
  }

  const base = helmValues(chart.values);
  // Charts made before the PodDisruptionBudget existed have no template that would read it.
  const disruptionBudget = "podDisruptionBudget" in base;
  // With manual promotion the new environment pins what values.yaml renders now (see overlayValues).
  const overlays = await readOverlays(chart);
  const previous = overlays.find((o) => o.env === input.env);
  const image = currentImage(chart, undefined);
  const promoteFrom = overlays.find((o) => o.env !== input.env && !pinsImage(valuesOf(o.overlay)))?.env;
  const overlay = yamlText(
    overlayValues(input.env, {
      replicas: input.replicas,
      autoPromote: input.autoPromote,
      disruptionBudget,
      image,
      promoteFrom,
    }),
    overlayHeader(input.env),
  );
  const parsed = parseOwnedYaml(file, overlay);
  const values = environmentValues(input.env, mergeValues(base, helmValues(parsed)));
  const writes = [{ path: path.join(chart.dir, file), content: overlay }];

  // With Argo CD Applications in the chart, the new environment gets one like theirs.
  const argo = await argoSettingsOf(chart);
  const namespaceBase = argo?.namespace ?? chart.name;
  if (argo && fieldError(namespace, namespaceFor(namespaceBase, input.env)) !== undefined) {
    throw usageError(
      `<env>: ${namespaceFor(namespaceBase, input.env)} would be too long for a namespace (at most ${NAMESPACE_MAX} characters): choose a shorter environment name`,
    );
  }
  if (argo) {
    const appFile = applicationFile(input.env);
    writes.push({
      path: path.join(chart.dir, appFile),
      content: yamlText(
        application(chart.name, input.env, argo, { autoscaling: valueAt(values, "autoscaling.enabled") === true }),
        applicationHeader(chart.name, input.env),
      ),
    });
  }
  const readme = await readmeWithEnvironments(chart, namespaceBase, base, { name: input.env, values });
  if (readme !== undefined) writes.push(readme);

  // What the new environment runs, and the commit that says so: `shop(qa): add environment, pinned to …`.
  const renders = imageText(currentImage(chart, parsed));
  const pinned = pinsImage(valuesOf(parsed));
  const was = previous && imageText(currentImage(chart, previous.overlay));
  const files = writes.map((w) => ({
    file: path.relative(chart.dir, w.path).split(path.sep).join("/"),
    created: !existsSync(w.path),
  }));
  const summary = [
    `${previous ? "replace" : "add"} environment, ${pinned ? "pinned to" : "following values.yaml at"} ${renders ?? "no image"}`,
    was !== undefined && was !== renders ? ` (was ${shortImage(was, renders)})` : "",
  ].join("");
  const body = files.map(
    ({ file, created }) => `${file}: ${created ? "new" : file === "README.md" ? "environment lists" : "replaced"}`,
  );
  const commit = await writeAndCommit(
    chart.dir,
    writes,
    { dryRun: options.dryRun, commit: input.commit, json: input.json },
    commitMessage(chart.name, [input.env], summary, body),
  );
  if (input.json) {
    const promotion = promotesByHand(values) ? "manual" : "automatic";
    const committed = commit ? { id: commit.id, short: commit.short, message: commit.message } : null;
    return printJson({
      chart: chart.dir,
      env: input.env,
      files,
      promotion,
      image: renders ?? null,
      pinned,
      dryRun: options.dryRun === true,
      commit: committed,
    });
  }
  if (options.dryRun) return;

  const lines = [
    `${out.green(`Wrote ${file}`)}: ${describeEnvironment(values)}.`,
    ...(pinned
      ? [
          `${input.env} runs its own image, ${renders}; promote into it with bluegreen bump-image --env ${input.env} --from ${promoteFrom ?? "<env>"}${chartFlag(chart.dir)}`,
        ]
      : []),
    ...(argo
      ? [`Wrote ${applicationFile(input.env)}: an Argo CD Application like the others (kubectl apply -f it once).`]
      : []),
    ...(readme ? ["Updated the environment lists in README.md."] : []),
    "",
    out.bold("Next:"),
    `  helm template ${chart.name} ${relativePath(chart.dir)} -f ${path.join(relativePath(chart.dir), "values.yaml")} -f ${path.join(relativePath(chart.dir), file)}`,
  ];
  if (valueAt(values, "notifications.slack.enabled")) {
    const namespace = namespaceFor(namespaceBase, input.env);
    lines.push(
      `  kubectl create namespace ${namespace}`,
      `  kubectl apply -n ${namespace} -f ${path.join(relativePath(chart.dir), SLACK_SECRET_FILE)}   # before the first sync`,
    );
  }
  if (promotesByHand(values)) {
    lines.push(
      `  kubectl argo rollouts promote ${chart.name} -n ${namespaceFor(namespaceBase, input.env)}   # promotion is manual here`,
    );
  }
  if (commit) lines.push("", `${out.green(`Committed ${commit.short}`)}: ${commit.message.split("\n", 1)[0]}`);
  print(`${lines.join("\n")}\n`);
}

/**
 * The repository settings of the chart's Applications, checked like flags: a file on disk is
 * input too, and a credential that slipped into one must not be copied into another.
 */
async function argoSettingsOf(chart: ChartDir): Promise<ArgoSettings | undefined> {
  const argo = await readArgoSettings(chart.dir);
  if (argo === undefined) return undefined;
  const source = `${ARGOCD_DIR}/*.yaml`;
  parseInput(argoFileSettings, argo, {
    repoUrl: `${source} spec.source.repoURL`,
    server: `${source} spec.destination.server`,
    repoPath: `${source} spec.source.path`,
    revision: `${source} spec.source.targetRevision`,
    argocdNamespace: `${source} metadata.namespace`,
    project: `${source} spec.project`,
    namespace: `${source} spec.destination.namespace`,
  });
  return argo;
}

/** README.md with its marked environment lists regenerated; undefined when there is nothing to change. */
async function readmeWithEnvironments(
  chart: ChartDir,
  namespaceBase: string,
  base: Record<string, unknown>,
  added: Environment,
): Promise<{ path: string; content: string } | undefined> {
  const file = path.join(chart.dir, "README.md");
  const readme = await readOptionalText(file);
  if (readme === undefined) return undefined; // no README to keep true
  const existing = (await readOverlays(chart))
    .filter(({ env }) => env !== added.name)
    .map(({ env, overlay }) => ({ name: env, values: environmentValues(env, mergeValues(base, helmValues(overlay))) }));
  const environments = sortEnvs([...existing.map((e) => e.name), added.name]).map(
    (name) => existing.find((e) => e.name === name) ?? added,
  );
  const content = refreshBlocks(readme, namespaceBase, environments);
  return content === readme ? undefined : { path: file, content };
}
