// What people read about release messages, promotion and rollback: the chart's README and
// NOTES, values.yaml and the messages themselves, each claim checked where it is rendered.
// Upstream: Argo Rollouts pkg/kubectl-argo-rollouts/cmd/restart/restart.go (restart patches only
// spec.restartAt), cmd/promote/promote.go and rollout/analysis.go needsNewAnalysisRun (promote
// runs an inconclusive analysis again, --full skips it), metricproviders/job/job.go (v1.10: an
// unpullable image is Inconclusive); argo-rollouts#3437 and argo-cd#20306 (ServerSideApply).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { renderLikeArgoCd } from "./support/argocd.js";
import { initChart } from "./support/chart.js";
import { helmBinaries, runHelm } from "./support/helm.js";
import { one } from "./support/manifests.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const REPO = ["--repo-url", "git@github.com:acme/platform.git", "--repo-path", "shop"];
const charts = {} as Record<"hooks only" | "Argo Rollouts notifications", string>;

beforeAll(async () => {
  charts["hooks only"] = await initChart(["--image", "ghcr.io/acme/shop:1.4.2", ...REPO, "--slack-webhook", WEBHOOK]);
  charts["Argo Rollouts notifications"] = await initChart([
    "--image",
    "ghcr.io/acme/shop:1.4.2",
    ...REPO,
    "--slack-webhook",
    WEBHOOK,
    "--rollout-notifications",
  ]);
});

describe("what people read", () => {
  const readme = () => readFileSync(join(charts["hooks only"], "README.md"), "utf8");

  it("teaches that restart is safe under self-heal and that undo and set image are reverted", () => {
    const text = readme();
    expect(text).toContain("`restart` only sets `spec.restartAt`");
    expect(text).not.toMatch(/`set image`\s+and\s+`restart` change the Rollout's spec/);
  });

  it("warns against ServerSideApply=true for the Applications, while the CRDs install server-side", () => {
    const text = readme().replace(/\s+/g, " ");
    expect(text).toContain("must not use `ServerSideApply=true`");
    expect(text).toMatch(/argo-rollouts#3437.*argo-cd#20306|argo-cd#20306.*argo-rollouts#3437/);
    expect(text).toContain("kubectl apply --server-side -n argo-rollouts");
  });

  it("has the table of who posts what, what is not covered, and how many failure messages a commit can cause", () => {
    const text = readme().replace(/\s+/g, " ");
    for (const event of [
      "Goes live",
      "Waits for promotion",
      "Paused by an inconclusive analysis",
      "Smoke test failed",
      "Aborted after the sync",
      "Sync failed",
      "First deploy",
    ]) {
      expect(text).toContain(`| ${event}`);
    }
    expect(text).toContain("on-health-degraded");
    expect(text).toContain("at most 3 failure messages");
    expect(text).not.toContain("skipTests: true`: it drops");
  });

  it("says what plain Helm posts and when, and that Argo CD renders what helm template shows, with no parameter to pass", () => {
    const text = readme().replace(/\s+/g, " ");
    expect(text).not.toContain("argocdApplication");
    expect(text).toContain(
      "| Event | Automatic promotion, hooks only | Manual promotion, hooks only | With Argo Rollouts notifications (either) | Plain Helm, no Argo CD (hooks only) |",
    );
    expect(text).toContain("the PostSync Job right after each `helm install` and `helm upgrade`, before the switch");
    expect(text).toContain(
      "the **SyncFail** Job is a `post-rollback` hook: `helm install`, `helm upgrade` and `helm test` never run it",
    );
    expect(text).toContain(
      "Helm runs the hooks of the revision it rolls back to, so the message names the image restored",
    );
    expect(text).toContain("the Applications pass no `helm.parameters`, and the chart needs none");
    // §4: the failure Job is no Helm test hook, so helm.skipTests keeps it.
    expect(text).toContain("`helm.skipTests: true` changes nothing either: it drops only Helm test hooks");
    for (const env of ["sandbox", "prod"])
      expect(readFileSync(join(charts["hooks only"], "argocd", `${env}.yaml`), "utf8")).not.toContain("parameters");
    const values = readFileSync(join(charts["hooks only"], "values.yaml"), "utf8");
    expect(values).not.toContain("argocdApplication");
    expect(values.replace(/\n\s*#\s*/g, " ")).toContain(
      "the SyncFail one only after a rollback, never on install, upgrade or test",
    );
  });

  it("no longer says that a missing Secret fails the sync, or that a manual promotion holds it", () => {
    const text = readme().replace(/\s+/g, " ");
    expect(text).not.toContain("without it they fail, and with them the sync");
    expect(text).toContain("without it they post nothing (they log why and exit 0, so no sync fails)");
    const prod = readFileSync(join(charts["hooks only"], "values-prod.yaml"), "utf8");
    expect(prod).not.toContain("the sync (with its PostSync hook) waits");
    expect(prod).toContain("The sync itself has ended: a newer commit deploys.");
  });

  it("says in values.yaml what the PostSync opt-in costs and what an unpullable image does", () => {
    const values = readFileSync(join(charts["hooks only"], "values.yaml"), "utf8").replace(/\n\s*#\s*/g, " ");
    expect(values).toContain(
      "the sync stays Running until someone promotes or aborts, and Argo CD deploys no newer commit (a hotfix) meanwhile",
    );
    expect(values).toContain("Argo Rollouts 1.10+ calls the smoke test Inconclusive and pauses the release");
    expect(
      YAML.parse(readFileSync(join(charts["hooks only"], "values.yaml"), "utf8")).blueGreen.smokeTest.image,
    ).toEqual({
      registry: "docker.io",
      repository: "curlimages/curl",
      tag: "8.11.1",
      digest: "sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
    });
  });

  it("words the paused message so nobody promotes past a smoke test that never ran", async () => {
    const manifests = await renderLikeArgoCd(helmBinaries()[0]!, charts["Argo Rollouts notifications"], "prod");
    const template = YAML.parse(one(manifests, "ConfigMap").data["template.bluegreen-rollout-paused"]);
    const { text } = JSON.parse(template.webhook["slack-webhook"].body);
    expect(text).toContain("or an analysis came back inconclusive: a smoke test that could not run");
    expect(text).toContain("never add --full, which skips it");
  });

  it("NOTES teach promote, abort and restart as safe and roll back through git (Helm 4 install --dry-run)", async () => {
    const helm = helmBinaries().find((h) => h.version === 4)!;
    const chart = charts["hooks only"];
    const result = await runHelm(helm.bin, [
      "install",
      "shop",
      chart,
      "-n",
      "shop-prod",
      "-f",
      join(chart, "values.yaml"),
      "-f",
      join(chart, "values-prod.yaml"),
      "--dry-run=client",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf("NOTES:")).replace(/\s+/g, " ");
    expect(notes).toContain("`restart` only sets spec.restartAt");
    expect(notes).toContain("`undo` and `set image` are reverted");
    expect(notes).toContain("Argo CD shows the app Suspended meanwhile, but the sync has ended");
    // What plain Helm, which prints these NOTES, posts to Slack.
    expect(notes).toContain(
      "Slack, under plain Helm (the chart README has what Argo CD posts): - a failure only when a release is rolled back",
    );
    expect(notes).not.toContain('"live" is posted as soon as Helm has applied a release');
  });
});
