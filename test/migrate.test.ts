// `bluegreen migrate` on charts made by the real `helm create` of Helm 3 and of Helm 4 (their
// starters differ), after a person has made them their own: the chart becomes Blue/Green
// through workloadRef, keeps every value, comment and template of theirs, lints, renders and
// passes doctor; what cannot be migrated is refused, and nothing changes.
//
// A live app keeps its capacity through the sync that introduces the Rollout: while revision 1
// runs, Argo Rollouts scales the Deployment to the Rollout's replicas minus its ready pods, and
// to 0 once the Rollout is healthy (argo-rollouts rollout/replicaset.go reconcileNewReplicaSet);
// a Rollout without replicas runs one pod (rollout/controller.go). So in every render the
// Deployment keeps a count, the Rollout starts at that count, and neither is below what the
// Deployment can be running now; its pod template stays byte for byte.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { lintAndRenderAll, type RenderedRelease, valuesCombinations } from "./support/chart.js";
import { type CliResult, listFiles, makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import type { Manifest } from "./support/helm.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { byKind, one, validateManifest } from "./support/manifests.js";

const PERSONS_VALUES =
  "\n# Owned by the payments team: ask in #payments before changing anything below.\nteam: payments\n";

/** The Application a person deploys the chart with, beside it in argocd/ (values.yaml only). */
const PERSONS_APPLICATION = `# The web app, as the platform team deploys it.
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/platform.git
    targetRevision: main
    path: charts/web
  destination:
    server: https://kubernetes.default.svc
    namespace: web
  syncPolicy:
    automated:
      selfHeal: true # drift is put back
    syncOptions:
      - CreateNamespace=true
`;

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
    "README.md",
  ].sort();
const REWRITTEN = ["argocd/web.yaml", "templates/deployment.yaml", "templates/hpa.yaml", "values.yaml"];

const migrate = (chart: string, helm: string, ...args: string[]) =>
  runCli(["migrate", "--chart", chart, "--helm", helm, ...args], { env: { HELM_BIN: undefined } });

/** The pod template of a Deployment template, as written: from `  template:` to the end. */
const podTemplateText = (deployment: string) => deployment.slice(deployment.indexOf("\n  template:\n"));

/** What a rendered Deployment can be running: its replicas, or under an HPA anything up to its maximum. */
function running(manifests: Manifest[]): number {
  const deployment = one(manifests, "Deployment");
  if (typeof deployment.spec.replicas === "number") return deployment.spec.replicas;
  const hpa = byKind(manifests, "HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.kind === "Deployment");
  return hpa ? hpa.spec.maxReplicas : 1;
}

/**
 * The handover in one render: the Rollout runs the rendered Deployment through workloadRef and
 * starts at its count, which both keep, never below what ran (`ran`, where it ran before); an
 * HPA scales the Rollout; no rule is broken.
 */
function expectHandover(manifests: Manifest[], where: string, ran?: number): void {
  const deployment = one(manifests, "Deployment");
  const rollout = one(manifests, "Rollout");
  expect(rollout.spec.workloadRef, where).toEqual({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deployment.metadata.name,
    scaleDown: "progressively",
  });
  expect(rollout.spec, where).not.toHaveProperty("template");
  expect(typeof deployment.spec.replicas, where).toBe("number");
  expect(rollout.spec.replicas, where).toBe(deployment.spec.replicas);
  if (ran !== undefined) expect(rollout.spec.replicas, where).toBeGreaterThanOrEqual(ran);
  for (const hpa of byKind(manifests, "HorizontalPodAutoscaler")) {
    expect(hpa.spec.scaleTargetRef, where).toEqual({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      name: rollout.metadata.name,
    });
  }
  expect(
    checkRelease(manifests).filter((f) => f.severity === "error"),
    where,
  ).toEqual([]);
}

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
  /** What the Deployment runs with values.yaml before migrate. */
  let ran: number;

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
    mkdirSync(join(edited, "argocd"));
    writeFileSync(join(edited, "argocd", "web.yaml"), PERSONS_APPLICATION);
    before = snapshotTree(edited);
    ran = running(await helmTemplate(helm.bin, edited, [join(edited, "values.yaml")], [], { release: "web" }));

    chart = copyChart(edited);
    migrated = await migrate(chart, helm.bin);
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
      helmBinaries().flatMap((h) =>
        ["values.yaml", "values-prod.yaml", "values-sandbox.yaml"].map((label) => `${h.version}:${label}`),
      ),
    );
    // The pod template is left as it was, helm create's helm.sh/chart label included: a warning.
    for (const release of releases) {
      expect(
        checkRelease(release.manifests).map((f) => `${f.severity} ${f.rule}`),
        `helm ${release.helm.version}, ${release.label}`,
      ).toEqual(["warning chart-label-on-pods"]);
    }
  });

  it("hands the Deployment's pods over to one Rollout without a moment with fewer pods, leaving its pod template byte for byte", () => {
    expect(podTemplateText(readFileSync(join(chart, "templates", "deployment.yaml"), "utf8"))).toBe(
      podTemplateText(before.get("templates/deployment.yaml")!.toString("utf8")),
    );
    for (const { label, helm: h, manifests } of releases) {
      const context = `helm ${h.version}, ${label}`;
      expectHandover(manifests, context, label === "values.yaml" ? ran : undefined);
      const deployment = one(manifests, "Deployment");
      const rollout = one(manifests, "Rollout");
      expect(rollout.apiVersion, context).toBe("argoproj.io/v1alpha1");
      const podLabels = deployment.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(rollout.spec.selector.matchLabels))
        expect(podLabels[key], context).toBe(value);
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
        for (const [key, value] of Object.entries(service.spec.selector))
          expect(template.metadata.labels[key], context).toBe(value);
        expect(
          service.spec.ports.map((p: { port: number }) => p.port),
          context,
        ).toEqual([8080]);
        for (const port of service.spec.ports) {
          expect(
            template.spec.containers[0].ports.map((p: { name: string }) => p.name),
            context,
          ).toContain(port.targetPort);
        }
      }
      expect(services.find((s) => s.metadata.name === previewService)!.spec.type, context).toBe("ClusterIP");
      expect(one(manifests, "ConfigMap").data, context).toEqual({ team: "payments" });
    }
  });

  it("adds a preview Ingress (and, beside Helm 4's HTTPRoute, a preview HTTPRoute) next to the chart's own, to try green by URL", async () => {
    const set = ["ingress.enabled=true", "previewIngress.enabled=true", "previewIngress.host=preview.web.example.com"];
    if (helm.version >= 4)
      set.push(
        "httpRoute.enabled=true",
        "previewHTTPRoute.enabled=true",
        "previewHTTPRoute.hostname=preview.web.example.com",
      );
    const manifests = await helmTemplate(
      helm.bin,
      chart,
      [join(chart, "values.yaml")],
      set.flatMap((s) => ["--set", s]),
      { release: "web" },
    );
    expect(checkRelease(manifests).map((f) => f.rule)).toEqual(["chart-label-on-pods"]);
    for (const manifest of manifests)
      expect(validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).toEqual([]);
    const { activeService, previewService } = one(manifests, "Rollout").spec.strategy.blueGreen;
    const ingresses = byKind(manifests, "Ingress");
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([activeService, previewService].sort());
    const preview = ingresses.find((i) => i.metadata.name === previewService)!;
    expect(preview.spec.rules).toEqual([
      {
        host: "preview.web.example.com",
        http: {
          paths: [
            { path: "/", pathType: "Prefix", backend: { service: { name: previewService, port: { number: 8080 } } } },
          ],
        },
      },
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

  it("aims the HPA at the Rollout in prod, starting both at its maxReplicas, the most an HPA may be running", () => {
    for (const { label, helm: h, manifests } of releases) {
      const context = `helm ${h.version}, ${label}`;
      const rollout = one(manifests, "Rollout");
      const hpas = byKind(manifests, "HorizontalPodAutoscaler");
      if (label === "values-prod.yaml") {
        const hpa = one(hpas, "HorizontalPodAutoscaler");
        expect(hpa.spec.scaleTargetRef, context).toEqual({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: rollout.metadata.name,
        });
        expect(rollout.spec.replicas, context).toBe(hpa.spec.maxReplicas);
        expect(
          one(manifests, "Deployment").spec.template.spec.containers[0].resources.requests.cpu,
          context,
        ).toBeDefined();
      } else {
        expect(hpas, context).toEqual([]);
        expect(rollout.spec.replicas, context).toBe(label === "values.yaml" ? ran : 1);
      }
    }
    expect(migrated.stdout).toContain(
      "values-prod.yaml: autoscaling is on, so the Rollout starts at autoscaling.maxReplicas (10 pods)",
    );
  });

  it("tells the person's Application to leave the Deployment's count to Argo Rollouts, editing only that", () => {
    const application = readFileSync(join(chart, "argocd", "web.yaml"), "utf8");
    expect(application).toBe(
      PERSONS_APPLICATION.replace(
        "      - CreateNamespace=true\n",
        "      - CreateNamespace=true\n      - RespectIgnoreDifferences=true\n",
      ) +
        "  ignoreDifferences:\n    - group: apps\n      kind: Deployment\n      name: web\n      jsonPointers:\n        - /spec/replicas\n",
    );
    expect(validateManifest(YAML.parse(application))).toEqual([]);
    expect(migrated.stdout).toContain("  changed argocd/web.yaml\n");
  });

  it("adds a README that says what the first sync does, in order, and what to do after it", () => {
    const readme = readFileSync(join(chart, "README.md"), "utf8");
    expect(readme.startsWith("# web\n\n## Migrating a live app\n")).toBe(true);
    for (const heading of [
      "### Before the first sync",
      "### What the first sync does, in order",
      "### After the first release",
      "### If the first release fails",
    ]) {
      expect(readme).toContain(`\n${heading}\n`);
    }
    expect(readme).toContain("migrate added them to argocd/web.yaml.");
    expect(readme).toContain("kubectl scale deployment web -n <namespace> --replicas 0");
  });

  it("pins in prod the image the chart ran, so a new tag reaches prod only by promotion", async () => {
    const prod = YAML.parse(readFileSync(join(chart, "values-prod.yaml"), "utf8"));
    const appVersion = YAML.parse(readFileSync(join(chart, "Chart.yaml"), "utf8")).appVersion;
    expect(prod.image).toEqual({ repository: "nginx", tag: appVersion, digest: "" });
    for (const { label, manifests } of releases) {
      expect(one(manifests, "Deployment").spec.template.spec.containers[0].image, label).toBe(`nginx:${appVersion}`);
    }
  });

  it("passes doctor with no error", async () => {
    const result = await runCli(["doctor", "--chart", chart, "--helm", helm.bin, "--json"], {
      env: { HELM_BIN: undefined },
    });
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.findings.filter((f: { severity: string }) => f.severity === "error")).toEqual([]);
    expect(report.errors).toBe(0);
    expect(result.code).toBe(0);
  });

  it("refuses a second migrate, saying the chart is Blue/Green already, and changes no byte", async () => {
    const again = copyChart(chart);
    const snapshot = snapshotTree(again);
    const result = await migrate(again, helm.bin);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*Blue\/Green already[^\n]*\n$/);
    expect(result.stdout).toBe("");
    expect(snapshotTree(again)).toEqual(snapshot);
  });

  it("--dry-run prints the unified diff of every change, and changes no byte", async () => {
    const dry = copyChart(edited);
    const result = await migrate(dry, helm.bin, "--dry-run");
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
    const shown = lines
      .slice(start + 1, end)
      .filter((line) => line.startsWith("+"))
      .map((line) => line.slice(1));
    expect(`${shown.join("\n")}\n`).toBe(readFileSync(join(chart, "templates", "rollout.yaml"), "utf8"));
    expect(result.stdout).toContain("Dry run: nothing written.");
    expect(snapshotTree(dry)).toEqual(before);
  });

  it("refuses a chart with no Deployment and changes no byte", async () => {
    const noDeployment = copyChart(created);
    rmSync(join(noDeployment, "templates", "deployment.yaml"));
    const snapshot = snapshotTree(noDeployment);
    const result = await migrate(noDeployment, helm.bin);
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
    writeFileSync(join(chart, "Chart.yaml"), 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.4.2"\n');
    writeFileSync(
      join(chart, "values.yaml"),
      '# The web app.\nreplicaCount: 2\nimage:\n  repository: ghcr.io/acme/web\n  tag: "1.4.2"\n',
    );
    for (const [file, text] of Object.entries(templates)) writeFileSync(join(chart, "templates", file), text);
    return chart;
  }

  it("refuses a chart with only a ConfigMap, and changes no byte", async () => {
    const chart = handWritten({
      "configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  greeting: hello\n",
    });
    const snapshot = snapshotTree(chart);
    const result = await migrate(chart, helmBinaries()[0]!.bin);
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
    const result = await migrate(chart, helmBinaries()[0]!.bin);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*helper[^\n]*\n$/);
    expect(snapshotTree(chart)).toEqual(snapshot);
  });

  it("refuses a directory with no chart in it", async () => {
    const result = await migrate(join(makeTempDir(), "nowhere"), helmBinaries()[0]!.bin);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no chart found/);
  });
});

/** `helm create web` of the given Helm, in a fresh directory. */
async function helmCreate(bin: string): Promise<string> {
  const cwd = makeTempDir();
  const create = await runHelm(bin, ["create", "web"], { cwd });
  expect(create.code, create.stderr).toBe(0);
  return join(cwd, "web");
}

/** Every values combination of a chart on both Helms, rendered as release web. */
async function renderEverywhere(chart: string): Promise<{ where: string; label: string; manifests: Manifest[] }[]> {
  const renders = [];
  for (const helm of helmBinaries()) {
    for (const { label, files } of valuesCombinations(chart)) {
      renders.push({
        where: `helm ${helm.version}, ${label}`,
        label,
        manifests: await helmTemplate(helm.bin, chart, files, [], { release: "web" }),
      });
    }
  }
  return renders;
}

const edit = (chart: string, file: string, change: (text: string) => string) => {
  const path = join(chart, file);
  const before = readFileSync(path, "utf8");
  const after = change(before);
  expect(after, `${file} should change`).not.toBe(before);
  writeFileSync(path, after);
};

const PERSONS_README = "# web\n\nThe payments team's web app. Ask in #payments.\n";

/** A Service of the person's own that reads no values, beside `{}` values. */
const DEFAULTS_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
      name: http
  selector:
    {{- include "web.selectorLabels" . | nindent 4 }}
`;

/** A Deployment of the person's own that reads no values but its count, beside `{}` values. */
const DEFAULTS_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount | default 2 }}
  selector:
    matchLabels:
      {{- include "web.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "web.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: web
          image: "nginx:1.27.3"
          ports:
            - name: http
              containerPort: 80
          readinessProbe:
            httpGet: {path: /, port: http}
          livenessProbe:
            httpGet: {path: /, port: http}
          resources:
            requests: {cpu: 100m}
`;

interface Variant {
  title: string;
  /** Which of the two Helms migrate proves it with (the renders below use both). */
  helm: number;
  change: (chart: string) => void;
  /** What the Deployment runs with values.yaml before and after, in both. */
  replicas: number;
  /** The chart renders an HPA in prod. */
  prodHpa: boolean;
  check?: (chart: string, renders: { label: string; manifests: Manifest[] }[]) => void;
}

const VARIANTS: Variant[] = [
  {
    title: "its HPA deleted: prod gets a replica count, not autoscaling",
    helm: 0,
    change: (c) => rmSync(join(c, "templates", "hpa.yaml")),
    replicas: 1,
    prodHpa: false,
    check: (c, renders) => {
      expect(YAML.parse(readFileSync(join(c, "values-prod.yaml"), "utf8"))).not.toHaveProperty("autoscaling");
      for (const { label, manifests } of renders)
        if (label === "values-prod.yaml") expect(one(manifests, "Rollout").spec.replicas).toBe(2);
    },
  },
  {
    title: 'its Deployment named {{ include "web.fullname" . }}-server',
    helm: 1,
    change: (c) =>
      edit(c, "templates/deployment.yaml", (t) =>
        t.replace('  name: {{ include "web.fullname" . }}\n', '  name: {{ include "web.fullname" . }}-server\n'),
      ),
    replicas: 1,
    prodHpa: true,
    check: (c, renders) => {
      expect(readFileSync(join(c, "templates", "rollout.yaml"), "utf8")).toContain(
        '    name: {{ include "web.fullname" . }}-server\n',
      );
      for (const { manifests } of renders) expect(one(manifests, "Rollout").spec.workloadRef.name).toBe("web-server");
    },
  },
  {
    title: "values.yaml ending in a document end marker",
    helm: 0,
    change: (c) => edit(c, "values.yaml", (t) => `${t}...\n`),
    replicas: 1,
    prodHpa: true,
    check: (c) => {
      const values = readFileSync(join(c, "values.yaml"), "utf8");
      expect(values.endsWith("\n...\n")).toBe(true);
      expect(values.indexOf("blueGreen:")).toBeLessThan(values.indexOf("\n...\n"));
    },
  },
  {
    title: "replicaCount 3, and a README of the person's",
    helm: 1,
    change: (c) => {
      edit(c, "values.yaml", (t) => t.replace(/^replicaCount: 1$/m, "replicaCount: 3"));
      writeFileSync(join(c, "README.md"), PERSONS_README);
    },
    replicas: 3,
    prodHpa: true,
    check: (c) => {
      const readme = readFileSync(join(c, "README.md"), "utf8");
      expect(readme.startsWith(`${PERSONS_README}\n## Migrating a live app\n`)).toBe(true);
      expect(readme).toContain("Apply the changed Applications (`kubectl apply -f`) before you push the chart.");
    },
  },
  {
    title: "replicaCount 3 and autoscaling on in values.yaml: the Rollout starts at maxReplicas",
    helm: 0,
    change: (c) =>
      edit(c, "values.yaml", (t) =>
        t
          .replace(/^replicaCount: 1$/m, "replicaCount: 3")
          .replace(/^( {2}enabled: )false(\n {2}minReplicas:)/m, "$1true$2")
          .replace(/^resources: \{\}$/m, "resources:\n  requests:\n    cpu: 100m"),
      ),
    replicas: 100, // helm create's autoscaling.maxReplicas
    prodHpa: true,
    check: (_, renders) => {
      for (const { label, manifests } of renders) {
        if (label === "values.yaml") expect(one(manifests, "HorizontalPodAutoscaler").spec.maxReplicas).toBe(100);
      }
    },
  },
  {
    title: "values.yaml {} and a Deployment with defaults of its own",
    helm: 1,
    change: (c) => {
      for (const file of ["hpa.yaml", "ingress.yaml", "httproute.yaml", "serviceaccount.yaml", "NOTES.txt", "tests"])
        rmSync(join(c, "templates", file), { recursive: true, force: true });
      writeFileSync(join(c, "templates", "deployment.yaml"), DEFAULTS_DEPLOYMENT);
      writeFileSync(join(c, "templates", "service.yaml"), DEFAULTS_SERVICE);
      writeFileSync(join(c, "values.yaml"), "# Defaults live in the templates.\n{}\n");
    },
    replicas: 2,
    prodHpa: false,
    check: (c) =>
      expect(readFileSync(join(c, "values.yaml"), "utf8")).toMatch(
        /^# Defaults live in the templates\.\n# Blue\/Green release settings/,
      ),
  },
];

describe.each(VARIANTS.map((v) => [v.title, v] as const))("migrate on a helm create chart with %s", (_, variant) => {
  let original: string;
  let chart: string;
  let result: CliResult;
  let ran: number;
  let renders: { where: string; label: string; manifests: Manifest[] }[];

  beforeAll(async () => {
    const helm = helmBinaries()[variant.helm]!;
    original = copyChart(await helmCreate(helm.bin));
    variant.change(original);
    ran = running(await helmTemplate(helm.bin, original, [join(original, "values.yaml")], [], { release: "web" }));
    chart = copyChart(original);
    result = await migrate(chart, helm.bin);
    renders = result.code === 0 ? await renderEverywhere(chart) : [];
  });

  it("migrates, and every environment renders on Helm 3 and 4 with the Rollout taking over at the Deployment's count", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(ran).toBe(variant.replicas);
    expect(renders.map((r) => r.where)).toEqual(
      helmBinaries().flatMap((h) =>
        ["values.yaml", "values-prod.yaml", "values-sandbox.yaml"].map((l) => `helm ${h.version}, ${l}`),
      ),
    );
    for (const { where, label, manifests } of renders) {
      expectHandover(manifests, where, label === "values.yaml" ? ran : undefined);
      if (label === "values.yaml") expect(one(manifests, "Rollout").spec.replicas, where).toBe(variant.replicas);
      if (label === "values-prod.yaml")
        expect(byKind(manifests, "HorizontalPodAutoscaler").length, where).toBe(variant.prodHpa ? 1 : 0);
    }
    expect(podTemplateText(readFileSync(join(chart, "templates", "deployment.yaml"), "utf8"))).toBe(
      podTemplateText(readFileSync(join(original, "templates", "deployment.yaml"), "utf8")),
    );
    variant.check?.(chart, renders);
  });
});

describe("migrate refuses what it cannot prove, and changes no byte", () => {
  let created: string;
  beforeAll(async () => {
    created = await helmCreate(helmBinaries()[1]!.bin);
  });

  async function refused(
    change: (chart: string) => void,
    env: Record<string, string | undefined> = {},
    helm = helmBinaries()[0]!.bin,
  ): Promise<CliResult> {
    const chart = copyChart(created);
    change(chart);
    const snapshot = snapshotTree(chart);
    const result = await runCli(["migrate", "--chart", chart, ...(helm ? ["--helm", helm] : [])], {
      env: { HELM_BIN: undefined, ...env },
    });
    expect(result.stdout).toBe("");
    expect(snapshotTree(chart)).toEqual(snapshot);
    return result;
  }

  it("a values.yaml written as JSON, which Helm reads but which cannot hold commented block YAML", async () => {
    const result = await refused((c) => edit(c, "values.yaml", (t) => `${JSON.stringify(YAML.parse(t), null, 2)}\n`));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: values\.yaml is one \{flow\} mapping \(JSON\)[^\n]*\n$/);
  });

  it("a result that breaks a release rule: no readiness probe, so green would count as ready before it serves", async () => {
    const result = await refused((c) =>
      edit(c, "values.yaml", (t) => t.replace(/^readinessProbe:\n(?: {2}.*\n)+/m, "readinessProbe: {}\n")),
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toContain(
      "error: values.yaml: readiness-probe Rollout/web: container web has no readinessProbe: green counts as ready before it can serve",
    );
    expect(lines.at(-1)).toBe("error: migrate changed nothing: the migrated chart would break the rules above");
  });

  it("a README.md that is not UTF-8, which migrate would append its section to", async () => {
    const result = await refused((c) =>
      writeFileSync(join(c, "README.md"), Buffer.from("# web\n\nCaf\xe9 notes.\n", "latin1")),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: README\.md is not UTF-8 text \(line 3 has the byte 0xE9\)[^\n]*\n$/);
  });

  it("without a Helm to prove it with: a usage error", async () => {
    const result = await refused(() => {}, { PATH: dirname(process.execPath) }, "");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: no helm found on PATH: install Helm 3 or 4, or point --helm or HELM_BIN at one\n",
    );
  });
});
