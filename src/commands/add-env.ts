// `bluegreen add-env <env>`: write values-<env>.yaml from a preset, and keep the README's lists
// of environments true. Nothing else in the chart changes.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { findChart, overlayFile, readOverlays, sortEnvs, type ChartDir } from "../chart/find.js";
import { refreshBlocks, describeEnvironment } from "../chart/readme.js";
import { yamlText } from "../yaml-doc.js";
import { mergeValues, namespaceFor, overlayHeader, overlayValues } from "../chart/values.js";
import { failure } from "../errors.js";
import { replaceFiles } from "../fs-atomic.js";
import { out } from "../output.js";
import { addEnvInput, parseInput } from "../schema.js";
import { parseOwnedYaml } from "../yaml-edit.js";

export interface AddEnvOptions {
  chart?: string;
  replicas?: string;
  autoPromote?: boolean;
  force?: boolean;
}

const FIELDS = { env: "<env>", chart: "--chart", replicas: "--replicas", autoPromote: "--auto-promote" };

export async function runAddEnv(env: string, options: AddEnvOptions): Promise<void> {
  const input = parseInput(addEnvInput, { env, chart: options.chart, replicas: options.replicas, autoPromote: options.autoPromote }, FIELDS);
  const chart = await findChart(input.chart);
  const file = overlayFile(input.env);
  if (chart.envs.includes(input.env) && !options.force) {
    throw failure(`${file} already exists (use --force to replace it)`);
  }

  const overlay = yamlText(overlayValues(input.env, { replicas: input.replicas, autoPromote: input.autoPromote }), overlayHeader(input.env));
  const base = (chart.values.doc.toJS() ?? {}) as Record<string, any>;
  const values = mergeValues(base, parseOwnedYaml(file, overlay).doc.toJS());
  const writes = [{ path: path.join(chart.dir, file), content: overlay }];

  const readme = await readmeWithEnvironments(chart, base, { name: input.env, values });
  if (readme !== undefined) writes.push(readme);
  replaceFiles(writes);

  const lines = [
    out.green(`Wrote ${file}`) + `: ${describeEnvironment(values)}.`,
    ...(readme ? ["Updated the environment lists in README.md."] : []),
    "",
    out.bold("Next:"),
    `  helm template ${chart.name} ${displayDir(chart.dir)} -f ${path.join(displayDir(chart.dir), "values.yaml")} -f ${path.join(displayDir(chart.dir), file)}`,
  ];
  if (values.notifications?.slack?.enabled) {
    const namespace = namespaceFor(chart.name, input.env);
    lines.push(
      `  kubectl create namespace ${namespace}`,
      `  kubectl apply -n ${namespace} -f ${path.join(displayDir(chart.dir), "slack-webhook-secret.yaml")}   # before the first sync`,
    );
  }
  if (values.blueGreen?.autoPromotionEnabled === false) {
    lines.push(`  kubectl argo rollouts promote ${chart.name} -n ${namespaceFor(chart.name, input.env)}   # promotion is manual here`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

const displayDir = (dir: string) => path.relative(process.cwd(), dir) || ".";

/** README.md with its marked environment lists regenerated; undefined when there is nothing to change. */
async function readmeWithEnvironments(
  chart: ChartDir,
  base: Record<string, any>,
  added: { name: string; values: Record<string, any> },
): Promise<{ path: string; content: string } | undefined> {
  const file = path.join(chart.dir, "README.md");
  const readme = await readFile(file, "utf8").catch(() => undefined);
  if (readme === undefined) return undefined; // no README to keep true
  const existing = (await readOverlays(chart))
    .filter(({ env }) => env !== added.name)
    .map(({ env, overlay }) => ({ name: env, values: mergeValues(base, overlay.doc.toJS() ?? {}) }));
  const environments = sortEnvs([...existing.map((e) => e.name), added.name]).map(
    (name) => existing.find((e) => e.name === name) ?? added,
  );
  const content = refreshBlocks(readme, chart.name, environments);
  return content === readme ? undefined : { path: file, content };
}
