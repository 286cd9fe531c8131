// Builds a whole chart in memory: every file's path and bytes, nothing written yet.
import templates, { valuesSchemaJson } from "virtual:templates";
import { sectionData, yamlText } from "../yaml-doc.js";
import { readmeContext } from "./readme.js";
import {
  baseHeader,
  baseValues,
  chartYaml,
  initialOverlay,
  mergeValues,
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

export function renderChart(settings: ChartSettings, slackWebhook?: string): ChartFile[] {
  const base = baseValues(settings);
  const overlays = settings.envs.map((env) => ({ env, values: initialOverlay(env, settings) }));
  const environments = overlays.map(({ env, values }) => ({ name: env, values: mergeValues(sectionData(base), sectionData(values)) }));
  const files: ChartFile[] = [
    { path: "Chart.yaml", content: yamlText(chartYaml(settings)) },
    { path: "values.yaml", content: yamlText(base, baseHeader(settings)) },
    ...overlays.map(({ env, values }) => ({ path: `values-${env}.yaml`, content: yamlText(values, overlayHeader(env)) })),
    { path: "values.schema.json", content: valuesSchemaJson },
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
