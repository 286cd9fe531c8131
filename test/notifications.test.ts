// Release messages. In every kind of environment and setup, rendered as Argo CD renders it and
// as plain Helm does, on Helm 3 and 4: each event is posted by one mechanism, and nothing holds a
// sync open where promotion is manual. Every command that posts is then run here, for real,
// against a local server, a dead port, a failing server and a missing Secret.
// Upstream: gitops-engine pkg/sync/sync_context.go (what holds a sync; SyncFail set aside),
// pkg/sync/hook/ (Helm hooks Argo CD runs); Argo Rollouts rollout/analysis.go (no analysis on a
// first deploy), analysis/analysis.go (a dry-run metric cannot change the run),
// utils/record/record.go (event reason to trigger); Helm cmd/helm/template.go and
// pkg/releaseutil/manifest_sorter.go (v3), pkg/release/v1/util/manifest_sorter.go (v4).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, notificationMechanisms, postsToWebhook, type JobContainer, type ReleaseEvent } from "../src/rules/notifications.js";
import { syncWaiters } from "../src/rules/sync.js";
import { renderLikeArgoCd } from "./support/argocd.js";
import { initChart } from "./support/chart.js";
import { runCli } from "./support/cli.js";
import { helmBinaries, helmTemplate, runHelm, type HelmBinary, type Manifest } from "./support/helm.js";
import { deadPort, startServer } from "./support/http.js";
import { byKind, one, validateManifest } from "./support/manifests.js";
import { runContainer, startContainer } from "./support/pod.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const IMAGE = "ghcr.io/acme/shop:1.4.2";
const SETUPS = {
  "no webhook": [],
  "hooks only": ["--slack-webhook", WEBHOOK],
  "Argo Rollouts notifications": ["--slack-webhook", WEBHOOK, "--rollout-notifications"],
} as const;
type Setup = keyof typeof SETUPS;
type Env = "sandbox" | "prod";
type Renderer = "argocd" | "helm";

const POST_SYNC = "PostSync hook Job/shop-release-live";
const SYNC_FAIL = "SyncFail hook Job/shop-sync-failed";
const LIVE_ANALYSIS = "post-promotion analysis AnalysisTemplate/shop-release-live";
const SMOKE_TEST = "pre-promotion analysis AnalysisTemplate/shop-smoke-test";
const rollouts = (trigger: string) => `Argo Rollouts ${trigger}`;

/** The README's table, as mechanisms: an event that is left out is posted by nothing. */
function expected(setup: Setup, env: Env, renderer: Renderer): Partial<Record<ReleaseEvent, string[]>> {
  const syncFailed = renderer === "argocd" ? { "sync-failed": [SYNC_FAIL] } : {};
  if (setup === "no webhook") return {};
  if (setup === "Argo Rollouts notifications") {
    return {
      live: [rollouts("on-rollout-completed")],
      paused: [rollouts("on-rollout-paused")],
      "smoke-test-failed": [rollouts("on-rollout-aborted")],
      aborted: [rollouts("on-rollout-aborted")],
      ...syncFailed,
    };
  }
  if (env === "sandbox" && renderer === "argocd") return { live: [POST_SYNC], "smoke-test-failed": [SYNC_FAIL], ...syncFailed };
  if (env === "sandbox") return { live: [LIVE_ANALYSIS], "smoke-test-failed": [SMOKE_TEST] };
  return { live: [LIVE_ANALYSIS], paused: [SMOKE_TEST], "smoke-test-failed": [SMOKE_TEST], ...syncFailed };
}

function mechanismsOf(manifests: Manifest[]) {
  const byEvent: Partial<Record<ReleaseEvent, string[]>> = {};
  for (const { event, by } of notificationMechanisms(manifests)) (byEvent[event] ??= []).push(by);
  return byEvent;
}

const render = (helm: HelmBinary, chart: string, env: Env, renderer: Renderer, sets: string[] = []) =>
  renderer === "argocd"
    ? renderLikeArgoCd(helm, chart, env, sets)
    : helmTemplate(helm.bin, chart, [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)], sets.flatMap((s) => ["--set", s]), { release: "shop", namespace: `shop-${env}` });

const charts = {} as Record<Setup, string>;

beforeAll(async () => {
  for (const [setup, args] of Object.entries(SETUPS) as [Setup, readonly string[]][]) {
    charts[setup] = await initChart(["--image", IMAGE, "--repo-url", "git@github.com:acme/platform.git", "--repo-path", "shop", ...args]);
  }
});

describe.each(helmBinaries())("release messages on Helm $version", (helm) => {
  describe.each(Object.keys(SETUPS) as Setup[])("%s", (setup) => {
    it.each([
      ["sandbox", "argocd"],
      ["prod", "argocd"],
      ["sandbox", "helm"],
      ["prod", "helm"],
    ] as [Env, Renderer][])("posts each event of %s through one mechanism, rendered by %s", async (env, renderer) => {
      const manifests = await render(helm, charts[setup], env, renderer);
      for (const manifest of manifests) expect(validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).toEqual([]);
      expect(checkRelease(manifests, { renderer })).toEqual([]);
      expect(mechanismsOf(manifests)).toEqual(expected(setup, env, renderer));
      const rollout = one(manifests, "Rollout");
      // Where promotion is manual, the sync ends once everything is applied: no PostSync hook
      // (nor a Helm post-install/post-upgrade one, which Argo CD runs as PostSync), nothing in a
      // later wave than the Rollout.
      if (env === "prod") expect(syncWaiters(rollout, manifests)).toEqual([]);
      for (const manifest of manifests) {
        const annotations = manifest.metadata.annotations ?? {};
        expect(annotations).not.toHaveProperty("helm.sh/hook");
        if (env === "prod") expect(annotations["argocd.argoproj.io/hook"]).not.toBe("PostSync");
      }
      // Plain Helm never renders an Argo CD hook: nothing there can post a failure.
      if (renderer === "helm") expect(byKind(manifests, "Job")).toEqual([]);
    });
  });

  it("lets a person opt in to the PostSync hook where promotion is manual, and doctor's rules name the cost", async () => {
    const manifests = await renderLikeArgoCd(helm, charts["hooks only"], "prod", ["notifications.slack.postSyncWithManualPromotion=true"]);
    expect(mechanismsOf(manifests)).toEqual({ live: [POST_SYNC], paused: [SMOKE_TEST], "smoke-test-failed": [SYNC_FAIL], "sync-failed": [SYNC_FAIL] });
    const held = checkRelease(manifests, { renderer: "argocd" });
    expect(held.map((f) => [f.rule, f.resource])).toEqual([["sync-held-by-promotion", "Job/shop-release-live"]]);
    expect(held[0]!.message).toMatch(/Suspended, the sync stays Running until someone promotes or aborts/);
  });

  it("lets a migration Job run before the sync without holding it where promotion is manual", async () => {
    const manifests = await renderLikeArgoCd(helm, charts["hooks only"], "prod", ["migrations.enabled=true", "migrations.command={./migrate}"]);
    expect(byKind(manifests, "Job").map((job) => job.metadata.annotations!["argocd.argoproj.io/hook"]).sort()).toEqual(["PreSync", "SyncFail"]);
    expect(syncWaiters(one(manifests, "Rollout"), manifests)).toEqual([]);
    expect(checkRelease(manifests, { renderer: "argocd" })).toEqual([]);
  });

  it("gives every message Job a deadline its retries fit in, so that a slow Slack is never cut off into a failed hook", async () => {
    const sets = ["notifications.slack.retries=10", "notifications.slack.timeoutSeconds=30"];
    const manifests = [...(await renderLikeArgoCd(helm, charts["hooks only"], "sandbox", sets)), ...(await renderLikeArgoCd(helm, charts["hooks only"], "prod", sets))];
    const deadlines = [
      ...byKind(manifests, "Job").map((job) => job.spec.activeDeadlineSeconds),
      ...byKind(manifests, "AnalysisTemplate")
        .flatMap((t) => t.spec.metrics.map((m: any) => m.provider.job.spec))
        .filter((job: any) => postsToWebhook(job.template.spec.containers[0]))
        .map((job: any) => job.activeDeadlineSeconds),
    ];
    // PostSync and SyncFail in sandbox; SyncFail, "live" and the smoke test in prod.
    expect(deadlines.length).toBe(5);
    // 11 attempts of at most 30 s, 2 s apart.
    for (const deadline of deadlines) expect(deadline).toBeGreaterThan(11 * 30 + 10 * 2);
  });

  it("runs no hook under plain helm install, upgrade or test: Helm finds none to run", async () => {
    for (const setup of Object.keys(SETUPS) as Setup[]) {
      const chart = charts[setup];
      for (const env of ["sandbox", "prod"]) {
        const args = ["template", "shop", chart, "-n", `shop-${env}`, "-f", join(chart, "values.yaml"), "-f", join(chart, `values-${env}.yaml`)];
        const all = await runHelm(helm.bin, args);
        expect(all.code, all.stderr).toBe(0);
        // Hooks (for install, upgrade, test...) are what --no-hooks leaves out; tests what --skip-tests does.
        expect((await runHelm(helm.bin, [...args, "--no-hooks"])).stdout).toBe(all.stdout);
        expect((await runHelm(helm.bin, [...args, "--skip-tests"])).stdout).toBe(all.stdout);
        if (helm.version === 4) {
          const install = await runHelm(helm.bin, ["install", ...args.slice(1), "--dry-run=client"]);
          expect(install.code, install.stderr).toBe(0);
          expect(install.stdout).toMatch(/^HOOKS:\nMANIFEST:$/m);
        }
      }
    }
  });
});

describe("every command that posts a message, run here", () => {
  const secretName = "shop-slack-webhook";
  let containers: (JobContainer & { env: Env })[];

  beforeAll(async () => {
    const helm = helmBinaries()[0]!;
    containers = [];
    for (const env of ["sandbox", "prod"] as Env[]) {
      const manifests = await renderLikeArgoCd(helm, charts["hooks only"], env);
      containers.push(...jobContainers(manifests).map((job) => ({ ...job, env })));
    }
  });

  const posting = () => containers.filter((job) => postsToWebhook(job.container) && job.container.name !== "smoke-test");
  const smokeTest = (env: Env) => containers.find((job) => job.env === env && job.runsAt === "pre-promotion" && job.container.name === "smoke-test")!;
  const webhookOn = (origin: string) => ({ [secretName]: { url: `${origin}/services/T0000000/B0000000/S3cr3tT0k3n` } });
  const withUrl = (job: JobContainer, url: string) => ({
    ...job.container,
    env: job.container.env.map((e: any) => (e.name === "SMOKE_TEST_URL" ? { ...e, value: url } : e)),
  });

  it("finds the PostSync, SyncFail, post-promotion and smoke test messages", () => {
    expect(posting().map((job) => `${job.env} ${job.runsAt} ${job.resource}`).sort()).toEqual([
      "prod SyncFail Job/shop-sync-failed",
      "prod post-promotion AnalysisTemplate/shop-release-live",
      "sandbox PostSync Job/shop-release-live",
      "sandbox SyncFail Job/shop-sync-failed",
    ]);
    expect(postsToWebhook(smokeTest("prod").container)).toBe(true);
    expect(postsToWebhook(smokeTest("sandbox").container)).toBe(false);
  });

  it("delivers valid JSON naming the app, the environment and the image, and exits 0", async () => {
    const slack = await startServer(200);
    for (const job of posting()) {
      const before = slack.received.length;
      const result = await runContainer(startContainer(job.container, webhookOn(slack.origin)));
      expect(result.code, `${job.resource}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain("Slack: message sent.");
      const [request] = slack.received.slice(before);
      expect(request).toMatchObject({ method: "POST", path: "/services/T0000000/B0000000/S3cr3tT0k3n" });
      expect(request!.headers["content-type"]).toBe("application/json");
      const { text } = JSON.parse(request!.body);
      expect(text).toContain(`*shop* in *${job.env}*`);
      expect(text).toContain(`\`${IMAGE}\``);
    }
  });

  it("says the sync failed and points at Argo CD, never that the release did not go live", async () => {
    const slack = await startServer(200);
    const syncFail = posting().find((job) => job.env === "prod" && job.runsAt === "SyncFail")!;
    await runContainer(startContainer(syncFail.container, webhookOn(slack.origin)));
    const { text } = JSON.parse(slack.received[0]!.body);
    expect(text).toBe(`:x: *shop* in *prod*: the Argo CD sync of \`${IMAGE}\` failed. See why in Argo CD: \`argocd app get shop-prod\`.`);
  });

  it("exits 0 and logs why when Slack answers 500, the webhook is revoked, nothing listens or the Secret is missing", async () => {
    const failing = await startServer(500);
    const revoked = await startServer(403);
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const cases: [string, Record<string, Record<string, string>>, RegExp][] = [
      ["HTTP 500", webhookOn(failing.origin), /Slack: message not sent \(curl exit code 22\); the release is not affected\./],
      ["a revoked webhook", webhookOn(revoked.origin), /Slack: message not sent \(curl exit code 22\)/],
      ["a dead port", webhookOn(dead), /Slack: message not sent \(curl exit code 7\)/],
      ["no Secret", {}, /Slack: message not sent: no webhook \(is the Secret shop-slack-webhook with the key url in this namespace\?\)/],
    ];
    const runs = posting().flatMap((job) => cases.map(async ([label, secrets, why]) => {
      const result = await runContainer(startContainer(job.container, secrets));
      expect(result.code, `${job.resource} with ${label}`).toBe(0);
      expect(result.stderr, `${job.resource} with ${label}`).toMatch(why);
      expect(result.stdout + result.stderr).not.toContain("S3cr3tT0k3n");
    }));
    await Promise.all(runs);
    // Transient errors are retried (--retry 3); a revoked webhook is not.
    expect(failing.received.length).toBe(posting().length * 4);
    expect(revoked.received.length).toBe(posting().length);
  });

  it("keeps the smoke test failing hard, whatever Slack does, and posts its outcome where promotion is manual", async () => {
    const app = await startServer(200);
    const slack = await startServer(200);
    const failingSlack = await startServer(500);
    const nowhere = `http://127.0.0.1:${await deadPort()}/`;
    const prod = smokeTest("prod");
    const [passed, failed, failedSlackDown, passedSlackDown, sandbox] = await Promise.all([
      runContainer(startContainer(withUrl(prod, `${app.origin}/`), webhookOn(slack.origin))),
      runContainer(startContainer(withUrl(prod, nowhere), webhookOn(slack.origin))),
      runContainer(startContainer(withUrl(prod, nowhere), webhookOn(failingSlack.origin))),
      runContainer(startContainer(withUrl(prod, `${app.origin}/`), webhookOn(nowhere.replace(/\/$/, "")))),
      runContainer(startContainer(withUrl(smokeTest("sandbox"), nowhere))),
    ]);
    expect(passed.code).toBe(0);
    expect(passedSlackDown.code).toBe(0);
    for (const result of [failed, failedSlackDown, sandbox]) expect(result.code).toBe(7);
    expect(failedSlackDown.stderr).toMatch(/Smoke test failed: curl exit code 7[\s\S]*Slack: message not sent \(curl exit code 22\)/);
    const texts = slack.received.map((r) => JSON.parse(r.body).text as string).sort();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^:double_vertical_bar: \*shop\* in \*prod\*: `ghcr\.io\/acme\/shop:1\.4\.2` passed its smoke test and waits for promotion/);
    expect(texts[1]).toMatch(/^:no_entry: \*shop\* in \*prod\*: `ghcr\.io\/acme\/shop:1\.4\.2` failed its smoke test through the preview Service, so Argo Rollouts aborts the release/);
    // Where another mechanism reports the outcome, the smoke test has no webhook at all.
    expect(smokeTest("sandbox").container.env.map((e: any) => e.name)).toEqual(["SMOKE_TEST_URL"]);
  });
});

describe("doctor", () => {
  it("renders an environment as its Application does, and reports the PostSync opt-in where promotion is manual", async () => {
    const chart = await initChart(["--image", IMAGE, "--slack-webhook", WEBHOOK, "--repo-url", "git@github.com:acme/platform.git", "--repo-path", "shop"]);
    const clean = await runCli(["doctor", "--chart", chart, "--json", "--helm", helmBinaries()[0]!.bin]);
    expect(clean.code, clean.stdout).toBe(0);
    const prod = join(chart, "values-prod.yaml");
    writeFileSync(prod, `${readFileSync(prod, "utf8")}notifications:\n  slack:\n    postSyncWithManualPromotion: true\n`);
    const held = await runCli(["doctor", "--chart", chart, "--json", "--helm", helmBinaries()[0]!.bin]);
    expect(held.code).toBe(1);
    expect(JSON.parse(held.stdout).findings.map((f: any) => `${f.rule} ${f.resource} ${f.valuesFile}`)).toEqual(["sync-held-by-promotion Job/shop-release-live values-prod.yaml"]);
  });

  it("keeps the SyncFail Job under helm.skipTests: the chart has no Helm test hook to drop", async () => {
    const chart = charts["hooks only"];
    const helm = helmBinaries()[0]!;
    const withTests = await renderLikeArgoCd(helm, chart, "prod");
    expect(await renderLikeArgoCd(helm, chart, "prod", [], ["--skip-tests"])).toEqual(withTests);
    expect(byKind(withTests, "Job").map((job) => job.metadata.name)).toEqual(["shop-sync-failed"]);
  });
});

describe("doctor on the seed's hook Jobs", () => {
  it("finds the held sync, the failing and doubled messages, and the false failure under plain Helm", async () => {
    const chart = await initChart(["--image", IMAGE, "--slack-webhook", WEBHOOK]);
    const seed = (name: string, hook: string, text: string) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { generateName: `${name}-`, annotations: { "argocd.argoproj.io/hook": hook, "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" } },
      spec: {
        backoffLimit: 2,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name, image: "curlimages/curl", command: ["curl", "-X", "POST", "--data-urlencode", `payload={"text": "${text}"}`, "https://hooks.slack.com/services/..."] }],
          },
        },
      },
    });
    const templates = [seed("notification-success", "PostSync", "ok"), seed("notification-fail", "SyncFail", "failed")].map((doc) => YAML.stringify(doc)).join("---\n");
    writeFileSync(join(chart, "templates", "seed-hooks.yaml"), templates);
    const result = await runCli(["doctor", "--chart", chart, "--json", "--helm", helmBinaries()[0]!.bin]);
    expect(result.code).toBe(1);
    const found = (JSON.parse(result.stdout).findings as { rule: string; valuesFile: string; resource: string }[]).filter((f) => f.valuesFile === "values-prod.yaml");
    const rules = new Set(found.map((f) => `${f.rule} ${f.resource}`));
    for (const rule of [
      "sync-held-by-promotion Job/notification-success-",
      "notification-exit-code Job/notification-success-",
      "notification-exit-code Job/notification-fail-",
      "image-unpinned Job/notification-fail-",
      "hook-curl-fail Job/notification-success-",
      "hook-lifecycle Job/notification-fail-",
      "hook-under-helm Job/notification-fail-",
      "notification-duplicate chart",
    ]) {
      expect(rules, rule).toContain(rule);
    }
  });
});
