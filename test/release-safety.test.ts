// Release safety: green is smoke-tested through the preview Service before it takes traffic,
// environments are promoted by copying what was tested, and dry runs show a diff and write
// nothing.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatch } from "diff";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { initChart, lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate, type Manifest } from "./support/helm.js";
import { byKind, one } from "./support/manifests.js";

const DIGEST = `sha256:${"c0ffee00".repeat(8)}`;

function copyOf(chart: string): string {
  const dir = join(makeTempDir(), "shop");
  cpSync(chart, dir, { recursive: true });
  return dir;
}

/** Renders the chart for values.yaml plus an overlay of extra values written for the test. */
async function renderWith(chart: string, extra: object, bin = helmBinaries()[0]!.bin): Promise<Manifest[]> {
  const file = join(chart, `extra-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, YAML.stringify(extra));
  return helmTemplate(bin, chart, [join(chart, "values.yaml"), join(chart, "values-prod.yaml"), file], [], {
    release: "shop",
    namespace: "shop-prod",
  });
}

const strategyOf = (manifests: Manifest[]) => one(manifests, "Rollout").spec.strategy.blueGreen;

describe("the smoke test", () => {
  let chart: string;
  let releases: RenderedRelease[];

  beforeAll(async () => {
    chart = await initChart(["--image", "ghcr.io/acme/shop:1.0", "--port", "8080", "--envs", "sandbox,staging,prod"]);
    releases = await lintAndRenderAll(chart);
  });

  it("runs before every promotion, on Helm 3 and 4 for every environment, through the preview Service", () => {
    for (const { manifests } of releases) {
      expect(checkRelease(manifests)).toEqual([]);
      const template = one(manifests, "AnalysisTemplate");
      expect(template.metadata.name).toBe("shop-smoke-test");
      expect(strategyOf(manifests).prePromotionAnalysis).toEqual({
        templates: [{ templateName: "shop-smoke-test" }],
        args: [{ name: "url", value: "http://shop-preview.shop-ns.svc:80/" }],
      });
      expect(strategyOf(manifests)).not.toHaveProperty("postPromotionAnalysis");
      const preview = byKind(manifests, "Service").find((s) => s.metadata.name === "shop-preview")!;
      expect(preview.spec.ports[0].port).toBe(80);
    }
  });

  it("is a pinned, bounded, hardened curl that keeps Argo's {{args.url}} intact", () => {
    for (const { manifests } of releases) {
      const template = byKind(manifests, "AnalysisTemplate").find((t) => t.metadata.name === "shop-smoke-test")!;
      // The URL to call, and the Slack messages it posts where nothing else reports its outcome.
      expect(template.spec.args).toEqual([
        { name: "url" },
        { name: "slack-passed", value: "" },
        { name: "slack-failed", value: "" },
      ]);
      const metric = template.spec.metrics[0];
      expect(metric.failureLimit).toBe(0);
      const job = metric.provider.job.spec;
      expect(job.backoffLimit).toBe(0);
      expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
      const pod = job.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const container = pod.containers[0];
      expect(container.image).toBe(
        "docker.io/curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
      );
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(container.command).toEqual(["/bin/sh", "-c"]);
      expect(container.args[0]).toMatch(
        /^curl --fail --silent --show-error --output \/dev\/null --retry 3 --retry-delay 2 --retry-connrefused --max-time 10 "\$SMOKE_TEST_URL"$/m,
      );
      expect(container.args[0]).toMatch(/\nexit "\$result"\n$/);
      expect(container.env[0]).toEqual({ name: "SMOKE_TEST_URL", value: "{{args.url}}" });
      // The Services never select the smoke test's pods.
      for (const service of byKind(manifests, "Service")) {
        const labels = job.template.metadata.labels;
        expect(Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v)).toBe(false);
      }
    }
  });

  it("calls the readiness probe's path unless told another, and the active Service too if asked", async () => {
    const manifests = await renderWith(chart, { readinessProbe: { httpGet: { path: "/ready", port: "http" } } });
    expect(strategyOf(manifests).prePromotionAnalysis.args[0].value).toBe("http://shop-preview.shop-prod.svc:80/ready");

    const pointed = await renderWith(chart, {
      blueGreen: { smokeTest: { path: "/healthz", postPromotion: true } },
      service: { port: 8080 },
    });
    expect(strategyOf(pointed).prePromotionAnalysis.args[0].value).toBe(
      "http://shop-preview.shop-prod.svc:8080/healthz",
    );
    expect(strategyOf(pointed).postPromotionAnalysis).toEqual({
      templates: [{ templateName: "shop-smoke-test" }],
      args: [{ name: "url", value: "http://shop.shop-prod.svc:8080/healthz" }],
    });
    expect(checkRelease(pointed)).toEqual([]);
  });

  it.each(helmBinaries())("goes away entirely when switched off (Helm $version)", async ({ bin }) => {
    const manifests = await renderWith(chart, { blueGreen: { smokeTest: { enabled: false } } }, bin);
    expect(byKind(manifests, "AnalysisTemplate")).toEqual([]);
    expect(strategyOf(manifests)).not.toHaveProperty("prePromotionAnalysis");
    expect(checkRelease(manifests)).toEqual([]);
  });

  it("refuses a path that is not a path, before anything renders", async () => {
    await expect(renderWith(chart, { blueGreen: { smokeTest: { path: "healthz" } } })).rejects.toThrow(/path/);
  });

  it("is caught by the rules when the Rollout names an AnalysisTemplate that is not there, or leaves out its argument", async () => {
    const manifests = await renderWith(chart, {});
    const missing = structuredClone(manifests).filter((m) => m.kind !== "AnalysisTemplate");
    expect(checkRelease(missing).map((f) => f.rule)).toContain("analysis-template-missing");
    const noArgs = structuredClone(manifests);
    delete one(noArgs, "Rollout").spec.strategy.blueGreen.prePromotionAnalysis.args;
    expect(checkRelease(noArgs).map((f) => f.rule)).toContain("analysis-args");
  });
});

describe("promotion between environments", () => {
  let chart: string;
  beforeAll(async () => {
    chart = await initChart(["--image", "ghcr.io/acme/shop:1.0"]);
  });

  it("copies exactly what sandbox renders into prod, and Helm renders the same image for both", async () => {
    const dir = copyOf(chart);
    expect(
      (
        await runCli([
          "bump-image",
          `registry.example.com:5000/team/shop:1.1@${DIGEST}`,
          "--env",
          "sandbox",
          "--chart",
          dir,
        ])
      ).code,
    ).toBe(0);
    const prodBefore = readFileSync(join(dir, "values-prod.yaml"), "utf8");
    const result = await runCli(["bump-image", "--env", "prod", "--from", "sandbox", "--chart", dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        "image.repository ghcr.io/acme/shop → registry.example.com:5000/team/shop (values-prod.yaml)",
        "image.tag 1.0 → 1.1 (values-prod.yaml)",
        `image.digest (none) → ${DIGEST} (values-prod.yaml)`,
        "",
      ].join("\n"),
    );
    const prod = YAML.parse(readFileSync(join(dir, "values-prod.yaml"), "utf8"));
    expect(prod.image).toEqual({ repository: "registry.example.com:5000/team/shop", tag: "1.1", digest: DIGEST });
    // Only the three scalars of prod's pinned image changed; every other byte stays as it was.
    const expected = prodBefore
      .replace("  repository: ghcr.io/acme/shop\n", "  repository: registry.example.com:5000/team/shop\n")
      .replace('  tag: "1.0"\n', '  tag: "1.1"\n')
      .replace('  digest: ""\n', `  digest: "${DIGEST}"\n`);
    expect(readFileSync(join(dir, "values-prod.yaml"), "utf8")).toBe(expected);
    for (const helm of helmBinaries()) {
      const image = async (env: string) =>
        one(await helmTemplate(helm.bin, dir, [join(dir, "values.yaml"), join(dir, `values-${env}.yaml`)]), "Rollout")
          .spec.template.spec.containers[0].image;
      expect(await image("prod")).toBe(`registry.example.com:5000/team/shop:1.1@${DIGEST}`);
      expect(await image("prod")).toBe(await image("sandbox"));
    }
    // Promoting again is a no-op that says so.
    const again = await runCli(["bump-image", "--env", "prod", "--from", "sandbox", "--chart", dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("nothing changed");
  });

  it.each([
    [["--from", "sandbox"], 2, /^error: --from: needs --env/],
    [["1.2", "--env", "prod", "--from", "sandbox"], 2, /^error: --from: copies the image of another environment/],
    [["--env", "prod", "--from", "prod"], 2, /^error: --from: must name another environment/],
    [
      ["--env", "prod", "--from", "qa"],
      1,
      /^error: --from: no values-qa\.yaml in the chart \(environments: values-sandbox\.yaml, values-prod\.yaml\)/,
    ],
    [["--env", "prod"], 2, /^error: <tag \| image-ref> is required/],
  ])("refuses %j and changes nothing", async (args, code, message) => {
    const dir = copyOf(chart);
    const before = snapshotTree(dir);
    const result = await runCli(["bump-image", ...args, "--chart", dir]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(snapshotTree(dir)).toEqual(before);
  });
});

describe("--dry-run", () => {
  let chart: string;
  beforeAll(async () => {
    chart = await initChart(["--image", "ghcr.io/acme/shop:1.0"]);
  });

  /** Runs a command with --dry-run, then for real: the diff must be exactly what happened. */
  async function dryRunMatchesRealRun(args: string[], files: string[]) {
    const dir = copyOf(chart);
    const before = snapshotTree(dir);
    const dry = await runCli([...args, "--chart", dir, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(snapshotTree(dir)).toEqual(before);
    expect(dry.stdout).toContain("Dry run: nothing written.");
    const real = await runCli([...args, "--chart", dir]);
    expect(real.code, real.stderr).toBe(0);
    for (const file of files) {
      const header = before.has(file) ? `--- a/${file}\n+++ b/${file}\n` : `--- /dev/null\n+++ b/${file}\n`;
      const start = dry.stdout.indexOf(header);
      expect(start, `a diff of ${file}`).toBeGreaterThanOrEqual(0);
      const next = dry.stdout.slice(start + header.length).search(/^--- /m);
      const patch = dry.stdout
        .slice(start, next === -1 ? undefined : start + header.length + next)
        .replace(/Dry run: nothing written\.\n$/, "");
      const old = before.get(file)?.toString("utf8") ?? "";
      expect(applyPatch(old, patch), `${file} as the diff says`).toBe(readFileSync(join(dir, file), "utf8"));
    }
    return dry;
  }

  it("bump-image prints a unified diff of values.yaml and Chart.yaml and writes nothing", async () => {
    const dry = await dryRunMatchesRealRun(["bump-image", "1.10"], ["values.yaml", "Chart.yaml"]);
    expect(dry.stdout).toContain('-  tag: "1.0"\n+  tag: "1.10"');
    expect(dry.stdout).toContain('-appVersion: "1.0"\n+appVersion: "1.10"');
  });

  it("bump-image --env prints the overlay's diff and writes nothing", async () => {
    await dryRunMatchesRealRun(["bump-image", "2.0", "--env", "prod"], ["values-prod.yaml"]);
  });

  it("add-env prints the new overlay and the README change and writes nothing", async () => {
    const dry = await dryRunMatchesRealRun(["add-env", "staging"], ["values-staging.yaml", "README.md"]);
    expect(dry.stdout).toContain("+environment: staging");
  });
});
