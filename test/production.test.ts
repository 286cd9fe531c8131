// What a production team reaches for after init: exposure (Ingress, Gateway API, a preview host
// for green), identity, disruption and spread, configuration and database migrations. Each is
// rendered by real Helm 3 and 4, validated against the published schema of its kind (kubernetes-
// models; Gateway API's HTTPRoute through @kubernetes-models/gateway-api) and cross-referenced
// with the Rollout and its Services.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { expectNoFindings, initChart, lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { makeTempDir, runCli } from "./support/cli.js";
import { helmBinaries, helmLint, helmTemplate, type Manifest } from "./support/helm.js";
import { byKind, one } from "./support/manifests.js";

const HOST = "shop.example.com";
const PREVIEW_HOST = "preview.shop.example.com";
const CONFIG = { LOG_LEVEL: "info", FEATURE_CHECKOUT: "true", RETRIES: "3" };

/** values-full.yaml: every production knob on at once, beside the overlays init wrote. */
const FULL = {
  environment: "full",
  autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 10 },
  podDisruptionBudget: { enabled: true },
  config: CONFIG,
  envFrom: [{ secretRef: { name: "shop-db" } }],
  env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "shop-db", key: "password" } } }],
  httpRoute: { enabled: true, hostnames: [HOST], preview: { enabled: true, hostname: PREVIEW_HOST } },
  serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/shop" } },
  migrations: { enabled: true, command: ["bin/migrate"], args: ["up"] },
  startupProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 5, failureThreshold: 30 },
  lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
  terminationGracePeriodSeconds: 45,
  blueGreen: { antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } } },
};

const named = (manifests: Manifest[], kind: string, name: string) =>
  one(
    manifests.filter((m) => m.metadata.name === name),
    kind,
  );
const rolloutOf = (manifests: Manifest[]) => one(manifests, "Rollout");
const podSpecOf = (manifests: Manifest[]) => rolloutOf(manifests).spec.template.spec;
const isHook = (m: Manifest) => m.metadata.annotations?.["argocd.argoproj.io/hook"] !== undefined;

describe("a production chart: init --host --preview-host, with every knob on in values-full.yaml", () => {
  let chart: string;
  let releases: RenderedRelease[];
  const full = () => releases.filter((r) => r.label === "values-full.yaml");

  beforeAll(async () => {
    chart = await initChart(["--image", "ghcr.io/acme/shop:1.4.2", "--host", HOST, "--preview-host", PREVIEW_HOST]);
    writeFileSync(join(chart, "values-full.yaml"), YAML.stringify(FULL));
    releases = await lintAndRenderAll(chart);
  });

  it("lints with --strict, validates every manifest and holds every release rule, on Helm 3 and 4", () => {
    expect(releases.map((r) => `${r.helm.version}:${r.label}`)).toEqual(
      helmBinaries().flatMap((h) =>
        ["values.yaml", "values-full.yaml", "values-prod.yaml", "values-sandbox.yaml"].map((l) => `${h.version}:${l}`),
      ),
    );
    for (const release of releases) expectNoFindings(release);
  });

  it("listens on 8080 while both Services still expose port 80", () => {
    for (const { manifests } of releases) {
      expect(podSpecOf(manifests).containers[0].ports).toEqual([
        { name: "http", containerPort: 8080, protocol: "TCP" },
      ]);
      for (const service of byKind(manifests, "Service"))
        expect(service.spec.ports).toEqual([{ port: 80, targetPort: "http", protocol: "TCP", name: "http" }]);
    }
  });

  it("sends the --host to the active Service and the --preview-host to the preview Service", () => {
    for (const { manifests } of releases) {
      const { activeService, previewService } = rolloutOf(manifests).spec.strategy.blueGreen;
      const port = named(manifests, "Service", activeService).spec.ports[0].port;
      const backend = (name: string) => ({ service: { name, port: { number: port } } });
      const ingresses = byKind(manifests, "Ingress");
      expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([activeService, previewService].sort());
      expect(named(manifests, "Ingress", activeService).spec.rules).toEqual([
        { host: HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(activeService) }] } },
      ]);
      expect(named(manifests, "Ingress", previewService).spec.rules).toEqual([
        { host: PREVIEW_HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(previewService) }] } },
      ]);
    }
  });

  it("routes Gateway API traffic the same way, with the HTTPRoute of Helm 4's helm create", () => {
    for (const { manifests } of full()) {
      const { activeService, previewService } = rolloutOf(manifests).spec.strategy.blueGreen;
      const active = named(manifests, "HTTPRoute", activeService);
      expect(active.apiVersion).toBe("gateway.networking.k8s.io/v1");
      expect(active.spec).toEqual({
        parentRefs: [{ name: "gateway", sectionName: "http" }],
        hostnames: [HOST],
        rules: [
          { backendRefs: [{ name: activeService, port: 80 }], matches: [{ path: { type: "PathPrefix", value: "/" } }] },
        ],
      });
      const preview = named(manifests, "HTTPRoute", previewService);
      expect(preview.spec).toEqual({
        parentRefs: active.spec.parentRefs,
        hostnames: [PREVIEW_HOST],
        rules: [{ backendRefs: [{ name: previewService, port: 80 }] }],
      });
    }
    for (const release of releases.filter((r) => r.label !== "values-full.yaml"))
      expect(byKind(release.manifests, "HTTPRoute")).toEqual([]);
  });

  it("runs the pods as the chart's own ServiceAccount, with no API token", () => {
    for (const { label, manifests } of releases) {
      const pod = podSpecOf(manifests);
      const account = one(
        byKind(manifests, "ServiceAccount").filter((sa) => !isHook(sa)),
        "ServiceAccount",
      );
      expect(pod.serviceAccountName).toBe(account.metadata.name);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(account.automountServiceAccountToken).toBe(false);
      if (label === "values-full.yaml") expect(account.metadata.annotations).toEqual(FULL.serviceAccount.annotations);
    }
  });

  it("renders a PodDisruptionBudget over the Rollout's pods wherever more than one pod runs and production asks for it", () => {
    for (const { label, manifests } of releases) {
      const budgets = byKind(manifests, "PodDisruptionBudget");
      // values.yaml: 2 replicas but off; sandbox: 1 replica; prod and full: autoscaling from 2 and 3 pods.
      if (!["values-prod.yaml", "values-full.yaml"].includes(label)) {
        expect(budgets, label).toEqual([]);
        continue;
      }
      const pdb = one(budgets, "PodDisruptionBudget");
      expect(pdb.apiVersion).toBe("policy/v1");
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
      const podLabels = rolloutOf(manifests).spec.template.metadata.labels;
      // Blue and green alike: the selector has no pod-template hash, only labels every pod of the app carries.
      for (const [key, value] of Object.entries(pdb.spec.selector.matchLabels)) expect(podLabels[key]).toBe(value);
      expect(Object.keys(pdb.spec.selector.matchLabels)).not.toContain("rollouts-pod-template-hash");
    }
  });

  it("leaves unhealthyPodEvictionPolicy out for Kubernetes before 1.27, whose API servers lack it", async () => {
    const manifests = await helmTemplate(
      helmBinaries()[0]!.bin,
      chart,
      [join(chart, "values.yaml"), join(chart, "values-prod.yaml")],
      ["--kube-version", "1.26.0"],
    );
    const pdb = one(manifests, "PodDisruptionBudget");
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: pdb.spec.selector });
    expect(checkRelease(manifests)).toEqual([]);
  });

  it("spreads each ReplicaSet over nodes on its own, softly, and can keep green off blue's nodes", () => {
    for (const { label, manifests } of releases) {
      const rollout = rolloutOf(manifests);
      expect(rollout.spec.template.spec.topologySpreadConstraints).toEqual([
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: rollout.spec.selector.matchLabels },
          matchLabelKeys: ["rollouts-pod-template-hash"],
        },
      ]);
      const antiAffinity = rollout.spec.strategy.blueGreen.antiAffinity;
      if (label === "values-full.yaml")
        expect(antiAffinity).toEqual({ preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 } });
      else expect(antiAffinity).toBeUndefined();
    }
  });

  it("gives the container its config through envFrom, with a checksum on the pod template, and the lifecycle knobs", () => {
    for (const { manifests } of full()) {
      const configMap = one(
        byKind(manifests, "ConfigMap").filter((c) => !isHook(c)),
        "ConfigMap",
      );
      expect(configMap.data).toEqual(CONFIG);
      const template = rolloutOf(manifests).spec.template;
      const container = template.spec.containers[0];
      expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, ...FULL.envFrom]);
      expect(container.env).toEqual(FULL.env);
      expect(template.metadata.annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
      expect(container.startupProbe).toEqual(FULL.startupProbe);
      expect(container.lifecycle).toEqual(FULL.lifecycle);
      expect(template.spec.terminationGracePeriodSeconds).toBe(45);
    }
    for (const release of releases.filter((r) => r.label !== "values-full.yaml")) {
      const template = rolloutOf(release.manifests).spec.template;
      expect(byKind(release.manifests, "ConfigMap")).toEqual([]);
      expect(template.metadata).not.toHaveProperty("annotations");
      expect(template.spec.containers[0]).not.toHaveProperty("envFrom");
      expect(template.spec).not.toHaveProperty("terminationGracePeriodSeconds");
    }
  });

  it("changes the checksum, and so starts a release, when and only when the config changes", async () => {
    const bin = helmBinaries()[0]!.bin;
    const render = (...set: string[]) =>
      helmTemplate(
        bin,
        chart,
        [join(chart, "values.yaml"), join(chart, "values-full.yaml")],
        set.flatMap((s) => ["--set-string", s]),
      );
    const checksum = async (...set: string[]) =>
      rolloutOf(await render(...set)).spec.template.metadata.annotations["checksum/config"];
    const base = await checksum();
    expect(base).toBe(rolloutOf(full()[0]!.manifests).spec.template.metadata.annotations["checksum/config"]);
    expect(await checksum("config.LOG_LEVEL=debug")).not.toBe(base);
    expect(await checksum("image.tag=1.4.3", "podLabels.team=payments", "environment=other")).toBe(base);
  });

  it("runs the migrations before the Rollout is applied, in exactly its image, with its config and env, ready on the first sync", () => {
    for (const { manifests } of full()) {
      const rollout = rolloutOf(manifests);
      const job = one(
        byKind(manifests, "Job").filter((j) => j.metadata.labels?.["app.kubernetes.io/component"] === "migrations"),
        "Job",
      );
      expect(job.metadata.annotations).toMatchObject({
        "argocd.argoproj.io/hook": "PreSync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded",
        "helm.sh/hook": "pre-install,pre-upgrade",
      });
      expect(job.spec.activeDeadlineSeconds).toBe(600);
      const pod = job.spec.template.spec;
      const container = pod.containers[0];
      expect(container.image).toBe(rollout.spec.template.spec.containers[0].image);
      expect(container.command).toEqual(["bin/migrate"]);
      expect(container.args).toEqual(["up"]);
      expect(container.env).toEqual(FULL.env);
      // What the Job reads is made in PreSync too, before the Job: the Sync phase's ConfigMap and
      // ServiceAccount do not exist yet on a first sync.
      const configName = container.envFrom[0].configMapRef.name;
      expect(container.envFrom.slice(1)).toEqual(FULL.envFrom);
      const copy = named(manifests, "ConfigMap", configName);
      const account = named(manifests, "ServiceAccount", pod.serviceAccountName);
      for (const hook of [copy, account]) {
        expect(hook.metadata.annotations).toMatchObject({
          "argocd.argoproj.io/hook": "PreSync",
          "argocd.argoproj.io/sync-wave": "-1",
          "helm.sh/hook-weight": "-1",
        });
      }
      expect(copy.data).toEqual(CONFIG);
      expect(account.metadata.annotations).toMatchObject(FULL.serviceAccount.annotations);
      // Never receives the app's traffic.
      for (const service of byKind(manifests, "Service")) {
        expect(
          Object.entries(service.spec.selector).every(([k, v]) => job.spec.template.metadata.labels[k] === v),
        ).toBe(false);
      }
    }
  });

  it("adds nothing after the Rollout: no PostSync hook and no later sync wave, so a paused release never holds the sync", () => {
    const ours = ["Ingress", "HTTPRoute", "ServiceAccount", "PodDisruptionBudget", "ConfigMap", "Job"];
    for (const { manifests } of releases) {
      const rolloutWave = Number(rolloutOf(manifests).metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0);
      for (const manifest of manifests.filter((m) => ours.includes(m.kind))) {
        const annotations = manifest.metadata.annotations ?? {};
        const hook = annotations["argocd.argoproj.io/hook"];
        expect(hook === undefined || hook === "PreSync", `${manifest.kind}/${manifest.metadata.name}`).toBe(true);
        if (hook === undefined) expect(annotations["helm.sh/hook"]).toBeUndefined();
        expect(Number(annotations["argocd.argoproj.io/sync-wave"] ?? 0)).toBeLessThanOrEqual(rolloutWave);
      }
    }
  });

  it("runs the migrations in the environment's own image after bump-image --env", async () => {
    const bump = await runCli(["bump-image", "1.5.0", "--env", "full", "--chart", chart]);
    expect(bump.stderr).toBe("");
    expect(bump.code).toBe(0);
    for (const helm of helmBinaries()) {
      const manifests = await helmTemplate(helm.bin, chart, [
        join(chart, "values.yaml"),
        join(chart, "values-full.yaml"),
      ]);
      const job = byKind(manifests, "Job").find(
        (j) => j.metadata.annotations?.["argocd.argoproj.io/hook"] === "PreSync",
      )!;
      expect(job.spec.template.spec.containers[0].image).toBe("ghcr.io/acme/shop:1.5.0");
      expect(rolloutOf(manifests).spec.template.spec.containers[0].image).toBe("ghcr.io/acme/shop:1.5.0");
    }
  });

  it.each(helmBinaries())(
    "fails helm lint on a typo inside the chart's own objects, and lets top-level keys through (Helm $version)",
    async ({ bin }) => {
      const lintWith = async (values: object) => {
        const file = join(makeTempDir(), "typo.yaml");
        writeFileSync(file, YAML.stringify(values));
        return helmLint(bin, chart, [join(chart, "values.yaml"), file]);
      };
      for (const typo of [
        { autoscaling: { enable: true } },
        { ingress: { preview: { hostname: PREVIEW_HOST } } },
        { serviceAccount: { creat: false } },
        { migrations: { enable: true } },
      ]) {
        const lint = await lintWith(typo);
        expect(lint.code, JSON.stringify(typo)).not.toBe(0);
        expect(`${lint.stdout}${lint.stderr}`).toMatch(/enable|hostname|creat/);
      }
      expect((await lintWith({ podDisruptionBudget: { maxUnavailable: 0 } })).code).not.toBe(0);
      expect((await lintWith({ config: { PORT: 8080 } })).code).not.toBe(0);
      expect((await lintWith({ team: { owner: "payments" } })).code).toBe(0);
    },
  );

  describe("the release rules", () => {
    let manifests: Manifest[];
    beforeAll(() => {
      manifests = full()[0]!.manifests;
    });

    // Each rule must catch its mistake, or "no findings" above would prove nothing.
    const broken: [string, (m: Manifest[]) => void][] = [
      ["pdb-blocks-drain", (m) => (one(m, "PodDisruptionBudget").spec.maxUnavailable = 0)],
      [
        "pdb-blocks-drain",
        (m) =>
          (one(m, "PodDisruptionBudget").spec = {
            minAvailable: 3,
            selector: one(m, "PodDisruptionBudget").spec.selector,
          }),
      ],
      [
        "preview-exposure-to-active",
        (m) => (named(m, "Ingress", "shop-preview").spec.rules[0].http.paths[0].backend.service.name = "shop"),
      ],
      [
        "active-exposure-to-preview",
        (m) => (named(m, "HTTPRoute", "shop").spec.rules[0].backendRefs[0].name = "shop-preview"),
      ],
      [
        "exposure-backend-missing",
        (m) => (named(m, "Ingress", "shop").spec.rules[0].http.paths[0].backend.service.name = "shop-web"),
      ],
      [
        "exposure-backend-port",
        (m) => (named(m, "HTTPRoute", "shop-preview").spec.rules[0].backendRefs[0].port = 8080),
      ],
      ["config-without-checksum", (m) => delete rolloutOf(m).spec.template.metadata.annotations["checksum/config"]],
      ["schema", (m) => (named(m, "HTTPRoute", "shop").spec.rules[0].backendRefs[0].port = "http")],
      ["schema", (m) => (one(m, "PodDisruptionBudget").spec.unhealthyPodEvictionPolicy = "Never")],
    ];

    it.each(broken)("catches %s", (rule, breakIt) => {
      const copy = structuredClone(manifests);
      breakIt(copy);
      expect(checkRelease(copy).map((f) => f.rule)).toContain(rule);
    });
  });
});

describe("init --host and --preview-host", () => {
  const refused: [string, string[], RegExp][] = [
    ["an upper-case host", ["--host", "Shop.Example.com"], /^error: --host: must be a DNS name/],
    ["an IP address", ["--host", "10.0.0.1"], /^error: --host: must be a DNS name/],
    ["an underscore", ["--preview-host", "preview_shop.example.com"], /^error: --preview-host: must be a DNS name/],
    ["a URL", ["--host", "https://shop.example.com"], /^error: --host: must be a DNS name/],
    [
      "the same host twice",
      ["--host", HOST, "--preview-host", HOST],
      /^error: --preview-host: must differ from --host/,
    ],
  ];

  it.each(refused)("refuse %s with exit 2 and write nothing", async (_, args, message) => {
    const cwd = makeTempDir();
    const result = await runCli(["init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.4.2", ...args], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(cwd, "shop"))).toBe(false);
  });

  it("turn the Ingresses on in values.yaml and show where to try green", async () => {
    const cwd = makeTempDir();
    const result = await runCli(
      [
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.4.2",
        "--host",
        HOST,
        "--preview-host",
        PREVIEW_HOST,
      ],
      { cwd },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`http://${PREVIEW_HOST}/`);
    const values = YAML.parse(readFileSync(join(cwd, "shop", "values.yaml"), "utf8"));
    expect(values.ingress).toMatchObject({
      enabled: true,
      hosts: [{ host: HOST }],
      preview: { enabled: true, host: PREVIEW_HOST },
    });
    expect(values.containerPort).toBe(8080);
  });
});
