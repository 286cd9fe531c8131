// GitOps wiring: the Argo CD Applications init and add-env write, the repository URLs they
// accept, and Argo Rollouts notifications that tell Slack about pauses and aborts.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, postsToWebhook } from "../src/rules/notifications.js";
import { lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { listFiles, makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { byKind, one, validateManifest } from "./support/manifests.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const IMAGE = "ghcr.io/acme/shop:1.4.2";
const REPO = "git@github.com:acme/platform.git";

const readYaml = (file: string) => YAML.parse(readFileSync(file, "utf8"));

async function init(cwd: string, args: string[]) {
  const result = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE, ...args], { cwd });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result;
}

describe("init --repo-url", () => {
  it("writes an Application per environment that validates and deploys it the way §5.1 says", async () => {
    const cwd = makeTempDir();
    await init(cwd, [
      "--repo-url",
      REPO,
      "--repo-path",
      "deploy/shop",
      "--revision",
      "main",
      "--namespace",
      "payments",
      "--argocd-namespace",
      "gitops",
      "--project",
      "platform",
      "--envs",
      "dev,staging,production",
    ]);
    const chart = join(cwd, "shop");
    expect(readdirSync(join(chart, "argocd")).sort()).toEqual(["dev.yaml", "production.yaml", "staging.yaml"]);
    for (const env of ["dev", "staging", "production"]) {
      const app = readYaml(join(chart, "argocd", `${env}.yaml`));
      expect(validateManifest(app)).toEqual([]);
      expect(app.metadata).toMatchObject({
        name: `shop-${env}`,
        namespace: "gitops",
        finalizers: ["resources-finalizer.argocd.argoproj.io"],
      });
      expect(app.spec.project).toBe("platform");
      expect(app.spec.source).toEqual({
        repoURL: REPO,
        targetRevision: "main",
        path: "deploy/shop",
        helm: {
          releaseName: "shop",
          // No parameters: Argo CD renders what `helm template` shows anybody, hook Jobs included.
          valueFiles: ["values.yaml", `values-${env}.yaml`],
        },
      });
      expect(app.spec.destination).toEqual({ server: "https://kubernetes.default.svc", namespace: `payments-${env}` });
      // Where an HPA owns the Rollout's count, Argo CD ignores its drift and keeps the live count
      // at every sync (RespectIgnoreDifferences); elsewhere a replicaCount change must apply.
      const autoscaled = env === "production";
      expect(app.spec.syncPolicy).toEqual({
        automated: { prune: true, selfHeal: true },
        // Client-side apply: ServerSideApply=true would put back the Service selectors Argo
        // Rollouts switches (argo-rollouts#3437; no per-resource opt-out, argo-cd#20306).
        syncOptions: ["CreateNamespace=true", ...(autoscaled ? ["RespectIgnoreDifferences=true"] : [])],
        // Explicit: unset, automated syncs retry 5 times (controller/appcontroller.go autoSync),
        // and every failed attempt runs the SyncFail hook again.
        retry: { limit: 2, backoff: { duration: "30s", factor: 2, maxDuration: "3m" } },
      });
      if (autoscaled)
        expect(app.spec.ignoreDifferences).toEqual([
          { group: "argoproj.io", kind: "Rollout", name: "shop", jsonPointers: ["/spec/replicas"] },
        ]);
      else expect(app.spec).not.toHaveProperty("ignoreDifferences");
    }
    // What the comments above the fields tell a person who reads the file.
    const text = readFileSync(join(chart, "argocd", "production.yaml"), "utf8");
    expect(text).toContain("# Client-side apply, never ServerSideApply=true");
    expect(text).toMatch(
      /# A failed sync is tried 2 more times, and each failed attempt runs the SyncFail hook: at most\n\s*# 3 failure messages per commit\./,
    );
  });

  it("defaults to HEAD, namespace <name>-<env>, Argo CD's own namespace and project, and the chart's path in its git repository", async () => {
    const repo = makeTempDir();
    execFileSync("git", ["init", "-q", repo]);
    mkdirSync(join(repo, "charts"));
    await init(repo, ["--repo-url", "https://github.com/acme/platform.git", "charts/shop"]);
    const app = readYaml(join(repo, "charts", "shop", "argocd", "prod.yaml"));
    expect(app.metadata.namespace).toBe("argocd");
    expect(app.spec.project).toBe("default");
    expect(app.spec.source).toMatchObject({ targetRevision: "HEAD", path: "charts/shop" });
    expect(app.spec.destination.namespace).toBe("shop-prod");

    // Outside git the path must be given (init-flags.test.ts has the refusal).
    const outside = makeTempDir();
    await init(outside, ["--repo-url", "https://github.com/acme/shop.git", "--repo-path", "shop"]);
    expect(readYaml(join(outside, "shop", "argocd", "sandbox.yaml")).spec.source.path).toBe("shop");
  });

  it("writes no Applications without a repository URL", async () => {
    const cwd = makeTempDir();
    await init(cwd, []);
    expect(listFiles(join(cwd, "shop")).filter((f) => f.startsWith("argocd/"))).toEqual([]);
  });

  it("keeps argocd/ and the Secret out of the release: Helm neither renders nor packages them", async () => {
    const cwd = makeTempDir();
    await init(cwd, ["--repo-url", REPO, "--repo-path", "shop", "--slack-webhook", WEBHOOK]);
    const chart = join(cwd, "shop");
    const helm = helmBinaries()[0]!;
    const rendered = await runHelm(helm.bin, ["template", "shop", chart, "-f", join(chart, "values-prod.yaml")]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).not.toContain("kind: Application");
    const packaged = await runHelm(helm.bin, ["package", chart, "--destination", cwd]);
    expect(packaged.code, packaged.stderr).toBe(0);
    const contents = execFileSync("tar", ["-tzf", join(cwd, "shop-0.1.0.tgz")], { encoding: "utf8" });
    expect(contents).toContain("shop/values-prod.yaml");
    expect(contents).not.toMatch(/argocd\/|slack-webhook-secret/);
  });

  it.each([
    ["https", "https://github.com/acme/platform.git"],
    ["https without .git", "https://gitlab.example.com/group/sub/platform"],
    ["ssh with a user and port", "ssh://git@git.example.com:2222/acme/platform.git"],
    ["scp-like", "git@github.com:acme/platform.git"],
  ])("accepts a %s repository URL", async (_, url) => {
    const cwd = makeTempDir();
    await init(cwd, ["--repo-url", url, "--repo-path", "shop"]);
    expect(readYaml(join(cwd, "shop", "argocd", "prod.yaml")).spec.source.repoURL).toBe(url);
  });

  it.each([
    ["a token as user", "https://ghp_S3cr3tT0ken0123456789@github.com/acme/platform.git", "ghp_S3cr3tT0ken0123456789"],
    ["a user and password", "https://deploy:hunter2-S3cr3t@github.com/acme/platform.git", "hunter2-S3cr3t"],
    ["an ssh password", "ssh://git:pa55-S3cr3t@git.example.com/acme/platform.git", "pa55-S3cr3t"],
    ["plain http", "http://github.com/acme/platform.git", undefined],
    ["a local path", "/srv/git/platform.git", undefined],
    ["file://", "file:///srv/git/platform.git", undefined],
    ["spaces", "https://github.com/acme/plat form.git", undefined],
  ])("refuses a repository URL with %s: exit 2, never repeating it, writing nothing", async (_, url, credential) => {
    const cwd = makeTempDir();
    const result = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE, "--repo-url", url], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --repo-url: [^\n]*\n$/);
    expect(result.stderr + result.stdout).not.toContain(url);
    if (credential) expect(result.stderr + result.stdout).not.toContain(credential);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("refuses environments whose namespace would pass 63 characters, with exit 2", async () => {
    const cwd = makeTempDir();
    const long = `a${"b".repeat(52)}`; // 53 characters: the longest app name
    const result = await runCli(
      ["init", "--yes", "--name", long, "--image", IMAGE, "--repo-url", REPO, "--envs", "sandbox,production"],
      { cwd },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --name: .*-production would be 64 characters.*\n$/);
    const named = await runCli(
      ["init", "--yes", "--name", "shop", "--image", IMAGE, "--namespace", "n".repeat(60), "--envs", "prod"],
      { cwd },
    );
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^error: --namespace: /);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("add-env with Applications in the chart", () => {
  it("writes the new environment's Application with the repository settings of the others", async () => {
    const cwd = makeTempDir();
    await init(cwd, [
      "--repo-url",
      REPO,
      "--repo-path",
      "deploy/shop",
      "--revision",
      "release",
      "--namespace",
      "payments",
      "--argocd-namespace",
      "gitops",
      "--project",
      "platform",
    ]);
    const chart = join(cwd, "shop");
    const result = await runCli(["add-env", "staging", "--chart", chart]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("argocd/staging.yaml");
    const app = readYaml(join(chart, "argocd", "staging.yaml"));
    expect(validateManifest(app)).toEqual([]);
    // Like sandbox's, the other environment without autoscaling.
    const sandbox = readYaml(join(chart, "argocd", "sandbox.yaml"));
    expect(app).toEqual({
      ...sandbox,
      metadata: {
        ...sandbox.metadata,
        name: "shop-staging",
        labels: { ...sandbox.metadata.labels, environment: "staging" },
      },
      spec: {
        ...sandbox.spec,
        source: {
          ...sandbox.spec.source,
          helm: { releaseName: "shop", valueFiles: ["values.yaml", "values-staging.yaml"] },
        },
        destination: { ...sandbox.spec.destination, namespace: "payments-staging" },
      },
    });
    // The README's lists name the namespace the Applications deploy to.
    expect(readFileSync(join(chart, "README.md"), "utf8")).toContain("`payments-staging`");
  });

  it("writes no Application for a chart without argocd/", async () => {
    const cwd = makeTempDir();
    await init(cwd, []);
    const result = await runCli(["add-env", "staging", "--chart", join(cwd, "shop")]);
    expect(result.code, result.stderr).toBe(0);
    expect(listFiles(join(cwd, "shop")).filter((f) => f.startsWith("argocd/"))).toEqual([]);
  });

  it("refuses to copy a credential someone put into an Application, and changes nothing", async () => {
    const cwd = makeTempDir();
    await init(cwd, ["--repo-url", REPO, "--repo-path", "shop"]);
    const chart = join(cwd, "shop");
    const file = join(chart, "argocd", "prod.yaml");
    const token = "glpat-S3cr3tT0ken0123";
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(REPO, `https://oauth2:${token}@gitlab.example.com/acme/platform.git`),
    );
    const before = snapshotTree(chart);
    const result = await runCli(["add-env", "staging", "--chart", chart]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: argocd\/\*\.yaml spec\.source\.repoURL: /);
    expect(result.stderr).not.toContain(token);
    expect(snapshotTree(chart)).toEqual(before);
  });
});

describe("Argo Rollouts notifications", () => {
  let releases: RenderedRelease[];
  let chart: string;

  beforeAll(async () => {
    const cwd = makeTempDir();
    await init(cwd, ["--slack-webhook", WEBHOOK, "--rollout-notifications"]);
    chart = join(cwd, "shop");
    releases = await lintAndRenderAll(chart);
  });

  it("subscribe the Rollout to pauses, aborts and completions, on Helm 3 and 4 for every environment", () => {
    for (const { manifests } of releases) {
      expect(checkRelease(manifests)).toEqual([]);
      const annotations = one(manifests, "Rollout").metadata.annotations;
      expect(annotations).toEqual({
        "notifications.argoproj.io/subscribe.on-rollout-paused.slack-webhook": "",
        "notifications.argoproj.io/subscribe.on-rollout-aborted.slack-webhook": "",
        "notifications.argoproj.io/subscribe.on-rollout-completed.slack-webhook": "",
      });
    }
  });

  it("configure the namespace as Argo Rollouts reads it, with the webhook only in the shared Secret", async () => {
    for (const { manifests } of releases) {
      const config = one(manifests, "ConfigMap");
      expect(config.metadata.name).toBe("argo-rollouts-notification-configmap");
      expect(YAML.parse(config.data["service.webhook.slack-webhook"]).url).toBe("$slack-webhook-url");
      for (const trigger of ["on-rollout-paused", "on-rollout-aborted", "on-rollout-completed"]) {
        const [{ send }] = YAML.parse(config.data[`trigger.${trigger}`]);
        const template = YAML.parse(config.data[`template.${send[0]}`]);
        // Argo's own template syntax came through Helm untouched.
        expect(template.webhook["slack-webhook"].body).toContain("{{.rollout.metadata.name}}");
        expect(template.webhook["slack-webhook"].method).toBe("POST");
      }
      expect(JSON.stringify(manifests)).not.toContain(WEBHOOK);
      // Argo Rollouts posts every Rollout event here: no Job of the chart's posts them too. Only the
      // SyncFail Job posts, of a sync that failed, which no Rollout event says.
      expect(
        jobContainers(manifests)
          .filter((job) => postsToWebhook(job.container))
          .map((job) => `${job.runsAt} ${job.resource}`),
      ).toEqual(["SyncFail Job/shop-sync-failed"]);
    }
    // The SyncFail Job reads the same Secret.
    const argocd = await helmTemplate(helmBinaries()[0]!.bin, chart, [
      join(chart, "values.yaml"),
      join(chart, "values-prod.yaml"),
    ]);
    expect(one(argocd, "Job").spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({
      name: "argo-rollouts-notification-secret",
      key: "slack-webhook-url",
      optional: true,
    });
    const secret = readYaml(join(chart, "slack-webhook-secret.yaml"));
    expect(secret.metadata.name).toBe("argo-rollouts-notification-secret");
    expect(secret.stringData).toEqual({ "slack-webhook-url": WEBHOOK });
  });

  it("render nothing unless asked for", async () => {
    const cwd = makeTempDir();
    await init(cwd, ["--slack-webhook", WEBHOOK]);
    for (const { manifests } of await lintAndRenderAll(join(cwd, "shop"))) {
      expect(byKind(manifests, "ConfigMap")).toEqual([]);
      expect(one(manifests, "Rollout").metadata.annotations).toBeUndefined();
    }
  });

  it("need a webhook to post to", async () => {
    const cwd = makeTempDir();
    const result = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE, "--rollout-notifications"], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: --rollout-notifications: needs --slack-webhook: the notifications post to that webhook\n",
    );
    expect(readdirSync(cwd)).toEqual([]);
  });
});
