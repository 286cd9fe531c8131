// `bluegreen doctor`: render the chart with real Helm for values.yaml and every environment,
// and report what would go wrong with Argo Rollouts and Argo CD: the release rules our own
// tests hold generated charts to (src/rules), and the rules about the chart's files.
import { readdir } from "node:fs/promises";
import { applicationHelmArgs, readApplications, type ApplicationFile } from "../chart/argocd.js";
import { findChart, sortEnvs } from "../chart/find.js";
import { applicationsDeploying, releaseNameOf } from "../chart/replica-drift.js";
import { locateHelm, renderChart } from "../helm.js";
import { out } from "../output.js";
import { checkChartFiles } from "../rules/files.js";
import { checkRelease, type Finding } from "../rules/index.js";
import { redact } from "../rules/secrets.js";
import { doctorInput, parseInput } from "../schema.js";

export interface DoctorOptions {
  chart?: string;
  json?: boolean;
  helm?: string;
}

export interface Report extends Finding {
  /** The values file(s) the finding shows up with; null for findings about the chart's files. */
  valuesFile: string | null;
}

export async function runDoctor(options: DoctorOptions): Promise<number> {
  const input = parseInput(doctorInput, { chart: options.chart, helm: options.helm }, { chart: "--chart", helm: "--helm" });
  const chart = await findChart(input.chart);
  const helm = locateHelm(input.helm);
  // Every values-*.yaml, whatever its name: an overlay the other commands would not create is
  // still one Argo CD may deploy.
  const envOf = (file: string) => file.replace(/^values-|\.ya?ml$/g, "");
  const overlays = (await readdir(chart.dir)).filter((file) => /^values-.+\.ya?ml$/.test(file));
  const ordered = sortEnvs(overlays.map(envOf)).map((env) => overlays.find((file) => envOf(file) === env)!);
  const combinations = [
    { label: "values.yaml", files: ["values.yaml"], namespace: chart.name },
    ...ordered.map((file) => ({ label: file, files: ["values.yaml", file], namespace: `${chart.name}-${file.replace(/^values-|\.ya?ml$/g, "").replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "") })),
  ];
  // Where an Application in argocd/ passes parameters, render that environment as Argo CD does.
  const argocd = await applicationHelmArgs(chart.dir);
  // The Applications in argocd/ that deploy each combination, for the rules about what Argo CD
  // must leave alone; with none in the chart, those rules say they cannot check.
  const applications = await readApplications(chart.dir);
  const reports: Report[] = [];
  for (const { label, files, namespace } of combinations) {
    const apps = applicationsDeploying(applications, label);
    // Rendered under the release name Argo CD uses, so names match what it deploys.
    const release = (apps?.length ? releaseNameOf(apps[0]!.app) : undefined) ?? chart.name;
    for (const finding of render(helm.bin, chart.dir, release, files, namespace, argocd.get(label), apps)) reports.push({ ...finding, valuesFile: label });
  }
  for (const finding of checkChartFiles(chart.dir, chart.values.doc.toJS())) reports.push({ ...finding, valuesFile: null });

  const errors = reports.filter((r) => r.severity === "error").length;
  const warnings = reports.length - errors;
  if (options.json) {
    const report = { chart: chart.dir, helm: helm.version, valuesFiles: combinations.map((c) => c.label), errors, warnings, findings: reports };
    process.stdout.write(`${redact(JSON.stringify(report, null, 2))}\n`);
  } else {
    process.stdout.write(redact(textReport(chart.name, helm.version, combinations.map((c) => c.label), reports)));
  }
  return errors > 0 ? 1 : 0;
}

/** Renders one values combination and checks it; a render that fails is a finding too. */
function render(helm: string, dir: string, release: string, files: string[], namespace: string, argocdArgs?: string[], applications?: ApplicationFile[]): Finding[] {
  const result = renderChart(helm, dir, release, files, namespace, argocdArgs);
  return "failed" in result ? [result.failed] : checkRelease(result.manifests, { renderer: argocdArgs ? "argocd" : "helm", applications });
}

function textReport(name: string, helm: string, valuesFiles: string[], reports: Report[]): string {
  const lines = [out.bold(`bluegreen doctor: ${name}, rendered by helm ${helm} with ${valuesFiles.join(", ")}`), ""];
  // The same finding for several values files is shown once, naming them all.
  const grouped = new Map<string, { report: Report; files: string[] }>();
  for (const report of reports) {
    const key = [report.rule, report.severity, report.resource, report.message].join("\u0000");
    const entry = grouped.get(key) ?? { report, files: [] };
    if (report.valuesFile) entry.files.push(report.valuesFile);
    grouped.set(key, entry);
  }
  const ordered = [...grouped.values()].sort((a, b) => (a.report.severity === b.report.severity ? 0 : a.report.severity === "error" ? -1 : 1));
  for (const { report, files } of ordered) {
    const mark = report.severity === "error" ? out.red("error  ") : out.yellow("warning");
    lines.push(`${mark} ${out.bold(report.rule)}  ${report.resource}${files.length > 0 ? `  (${files.join(", ")})` : ""}`);
    lines.push(`        ${report.message}`, `        fix: ${report.fix}`, "");
  }
  const errors = reports.filter((r) => r.severity === "error").length;
  const warnings = reports.length - errors;
  const groupedErrors = ordered.filter((g) => g.report.severity === "error").length;
  lines.push(
    errors === 0
      ? out.green(`No errors${warnings > 0 ? `, ${ordered.length - groupedErrors} warning${ordered.length - groupedErrors === 1 ? "" : "s"}` : ""}: the chart holds every Blue/Green rule bluegreen checks.`)
      : out.red(`${groupedErrors} error${groupedErrors === 1 ? "" : "s"}, ${ordered.length - groupedErrors} warning${ordered.length - groupedErrors === 1 ? "" : "s"}.`),
    "",
  );
  return lines.join("\n");
}
