// `bluegreen migrate` on charts made by the real `helm create` of Helm 3 and of Helm 4 (their
// starters differ), after a person has made them their own: the chart becomes Blue/Green
// through workloadRef, keeps every value, comment and template of theirs, lints, renders and
// passes doctor; what cannot be migrated is refused, and nothing changes.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkRelease } from "../src/rules/index.js";
import { lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { listFiles, makeTempDir, runCli, snapshotTree, type CliResult } from "./support/cli.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { byKind, one, validateManifest } from "./support/manifests.js";

const PERSONS_VALUES = "\n# Owned by the payments team: ask in #payments before changing anything below.\nteam: payments\n";

const PERSONS_TEMPLATE = `# The team's own settings, rendered beside the app.
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "web.fullname" . }}-settings
  labels:
    {{- include "web.labels" . | nindent 4 }}
data:
  team: {{ .Values.team | quote }}
`;

/**
 * What migrate adds; every other file of the person's stays as it was, but these and values.yaml.
 * Beside helm create's Ingress (Helm 3 and 4) and HTTPRoute (Helm 4), one to the preview Service.
 */
const addedBy = (helmVersion: number) =>
  [
    "templates/_bluegreen.tpl",
    "templates/bluegreen-hooks.yaml",
    "templates/preview-ingress.yaml",
    ...(helmVersion >= 4 ? ["templates/preview-httproute.yaml"] : []),
    "templates/preview-service.yaml",
    "templates/rollout.yaml",
    "values-prod.yaml",
    "values-sandbox.yaml",
  ];
const REWRITTEN = ["templates/deployment.yaml", "templates/hpa.yaml", "values.yaml"];

const migrate = (chart: string, ...args: string[]) => runCli(["migrate", "--chart", chart, ...args]);

/** A copy of `source` in a fresh temporary directory, under the chart's own name. */
function copyChart(source: string): string {
  const chart = join(makeTempDir(), "web");
  cpSync(source, chart, { recursive: true });
  return chart;
}

describe.each(helmBinaries())("migrate on a chart made by helm create of Helm $version", (helm) => {
  const ADDED = addedBy(helm.version);
  /** `helm create web`, untouched. */
  let created: string;
  /** `helm create web` plus a person's edits, before migrate. */
  let edited: string;
  let before: Map<string, Buffer>;
  let chart: string;
  let migrated: CliResult;
  let releases: RenderedRelease[];

  beforeAll(async () => {
    const cwd = makeTempDir();
    const create = await runHelm(helm.bin, ["create", "web"], { cwd });
    expect(create.code, create.stderr).toBe(0);
    created = join(cwd, "web");

    edited = copyChart(created);
    const values = readFileSync(join(edited, "values.yaml"), "utf8");
    expect(values.match(/^ {2}port: 80$/gm)).toHaveLength(1);
    writeFileSync(join(edited, "values.yaml"), values.replace(/^ {2}port: 80$/m, "  port: 8080") + PERSONS_VALUES);
    writeFileSync(join(edited, "templates", "configmap.yaml"), PERSONS_TEMPLATE);
    before = snapshotTree(edited);

    chart = copyChart(edited);
    migrated = await migrate(chart);
    releases = migrated.code === 0 ? await lintAndRenderAll(chart, "web") : [];
  });

  it("migrates cleanly and points at doctor", () => {
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain("Migrated web to Blue/Green releases");
    expect(migrated.stdout).toContain("bluegreen doctor --chart");
    expect(migrated.stdout).toContain("the Application must not use ServerSideApply=true");
  });

  it("keeps the person's values and comments, in order, and every other file of theirs byte for byte", () => {
    const values = readFileSync(join(chart, "values.yaml"), "utf8");
    expect(values.startsWith(before.get("values.yaml")!.toString("utf8"))).toBe(true);
    expect(values).toContain("  port: 8080\n");
    expect(listFiles(chart)).toEqual([...before.keys(), ...ADDED].sort());
    for (const [file, content] of before) {
      if (REWRITTEN.includes(file)) continue;
      expect(readFileSync(join(chart, file)).equals(content), `${file} changed`).toBe(true);
    }
    expect(readFileSync(join(chart, "templates", "configmap.yaml"), "utf8")).toBe(PERSONS_TEMPLATE);
  });

  it("lints with --strict and renders schema-valid manifests on Helm 3 and 4, for values.yaml and each new overlay", () => {
    expect(releases.map((r) => `${r.helm.version}:${r.label}`)).toEqual(
      helmBinaries().flatMap((h) => ["values.yaml", "values-prod.yaml", "values-sandbox.yaml"].map((label) => `${h.version}:${label}`)),
    );
    for (const release of releases) expect(checkRelease(release.manifests), `helm ${release.helm.version}, ${release.label}`).toEqual([]);
  });

  it("runs the Deployment's pods through one Rollout's workloadRef, which scales the Deployment down progressively", () => {
    for (const { label, helm: h, manifests } of releases) {
      const context = `helm ${h.version}, ${label}`;
      const deployment = one(manifests, "Deployment");
      const rollout = one(manifests, "Rollout");
      expect(rollout.apiVersion, context).toBe("argoproj.io/v1alpha1");
      expect(rollout.spec.workloadRef, context).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name, scaleDown: "progressively" });
      expect(rollout.spec, context).not.toHaveProperty("template");
      expect(deployment.spec, context).not.toHaveProperty("replicas");
      const podLabels = deployment.spec.template.metadata.labels;
      expect(podLabels, context).not.toHaveProperty("helm.sh/chart");
      for (const [key, value] of Object.entries(rollout.spec.selector.matchLabels)) expect(podLabels[key], context).toBe(value);
      expect(rollout.spec.strategy.blueGreen.scaleDownDelaySeconds, context).toBeGreaterThanOrEqual(30);
      expect(typeof rollout.spec.strategy.blueGreen.autoPromotionEnabled, context).toBe("boolean");
    }
  });

  it("has an active and a ClusterIP preview Service, both selecting the Deployment's pods on a port its container declares", () => {
    for (const { label, helm: h, manifests } of releases) {
      const context = `helm ${h.version}, ${label}`;
      const template = one(manifests, "Deployment").spec.template;
      const { activeService, previewService } = one(manifests, "Rollout").spec.strategy.blueGreen;
      expect(activeService, context).not.toBe(previewService);
      const services = byKind(manifests, "Service");
      expect(services.map((s) => s.metadata.name).sort(), context).toEqual([activeService, previewService].sort());
      for (const service of services) {
        expect(Object.keys(service.spec.selector).length, context).toBeGreaterThan(0);
        for (const [key, value] of Object.entries(service.spec.selector)) expect(template.metadata.labels[key], context).toBe(value);
        expect(service.spec.ports.map((p: { port: number }) => p.port), context).toEqual([8080]);
        for (const port of service.spec.ports) {
          expect(template.spec.containers[0].ports.map((p: { name: string }) => p.name), context).toContain(port.targetPort);
        }
      }
      expect(services.find((s) => s.metadata.name === previewService)!.spec.type, context).toBe("ClusterIP");
      expect(one(manifests, "ConfigMap").data, context).toEqual({ team: "payments" });
    }
  });

  it("adds a preview Ingress (and, beside Helm 4's HTTPRoute, a preview HTTPRoute) next to the chart's own, to try green by URL", async () => {
    const set = ["ingress.enabled=true", "previewIngress.enabled=true", "previewIngress.host=preview.web.example.com"];
    if (helm.version >= 4) set.push("httpRoute.enabled=true", "previewHTTPRoute.enabled=true", "previewHTTPRoute.hostname=preview.web.example.com");
    const manifests = await helmTemplate(helm.bin, chart, [join(chart, "values.yaml")], set.flatMap((s) => ["--set", s]), { release: "web" });
    expect(checkRelease(manifests)).toEqual([]);
    for (const manifest of manifests) expect(validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).toEqual([]);
    const { activeService, previewService } = one(manifests, "Rollout").spec.strategy.blueGreen;
    const ingresses = byKind(manifests, "Ingress");
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([activeService, previewService].sort());
    const preview = ingresses.find((i) => i.metadata.name === previewService)!;
    expect(preview.spec.rules).toEqual([
      { host: "preview.web.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: previewService, port: { number: 8080 } } } }] } },
    ]);
    const routes = byKind(manifests, "HTTPRoute");
    if (helm.version >= 4) {
      const route = routes.find((r) => r.metadata.name === previewService)!;
      expect(route.spec.hostnames).toEqual(["preview.web.example.com"]);
      expect(route.spec.rules).toEqual([{ backendRefs: [{ name: previewService, port: 8080 }] }]);
      expect(route.spec.parentRefs).toEqual(routes.find((r) => r.metadata.name === activeService)!.spec.parentRefs);
    } else {
      expect(routes).toEqual([]);
    }
  });

  it("aims the HPA at the Rollout in prod and leaves it the replica count there", () => {
    for (const { label, helm: h, manifests } of releases) {
      const context = `helm ${h.version}, ${label}`;
      const rollout = one(manifests, "Rollout");
      const hpas = byKind(manifests, "HorizontalPodAutoscaler");
      if (label === "values-prod.yaml") {
        expect(one(hpas, "HorizontalPodAutoscaler").spec.scaleTargetRef, context).toEqual({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: rollout.metadata.name });
        expect(rollout.spec, context).not.toHaveProperty("replicas");
        expect(one(manifests, "Deployment").spec.template.spec.containers[0].resources.requests.cpu, context).toBeDefined();
      } else {
        expect(hpas, context).toEqual([]);
        expect(rollout.spec.replicas, context).toBeGreaterThan(0);
      }
    }
  });

  it("passes doctor with no error", async () => {
    const result = await runCli(["doctor", "--chart", chart, "--helm", helm.bin, "--json"]);
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.findings.filter((f: { severity: string }) => f.severity === "error")).toEqual([]);
    expect(report.errors).toBe(0);
    expect(result.code).toBe(0);
  });

  it("refuses a second migrate, saying the chart is Blue/Green already, and changes no byte", async () => {
    const again = copyChart(chart);
    const snapshot = snapshotTree(again);
    const result = await migrate(again);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*Blue\/Green already[^\n]*\n$/);
    expect(result.stdout).toBe("");
    expect(snapshotTree(again)).toEqual(snapshot);
  });

  it("--dry-run prints the unified diff of every change, and changes no byte", async () => {
    const dry = copyChart(edited);
    const result = await migrate(dry, "--dry-run");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    for (const file of REWRITTEN) {
      const at = lines.indexOf(`--- a/${file}`);
      expect(at, `diff of ${file}`).toBeGreaterThanOrEqual(0);
      expect(lines[at + 1]).toBe(`+++ b/${file}`);
    }
    for (const file of ADDED) {
      const at = lines.indexOf(`+++ b/${file}`);
      expect(at, `diff of ${file}`).toBeGreaterThan(0);
      expect(lines[at - 1]).toBe("--- /dev/null");
    }
    expect(lines).toContain("-  replicas: {{ .Values.replicaCount }}");
    expect(lines).toContain("-    kind: Deployment");
    expect(lines).toContain("+    kind: Rollout");
    // The new Rollout template, as the diff shows it, is what migrate then writes.
    const start = lines.indexOf("+++ b/templates/rollout.yaml");
    const end = lines.findIndex((line, i) => i > start && line.startsWith("--- "));
    const shown = lines.slice(start + 1, end).filter((line) => line.startsWith("+")).map((line) => line.slice(1));
    expect(`${shown.join("\n")}\n`).toBe(readFileSync(join(chart, "templates", "rollout.yaml"), "utf8"));
    expect(result.stdout).toContain("Dry run: nothing written.");
    expect(snapshotTree(dry)).toEqual(before);
  });

  it("refuses a chart with no Deployment and changes no byte", async () => {
    const noDeployment = copyChart(created);
    rmSync(join(noDeployment, "templates", "deployment.yaml"));
    const snapshot = snapshotTree(noDeployment);
    const result = await migrate(noDeployment);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no template renders a Deployment[^\n]*\n$/);
    expect(snapshotTree(noDeployment)).toEqual(snapshot);
  });
});

describe("migrate refuses charts it cannot build on", () => {
  /** A chart of the person's own: Chart.yaml, values.yaml and the given templates. */
  function handWritten(templates: Record<string, string>): string {
    const chart = join(makeTempDir(), "web");
    mkdirSync(join(chart, "templates"), { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.4.2\"\n");
    writeFileSync(join(chart, "values.yaml"), "# The web app.\nreplicaCount: 2\nimage:\n  repository: ghcr.io/acme/web\n  tag: \"1.4.2\"\n");
    for (const [file, text] of Object.entries(templates)) writeFileSync(join(chart, "templates", file), text);
    return chart;
  }

  it("refuses a chart with only a ConfigMap, and changes no byte", async () => {
    const chart = handWritten({ "configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  greeting: hello\n" });
    const snapshot = snapshotTree(chart);
    const result = await migrate(chart);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no template renders a Deployment[^\n]*\n$/);
    expect(snapshotTree(chart)).toEqual(snapshot);
  });

  it("refuses a Deployment chart whose templates lack the helm create helpers, and changes no byte", async () => {
    const chart = handWritten({
      "deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`,
    });
    const snapshot = snapshotTree(chart);
    const result = await migrate(chart);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*helper[^\n]*\n$/);
    expect(snapshotTree(chart)).toEqual(snapshot);
  });

  it("refuses a directory with no chart in it", async () => {
    const result = await migrate(join(makeTempDir(), "nowhere"));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no chart found/);
  });
});
