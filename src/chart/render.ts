// Builds a whole chart in memory: every file's path and bytes, nothing written yet.
import templates, { valuesSchemaJson } from "virtual:templates/chart";
import { valueAt } from "../file-fields.js";
import { byName } from "../order.js";
import { sectionData, yamlText } from "../yaml-doc.js";
import { type ArgoSettings, application, applicationFile, applicationHeader } from "./argocd.js";
import { namespaceFor, overlayFile, SLACK_SECRET_FILE } from "./names.js";
import { environmentValues, readmeContext } from "./readme.js";
import {
  baseHeader,
  baseValues,
  type ChartSettings,
  chartYaml,
  initialOverlay,
  mergeValues,
  overlayHeader,
  slackSecretHeader,
  slackSecretManifest,
} from "./values.js";

export interface ChartFile {
  /** Path inside the chart, with forward slashes. */
  path: string;
  content: string;
  /** Holds a credential: written 0600 and never printed. */
  secret?: boolean;
}

export interface RenderOptions {
  /** Written only into slack-webhook-secret.yaml. */
  slackWebhook?: string;
  /** With a repository, argocd/<env>.yaml for every environment. */
  argo?: ArgoSettings;
}

export function renderChart(settings: ChartSettings, { slackWebhook, argo }: RenderOptions = {}): ChartFile[] {
  const base = baseValues(settings);
  const overlays = settings.envs.map((env) => ({ env, values: initialOverlay(env, settings) }));
  const environments = overlays.map(({ env, values }) => ({
    name: env,
    values: environmentValues(env, mergeValues(sectionData(base), sectionData(values))),
  }));
  const files: ChartFile[] = [
    { path: "Chart.yaml", content: yamlText(chartYaml(settings)) },
    { path: "values.yaml", content: yamlText(base, baseHeader(settings)) },
    ...overlays.map(({ env, values }) => ({ path: overlayFile(env), content: yamlText(values, overlayHeader(env)) })),
    { path: "values.schema.json", content: valuesSchemaJson },
    { path: ".helmignore", content: templates["chart/helmignore"]!({ secretFile: SLACK_SECRET_FILE }) },
    { path: ".gitignore", content: templates["chart/gitignore"]!({ secretFile: SLACK_SECRET_FILE }) },
    { path: "README.md", content: templates["chart/README.md.hbs"]!(readmeContext(settings, environments, argo)) },
  ];
  for (const [key, template] of Object.entries(templates)) {
    if (key.startsWith("chart/templates/")) {
      // Helper names: the chart's own (name, fullname, labels...) and bluegreen's are one prefix here.
      files.push({ path: key.slice("chart/".length), content: template({ name: settings.name, bg: settings.name }) });
    }
  }
  if (argo) {
    for (const { name: env, values } of environments) {
      const app = application(settings.name, env, argo, {
        autoscaling: valueAt(values, "autoscaling.enabled") === true,
      });
      files.push({ path: applicationFile(env), content: yamlText(app, applicationHeader(settings.name, env)) });
    }
  }
  if (slackWebhook !== undefined) {
    const namespaces = settings.envs.map((env) => namespaceFor(settings.namespace, env));
    files.push({
      path: SLACK_SECRET_FILE,
      content: yamlText(slackSecretManifest(settings, slackWebhook), slackSecretHeader(namespaces)),
      secret: true,
    });
  }
  return files.sort((a, b) => byName(a.path, b.path));
}
