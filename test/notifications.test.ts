// Release messages. In every kind of environment and setup, on Helm 3 and 4, Argo CD renders
// exactly what plain `helm template` shows; each event is posted by one mechanism, and nothing
// holds a sync open where promotion is manual. Plain Helm runs the PostSync Job after install and
// upgrade and the SyncFail Job only after a rollback. Every command that posts is then run here,
// for real, against a local server, a dead port, a failing server and a missing Secret.
// Upstream: gitops-engine pkg/sync/sync_context.go (what holds a sync; SyncFail set aside),
// pkg/sync/hook/hook.go (an Argo CD hook annotation wins: Helm's is ignored beside it),
// pkg/sync/hook/helm/ (the Helm hooks Argo CD runs); argo-cd controller/hook.go (helm.sh/hook
// pre-delete/post-delete are Argo CD delete hooks); Argo Rollouts rollout/analysis.go (no analysis
// on a first deploy), analysis/analysis.go (a dry-run metric cannot change the run),
// utils/record/record.go (event reason to trigger); Helm cmd/helm/template.go and
// pkg/releaseutil/manifest_sorter.go (v3), pkg/cmd/template.go and
// pkg/release/v1/util/manifest_sorter.go (v4), pkg/action/{install,upgrade,rollback,release_testing}.go
// (which hook events each command runs; a rollback runs the hooks of the revision it restores).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import {
  type JobContainer,
  jobContainers,
  notificationMechanisms,
  postsToWebhook,
  type ReleaseEvent,
} from "../src/rules/notifications.js";
import { syncWaiters } from "../src/rules/sync.js";
import { applicationOf, renderLikeArgoCd } from "./support/argocd.js";
import { initChart } from "./support/chart.js";
import { runCli } from "./support/cli.js";
import { type HelmBinary, helmBinaries, helmTemplate, type Manifest, runHelm } from "./support/helm.js";
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

const POST_SYNC = "PostSync hook Job/shop-release-live";
const SYNC_FAIL = "SyncFail hook Job/shop-sync-failed";
const LIVE_ANALYSIS = "post-promotion analysis AnalysisTemplate/shop-release-live";
const SMOKE_TEST = "pre-promotion analysis AnalysisTemplate/shop-smoke-test";
const rollouts = (trigger: string) => `Argo Rollouts ${trigger}`;

/** The README's table, as mechanisms: an event that is left out is posted by nothing. */
function expected(setup: Setup, env: Env): Partial<Record<ReleaseEvent, string[]>> {
  const syncFailed = { "sync-failed": [SYNC_FAIL] };
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
  if (env === "sandbox") return { live: [POST_SYNC], "smoke-test-failed": [SYNC_FAIL], ...syncFailed };
  return { live: [LIVE_ANALYSIS], paused: [SMOKE_TEST], "smoke-test-failed": [SMOKE_TEST], ...syncFailed };
}

function mechanismsOf(manifests: Manifest[]) {
  const byEvent: Partial<Record<ReleaseEvent, string[]>> = {};
  for (const { event, by } of notificationMechanisms(manifests)) (byEvent[event] ??= []).push(by);
  return byEvent;
}

/** `helm template` as a person runs it, with what the README teaches: release shop, its namespace, values.yaml and the overlay. */
const plainArgs = (chart: string, env: Env) => [
  "shop",
  chart,
  "-n",
  `shop-${env}`,
  "-f",
  join(chart, "values.yaml"),
  "-f",
  join(chart, `values-${env}.yaml`),
];
const plainTemplate = (helm: HelmBinary, chart: string, env: Env) =>
  helmTemplate(helm.bin, chart, [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)], [], {
    release: "shop",
    namespace: `shop-${env}`,
  });

// What each plain Helm command runs: the hooks of these events (pkg/action install.go, upgrade.go,
// release_testing.go and rollback.go call execHook with exactly these, in Helm 3.17 and 4.1 alike).
const HELM_COMMANDS = {
  install: ["pre-install", "post-install"],
  upgrade: ["pre-upgrade", "post-upgrade"],
  test: ["test"],
  rollback: ["pre-rollback", "post-rollback"],
} as const;
/** The Helm hook of each hook Job, as the chart's README promises it. */
const HELM_HOOKS: Record<string, { hook: string; events: string[] }> = {
  PostSync: { hook: "post-install,post-upgrade", events: ["post-install", "post-upgrade"] },
  SyncFail: { hook: "post-rollback", events: ["post-rollback"] },
};

const charts = {} as Record<Setup, string>;

beforeAll(async () => {
  for (const [setup, args] of Object.entries(SETUPS) as [Setup, readonly string[]][]) {
    charts[setup] = await initChart([
      "--image",
      IMAGE,
      "--repo-url",
      "git@github.com:acme/platform.git",
      "--repo-path",
      "shop",
      ...args,
    ]);
  }
});

// Every test renders into its own output or starts its own servers, so the suites run side by
// side: the message tests mostly wait out curl's retry back-off, and the renders use that time.
describe.concurrent.each(helmBinaries())("release messages on Helm $version", (helm) => {
  describe.each(Object.keys(SETUPS) as Setup[])("%s", (setup) => {
    it.each(["sandbox", "prod"] as Env[])(
      "renders %s for Argo CD as plain helm template does, and posts each event through one mechanism",
      async (env) => {
        const manifests = await plainTemplate(helm, charts[setup], env);
        // The Applications pass no parameters: Argo CD's render is the one anybody gets.
        expect(applicationOf(charts[setup], env).spec.source.helm).not.toHaveProperty("parameters");
        expect(await renderLikeArgoCd(helm, charts[setup], env)).toEqual(manifests);
        for (const manifest of manifests)
          expect(validateManifest(manifest), `${manifest.kind}/${manifest.metadata.name}`).toEqual([]);
        expect(checkRelease(manifests, { renderer: "helm" })).toEqual([]);
        expect(mechanismsOf(manifests)).toEqual(expected(setup, env));
        const rollout = one(manifests, "Rollout");
        // Where promotion is manual, the sync ends once everything is applied: no PostSync hook
        // (nor a Helm post-install/post-upgrade one, which Argo CD runs as PostSync), nothing in a
        // later wave than the Rollout.
        if (env === "prod") expect(syncWaiters(rollout, manifests)).toEqual([]);
        for (const manifest of manifests) {
          const annotations = manifest.metadata.annotations ?? {};
          const argocdHook = annotations["argocd.argoproj.io/hook"];
          if (env === "prod") expect(argocdHook).not.toBe("PostSync");
          // Every Helm hook sits beside an Argo CD hook, which Argo CD follows instead.
          if (argocdHook === undefined) {
            expect(annotations).not.toHaveProperty("helm.sh/hook");
            continue;
          }
          expect(annotations["helm.sh/hook"], `${manifest.kind}/${manifest.metadata.name}`).toBe(
            HELM_HOOKS[argocdHook]!.hook,
          );
          expect(annotations["helm.sh/hook-delete-policy"]).toBe("before-hook-creation,hook-succeeded");
          expect(annotations["argocd.argoproj.io/hook-delete-policy"]).toBe("BeforeHookCreation,HookSucceeded");
        }
      },
    );
  });

  it("lets a person opt in to the PostSync hook where promotion is manual, and doctor's rules name the cost", async () => {
    const manifests = await renderLikeArgoCd(helm, charts["hooks only"], "prod", [
      "notifications.slack.postSyncWithManualPromotion=true",
    ]);
    expect(mechanismsOf(manifests)).toEqual({
      live: [POST_SYNC],
      paused: [SMOKE_TEST],
      "smoke-test-failed": [SYNC_FAIL],
      "sync-failed": [SYNC_FAIL],
    });
    const held = checkRelease(manifests, { renderer: "helm" });
    expect(held.map((f) => [f.rule, f.resource])).toEqual([["sync-held-by-promotion", "Job/shop-release-live"]]);
    expect(held[0]!.message).toMatch(/Suspended, the sync stays Running until someone promotes or aborts/);
  });

  it("lets a migration Job run before the sync without holding it where promotion is manual", async () => {
    const manifests = await renderLikeArgoCd(helm, charts["hooks only"], "prod", [
      "migrations.enabled=true",
      "migrations.command={./migrate}",
    ]);
    expect(
      byKind(manifests, "Job")
        .map((job) => job.metadata.annotations!["argocd.argoproj.io/hook"])
        .sort(),
    ).toEqual(["PreSync", "SyncFail"]);
    expect(syncWaiters(one(manifests, "Rollout"), manifests)).toEqual([]);
    expect(checkRelease(manifests, { renderer: "helm" })).toEqual([]);
  });

  it("gives every message Job a deadline its retries fit in, so that a slow Slack is never cut off into a failed hook", async () => {
    const sets = ["notifications.slack.retries=10", "notifications.slack.timeoutSeconds=30"];
    const manifests = [
      ...(await renderLikeArgoCd(helm, charts["hooks only"], "sandbox", sets)),
      ...(await renderLikeArgoCd(helm, charts["hooks only"], "prod", sets)),
    ];
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

  it("under plain Helm runs the PostSync Job after install and upgrade and the SyncFail Job only after a rollback: no failure on install, upgrade or test", async () => {
    for (const setup of Object.keys(SETUPS) as Setup[]) {
      for (const env of ["sandbox", "prod"] as Env[]) {
        const chart = charts[setup];
        const all = await plainTemplate(helm, chart, env);
        const hooks = all.filter((m) => m.metadata.annotations?.["helm.sh/hook"] !== undefined);
        // What Helm itself takes for a hook is what --no-hooks leaves out (a hook of an unknown
        // type would be dropped from both renders, manifest_sorter.go); --skip-tests leaves out
        // the test hooks, and there are none.
        const files = [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)];
        const opts = { release: "shop", namespace: `shop-${env}` };
        expect(await helmTemplate(helm.bin, chart, files, ["--no-hooks"], opts)).toEqual(
          all.filter((m) => !hooks.includes(m)),
        );
        expect(await helmTemplate(helm.bin, chart, files, ["--skip-tests"], opts)).toEqual(all);
        let events: Record<string, string[]>;
        if (helm.version === 4) {
          // Helm 4 prints, without a cluster, the release it would install: its hooks as Helm
          // parsed them, with their events.
          const install = await runHelm(helm.bin, [
            "install",
            ...plainArgs(chart, env),
            "--dry-run=client",
            "-o",
            "json",
          ]);
          expect(install.code, install.stderr).toBe(0);
          const release = JSON.parse(install.stdout) as {
            hooks?: { kind: string; name: string; events: string[]; manifest: string }[];
          };
          expect((release.hooks ?? []).map((hook) => YAML.parse(hook.manifest))).toEqual(hooks);
          events = Object.fromEntries((release.hooks ?? []).map((hook) => [`${hook.kind}/${hook.name}`, hook.events]));
        } else {
          // Helm 3.17's install --dry-run=client still asks a cluster for its version
          // (pkg/action/install.go checks IsReachable unless ClientOnly, which only `helm template`
          // sets): the events are the annotation's, split and lower-cased as manifest_sorter.go does.
          events = Object.fromEntries(
            hooks.map((m) => [
              `${m.kind}/${m.metadata.name}`,
              m.metadata.annotations!["helm.sh/hook"]!.split(",").map((e) => e.trim().toLowerCase()),
            ]),
          );
        }
        const postSync = setup === "hooks only" && env === "sandbox";
        expect(events, `${setup} ${env}`).toEqual({
          ...(postSync ? { "Job/shop-release-live": HELM_HOOKS.PostSync!.events } : {}),
          ...(setup === "no webhook" ? {} : { "Job/shop-sync-failed": HELM_HOOKS.SyncFail!.events }),
        });
        const runs = (command: keyof typeof HELM_COMMANDS) =>
          Object.keys(events).filter((hook) =>
            events[hook]!.some((event) => (HELM_COMMANDS[command] as readonly string[]).includes(event)),
          );
        expect(runs("install")).toEqual(postSync ? ["Job/shop-release-live"] : []);
        expect(runs("upgrade")).toEqual(postSync ? ["Job/shop-release-live"] : []);
        expect(runs("test")).toEqual([]);
        expect(runs("rollback")).toEqual(setup === "no webhook" ? [] : ["Job/shop-sync-failed"]);
      }
    }
  });
});

describe.concurrent("every command that posts a message, run here", () => {
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

  const posting = () =>
    containers.filter((job) => postsToWebhook(job.container) && job.container.name !== "smoke-test");
  const smokeTest = (env: Env) =>
    containers.find((job) => job.env === env && job.runsAt === "pre-promotion" && job.container.name === "smoke-test")!;
  const webhookOn = (origin: string) => ({ [secretName]: { url: `${origin}/services/T0000000/B0000000/S3cr3tT0k3n` } });
  const withUrl = (job: JobContainer, url: string) => ({
    ...job.container,
    env: job.container.env.map((e: any) => (e.name === "SMOKE_TEST_URL" ? { ...e, value: url } : e)),
  });

  it("finds the PostSync, SyncFail, post-promotion and smoke test messages", () => {
    expect(
      posting()
        .map((job) => `${job.env} ${job.runsAt} ${job.resource}`)
        .sort(),
    ).toEqual([
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

  it("says the sync failed and points at Argo CD, never that the release did not go live, and what it means under plain Helm", async () => {
    const slack = await startServer(200);
    const syncFail = posting().find((job) => job.env === "prod" && job.runsAt === "SyncFail")!;
    await runContainer(startContainer(syncFail.container, webhookOn(slack.origin)));
    const { text } = JSON.parse(slack.received[0]!.body);
    // The Application by bluegreen's convention, <release>-<environment>; under plain Helm this
    // Job runs only after a rollback, from the revision restored (Helm pkg/action/rollback.go).
    expect(text).toBe(
      `:x: *shop* in *prod*: the sync of \`${IMAGE}\` failed in Argo CD. See why: \`argocd app get shop-prod\`. (Under plain Helm this message means that the release was rolled back to \`${IMAGE}\`: \`helm history shop -n shop-prod\`.)`,
    );
  });

  it("says the release is live after the Argo CD sync, and only that Helm applied it under plain Helm", async () => {
    const slack = await startServer(200);
    const postSync = posting().find((job) => job.runsAt === "PostSync")!;
    await runContainer(startContainer(postSync.container, webhookOn(slack.origin)));
    const { text } = JSON.parse(slack.received[0]!.body);
    expect(text).toBe(
      `:white_check_mark: *shop* in *sandbox*: \`${IMAGE}\` is live: the Argo CD sync succeeded and the Rollout is healthy, so the active Service sends traffic to it. (Under plain Helm this message only means that Helm applied it; Argo Rollouts switches traffic once green is ready.)`,
    );
  });

  it("exits 0 and logs why when Slack answers 500, the webhook is revoked, nothing listens or the Secret is missing", async () => {
    const failing = await startServer(500);
    const revoked = await startServer(403);
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const cases: [string, Record<string, Record<string, string>>, RegExp][] = [
      [
        "HTTP 500",
        webhookOn(failing.origin),
        /Slack: message not sent \(curl exit code 22\); the release is not affected\./,
      ],
      ["a revoked webhook", webhookOn(revoked.origin), /Slack: message not sent \(curl exit code 22\)/],
      ["a dead port", webhookOn(dead), /Slack: message not sent \(curl exit code 7\)/],
      [
        "no Secret",
        {},
        /Slack: message not sent: no webhook \(is the Secret shop-slack-webhook with the key url in this namespace\?\)/,
      ],
    ];
    const runs = posting().flatMap((job) =>
      cases.map(async ([label, secrets, why]) => {
        const result = await runContainer(startContainer(job.container, secrets));
        expect(result.code, `${job.resource} with ${label}`).toBe(0);
        expect(result.stderr, `${job.resource} with ${label}`).toMatch(why);
        expect(result.stdout + result.stderr).not.toContain("S3cr3tT0k3n");
      }),
    );
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
    expect(failedSlackDown.stderr).toMatch(
      /Smoke test failed: curl exit code 7[\s\S]*Slack: message not sent \(curl exit code 22\)/,
    );
    const texts = slack.received.map((r) => JSON.parse(r.body).text as string).sort();
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(
      /^:double_vertical_bar: \*shop\* in \*prod\*: `ghcr\.io\/acme\/shop:1\.4\.2` passed its smoke test and waits for promotion/,
    );
    expect(texts[1]).toMatch(
      /^:no_entry: \*shop\* in \*prod\*: `ghcr\.io\/acme\/shop:1\.4\.2` failed its smoke test through the preview Service, so Argo Rollouts aborts the release/,
    );
    // Where another mechanism reports the outcome, the smoke test has no webhook at all.
    expect(smokeTest("sandbox").container.env.map((e: any) => e.name)).toEqual(["SMOKE_TEST_URL"]);
  });
});

describe.concurrent("doctor", () => {
  it("renders an environment as its Application does, and reports the PostSync opt-in where promotion is manual", async () => {
    const chart = await initChart([
      "--image",
      IMAGE,
      "--slack-webhook",
      WEBHOOK,
      "--repo-url",
      "git@github.com:acme/platform.git",
      "--repo-path",
      "shop",
    ]);
    const doctor = () => runCli(["doctor", "--chart", chart, "--json", "--helm", helmBinaries()[0]!.bin]);
    const findings = (result: { stdout: string }) =>
      JSON.parse(result.stdout).findings.map((f: any) => `${f.rule} ${f.resource} ${f.valuesFile}`);
    const clean = await doctor();
    expect(clean.code, clean.stdout).toBe(0);
    // An Application of a person's own that passes parameters: rendered with them, as Argo CD does.
    const application = join(chart, "argocd", "prod.yaml");
    const written = readFileSync(application, "utf8");
    const app = YAML.parse(written);
    app.spec.source.helm.parameters = [{ name: "notifications.slack.postSyncWithManualPromotion", value: "true" }];
    writeFileSync(application, YAML.stringify(app));
    const byParameter = await doctor();
    expect(byParameter.code).toBe(1);
    expect(findings(byParameter)).toEqual(["sync-held-by-promotion Job/shop-release-live values-prod.yaml"]);
    // The same opt-in in the values file, where values.yaml describes it.
    writeFileSync(application, written);
    const prod = join(chart, "values-prod.yaml");
    writeFileSync(
      prod,
      `${readFileSync(prod, "utf8")}notifications:\n  slack:\n    postSyncWithManualPromotion: true\n`,
    );
    const held = await doctor();
    expect(held.code).toBe(1);
    expect(findings(held)).toEqual(["sync-held-by-promotion Job/shop-release-live values-prod.yaml"]);
  });

  it("keeps the SyncFail Job under helm.skipTests: it is a Helm post-rollback hook, not a test hook", async () => {
    const chart = charts["hooks only"];
    const helm = helmBinaries()[0]!;
    const withTests = await renderLikeArgoCd(helm, chart, "prod");
    expect(await renderLikeArgoCd(helm, chart, "prod", [], ["--skip-tests"])).toEqual(withTests);
    expect(byKind(withTests, "Job").map((job) => job.metadata.name)).toEqual(["shop-sync-failed"]);
  });
});

describe.concurrent("doctor on the seed's hook Jobs", () => {
  it("finds the held sync, the failing and doubled messages, and the false failure under plain Helm", async () => {
    const chart = await initChart(["--image", IMAGE, "--slack-webhook", WEBHOOK]);
    const seed = (name: string, hook: string, text: string) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        generateName: `${name}-`,
        annotations: { "argocd.argoproj.io/hook": hook, "argocd.argoproj.io/hook-delete-policy": "HookSucceeded" },
      },
      spec: {
        backoffLimit: 2,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [
              {
                name,
                image: "curlimages/curl",
                command: [
                  "curl",
                  "-X",
                  "POST",
                  "--data-urlencode",
                  `payload={"text": "${text}"}`,
                  "https://hooks.slack.com/services/...",
                ],
              },
            ],
          },
        },
      },
    });
    const templates = [seed("notification-success", "PostSync", "ok"), seed("notification-fail", "SyncFail", "failed")]
      .map((doc) => YAML.stringify(doc))
      .join("---\n");
    writeFileSync(join(chart, "templates", "seed-hooks.yaml"), templates);
    const result = await runCli(["doctor", "--chart", chart, "--json", "--helm", helmBinaries()[0]!.bin]);
    expect(result.code).toBe(1);
    const found = (
      JSON.parse(result.stdout).findings as { rule: string; valuesFile: string; resource: string }[]
    ).filter((f) => f.valuesFile === "values-prod.yaml");
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
