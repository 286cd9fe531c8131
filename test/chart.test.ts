// The chart `init` writes, as real Helm 3 and Helm 4 render it for every values file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, postsToWebhook } from "../src/rules/notifications.js";
import { expectNoFindings, initChart, lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { helmBinaries, helmTemplate, type Manifest } from "./support/helm.js";
import { byKind, one } from "./support/manifests.js";
import { expandLikeKubernetes } from "./support/pod.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const DIGEST = `sha256:${"ab12".repeat(16)}`;
const LONGEST_NAME = `a${"-b".repeat(25)}cd`; // 53 characters

const variants = [
  {
    title: "sandbox and prod, with a Slack webhook",
    name: "shop",
    release: "shop",
    args: ["--image", "ghcr.io/acme/shop:1.10", "--slack-webhook", WEBHOOK],
    image: "ghcr.io/acme/shop:1.10",
    envs: ["sandbox", "prod"],
    slack: true,
  },
  {
    title: "three environments, a registry port, no webhook, another release name",
    name: "payments",
    release: "demo",
    args: [
      "--image",
      "registry.example.com:5000/team/payments/api:2.0.1",
      "--envs",
      "dev,staging,production",
      "--port",
      "8080",
      "--replicas",
      "3",
    ],
    image: "registry.example.com:5000/team/payments/api:2.0.1",
    envs: ["dev", "staging", "production"],
    slack: false,
  },
  {
    title: "the longest name and a pinned digest",
    name: LONGEST_NAME,
    release: LONGEST_NAME,
    args: ["--image", `ghcr.io/acme/app:v1.2.3-rc.1@${DIGEST}`, "--slack-webhook", WEBHOOK],
    image: `ghcr.io/acme/app:v1.2.3-rc.1@${DIGEST}`,
    envs: ["sandbox", "prod"],
    slack: true,
  },
];

const rolloutOf = (manifests: Manifest[]) => one(manifests, "Rollout");
const isProd = (label: string) => /values-prod(uction)?\.yaml$/.test(label);

describe.each(variants)("the chart init writes: $title", (variant) => {
  let chartDir: string;
  let releases: RenderedRelease[];

  beforeAll(async () => {
    chartDir = await initChart(variant.args, variant.name);
    releases = await lintAndRenderAll(chartDir, variant.release);
  });

  it("lints with --strict and renders schema-valid manifests on Helm 3 and 4, for values.yaml and every environment", () => {
    expect(releases.map((r) => `${r.helm.version}:${r.label}`)).toEqual(
      helmBinaries().flatMap((helm) =>
        ["values.yaml", ...variant.envs.map((env) => `values-${env}.yaml`).sort()].map(
          (label) => `${helm.version}:${label}`,
        ),
      ),
    );
  });

  it("holds every release rule", () => {
    for (const release of releases) expectNoFindings(release);
  });

  it("renders one Rollout with the blueGreen strategy and no Deployment", () => {
    for (const { manifests } of releases) {
      expect(byKind(manifests, "Deployment")).toEqual([]);
      const rollout = rolloutOf(manifests);
      expect(rollout.apiVersion).toBe("argoproj.io/v1alpha1");
      expect(rollout.spec.strategy.blueGreen.scaleDownDelaySeconds).toBe(30);
      expect(typeof rollout.spec.strategy.blueGreen.autoPromotionEnabled).toBe("boolean");
    }
  });

  it("points the active and preview Services at the Rollout's pods, through a port the container declares", () => {
    for (const { manifests } of releases) {
      const rollout = rolloutOf(manifests);
      const { activeService, previewService } = rollout.spec.strategy.blueGreen;
      expect(activeService).not.toBe(previewService);
      const podLabels = rollout.spec.template.metadata.labels;
      const container = rollout.spec.template.spec.containers[0];
      const services = byKind(manifests, "Service");
      expect(services.map((s) => s.metadata.name).sort()).toEqual([activeService, previewService].sort());
      for (const service of services) {
        for (const [key, value] of Object.entries(service.spec.selector)) expect(podLabels[key]).toBe(value);
        for (const port of service.spec.ports) {
          expect(container.ports.map((p: { name: string }) => p.name)).toContain(port.targetPort);
        }
      }
      expect(
        one(
          services.filter((s) => s.metadata.name === previewService),
          "Service",
        ).spec.type,
      ).toBe("ClusterIP");
      expect(container.readinessProbe).toBeDefined();
      expect(container.livenessProbe).toBeDefined();
    }
  });

  it("aims the HPA at the Rollout and leaves it the replica count in production only", () => {
    for (const { label, manifests } of releases) {
      const rollout = rolloutOf(manifests);
      const hpas = byKind(manifests, "HorizontalPodAutoscaler");
      if (isProd(label)) {
        const hpa = one(hpas, "HorizontalPodAutoscaler");
        expect(hpa.spec.scaleTargetRef).toEqual({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: rollout.metadata.name,
        });
        // Kept, at least the HPA's minimum: a Rollout without replicas runs one pod.
        expect(rollout.spec.replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
        expect(rollout.spec.template.spec.containers[0].resources.requests.cpu).toBeDefined();
        expect(rollout.spec.strategy.blueGreen.autoPromotionEnabled).toBe(false);
      } else {
        expect(hpas).toEqual([]);
        expect(rollout.spec.replicas).toBeGreaterThan(0);
        expect(rollout.spec.strategy.blueGreen.autoPromotionEnabled).toBe(true);
      }
    }
  });

  it("runs exactly the image that was asked for and labels the pods with its tag", () => {
    const tag = variant.image.split("@")[0]!.split(":").at(-1);
    for (const { manifests } of releases) {
      const template = rolloutOf(manifests).spec.template;
      expect(template.spec.containers[0].image).toBe(variant.image);
      expect(template.metadata.labels["app.kubernetes.io/version"]).toBe(tag);
      expect(template.metadata.labels).not.toHaveProperty("helm.sh/chart");
    }
  });

  it("runs the app as non-root, with a read-only root filesystem, no capabilities and no API token", () => {
    for (const { manifests } of releases) {
      const pod = rolloutOf(manifests).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      // A writable /tmp, since the root filesystem is not.
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    }
  });

  it(
    variant.slack
      ? "reports releases to Slack from a Secret, through hardened, pinned Jobs, in every plain render"
      : "posts nothing without a webhook",
    () => {
      for (const { label, manifests } of releases) {
        expect(JSON.stringify(manifests)).not.toContain("hooks.slack.com");
        const posting = jobContainers(manifests).filter((job) => postsToWebhook(job.container));
        if (!variant.slack) {
          expect(byKind(manifests, "Job")).toEqual([]);
          expect(posting).toEqual([]);
          continue;
        }
        const env = label === "values.yaml" ? `${variant.release}-ns` : label.replace(/^values-|\.yaml$/g, "");
        // What Argo CD deploys is what `helm template` shows: the hook Jobs are there, PostSync only
        // where promotion is automatic.
        const automatic = rolloutOf(manifests).spec.strategy.blueGreen.autoPromotionEnabled;
        const jobs = byKind(manifests, "Job");
        expect(jobs.map((job) => job.metadata.annotations!["argocd.argoproj.io/hook"]).sort(), label).toEqual(
          automatic ? ["PostSync", "SyncFail"] : ["SyncFail"],
        );
        expect(posting.map((job) => job.runsAt).sort()).toEqual(
          automatic ? ["PostSync", "SyncFail"] : ["SyncFail", "post-promotion", "pre-promotion"],
        );
        for (const job of jobs) {
          const hook = job.metadata.annotations!["argocd.argoproj.io/hook"]!;
          expect(job.metadata.name).toMatch(hook === "PostSync" ? /-release-live$/ : /-sync-failed$/);
          expect(job.metadata.name.length).toBeLessThanOrEqual(63);
          expect(job.metadata).not.toHaveProperty("generateName");
          expect(job.metadata.annotations).toEqual({
            "argocd.argoproj.io/hook": hook,
            "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded",
            // Ignored by Argo CD beside its own hook; what plain Helm does with the Job.
            "helm.sh/hook": hook === "PostSync" ? "post-install,post-upgrade" : "post-rollback",
            "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
          });
          expect(job.spec.backoffLimit).toBe(0);
          expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
          expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
        }
        for (const { container, pod } of posting) {
          expect(container.image).toMatch(/^docker\.io\/curlimages\/curl:8\.11\.1@sha256:[a-f0-9]{64}$/);
          expect(container.env.find((e: any) => e.name === "SLACK_WEBHOOK_URL").valueFrom.secretKeyRef).toEqual({
            name: `${variant.name}-slack-webhook`,
            key: "url",
            optional: true,
          });
          expect(container.command).toEqual(["/bin/sh", "-c"]);
          expect(container.args[0]).toMatch(/curl --fail .*--retry 3 .*--max-time 10 /);
          expect(pod.automountServiceAccountToken).toBe(false);
          expect(pod.securityContext.runAsNonRoot).toBe(true);
          expect(container.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          });
          // The payload is JSON built by Helm, as the kubelet hands it to the shell.
          const payload = container.env.find(
            (e: any) => e.name === "SLACK_PAYLOAD" || e.name === "SLACK_PAYLOAD_FAILED",
          ).value;
          const { text } = JSON.parse(expandLikeKubernetes(payload, {}));
          expect(text).toContain(variant.image);
          expect(text).toContain(env);
        }
        for (const template of byKind(manifests, "AnalysisTemplate"))
          expect(template.metadata.name.length).toBeLessThanOrEqual(63);
      }
    },
  );
});

describe("values.schema.json", () => {
  let chartDir: string;
  beforeAll(async () => {
    chartDir = await initChart(["--image", "ghcr.io/acme/shop:1.10"]);
  });

  const renderWith = (bin: string, extra: string) => {
    const file = join(chartDir, `extra-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, extra);
    return helmTemplate(bin, chartDir, [join(chartDir, "values.yaml"), file]);
  };

  it.each(helmBinaries())("refuses wrong types before anything renders (Helm $version)", async ({ bin }) => {
    await expect(renderWith(bin, "replicaCount: three\n")).rejects.toThrow(/replicaCount/);
    await expect(renderWith(bin, "image:\n  tag: 1.10\n")).rejects.toThrow(/tag/);
    await expect(renderWith(bin, 'blueGreen:\n  autoPromotionEnabled: "no"\n')).rejects.toThrow(/autoPromotionEnabled/);
  });

  it.each(helmBinaries())(
    "lets keys of a person's own through at the top level, and in free-form maps (Helm $version)",
    async ({ bin }) => {
      const manifests = await renderWith(
        bin,
        "team:\n  owner: payments\nservice:\n  annotations:\n    team/owner: payments\nresources:\n  requests:\n    cpu: 200m\n",
      );
      expect(checkRelease(manifests)).toEqual([]);
    },
  );

  it.each(helmBinaries())(
    "refuses an unknown key inside the chart's own objects, a typo that would be ignored (Helm $version)",
    async ({ bin }) => {
      await expect(renderWith(bin, "service:\n  extra: 1\n")).rejects.toThrow(/extra/);
      await expect(renderWith(bin, "blueGreen:\n  autoPromotion: false\n")).rejects.toThrow(/autoPromotion/);
    },
  );
});

describe("the release rules", () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    const chartDir = await initChart(["--image", "ghcr.io/acme/shop:1.10", "--slack-webhook", WEBHOOK]);
    // With the SyncFail Job, as Argo CD renders it and `helm template` shows it.
    manifests = await helmTemplate(
      helmBinaries()[0]!.bin,
      chartDir,
      [join(chartDir, "values.yaml"), join(chartDir, "values-prod.yaml")],
      [],
      { release: "shop" },
    );
  });

  // Each rule must catch its mistake, or "no findings" above would prove nothing.
  const broken: [string, (m: any[]) => void][] = [
    [
      "hpa-target",
      (m) =>
        (one(m, "HorizontalPodAutoscaler").spec.scaleTargetRef = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: "shop",
        }),
    ],
    [
      "replicas-missing",
      (m) => {
        delete one(m, "Rollout").spec.replicas;
        m.splice(m.indexOf(one(m, "HorizontalPodAutoscaler")), 1);
      },
    ],
    ["hpa-cpu-request", (m) => delete one(m, "Rollout").spec.template.spec.containers[0].resources.requests.cpu],
    [
      "service-missing",
      (m) =>
        m.splice(
          m.findIndex((x) => x.metadata.name === "shop-preview"),
          1,
        ),
    ],
    ["active-equals-preview", (m) => (one(m, "Rollout").spec.strategy.blueGreen.previewService = "shop")],
    ["selector-mismatch", (m) => (byKind(m, "Service")[0]!.spec.selector = { app: "other" })],
    ["target-port-missing", (m) => (byKind(m, "Service")[0]!.spec.ports[0].targetPort = "web")],
    ["scale-down-delay", (m) => (one(m, "Rollout").spec.strategy.blueGreen.scaleDownDelaySeconds = 0)],
    ["readiness-probe", (m) => delete one(m, "Rollout").spec.template.spec.containers[0].readinessProbe],
    [
      "deployment-beside-rollout",
      (m) => m.push({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "shop" }, spec: {} }),
    ],
    [
      "webhook-in-manifest",
      (m) => (byKind(m, "Job")[0]!.spec.template.spec.containers[0].env = [{ name: "URL", value: WEBHOOK }]),
    ],
    ["image-unpinned", (m) => (one(m, "Rollout").spec.template.spec.containers[0].image = "ghcr.io/acme/shop:latest")],
    [
      "hook-pods-selected",
      (m) => (byKind(m, "Job")[0]!.spec.template.metadata.labels = one(m, "Rollout").spec.template.metadata.labels),
    ],
    ["chart-label-on-pods", (m) => (one(m, "Rollout").spec.template.metadata.labels["helm.sh/chart"] = "shop-0.1.0")],
  ];

  it.each(broken)("catches %s", (rule, breakIt) => {
    const copy = structuredClone(manifests);
    breakIt(copy);
    const findings = checkRelease(copy);
    expect(findings.map((f) => f.rule)).toContain(rule);
    expect(JSON.stringify(findings)).not.toContain(WEBHOOK);
  });
});
