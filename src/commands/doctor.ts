// `bluegreen doctor`: render the chart with real Helm for values.yaml and every environment,
// and report what would go wrong with Argo Rollouts and Argo CD: the release rules our own
// tests hold generated charts to (src/rules), and the rules about the chart's files.
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { type ApplicationFile, applicationHelmArgs, readApplications } from "../chart/argocd.js";
import { type ChartDir, findChart, readText, sortEnvs } from "../chart/find.js";
import { chartFlag } from "../chart/image-report.js";
import { envOfOverlay, namespaceFor } from "../chart/names.js";
import { appVersionOf, imageText, renderedImage, valuesOf } from "../chart/rendered-image.js";
import { applicationsDeploying, releaseNameOf } from "../chart/replica-drift.js";
import { DOCTOR_FLAGS, fieldNames, type OptionsOf } from "../flags.js";
import { type Helm, locateHelm, renderChartAsync } from "../helm.js";
import { doctorInput, NAMESPACE_MAX, parseInput } from "../input-schema.js";
import { err, isTerminal, out, print, printError } from "../output.js";
import { relativePath } from "../paths.js";
import { checkChartFiles } from "../rules/files.js";
import { checkRelease, type Finding } from "../rules/index.js";
import { redact } from "../rules/secrets.js";
import { parseOwnedYaml } from "../yaml-edit.js";

export type DoctorOptions = OptionsOf<typeof DOCTOR_FLAGS>;

export interface Report extends Finding {
  /** The values file(s) the finding shows up with; null for findings about the chart's files. */
  valuesFile: string | null;
}

/** One `helm template` run: values.yaml alone, or with one overlay. */
interface Combination {
  label: string;
  files: string[];
  namespace: string;
  /** The release name Argo CD deploys it under (the chart's name without an Application). */
  release: string;
  /** What the environment's Application in argocd/ adds (its helm.parameters), if any. */
  argocdArgs?: string[];
  /** The Applications in argocd/ that deploy it, for the rules about what Argo CD must leave alone. */
  applications?: ApplicationFile[];
}

/** A render still running after this long is named on a terminal, so nobody waits blind. */
const SLOW_RENDER_MS = 1_000;

export async function runDoctor(options: DoctorOptions): Promise<number> {
  const input = parseInput(
    doctorInput,
    { chart: options.chart, helm: options.helm, timeout: options.timeout },
    fieldNames(DOCTOR_FLAGS, doctorInput, {}, ["json"]) /* --json only chooses the output */,
  );
  const chart = await findChart(input.chart);
  const helm = locateHelm(input.helm);
  // Every values-*.yaml, whatever its name: an overlay the other commands would not create is
  // still one Argo CD may deploy.
  const envOf = (file: string) => file.replace(/^values-|\.ya?ml$/g, "");
  const overlays = (await readdir(chart.dir)).filter((file) => /^values-.+\.ya?ml$/.test(file));
  const ordered = sortEnvs(overlays.map(envOf)).map((env) => overlays.find((file) => envOf(file) === env)!);
  // The Applications in argocd/ that deploy each combination, for the rules about what Argo CD
  // must leave alone; with none in the chart, those rules say they cannot check.
  const applications = await readApplications(chart.dir);
  // Where an Application in argocd/ passes parameters, render that environment as Argo CD does.
  const argocd = applicationHelmArgs(applications);
  const combinations: Combination[] = [
    { label: "values.yaml", files: ["values.yaml"], namespace: chart.name },
    // Any values-*.yaml renders, also one whose name is no environment name: its namespace is
    // made one (at most 63 characters of lowercase letters, digits and '-').
    ...ordered.map((file) => ({
      label: file,
      files: ["values.yaml", file],
      namespace: namespaceFor(chart.name, envOf(file).replace(/[^a-z0-9-]/g, "-"))
        .slice(0, NAMESPACE_MAX)
        .replace(/-+$/, ""),
    })),
  ].map((combination) => {
    const apps = applicationsDeploying(applications, combination.label);
    // Rendered under the release name Argo CD uses, so names match what it deploys.
    const release = (apps?.length ? releaseNameOf(apps[0]) : undefined) ?? chart.name;
    return { ...combination, release, argocdArgs: argocd.get(combination.label), applications: apps };
  });

  // Renders run side by side (Helm is mostly CPU), as many at a time as there are CPUs.
  // On a terminal, a slow one is named; pipes, CI logs and --json get only the report.
  const say = !options.json && isTerminal(2) ? (line: string) => printError(`${err.dim(line)}\n`) : undefined;
  const renders = await mapConcurrently(combinations, Math.max(1, availableParallelism()), (combination) =>
    render(helm, chart, combination, input.timeout, say),
  );
  const fixes = new FixWriter(chart);
  const reports: Report[] = combinations.flatMap((combination, i) =>
    renders[i]!.findings.map((finding) => ({
      ...finding,
      fix: fixes.fixFor(finding, combination, renders[i]!.sources),
      valuesFile: combination.label,
    })),
  );
  for (const finding of checkChartFiles(chart.dir, { file: "values.yaml", data: chart.values.doc.toJS() as unknown }))
    reports.push({ ...finding, valuesFile: null });

  const errors = reports.filter((r) => r.severity === "error").length;
  const warnings = reports.length - errors;
  const images = await imagesOf(chart, combinations);
  if (options.json) {
    const report = {
      chart: chart.dir,
      helm: helm.version,
      valuesFiles: combinations.map((c) => c.label),
      images,
      errors,
      warnings,
      findings: reports,
    };
    print(`${redact(JSON.stringify(report, null, 2))}\n`);
  } else {
    print(
      redact(
        textReport(
          chart.name,
          helm.version,
          combinations.map((c) => c.label),
          reports,
          images,
        ),
      ),
    );
  }
  return errors > 0 ? 1 : 0;
}

/** `work` on every item, at most `limit` at a time; the results in the items' order. */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Rendered {
  findings: Finding[];
  /** The template that rendered each resource (`Kind/name` → templates/x.yaml), from Helm's `# Source:` lines. */
  sources: Map<string, string>;
}

/** Renders one values combination and checks it; a render that fails is a finding too. */
async function render(
  helm: Helm,
  chart: ChartDir,
  combination: Combination,
  timeoutSeconds: number,
  say?: (line: string) => void,
): Promise<Rendered> {
  const { label, files, namespace, release, argocdArgs, applications } = combination;
  const slow = say && setTimeout(() => say(`rendering ${label} with helm ${helm.version}…`), SLOW_RENDER_MS);
  const result = await renderChartAsync(helm.bin, chart.dir, release, files, namespace, {
    extraArgs: argocdArgs,
    timeoutSeconds,
  }).finally(() => clearTimeout(slow));
  if ("failed" in result) return { findings: [result.failed], sources: new Map() };
  return {
    findings: checkRelease(result.manifests, { renderer: argocdArgs ? "argocd" : "helm", applications }),
    sources: result.sources,
  };
}

/** Rules whose fix is an edit of the template that renders the resource they name. */
const TEMPLATE_FIXES = new Set([
  "active-equals-preview",
  "analysis-args",
  "analysis-template-missing",
  "auto-promotion-implicit",
  "bluegreen-strategy",
  "chart-label-on-pods",
  "deployment-beside-rollout",
  "hook-curl-fail",
  "hook-deadline",
  "hook-lifecycle",
  "hook-pods-selected",
  "hook-security",
  "hook-under-helm",
  "hpa-target",
  "revision-limits",
  "scale-down-delay",
  "schema",
  "selector-mismatch",
  "service-missing",
  "target-port-missing",
  "version-label",
  "webhook-in-manifest",
  "workload-ref-missing",
  "workload-ref-replicas",
  "workload-ref-scale-down",
]);

/**
 * Fixes that name the file or command that fixes a finding in the values file it shows up with:
 * an environment whose overlay sets its own image is fixed with `bump-image --env`, a value an
 * overlay overrides is fixed in that overlay.
 */
class FixWriter {
  private readonly files = new Map<string, ReturnType<typeof parseDocument> | undefined>();
  private readonly chartFlag: string;

  constructor(private readonly chart: ChartDir) {
    this.chartFlag = chartFlag(chart.dir);
  }

  fixFor(finding: Finding, { label, files }: Combination, sources: Map<string, string>): string {
    const overlay = files.length > 1 ? files.at(-1)! : undefined;
    if (finding.rule === "image-unpinned" && finding.message.startsWith("container ")) {
      const env = overlay && this.sets(overlay, ["image"]) ? envOfOverlay(overlay) : undefined;
      if (overlay && this.sets(overlay, ["image"]) && env === undefined)
        return `set image.tag in ${this.shown(label)} to a version`;
      return `set a version tag: bluegreen bump-image <tag>${env ? ` --env ${env}` : ""}${this.chartFlag}`;
    }
    if (finding.rule === "scale-down-delay" && /under 30/.test(finding.message)) {
      const file = this.fileSetting(["blueGreen", "scaleDownDelaySeconds"], overlay);
      if (file)
        return `set blueGreen.scaleDownDelaySeconds to 30 or more in ${this.shown(file)}: nodes may still send traffic to blue for a while after the switch`;
    }
    if (finding.rule === "preview-load-balancer") {
      const file = this.fileSetting(["previewService", "type"], overlay);
      if (file)
        return `set previewService.type: ClusterIP in ${this.shown(file)}, and reach green with kubectl port-forward`;
    }
    // A fix that is an edit of the template: name the template that renders the resource.
    const template = sources.get(finding.resource);
    const namesAFile = /\.ya?ml\b/.test(finding.fix);
    return template && TEMPLATE_FIXES.has(finding.rule) && !namesAFile
      ? `${finding.fix}, in ${this.shown(template)}`
      : finding.fix;
  }

  /** The file whose value Helm uses for a key: the overlay if it sets it, else values.yaml if it does. */
  private fileSetting(key: string[], overlay: string | undefined): string | undefined {
    if (overlay && this.sets(overlay, key)) return overlay;
    return this.sets("values.yaml", key) ? "values.yaml" : undefined;
  }

  private sets(file: string, key: string[]): boolean {
    if (!this.files.has(file)) {
      let doc: ReturnType<typeof parseDocument> | undefined;
      try {
        doc = parseDocument(readFileSync(path.join(this.chart.dir, file), "utf8"), { version: "1.1" });
        if (doc.errors.length > 0) doc = undefined;
      } catch {
        doc = undefined; // Helm reports a values file it cannot read; the fix stays general.
      }
      this.files.set(file, doc);
    }
    return this.files.get(file)?.hasIn(key) === true;
  }

  private shown(file: string): string {
    return relativePath(path.join(this.chart.dir, file));
  }
}

/**
 * The image each values combination renders, decided as history and rollback decide it
 * (src/chart/rendered-image.ts); null where it renders none or an overlay does not parse.
 */
async function imagesOf(chart: ChartDir, combinations: { label: string; files: string[] }[]) {
  const values = valuesOf(chart.values);
  const appVersion = appVersionOf(chart.chartYaml);
  return Promise.all(
    combinations.map(async ({ label, files }) => {
      const overlayFile = files[1];
      let overlay: ReturnType<typeof valuesOf> | undefined;
      try {
        overlay =
          overlayFile === undefined
            ? undefined
            : valuesOf(
                parseOwnedYaml(
                  overlayFile,
                  await readText(path.join(chart.dir, overlayFile), `${overlayFile} disappeared`),
                ),
              );
      } catch {
        return { valuesFile: label, image: null };
      }
      return { valuesFile: label, image: imageText(renderedImage(values, overlay, appVersion)) ?? null };
    }),
  );
}

function textReport(
  name: string,
  helm: string,
  valuesFiles: string[],
  reports: Report[],
  images: { valuesFile: string; image: string | null }[],
): string {
  const lines = [out.bold(`bluegreen doctor: ${name}, rendered by helm ${helm} with ${valuesFiles.join(", ")}`), ""];
  // What each environment runs, as history and rollback see it.
  const width = Math.max(...images.map((i) => i.valuesFile.length));
  for (const { valuesFile, image } of images)
    lines.push(`  ${valuesFile.padEnd(width)}  runs ${image ?? "no image (its image keys render none)"}`);
  lines.push("");
  // The same finding (and fix) for several values files is shown once, naming them all.
  const grouped = new Map<string, { report: Report; files: string[] }>();
  for (const report of reports) {
    const key = [report.rule, report.severity, report.resource, report.message, report.fix].join("\u0000");
    const entry = grouped.get(key) ?? { report, files: [] };
    if (report.valuesFile) entry.files.push(report.valuesFile);
    grouped.set(key, entry);
  }
  const ordered = [...grouped.values()].sort((a, b) =>
    a.report.severity === b.report.severity ? 0 : a.report.severity === "error" ? -1 : 1,
  );
  for (const { report, files } of ordered) {
    const mark = report.severity === "error" ? out.red("error  ") : out.yellow("warning");
    lines.push(
      `${mark} ${out.bold(report.rule)}  ${report.resource}${files.length > 0 ? `  (${files.join(", ")})` : ""}`,
    );
    lines.push(`        ${report.message}`, `        fix: ${report.fix}`, "");
  }
  const errors = reports.filter((r) => r.severity === "error").length;
  const warnings = reports.length - errors;
  const groupedErrors = ordered.filter((g) => g.report.severity === "error").length;
  lines.push(
    errors === 0
      ? out.green(
          `No errors${warnings > 0 ? `, ${ordered.length - groupedErrors} warning${ordered.length - groupedErrors === 1 ? "" : "s"}` : ""}: the chart holds every Blue/Green rule bluegreen checks.`,
        )
      : out.red(
          `${groupedErrors} error${groupedErrors === 1 ? "" : "s"}, ${ordered.length - groupedErrors} warning${ordered.length - groupedErrors === 1 ? "" : "s"}.`,
        ),
    "",
  );
  return lines.join("\n");
}
