// `bluegreen doctor` on real charts, rendered by real Helm 3 and Helm 4: every chart init writes
// passes; each mistake a person makes by hand is caught, one at a time, with its rule id,
// severity, resource, values file and fix; no secret is ever printed; the exit status is §5.3's.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readApplications } from "../src/chart/argocd.js";
import { applicationsDeploying } from "../src/chart/replica-drift.js";
import { checkRelease } from "../src/rules/index.js";
import { initChart, valuesCombinations } from "./support/chart.js";
import { type CliResult, cliEnv, makeTempDir, REPO_ROOT, runCli } from "./support/cli.js";
import { itNeeds } from "./support/facilities.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { runProcess } from "./support/process.js";
import { startInTerminal } from "./support/terminal.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const IMAGE = "ghcr.io/acme/shop:1.4.2";
const REPO = "git@github.com:acme/platform.git";
const LONG_NAME = "payments-gateway-reconciliation-service-api"; // 43 characters

type Severity = "error" | "warning";

interface Finding {
  rule: string;
  severity: Severity;
  resource: string;
  message: string;
  fix: string;
  valuesFile: string | null;
}

interface Report {
  chart: string;
  helm: string;
  valuesFiles: string[];
  images: { valuesFile: string; image: string | null }[];
  errors: number;
  warnings: number;
  findings: Finding[];
}

function doctor(
  chart: string,
  helm: string | undefined,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return runCli(["doctor", "--chart", chart, ...(helm ? ["--helm", helm] : []), ...args], {
    env: { HELM_BIN: undefined, ...env },
  });
}

function parseReport(result: CliResult): Report {
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as Report;
}

/** A hand edit: `search` must be in the file (or the case would prove nothing); its first match is replaced. */
function edit(chart: string, file: string, search: string | RegExp, replacement: string): void {
  const path = join(chart, file);
  const text = readFileSync(path, "utf8");
  expect(text, `${file} should contain ${String(search)}`).toMatch(
    typeof search === "string" ? new RegExp(escapeRegExp(search)) : search,
  );
  writeFileSync(path, text.replace(search, replacement));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The chart init writes with an image alone, and with a Slack webhook and Argo CD Applications too. */
const PLAIN = ["--image", IMAGE];
const FULL = ["--image", IMAGE, "--slack-webhook", WEBHOOK, "--repo-url", REPO, "--repo-path", "shop"];

/** One init per set of arguments for the whole file; every test gets its own copy, <tmp>/shop. */
const inits = new Map<string, Promise<string>>();
async function initCopy(args: string[]): Promise<string> {
  const key = JSON.stringify(args);
  if (!inits.has(key)) inits.set(key, initChart(args, "shop"));
  const chart = join(makeTempDir(), "shop");
  cpSync(await inits.get(key)!, chart, { recursive: true });
  return chart;
}

const INIT_SHAPES = [
  { title: "the default chart", name: "shop", args: [], envs: ["sandbox", "prod"] },
  {
    title: "a chart with a Slack webhook",
    name: "shop",
    args: ["--slack-webhook", WEBHOOK],
    envs: ["sandbox", "prod"],
  },
  {
    title: "a chart with Argo Rollouts notifications",
    name: "shop",
    args: ["--slack-webhook", WEBHOOK, "--rollout-notifications"],
    envs: ["sandbox", "prod"],
  },
  {
    title: "three environments wired to Argo CD",
    name: "shop",
    args: ["--envs", "dev,staging,production", "--repo-url", REPO, "--repo-path", "shop"],
    envs: ["dev", "staging", "production"],
  },
  { title: `a ${LONG_NAME.length}-character name`, name: LONG_NAME, args: [], envs: ["sandbox", "prod"] },
];

// The default chart on both Helms (the report names the version); every other shape on one,
// by turns: what differs between them is the chart, which both Helms render alike.
const shapeHelms = (index: number) => (index === 0 ? helmBinaries() : [helmBinaries()[index % helmBinaries().length]!]);

describe.each(INIT_SHAPES.map((shape, index) => [shape.title, shape, index] as const))(
  "doctor on %s that init writes",
  (_, { name, args, envs }, index) => {
    let chart: string;
    const valuesFiles = ["values.yaml", ...envs.map((env) => `values-${env}.yaml`)];

    beforeAll(async () => {
      chart = await initChart(["--image", IMAGE, ...args], name);
    });

    // Without Applications in argocd/, doctor cannot see whether Argo CD leaves the HPA's count
    // alone in production, and says so; with them, it finds nothing at all.
    const unchecked = args.includes("--repo-url")
      ? []
      : [
          {
            rule: "replicas-drift-unchecked",
            severity: "warning",
            resource: `Rollout/${name}`,
            valuesFile: "values-prod.yaml",
          },
        ];

    it.each(shapeHelms(index))(
      "finds nothing but what it cannot check without the Applications, with Helm $version",
      async ({ bin, versionString }) => {
        const [text, json] = await Promise.all([doctor(chart, bin), doctor(chart, bin, ["--json"])]);
        expect(text.stderr).toBe("");
        expect(text.code).toBe(0);
        expect(text.stdout).toContain(
          `bluegreen doctor: ${name}, rendered by helm ${versionString} with ${valuesFiles.join(", ")}\n`,
        );
        expect(text.stdout).toContain(
          `No errors${unchecked.length > 0 ? ", 1 warning" : ""}: the chart holds every Blue/Green rule bluegreen checks.`,
        );
        expect(text.stdout).not.toMatch(/^error\b/m);
        expect(text.stdout.match(/^warning\b.*$/gm) ?? []).toEqual(
          unchecked.map((f) => `warning ${f.rule}  ${f.resource}  (${f.valuesFile})`),
        );

        expect(json.code).toBe(0);
        // What each environment runs, as history and rollback see it: prod pins the image it started with.
        const images = valuesFiles.map((valuesFile) => ({ valuesFile, image: IMAGE }));
        const report = parseReport(json);
        expect(report).toEqual({
          chart,
          helm: versionString,
          valuesFiles,
          images,
          errors: 0,
          warnings: unchecked.length,
          findings: unchecked.map((f) => expect.objectContaining(f)),
        });
        for (const file of valuesFiles)
          expect(text.stdout).toMatch(new RegExp(`^  ${escapeRegExp(file)} +runs ${escapeRegExp(IMAGE)}$`, "m"));
      },
    );
  },
);

// One finding as the table expects it: the values files are those doctor names, in the order it
// renders them (none for a finding about the chart's files).
interface Expected {
  rule: string;
  severity: Severity;
  resource: string;
  valuesFiles: string[];
  message?: RegExp;
}

const ALL = ["values.yaml", "values-sandbox.yaml", "values-prod.yaml"];
const PROD = ["values-prod.yaml"];
const error = (rule: string, resource: string, valuesFiles: string[], message?: RegExp): Expected => ({
  rule,
  severity: "error",
  resource,
  valuesFiles,
  message,
});
const warning = (rule: string, resource: string, valuesFiles: string[], message?: RegExp): Expected => ({
  rule,
  severity: "warning",
  resource,
  valuesFiles,
  message,
});

const OLD_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "shop.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "shop.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: shop
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 80
`;

const SLACK_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}-slack
data:
  url: ${WEBHOOK}
`;

// What `kubectl create secret generic --from-literal=url=<webhook> --dry-run=client -o yaml` writes.
const SLACK_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: shop-slack-webhook
data:
  url: ${Buffer.from(WEBHOOK).toString("base64")}
`;

const ROLLOUT_RESOURCES = `          {{- with .Values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
`;

/**
 * A mistake and what doctor finds. Each case runs `doctor --json` once, on Helm 3 and Helm 4 by
 * turns: the rules read the parsed manifests, which both render alike. `bothHelms` where Helm's
 * own words are in the finding (a failed render), `text` where the case also checks the human
 * report and compares it with the release rules on Helm's render: one of each kind of finding.
 */
const cases: {
  mistake: string;
  edit: (chart: string) => void;
  findings: Expected[];
  bothHelms?: boolean;
  text?: boolean;
}[] = [
  {
    mistake: "an HPA aimed at a Deployment",
    edit: (c) =>
      edit(
        c,
        "templates/hpa.yaml",
        "apiVersion: argoproj.io/v1alpha1\n    kind: Rollout",
        "apiVersion: apps/v1\n    kind: Deployment",
      ),
    findings: [error("hpa-target", "HorizontalPodAutoscaler/shop", PROD, /apps\/v1 Deployment shop/)],
    text: true,
  },
  {
    mistake: "the old Deployment left beside the Rollout",
    edit: (c) => writeFileSync(join(c, "templates/deployment.yaml"), OLD_DEPLOYMENT),
    findings: [error("deployment-beside-rollout", "Deployment/shop", ALL)],
  },
  {
    mistake: "scaleDownDelaySeconds set to 10 in values.yaml",
    edit: (c) => edit(c, "values.yaml", "  scaleDownDelaySeconds: 30\n", "  scaleDownDelaySeconds: 10\n"),
    findings: [error("scale-down-delay", "Rollout/shop", ALL, /10, under 30/)],
    text: true,
  },
  {
    mistake: "scaleDownDelaySeconds removed from the Rollout template",
    edit: (c) =>
      edit(
        c,
        "templates/rollout.yaml",
        "      scaleDownDelaySeconds: {{ .Values.blueGreen.scaleDownDelaySeconds }}\n",
        "",
      ),
    findings: [error("scale-down-delay", "Rollout/shop", ALL, /not set/)],
  },
  {
    mistake: "the preview Service named like the active one in the Rollout",
    edit: (c) =>
      edit(
        c,
        "templates/rollout.yaml",
        'previewService: {{ include "shop.previewServiceName" . }}',
        'previewService: {{ include "shop.fullname" . }}',
      ),
    findings: [error("active-equals-preview", "Rollout/shop", ALL)],
  },
  {
    mistake: "the preview Service renamed in services.yaml",
    edit: (c) =>
      edit(
        c,
        "templates/services.yaml",
        'name: {{ include "shop.previewServiceName" . }}',
        'name: {{ include "shop.fullname" . }}-green',
      ),
    findings: [error("service-missing", "Rollout/shop", ALL, /previewService names Service shop-preview/)],
  },
  {
    mistake: "the active Service selecting other labels",
    edit: (c) =>
      edit(c, "templates/services.yaml", '    {{- include "shop.selectorLabels" . | nindent 4 }}', "    app: shop"),
    findings: [error("selector-mismatch", "Rollout/shop", ALL, /Service shop \(activeService\)/)],
  },
  {
    mistake: "a targetPort naming a port the container does not have",
    edit: (c) => edit(c, "templates/services.yaml", "targetPort: http", "targetPort: web"),
    findings: [error("target-port-missing", "Rollout/shop", ALL, /port web/)],
  },
  {
    mistake: "resources.requests.cpu removed while prod autoscales (the chart's own template refuses it)",
    edit: (c) => edit(c, "values.yaml", "    cpu: 100m\n", ""),
    findings: [error("helm-render", "chart", PROD, /autoscaling on CPU needs resources\.requests\.cpu/)],
    bothHelms: true,
    text: true,
  },
  {
    mistake: "the Rollout template no longer passing resources to the container, under an HPA",
    edit: (c) => edit(c, "templates/rollout.yaml", ROLLOUT_RESOURCES, ""),
    findings: [error("hpa-cpu-request", "HorizontalPodAutoscaler/shop", PROD)],
  },
  {
    mistake: "replicas taken out of the Rollout template (one pod wherever no HPA scales it)",
    edit: (c) => edit(c, "templates/rollout.yaml", '  replicas: {{ include "shop.replicas" . }}\n', ""),
    findings: [
      error(
        "replicas-missing",
        "Rollout/shop",
        ["values.yaml", "values-sandbox.yaml"],
        /no HPA scales it: Argo Rollouts runs it at one pod/,
      ),
    ],
  },
  {
    mistake: "argocd/prod.yaml no longer ignoring the replicas the HPA owns",
    edit: (c) => edit(c, "argocd/prod.yaml", /^ {2}# The HPA owns[\s\S]*$/m, ""),
    findings: [
      error("replicas-under-hpa", "Rollout/shop", PROD, /argocd\/prod\.yaml does not tell Argo CD to ignore its drift/),
    ],
  },
  {
    mistake: "scaleDownDelayRevisionLimit above revisionHistoryLimit",
    edit: (c) =>
      edit(
        c,
        "templates/rollout.yaml",
        "      scaleDownDelaySeconds: {{ .Values.blueGreen.scaleDownDelaySeconds }}\n",
        "      scaleDownDelaySeconds: {{ .Values.blueGreen.scaleDownDelaySeconds }}\n      scaleDownDelayRevisionLimit: 5\n",
      ),
    findings: [error("revision-limits", "Rollout/shop", ALL, /\(5\) is above revisionHistoryLimit \(3\)/)],
  },
  {
    mistake: "a Slack webhook pasted into values.yaml as an env var",
    edit: (c) => edit(c, "values.yaml", "env: []\n", `env:\n  - name: SLACK_WEBHOOK_URL\n    value: ${WEBHOOK}\n`),
    findings: [
      error("webhook-in-manifest", "Rollout/shop", ALL, /spec\.template\.spec\.containers\[0\]\.env\[0\]\.value/),
      error("webhook-in-file", "values.yaml", []),
    ],
    text: true,
  },
  {
    mistake: "a Slack webhook pasted into a template",
    edit: (c) => writeFileSync(join(c, "templates/slack-config.yaml"), SLACK_CONFIG),
    findings: [
      error("webhook-in-manifest", "ConfigMap/shop-slack", ALL),
      error("webhook-in-file", "templates/slack-config.yaml", []),
    ],
  },
  {
    mistake: "a Slack webhook kept in values-prod.yaml under a key nothing renders",
    edit: (c) =>
      writeFileSync(
        join(c, "values-prod.yaml"),
        `${readFileSync(join(c, "values-prod.yaml"), "utf8")}\nslackWebhook: ${WEBHOOK}\n`,
      ),
    findings: [error("webhook-in-file", "values-prod.yaml", [])],
  },
  {
    mistake: "a Slack webhook in a Secret template, base64-encoded the way kubectl writes it",
    edit: (c) => writeFileSync(join(c, "templates/slack-secret.yaml"), SLACK_SECRET),
    findings: [
      error("webhook-in-manifest", "Secret/shop-slack-webhook", ALL),
      error("webhook-in-file", "templates/slack-secret.yaml", []),
    ],
  },
  {
    mistake: "slack-webhook-secret.yaml readable by everyone (a warning only)",
    edit: (c) => chmodSync(join(c, "slack-webhook-secret.yaml"), 0o644),
    findings: [warning("secret-file-mode", "slack-webhook-secret.yaml", [])],
  },
  {
    mistake: "image tag latest set by hand in values.yaml",
    edit: (c) => edit(c, "values.yaml", '  tag: "1.4.2"\n', "  tag: latest\n"),
    // prod pins its own image, so values.yaml's tag never reaches it.
    findings: [
      error("image-unpinned", "Rollout/shop", ["values.yaml", "values-sandbox.yaml"], /ghcr\.io\/acme\/shop:latest/),
    ],
  },
  {
    mistake: "the readinessProbe removed from values.yaml",
    edit: (c) =>
      edit(
        c,
        "values.yaml",
        "readinessProbe:\n  httpGet:\n    path: /\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3\n",
        "",
      ),
    findings: [error("readiness-probe", "Rollout/shop", ALL)],
  },
  {
    mistake: "a LoadBalancer preview Service (a warning only)",
    edit: (c) => edit(c, "values.yaml", /(previewService:\n(?: {2}#.*\n)* {2}type: )ClusterIP/, "$1LoadBalancer"),
    findings: [warning("preview-load-balancer", "Service/shop-preview", ALL)],
    text: true,
  },
  {
    mistake: "helm.sh/chart put back on the pod template (a warning only)",
    edit: (c) =>
      edit(
        c,
        "templates/rollout.yaml",
        '{{- include "shop.podLabels" . | nindent 8 }}',
        '{{- include "shop.labels" . | nindent 8 }}',
      ),
    findings: [warning("chart-label-on-pods", "Rollout/shop", ALL)],
  },
  {
    mistake: "slack-webhook-secret.yaml taken out of .gitignore",
    edit: (c) => edit(c, ".gitignore", /^slack-webhook-secret\.yaml\n/m, ""),
    findings: [
      error("webhook-in-file", "slack-webhook-secret.yaml", []),
      error("secret-not-ignored", "slack-webhook-secret.yaml", []),
    ],
  },
  {
    mistake: "slack-webhook-secret.yaml taken out of .helmignore",
    edit: (c) => edit(c, ".helmignore", /^slack-webhook-secret\.yaml\n/m, ""),
    findings: [error("secret-packaged", "slack-webhook-secret.yaml", [])],
  },
  {
    mistake: "a string where the Rollout wants an integer, written into the template",
    edit: (c) =>
      edit(
        c,
        "templates/rollout.yaml",
        "progressDeadlineSeconds: {{ .Values.progressDeadlineSeconds }}",
        'progressDeadlineSeconds: "{{ .Values.progressDeadlineSeconds }}"',
      ),
    findings: [
      error("schema", "Rollout/shop", ALL, /argoproj\.io\/v1alpha1 Rollout schema: \/spec\/progressDeadlineSeconds/),
    ],
  },
  {
    mistake: "a template that does not parse",
    edit: (c) => edit(c, "templates/services.yaml", "{{ .Values.service.port }}", "{{ .Values.service.port }"),
    findings: [error("helm-render", "chart", ALL, /helm template fails: .*services\.yaml/)],
    bothHelms: true,
    text: true,
  },
];

describe("doctor on a chart with one mistake made by hand", () => {
  let pristine: string;

  beforeAll(async () => {
    // With its Applications, so that doctor can check what Argo CD is told to leave alone.
    pristine = await initCopy(FULL);
  });

  /** A copy of the init chart with one mistake in it. */
  function broken(breakIt: (chart: string) => void): string {
    const chart = join(makeTempDir(), "shop");
    cpSync(pristine, chart, { recursive: true });
    breakIt(chart);
    return chart;
  }

  it.each(cases.map((c, index) => [c.mistake, c, index] as const))(
    "catches %s",
    async (_, { edit: breakIt, findings: expected, bothHelms, text: checkText }, index) => {
      const chart = broken(breakIt);
      const exitCode = expected.some((f) => f.severity === "error") ? 1 : 0;
      const helms = helmBinaries();
      const textHelm = helms[index % helms.length]!;
      const jsonHelms = bothHelms ? helms : [textHelm];
      const [reports, text, rendered] = await Promise.all([
        Promise.all(
          jsonHelms.map(async ({ bin, versionString }) => ({
            versionString,
            json: await doctor(chart, bin, ["--json"]),
          })),
        ),
        checkText ? doctor(chart, textHelm.bin) : undefined,
        checkText
          ? Promise.all(
              valuesCombinations(chart).map(async ({ label, files }) => ({
                label,
                manifests: await helmTemplate(textHelm.bin, chart, files, [], {
                  release: "shop",
                  namespace: "shop",
                }).catch(() => undefined),
              })),
            )
          : [],
      ]);

      for (const { versionString, json } of reports) {
        const context = `helm ${versionString}:\n${json.stdout}`;
        expect(json.code, context).toBe(exitCode);
        const report = parseReport(json);
        expect(report.valuesFiles).toEqual(ALL);

        // Exactly the expected findings: the mistake breaks its rule and nothing else.
        const found = expected.map((want) => {
          const matching = report.findings.filter((f) => f.rule === want.rule && f.resource === want.resource);
          expect(matching.length, `${want.rule} on ${want.resource}; ${context}`).toBeGreaterThan(0);
          for (const finding of matching) {
            expect(finding.severity).toBe(want.severity);
            expect(finding.fix.trim()).not.toBe("");
            expect(finding.message.trim()).not.toBe("");
            if (want.message) expect(finding.message).toMatch(want.message);
          }
          expect(matching.map((f) => f.valuesFile)).toEqual(want.valuesFiles.length > 0 ? want.valuesFiles : [null]);
          return matching;
        });
        expect(report.findings.length, context).toBe(found.flat().length);
        expect(report.errors).toBe(report.findings.filter((f) => f.severity === "error").length);
        expect(report.warnings).toBe(report.findings.filter((f) => f.severity === "warning").length);
        if (text === undefined || versionString !== textHelm.versionString) continue;

        // The text names the same rule, resource and values files, and says how to fix it.
        expect(text.stderr).toBe("");
        expect(text.code).toBe(exitCode);
        const lines = text.stdout.split("\n");
        for (const [i, want] of expected.entries()) {
          const mark = want.severity === "error" ? "error  " : "warning";
          expect(lines, text.stdout).toContain(
            `${mark} ${want.rule}  ${want.resource}${want.valuesFiles.length > 0 ? `  (${want.valuesFiles.join(", ")})` : ""}`,
          );
          expect(lines).toContain(`        fix: ${found[i]![0]!.fix}`);
        }
        const errors = expected.filter((f) => f.severity === "error").length;
        const warnings = expected.length - errors;
        expect(lines).toContain(
          errors > 0
            ? `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`
            : `No errors, ${warnings} warning${warnings === 1 ? "" : "s"}: the chart holds every Blue/Green rule bluegreen checks.`,
        );

        // One implementation: what doctor reports for each values file is what the release rules
        // our own tests use find in Helm's render of it, with the Applications that deploy it
        // (the fix may name that values file).
        const applications = await readApplications(chart);
        const withoutFix = ({ fix: _, ...finding }: { fix: string }) => finding;
        for (const { label, manifests } of rendered) {
          const reported = report.findings
            .filter((f) => f.valuesFile === label)
            .map(({ valuesFile: _, ...finding }) => withoutFix(finding));
          if (manifests === undefined) {
            expect(
              reported.map((f: any) => f.rule),
              `${label}: Helm fails, so doctor reports that alone`,
            ).toEqual(["helm-render"]);
            continue;
          }
          expect(reported, `${label} (helm ${versionString})`).toEqual(
            checkRelease(manifests, { applications: applicationsDeploying(applications, label) }).map(withoutFix),
          );
        }
      }
    },
  );
});

describe("doctor and secrets", () => {
  const TOKEN = "S3cr3tT0ken-0123456789";
  const CREDENTIAL_URL = `https://deploy:${TOKEN}@git.example.com/acme/shop.git`;
  let chart: string;

  beforeAll(async () => {
    chart = await initCopy(PLAIN);
    edit(chart, "values.yaml", "env: []\n", `env:\n  - name: SLACK_WEBHOOK_URL\n    value: ${WEBHOOK}\n`);
    writeFileSync(
      join(chart, "templates/source.yaml"),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "shop.fullname" . }}-source\ndata:\n  repository: ${CREDENTIAL_URL}\n`,
    );
  });

  const expectNoSecret = (output: string) => {
    expect(output).not.toContain(WEBHOOK);
    expect(output).not.toContain("abcdefABCDEF123456");
    expect(output).not.toContain(TOKEN);
  };

  // What doctor scans is the parsed render, alike on both Helms; Helm's own error text (below) is not.
  it.each(helmBinaries().slice(-1))(
    "reports the webhook it finds without printing it or the token beside it (Helm $version)",
    async ({ bin }) => {
      const [text, json] = await Promise.all([doctor(chart, bin), doctor(chart, bin, ["--json"])]);
      expect(text.code).toBe(1);
      expect(json.code).toBe(1);
      expect(parseReport(json).findings.map((f) => f.rule)).toEqual(
        expect.arrayContaining(["webhook-in-manifest", "webhook-in-file"]),
      );
      expect(text.stdout).toMatch(/^error {3}webhook-in-manifest {2}Rollout\/shop/m);
      for (const { stdout, stderr } of [text, json]) expectNoSecret(stdout + stderr);
    },
  );

  it.each(helmBinaries())(
    "never prints them when Helm's own error message quotes them (Helm $version)",
    async ({ bin }) => {
      const failing = join(makeTempDir(), "shop");
      cpSync(chart, failing, { recursive: true });
      writeFileSync(
        join(failing, "templates/check.yaml"),
        `{{- fail (printf "cannot reach %s or %s" (index .Values.env 0).value "${CREDENTIAL_URL}") }}\n`,
      );
      const [text, json] = await Promise.all([doctor(failing, bin), doctor(failing, bin, ["--json"])]);
      expect(text.code).toBe(1);
      expect(json.code).toBe(1);
      const renderFailure = parseReport(json).findings.find((f) => f.rule === "helm-render");
      expect(renderFailure?.message).toMatch(
        /templates\/check\.yaml.*cannot reach https:\/\/hooks\.slack\.com\/\S* or https:\/\/\S*@git\.example\.com\/acme\/shop\.git/,
      );
      for (const { stdout, stderr } of [text, json]) expectNoSecret(stdout + stderr);
    },
  );
});

describe("doctor's exit status and where it finds Helm", () => {
  let chart: string;
  let emptyPath: string;

  beforeAll(async () => {
    chart = await initCopy(PLAIN);
    emptyPath = makeTempDir("bluegreen-no-helm-");
  });

  it("exits 2 for an unknown option", async () => {
    const result = await doctor(chart, helmBinaries()[0]!.bin, ["--fix-everything"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown option '--fix-everything'/);
    expect(result.stdout).toBe("");
  });

  it("exits 2 when --helm is not a Helm that runs", async () => {
    const result = await doctor(chart, "/nonexistent/helm");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --helm: \/nonexistent\/helm [^\n]*\n$/);
    expect(result.stdout).toBe("");
  });

  it("exits 2 when --helm or HELM_BIN runs but is not Helm, saying so", async () => {
    for (const program of ["/bin/echo", "/bin/true"]) {
      const result = await doctor(chart, program);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: --helm: ${program} is not Helm: \`${program} version --short\` prints no Helm version (point --helm at the helm binary)\n`,
      );
      expect(result.stdout).toBe("");
    }
    const fromEnv = await doctor(chart, undefined, [], { HELM_BIN: "/bin/echo", PATH: emptyPath });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/^error: HELM_BIN: \/bin\/echo is not Helm/);
  });

  it("with --json, says what went wrong as JSON on stdout too, with the same exit status", async () => {
    const cases: [args: string[], env: Record<string, string>, exitCode: number, message: RegExp][] = [
      [["--chart", chart, "--helm", "/bin/echo"], {}, 2, /^--helm: \/bin\/echo is not Helm/],
      [["--chart", chart], { PATH: emptyPath }, 2, /^no helm found on PATH/],
      [["--chart", join(makeTempDir(), "nowhere"), "--helm", helmBinaries()[0]!.bin], {}, 1, /^no chart found/],
      [["--chart", chart, "--fix-everything"], {}, 2, /^unknown option '--fix-everything'/],
      [["--chart", chart, "--timeout", "0"], {}, 2, /^--timeout: must be a whole number from 1 to 3600$/],
    ];
    for (const [args, env, exitCode, message] of cases) {
      const result = await runCli(["doctor", "--json", ...args], { env: { HELM_BIN: undefined, ...env } });
      expect(result.code, result.stderr).toBe(exitCode);
      const { error } = JSON.parse(result.stdout);
      expect(error.exitCode).toBe(exitCode);
      expect(error.messages).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).toMatch(/^error: /); // people reading the CI log still see it
    }
  });

  it("exits 2 with a clear error when there is no Helm on PATH and no HELM_BIN", async () => {
    const result = await doctor(chart, undefined, [], { PATH: emptyPath });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no helm found on PATH[^\n]*--helm or HELM_BIN[^\n]*\n$/);
    expect(result.stdout).toBe("");
  });

  it("exits 1 when there is no chart", async () => {
    const missing = await doctor(join(makeTempDir(), "nowhere"), helmBinaries()[0]!.bin);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no chart found[^\n]*\n$/);
    const empty = await doctor(makeTempDir(), helmBinaries()[0]!.bin);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^error: no chart found in [^\n]*\n$/);
  });

  it("exits 2 naming HELM_BIN when HELM_BIN is not a Helm that runs", async () => {
    const result = await doctor(chart, undefined, [], { HELM_BIN: "/nonexistent/helm", PATH: emptyPath });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: HELM_BIN\b[^\n]*\/nonexistent\/helm[^\n]*\n$/);
    expect(result.stderr).not.toContain("--helm:");
    expect(result.stdout).toBe("");
  });

  it.each(helmBinaries())(
    "renders with HELM_BIN when --helm is not given (Helm $version)",
    async ({ bin, versionString }) => {
      const result = await doctor(chart, undefined, ["--json"], { HELM_BIN: bin, PATH: emptyPath });
      expect(result.code).toBe(0);
      expect(parseReport(result).helm).toBe(versionString);
    },
  );

  it("prefers --helm to HELM_BIN", async () => {
    const [helm3, helm4] = helmBinaries();
    const result = await doctor(chart, helm4!.bin, ["--json"], { HELM_BIN: helm3!.bin, PATH: emptyPath });
    expect(result.code).toBe(0);
    expect(parseReport(result).helm).toBe(helm4!.versionString);
  });
});

describe("doctor reads the chart the way Helm and git do", () => {
  let pristine: string;

  beforeAll(async () => {
    // With its Applications, so that doctor can check what Argo CD is told to leave alone.
    pristine = await initCopy(FULL);
  });

  const copy = () => {
    const chart = join(makeTempDir(), "shop");
    cpSync(pristine, chart, { recursive: true });
    return chart;
  };

  // Which files doctor renders is its own choice, alike for both Helms.
  it.each(helmBinaries().slice(-1))(
    "renders every values-*.yaml, also one named for an environment and a region (Helm $version)",
    async ({ bin }) => {
      const chart = copy();
      writeFileSync(
        join(chart, "values-prod.eu-west-1.yaml"),
        "environment: prod-eu-west-1\nblueGreen:\n  scaleDownDelaySeconds: 5\n",
      );
      const result = await doctor(chart, bin, ["--json"]);
      const report = parseReport(result);
      expect(report.valuesFiles).toEqual(expect.arrayContaining([...ALL, "values-prod.eu-west-1.yaml"]));
      expect(report.findings.map((f) => [f.rule, f.valuesFile])).toEqual([
        ["scale-down-delay", "values-prod.eu-west-1.yaml"],
      ]);
      expect(result.code).toBe(1);
    },
  );

  /** The init chart with its ignore files written as many people write them: one glob for every Secret. */
  async function globbed(inGit: boolean): Promise<string> {
    const chart = copy();
    if (inGit) execFileSync("git", ["init", "-q", chart]);
    edit(chart, ".gitignore", /^slack-webhook-secret\.yaml$/m, "*-secret.yaml");
    edit(chart, ".helmignore", /^slack-webhook-secret\.yaml$/m, "*-secret.yaml");
    // Helm leaves the Secret out of the package.
    const out = makeTempDir();
    const packaged = await runHelm(helmBinaries().at(-1)!.bin, ["package", chart, "--destination", out]);
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(execFileSync("tar", ["-tzf", join(out, "shop-0.1.0.tgz")], { encoding: "utf8" })).not.toContain(
      "slack-webhook-secret",
    );
    return chart;
  }

  it("takes a glob in .helmignore as Helm does, in a git repository", async () => {
    const chart = await globbed(true);
    expect(execFileSync("git", ["check-ignore", "slack-webhook-secret.yaml"], { cwd: chart, encoding: "utf8" })).toBe(
      "slack-webhook-secret.yaml\n",
    );
    const result = await doctor(chart, helmBinaries()[0]!.bin, ["--json"]);
    expect(parseReport(result).findings).toEqual([]);
    expect(result.code).toBe(0);
  });

  it("takes a glob in .gitignore and .helmignore as git and Helm do, before the chart is in git", async () => {
    const chart = await globbed(false);
    const result = await doctor(chart, helmBinaries()[0]!.bin, ["--json"]);
    expect(parseReport(result).findings).toEqual([]);
    expect(result.code).toBe(0);
  });
});

describe("doctor reads Helm's output the way the cluster does (YAML 1.1)", () => {
  it("reports a chart named yes like one named true: both are booleans to Kubernetes", async () => {
    const helm = helmBinaries()[0]!.bin;
    const named = async (name: string) => {
      const chart = await initCopy(PLAIN);
      // What earlier versions of init wrote for --name yes: quoted in Chart.yaml, plain in every label.
      edit(chart, "Chart.yaml", /^name: shop$/m, `name: "${name}"`);
      const result = await doctor(chart, helm, ["--json"]);
      expect(result.code).toBe(1);
      return parseReport(result);
    };
    const [yes, truth] = await Promise.all([named("yes"), named("true")]);
    expect(yes.errors).toBeGreaterThan(0);
    expect(yes.findings.map((f) => f.message)).toContain(
      "does not match the argoproj.io/v1alpha1 Rollout schema: /metadata/name must be string",
    );
    // Plain, both names are the boolean true; in longer names (yes-preview) they stay words.
    const shape = (report: Report) =>
      report.findings.map(({ rule, resource, message }) => [
        rule,
        resource.replace(/\/(yes|true)-/, "/<name>-"),
        message,
      ]);
    expect(shape(yes)).toEqual(shape(truth));
  });
});

describe("doctor finds webhook URLs whatever their case or port, and never prints one", () => {
  const SHAPES = [
    "https://HOOKS.SLACK.COM/services/T0000000/B0000000/upperCASEsecret01",
    "https://hooks.slack.com:443/services/T0000000/B0000000/withPORTsecret02",
  ];

  it.each(SHAPES)("finds %s in values.yaml and in the manifest", async (url) => {
    const chart = await initCopy(PLAIN);
    edit(chart, "values.yaml", "env: []\n", `env:\n  - name: SLACK_WEBHOOK_URL\n    value: ${url}\n`);
    const [json, text] = await Promise.all([
      doctor(chart, helmBinaries()[0]!.bin, ["--json"]),
      doctor(chart, helmBinaries()[0]!.bin),
    ]);
    expect(json.code).toBe(1);
    expect(parseReport(json).findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(["webhook-in-manifest", "webhook-in-file"]),
    );
    const secret = url.split("/").at(-1)!;
    for (const output of [json.stdout, json.stderr, text.stdout, text.stderr]) expect(output).not.toContain(secret);
  });

  it("redacts every URL shape when Helm's error message quotes them", async () => {
    const chart = await initCopy(PLAIN);
    const quoted = [
      ...SHAPES,
      "https://deploy:p@ssATsecret03@git.example.com/acme/shop.git?x=querySECRET03",
      "https://git.example.com/acme/shop.git?access_token=querySECRET04",
      "https://git.example.com/acme/shop.git#fragmentSECRET05",
      "https://deploy:pa/ssSLASHsecret06@git.example.com/acme/shop.git",
    ];
    writeFileSync(join(chart, "templates/check.yaml"), `{{- fail "cannot reach ${quoted.join(" or ")}" }}\n`);
    const [json, text] = await Promise.all([
      doctor(chart, helmBinaries().at(-1)!.bin, ["--json"]),
      doctor(chart, helmBinaries()[0]!.bin),
    ]);
    // (The template holds the URLs too, which git would commit.)
    expect(parseReport(json).findings.map((f) => f.rule)).toEqual([
      "helm-render",
      "helm-render",
      "helm-render",
      "webhook-in-file",
    ]);
    expect(text.stdout).toMatch(/helm template fails: .*cannot reach https:\/\/hooks\.slack\.com\/…\(redacted\)/);
    for (const output of [json.stdout, text.stdout, json.stderr, text.stderr]) {
      for (const secret of [
        "upperCASEsecret01",
        "withPORTsecret02",
        "ssATsecret03",
        "querySECRET03",
        "querySECRET04",
        "fragmentSECRET05",
        "ssSLASHsecret06",
      ]) {
        expect(output).not.toContain(secret);
      }
    }
  });

  it("redacts a URL given where a path belongs, in the message and in --json", async () => {
    const result = await runCli(
      ["doctor", "--json", "--chart", "https://deploy:pathSECRET07@git.example.com/acme/shop"],
      { cwd: makeTempDir() },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: no chart found: https://…(redacted)@git.example.com/acme/shop does not exist\n");
    expect(result.stdout + result.stderr).not.toContain("pathSECRET07");
  });
});

describe("doctor's fixes fix what they are about", () => {
  /** A chart in its own directory, doctor run from beside it as a person would. */
  async function chartBeside(): Promise<{ cwd: string; chart: string }> {
    const chart = await initCopy(FULL);
    return { cwd: join(chart, ".."), chart };
  }
  const report = async (cwd: string) => {
    const result = await runCli(["doctor", "--chart", "shop", "--json"], {
      cwd,
      env: { HELM_BIN: helmBinaries()[0]!.bin },
    });
    return { code: result.code, report: parseReport(result) };
  };

  it("names --env when an overlay pins the image, and running the fix clears the finding", async () => {
    const { cwd, chart } = await chartBeside();
    // prod pins its own image (init does that where promotion is manual): make its tag latest.
    const prod = readFileSync(join(chart, "values-prod.yaml"), "utf8");
    expect(prod).toMatch(/^ {2}tag: "1\.4\.2"$/m);
    writeFileSync(join(chart, "values-prod.yaml"), prod.replace(/^ {2}tag: "1\.4\.2"$/m, "  tag: latest"));
    const before = await report(cwd);
    const findings = before.report.findings.filter((f) => f.rule === "image-unpinned");
    expect(findings.map((f) => [f.valuesFile, f.fix])).toEqual([
      ["values-prod.yaml", "set a version tag: bluegreen bump-image <tag> --env prod --chart shop"],
    ]);

    const command = findings[0]!.fix
      .replace(/^.*: bluegreen /, "")
      .replace("<tag>", "1.4.3")
      .split(" ");
    const fixed = await runCli(command, { cwd });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(await report(cwd)).toMatchObject({ code: 0, report: { errors: 0 } });
  });

  it("names the overlay that sets a value, and the edit it names clears the finding", async () => {
    const { cwd, chart } = await chartBeside();
    edit(chart, "values-prod.yaml", "blueGreen:\n", "blueGreen:\n  scaleDownDelaySeconds: 10\n");
    const before = await report(cwd);
    expect(before.report.findings.map((f) => [f.rule, f.valuesFile, f.fix])).toEqual([
      [
        "scale-down-delay",
        "values-prod.yaml",
        expect.stringMatching(/^set blueGreen\.scaleDownDelaySeconds to 30 or more in shop\/values-prod\.yaml: /),
      ],
    ]);
    edit(chart, "values-prod.yaml", "scaleDownDelaySeconds: 10", "scaleDownDelaySeconds: 30");
    expect(await report(cwd)).toMatchObject({ code: 0, report: { errors: 0 } });
  });

  it("names files as seen from where it runs: chmod the Secret beside the chart", async () => {
    const chart = await initCopy(FULL);
    chmodSync(join(chart, "slack-webhook-secret.yaml"), 0o644);
    const cwd = join(chart, "..");
    const { report: found } = await report(cwd);
    expect(found.findings.map((f) => [f.rule, f.fix])).toEqual([
      ["secret-file-mode", "chmod 600 shop/slack-webhook-secret.yaml"],
    ]);
    execFileSync("sh", ["-c", found.findings[0]!.fix], { cwd });
    expect((await report(cwd)).report.findings).toEqual([]);
  });
});

/** A Helm that does what the real one does, after `script` (sh) has run for `template`. */
function wrappedHelm(script: string): string {
  const real = helmBinaries()[0]!.bin;
  const file = join(makeTempDir("bluegreen-helm-wrapper-"), "helm");
  writeFileSync(file, `#!/bin/sh\nif [ "$1" = template ]; then\n${script}\nfi\nexec "${real}" "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("doctor on many environments", () => {
  let chart: string;
  beforeAll(async () => {
    chart = await initChart(
      ["--image", IMAGE, "--envs", "dev,qa,staging,prod", "--repo-url", REPO, "--repo-path", "shop"],
      "shop",
    );
  });

  it("renders them side by side, at most as many at a time as there are CPUs, and reports in the same order", async () => {
    const log = join(makeTempDir(), "renders.log");
    const helm = wrappedHelm(`echo "start $(date +%s%N)" >> "${log}"; sleep 1; echo "end $(date +%s%N)" >> "${log}"`);
    const result = await doctor(chart, helm, ["--json"]);
    expect(result.code, result.stdout).toBe(0);
    expect(parseReport(result).valuesFiles).toEqual([
      "values.yaml",
      "values-dev.yaml",
      "values-qa.yaml",
      "values-staging.yaml",
      "values-prod.yaml",
    ]);

    // The most renders running at one moment, from their start and end times.
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" "))
      .map(([kind, at]) => ({ delta: kind === "start" ? 1 : -1, at: BigInt(at!) }));
    let running = 0;
    let most = 0;
    for (const { delta } of events.sort((a, b) => (a.at === b.at ? a.delta - b.delta : a.at < b.at ? -1 : 1)))
      most = Math.max(most, (running += delta));
    expect(events).toHaveLength(10);
    expect(most).toBe(Math.min(5, availableParallelism()));
  });

  itNeeds(["script"])(
    "on a terminal, says which render it is waiting for; in a pipe and with --json, says nothing of it",
    async () => {
      // Only values.yaml alone renders slowly: one render the report waits for is enough.
      const helm = wrappedHelm('case "$*" in *values-*) ;; *) sleep 1.5 ;; esac');
      // The three run side by side: each waits out the same slow render.
      const term = startInTerminal(["doctor", "--chart", chart, "--helm", helm], { cwd: makeTempDir() });
      const json = startInTerminal(["doctor", "--json", "--chart", chart, "--helm", helm], { cwd: makeTempDir() });
      const pipedRun = doctor(chart, helm);
      await term.waitFor(/rendering values\.yaml with helm v3\.\d+\.\d+\S*…/, 10_000);
      expect((await term.exited).code).toBe(0);
      expect(term.output()).toContain("No errors: the chart holds every Blue/Green rule bluegreen checks.");

      expect((await json.exited).code).toBe(0);
      expect(json.output()).not.toContain("rendering");

      const piped = await pipedRun;
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe("");
      expect(piped.stdout).not.toContain("rendering");
    },
  );
});

describe("doctor says what went wrong in words", () => {
  let chart: string;
  beforeAll(async () => {
    chart = await initChart(["--image", IMAGE, "--repo-url", REPO, "--repo-path", "shop"], "shop");
  });

  it("names a render that prints more than it may, never ENOBUFS", async () => {
    const helm = wrappedHelm("head -c 70000000 /dev/zero | tr '\\\\0' 'a'; exit 0");
    const result = await doctor(chart, helm, ["--json"]);
    expect(result.code).toBe(1);
    const messages = parseReport(result).findings.map((f) => f.message);
    expect(messages).toContain("helm template printed more than 64 MB, more than a chart's manifests should be");
    expect(result.stdout).not.toMatch(/ENOBUFS|spawn/);
  });

  it("names a render that takes longer than --timeout, never ETIMEDOUT", async () => {
    // The sleep is a child of the wrapper's shell, as a real Helm's plugin would be: doctor must
    // not wait for it. 60 s against --timeout 1: the bound below holds on a loaded machine too.
    const helm = wrappedHelm("sleep 60");
    const started = Date.now();
    const result = await doctor(chart, helm, ["--json", "--timeout", "1"]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(1);
    expect(parseReport(result).findings.map((f) => f.message)).toContain(
      "helm template did not finish within 1 s (--timeout gives it longer)",
    );
    expect(result.stdout).not.toMatch(/ETIMEDOUT|spawn/);
  });

  it("names a values file of several documents and the line, never the library's hint", async () => {
    const copy = join(makeTempDir(), "shop");
    cpSync(chart, copy, { recursive: true });
    writeFileSync(
      join(copy, "values.yaml"),
      `${readFileSync(join(copy, "values.yaml"), "utf8")}---\nreplicaCount: 5\n`,
    );
    const result = await doctor(copy, helmBinaries()[0]!.bin);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: values\.yaml:\d+: holds more than one YAML document \(a second one starts with ---\), but a values file is one: Helm 3 would read only the first, Helm 4 only the last\n$/,
    );
    expect(result.stderr).not.toMatch(/parseAllDocuments/);
  });

  itNeeds(["nobody"])(
    "skips what .helmignore excludes when it cannot read it, and reports what else it cannot read",
    async () => {
      const copy = join(makeTempDir(), "shop");
      cpSync(chart, copy, { recursive: true });
      mkdirSync(join(copy, "private"));
      writeFileSync(join(copy, "private", "notes.txt"), "mine\n");
      chmodSync(join(copy, "private"), 0o000);
      // Root reads anything: run doctor and Helm as nobody, on copies nobody can read.
      const tools = makeTempDir("bluegreen-nobody-");
      const helmCopy = join(tools, "helm");
      cpSync(helmBinaries()[0]!.bin, helmCopy);
      for (const part of ["bin", "dist", "package.json"])
        cpSync(join(REPO_ROOT, part), join(tools, part), { recursive: true });
      for (const dir of [join(copy, ".."), tools]) chmodSync(dir, 0o755);
      const asNobody = () =>
        runProcess(
          "setpriv",
          [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            process.execPath,
            join(tools, "bin", "bluegreen.cjs"),
            "doctor",
            "--json",
            "--chart",
            copy,
            "--helm",
            helmCopy,
          ],
          {
            cwd: "/",
            env: cliEnv({
              HELM_BIN: undefined,
              HOME: "/tmp",
              HELM_CACHE_HOME: "/tmp/bluegreen-nobody-helm",
              HELM_CONFIG_HOME: "/tmp/bluegreen-nobody-helm",
              HELM_DATA_HOME: "/tmp/bluegreen-nobody-helm",
            }),
          },
        );

      writeFileSync(join(copy, ".helmignore"), `${readFileSync(join(copy, ".helmignore"), "utf8")}private/\n`);
      const ignored = await asNobody();
      expect(ignored.stderr).toBe("");
      expect(JSON.parse(ignored.stdout).findings).toEqual([]);
      expect(ignored.code).toBe(0);

      writeFileSync(
        join(copy, ".helmignore"),
        readFileSync(join(copy, ".helmignore"), "utf8").replace("private/\n", ""),
      );
      const unreadable = await asNobody();
      const findings: Finding[] = JSON.parse(unreadable.stdout).findings;
      expect(findings).toContainEqual(
        expect.objectContaining({
          rule: "unreadable-file",
          severity: "warning",
          resource: "private/",
          valuesFile: null,
        }),
      );
      expect(findings.find((f) => f.rule === "unreadable-file")!.message).toMatch(
        /^private\/ cannot be read \(permission denied \(EACCES\)\)/,
      );
      expect(unreadable.stderr).toBe("");
    },
  );
});
