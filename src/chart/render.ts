// Builds a whole chart in memory: every file's path and bytes, nothing written yet.
import templates from "virtual:templates";
import YAML from "yaml";
import { valuesJsonSchema, valuesSchema } from "../schema.js";
import { buildDocument, stringifyDocument, type Section } from "../yaml-doc.js";
import { readmeContext } from "./readme.js";
import {
  baseHeader,
  baseValues,
  chartYaml,
  initialOverlay,
  namespaceFor,
  overlayHeader,
  slackSecret,
  slackSecretHeader,
  type ChartSettings,
} from "./values.js";

export interface ChartFile {
  /** Path inside the chart, with forward slashes. */
  path: string;
  content: string;
  /** Holds a credential: written 0600 and never printed. */
  secret?: boolean;
}

export const SLACK_SECRET_FILE = "slack-webhook-secret.yaml";

export const yamlText = (root: Section, header?: string) => stringifyDocument(buildDocument(root, header));

export function renderChart(settings: ChartSettings, slackWebhook?: string): ChartFile[] {
  const values = { path: "values.yaml", content: yamlText(baseValues(settings), baseHeader(settings)) };
  const overlays = settings.envs.map((env) => ({
    path: `values-${env}.yaml`,
    content: yamlText(initialOverlay(env, settings), overlayHeader(env)),
  }));
  const base = YAML.parse(values.content);
  const environments = settings.envs.map((env, i) => ({ name: env, values: mergeValues(base, YAML.parse(overlays[i]!.content)) }));
  checkValues([{ file: values.path, values: base }, ...environments.map((env, i) => ({ file: overlays[i]!.path, values: env.values }))]);
  const files: ChartFile[] = [
    { path: "Chart.yaml", content: yamlText(chartYaml(settings)) },
    values,
    ...overlays,
    { path: "values.schema.json", content: `${JSON.stringify(valuesJsonSchema(), null, 2)}\n` },
    { path: ".helmignore", content: templates["chart/helmignore"]!({}) },
    { path: ".gitignore", content: templates["chart/gitignore"]!({}) },
    { path: "README.md", content: templates["chart/README.md.hbs"]!(readmeContext(settings, environments)) },
  ];
  for (const [key, template] of Object.entries(templates)) {
    if (key.startsWith("chart/templates/")) {
      files.push({ path: key.slice("chart/".length), content: template({ name: settings.name }) });
    }
  }
  if (slackWebhook !== undefined) {
    const namespaces = settings.envs.map((env) => namespaceFor(settings.name, env));
    files.push({
      path: SLACK_SECRET_FILE,
      content: yamlText(slackSecret(settings.name, slackWebhook), slackSecretHeader(namespaces)),
      secret: true,
    });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * What Helm will check on every render, checked here first: the values of every environment
 * must satisfy values.schema.json. A failure is a bug in this tool.
 */
function checkValues(files: { file: string; values: object }[]): void {
  for (const { file, values } of files) {
    const result = valuesSchema.safeParse(values);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new Error(`internal error: ${file} breaks values.schema.json at ${issue.path.join(".")}: ${issue.message}`);
    }
  }
}

/** Helm's merge: maps merge key by key, anything else in the overlay replaces the base. */
export function mergeValues(base: Record<string, any>, overlay: Record<string, any>): Record<string, any> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return result;
}

const isPlainObject = (value: unknown): value is Record<string, any> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
