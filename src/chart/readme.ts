// What the chart's README.md shows: the environments, the commands to run, and a table of
// every knob in values.yaml, taken from the same commented data that writes values.yaml.
import { formatImageRef } from "../image-ref.js";
import { Section } from "../yaml-doc.js";
import { baseValues, isProduction, namespaceFor, type ChartSettings } from "./values.js";

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

export function readmeContext(settings: ChartSettings) {
  const envs = settings.envs.map((env) => ({
    name: env,
    namespace: namespaceFor(settings.name, env),
    manual: isProduction(env),
  }));
  return {
    name: settings.name,
    image: formatImageRef(settings.image),
    port: settings.port,
    envs,
    firstEnv: envs[0]!,
    slack: settings.slackEnabled,
    values: valueRows(baseValues(settings)),
  };
}
