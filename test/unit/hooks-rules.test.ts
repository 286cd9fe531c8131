// The release-message rules on hand-made manifests: what holds Argo CD's sync open (gitops-engine
// pkg/sync/sync_context.go, pkg/sync/hook/, pkg/sync/syncwaves/), what fails a sync when Slack is
// down, what posts twice, and what plain Helm would run. The charts' own renders are held to the
// same rules in test/notifications.test.ts.
import { describe, expect, it } from "vitest";
import { checkRelease } from "../../src/rules/index.js";
import { notificationMechanisms } from "../../src/rules/notifications.js";
import { syncPhases, syncWaiters, syncWave } from "../../src/rules/sync.js";
import type { Manifest } from "../../src/rules/types.js";

const DIGEST = `sha256:${"c1fe".repeat(16)}`;
const CURL = `docker.io/curlimages/curl:8.11.1@${DIGEST}`;

const rollout = (autoPromotionEnabled: boolean, annotations: Record<string, string> = {}): Manifest => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  metadata: { name: "shop", annotations },
  spec: { strategy: { blueGreen: { activeService: "shop", previewService: "shop-preview", autoPromotionEnabled } } },
});

const GUARDED =
  'notify() {\n  if curl --fail --silent "$1" "$SLACK_WEBHOOK_URL"; then echo sent; else echo "not sent ($?)" >&2; fi\n}\nnotify "$SLACK_PAYLOAD"\nexit 0\n';

function job(name: string, annotations: Record<string, string>, container: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      annotations: { "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded", ...annotations },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 120,
      template: {
        metadata: { labels: { "app.kubernetes.io/component": "release-notification" } },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: "slack",
              image: CURL,
              securityContext: { allowPrivilegeEscalation: false },
              env: [
                {
                  name: "SLACK_WEBHOOK_URL",
                  valueFrom: { secretKeyRef: { name: "hook", key: "url", optional: true } },
                },
              ],
              command: ["/bin/sh", "-c"],
              args: [GUARDED],
              ...container,
            },
          ],
        },
      },
    },
  };
}

const configMap = (name: string, annotations: Record<string, string>): Manifest => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, annotations },
});
const rules = (manifests: Manifest[], renderer: "helm" | "argocd" = "argocd") =>
  checkRelease(manifests, { renderer })
    .filter(
      (f) =>
        f.rule !== "service-missing" &&
        f.rule !== "selector-mismatch" &&
        f.rule !== "readiness-probe" &&
        f.rule !== "scale-down-delay" &&
        f.rule !== "replicas-missing" &&
        f.rule !== "schema",
    )
    .map((f) => `${f.rule} ${f.resource}`);

describe("what holds Argo CD's sync open", () => {
  it("reads phases and waves as gitops-engine does", () => {
    expect(syncPhases(job("a", { "argocd.argoproj.io/hook": "PostSync" }))).toEqual(["PostSync"]);
    // An Argo CD hook annotation wins over Helm's; Helm's post-* hooks are PostSync without one.
    expect(syncPhases(job("b", { "argocd.argoproj.io/hook": "SyncFail", "helm.sh/hook": "post-install" }))).toEqual([
      "SyncFail",
    ]);
    expect(syncPhases(job("c", { "helm.sh/hook": "post-install,post-upgrade" }))).toEqual(["PostSync"]);
    // Helm test and delete hooks are never run by Argo CD; Skip is never applied.
    expect(syncPhases(job("d", { "helm.sh/hook": "test" }))).toEqual([]);
    expect(syncPhases(job("e", { "argocd.argoproj.io/hook": "Skip" }))).toEqual([]);
    expect(syncPhases(configMap("f", {}))).toEqual(["Sync"]);
    expect(syncWave(configMap("g", { "helm.sh/hook-weight": "5" }))).toBe(5);
    expect(syncWave(configMap("h", { "argocd.argoproj.io/sync-wave": "-1", "helm.sh/hook-weight": "5" }))).toBe(-1);
  });

  it("is a PostSync hook (Argo CD's or Helm's), a Sync hook from the Rollout's wave on, or a later wave", () => {
    const manual = rollout(false);
    const manifests = [
      manual,
      job("argo-post-sync", { "argocd.argoproj.io/hook": "PostSync" }),
      job("helm-post-install", { "helm.sh/hook": "post-install" }),
      job("sync-hook", { "argocd.argoproj.io/hook": "Sync" }),
      configMap("later", { "argocd.argoproj.io/sync-wave": "1" }),
      // None of these holds it: SyncFail is set aside first, PreSync and earlier waves are done,
      // Argo CD never runs a Helm test hook.
      job("sync-fail", { "argocd.argoproj.io/hook": "SyncFail" }),
      job("pre-sync", { "argocd.argoproj.io/hook": "PreSync" }),
      job("early-sync-hook", { "argocd.argoproj.io/hook": "Sync", "argocd.argoproj.io/sync-wave": "-1" }),
      job("helm-test", { "helm.sh/hook": "test" }),
      configMap("earlier", { "argocd.argoproj.io/sync-wave": "-1" }),
    ];
    expect(syncWaiters(manual, manifests).map((w) => w.manifest.metadata?.name)).toEqual([
      "argo-post-sync",
      "helm-post-install",
      "sync-hook",
      "later",
    ]);
    const held = rules(manifests).filter((f) => f.startsWith("sync-held-by-promotion"));
    expect(held).toEqual(
      ["argo-post-sync", "helm-post-install", "sync-hook"]
        .map((n) => `sync-held-by-promotion Job/${n}`)
        .concat("sync-held-by-promotion ConfigMap/later"),
    );
    // Where promotion is automatic, waiting for the Rollout is what PostSync is for.
    expect(
      rules([rollout(true), job("argo-post-sync", { "argocd.argoproj.io/hook": "PostSync" })]).filter((f) =>
        f.startsWith("sync-held"),
      ),
    ).toEqual([]);
  });
});

describe("messages that fail what they report on", () => {
  it("finds a bare curl, a script that does not end with exit 0, and one that sets -e", () => {
    const bare = job(
      "bare",
      { "argocd.argoproj.io/hook": "PostSync" },
      { command: ["curl", "--fail", "-d", "{}", "$(SLACK_WEBHOOK_URL)"], args: [] },
    );
    const noExit = job(
      "no-exit",
      { "argocd.argoproj.io/hook": "SyncFail" },
      { args: ['curl --fail -d "$SLACK_PAYLOAD" "$SLACK_WEBHOOK_URL"\n'] },
    );
    const setE = job("set-e", { "argocd.argoproj.io/hook": "PostSync" }, { args: [`set -eu\n${GUARDED}`] });
    const orTrue = job(
      "or-true",
      { "argocd.argoproj.io/hook": "PostSync" },
      { args: ['set -e\ncurl --fail -d "$SLACK_PAYLOAD" "$SLACK_WEBHOOK_URL" || true\n'] },
    );
    const found = rules([
      rollout(true),
      bare,
      noExit,
      setE,
      orTrue,
      job("guarded", { "argocd.argoproj.io/hook": "SyncFail" }),
    ]);
    expect(found.filter((f) => f.startsWith("notification-exit-code"))).toEqual([
      "notification-exit-code Job/bare",
      "notification-exit-code Job/no-exit",
      "notification-exit-code Job/set-e",
    ]);
  });

  it("finds curl without --fail, and images that are not pinned by digest", () => {
    const noFail = job(
      "no-fail",
      { "argocd.argoproj.io/hook": "PostSync" },
      { args: ['curl -sS -d "$SLACK_PAYLOAD" "$SLACK_WEBHOOK_URL"\nexit 0\n'] },
    );
    const tagOnly = job("tag-only", { "argocd.argoproj.io/hook": "SyncFail" }, { image: "curlimages/curl:8.11.1" });
    const latest = job("latest", { "argocd.argoproj.io/hook": "SyncFail" }, { image: "curlimages/curl" });
    const found = rules([rollout(true), noFail, tagOnly, latest]);
    expect(found).toEqual(
      expect.arrayContaining(["hook-curl-fail Job/no-fail", "image-digest Job/tag-only", "image-unpinned Job/latest"]),
    );
    expect(
      found
        .filter((f) => f.includes("Job/no-fail") || f.includes("Job/tag-only"))
        .filter((f) => !/hook-curl-fail|image-digest|notification-duplicate/.test(f)),
    ).toEqual([]);
  });
});

describe("one message per event", () => {
  const live = job("live", { "argocd.argoproj.io/hook": "PostSync" });
  const syncFail = job("failed", { "argocd.argoproj.io/hook": "SyncFail" });
  const subscribed = (...triggers: string[]) =>
    Object.fromEntries(triggers.map((t) => [`notifications.argoproj.io/subscribe.${t}.slack-webhook`, ""]));

  it("finds the PostSync Job beside on-rollout-completed, and SyncFail beside on-rollout-aborted while the sync waits for the Rollout", () => {
    const manifests = [rollout(true, subscribed("on-rollout-completed", "on-rollout-aborted")), live, syncFail];
    expect(
      notificationMechanisms(manifests)
        .filter((m) => m.event === "live")
        .map((m) => m.by),
    ).toEqual(["PostSync hook Job/live", "Argo Rollouts on-rollout-completed"]);
    expect(rules(manifests).filter((f) => f.startsWith("notification-duplicate"))).toEqual([
      "notification-duplicate chart",
      "notification-duplicate chart",
    ]);
  });

  it("lets SyncFail and on-rollout-aborted be when the sync never waits for the Rollout: they report different things then", () => {
    const manifests = [
      rollout(false, subscribed("on-rollout-completed", "on-rollout-aborted", "on-rollout-paused")),
      syncFail,
    ];
    expect(rules(manifests)).toEqual([]);
  });
});

describe("plain Helm", () => {
  const syncFail = (name: string, helmHook?: string) =>
    job(name, {
      "argocd.argoproj.io/hook": "SyncFail",
      ...(helmHook === undefined ? {} : { "helm.sh/hook": helmHook }),
    });
  const underHelm = (manifests: Manifest[], renderer: "helm" | "argocd") =>
    rules(manifests, renderer).filter((f) => f.startsWith("hook-under-helm"));

  it("warns of a SyncFail Job that plain Helm would run: as an ordinary Job, or as an install, upgrade or test hook", () => {
    const manifests = [
      rollout(true),
      syncFail("plain"),
      syncFail("test", "test"),
      syncFail("legacy", "test-success"),
      syncFail("install", "post-install"),
      syncFail("upgrade", "pre-upgrade,post-upgrade"),
    ];
    expect(underHelm(manifests, "helm")).toEqual([
      "hook-under-helm Job/plain",
      "hook-under-helm Job/test",
      "hook-under-helm Job/legacy",
      "hook-under-helm Job/install",
      "hook-under-helm Job/upgrade",
    ]);
    const [test] = checkRelease([syncFail("test", "test")], { renderer: "helm" }).filter(
      (f) => f.rule === "hook-under-helm",
    );
    expect(test!.message).toBe(
      "this SyncFail Job is also a Helm test hook: helm test runs it and posts a failure that did not happen (and an Application with helm.skipTests: true drops it)",
    );
    expect(test!.fix).toMatch(/^make it a Helm post-rollback hook as well \(helm\.sh\/hook: post-rollback/);
    // Rendered with an Application's own parameters, the Job is what Argo CD runs, which ignores a
    // Helm hook beside its own (gitops-engine pkg/sync/hook/hook.go Types).
    expect(underHelm(manifests, "argocd")).toEqual([]);
  });

  it("lets a SyncFail Job be that is a Helm post-rollback hook: install, upgrade and test never run it", () => {
    const rollback = job("rollback", {
      "argocd.argoproj.io/hook": "SyncFail",
      "helm.sh/hook": "post-rollback",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    expect(syncPhases(rollback)).toEqual(["SyncFail"]);
    expect(rules([rollout(false), rollback], "helm")).toEqual([]);
    expect(rules([rollout(true), rollback], "argocd")).toEqual([]);
  });

  it("warns of a SyncFail Job that is a Helm delete hook, which Argo CD runs when the Application is deleted, whoever renders it", () => {
    // argo-cd controller/hook.go: helm.sh/hook pre-delete/post-delete make a PreDelete/PostDelete hook.
    const manifests = [rollout(true), syncFail("deleted", "post-delete")];
    expect(underHelm(manifests, "helm")).toEqual(["hook-under-helm Job/deleted"]);
    expect(underHelm(manifests, "argocd")).toEqual(["hook-under-helm Job/deleted"]);
  });
});
