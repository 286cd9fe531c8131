// `bluegreen add-env <env>` on a chart made by init: the new overlay from its preset and flags,
// the README's environment lists kept true, every refusal leaving every byte as it was, and
// real Helm 3 and 4 rendering every environment afterwards. Runs the built CLI (bin/bluegreen.cjs).
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseImageRef } from "../src/image-ref.js";
import { expectNoFindings, initChart, lintAndRenderAll, type RenderedRelease } from "./support/chart.js";
import { type CliResult, makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries } from "./support/helm.js";
import { byKind, one } from "./support/manifests.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const IMAGE = "ghcr.io/acme/shop:1.0";

/** One init (with a webhook, so the README lists the Secret commands too), copied per case. */
let pristineRun: Promise<string> | undefined;
const pristine = () => (pristineRun ??= initChart(["--image", IMAGE, "--slack-webhook", WEBHOOK]));

/** A private copy of the init chart at <root>/work/shop; <root> is ours to snapshot whole. */
async function copyChart(): Promise<{ root: string; chart: string }> {
  const root = makeTempDir();
  const chart = join(root, "work", "shop");
  cpSync(await pristine(), chart, { recursive: true });
  return { root, chart };
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const parse = (dir: string, file: string) => YAML.parse(read(dir, file));
const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** Files added, removed or changed between two snapshots, sorted. */
function changedFiles(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((name) => {
      const [was, is] = [before.get(name), after.get(name)];
      return !was || !is || !was.equals(is);
    })
    .sort();
}

interface Step {
  result: CliResult;
  before: Map<string, Buffer>;
  after: Map<string, Buffer>;
  cwd: string;
}

async function addEnv(chart: string, args: string[], cwd: string): Promise<Step> {
  const before = snapshotTree(chart);
  const result = await runCli(["add-env", ...args], { cwd });
  return { result, before, after: snapshotTree(chart), cwd };
}

/** The comment lines directly above `key:` in a YAML text. */
function commentAbove(text: string, key: string): string[] {
  const all = text.split("\n");
  const at = all.findIndex((line) => line.trimStart().startsWith(`${key}:`));
  expect(at, `${key} in\n${text}`).toBeGreaterThan(0);
  const comments: string[] = [];
  for (let i = at - 1; i >= 0 && all[i]!.trimStart().startsWith("#"); i--) comments.unshift(all[i]!);
  return comments;
}

describe("add-env on a chart made by init", () => {
  let chart: string;
  let elsewhere: string;
  const steps: Record<string, Step> = {};
  let init: { sandbox: any; prod: any; readme: string };
  let releases: RenderedRelease[];

  beforeAll(async () => {
    ({ chart } = await copyChart());
    init = {
      sandbox: parse(chart, "values-sandbox.yaml"),
      prod: parse(chart, "values-prod.yaml"),
      readme: read(chart, "README.md"),
    };
    elsewhere = makeTempDir();
    // In the chart's directory, without --chart; then from another directory, with it.
    steps.staging = await addEnv(chart, ["staging"], chart);
    steps.production = await addEnv(chart, ["production", "--chart", chart], elsewhere);
    steps.qa = await addEnv(chart, ["qa", "--no-auto-promote", "--chart", chart], elsewhere);
    steps.dev = await addEnv(chart, ["dev", "--replicas", "4", "--chart", chart], elsewhere);
    steps.prod = await addEnv(
      chart,
      ["prod", "--force", "--replicas", "3", "--auto-promote", "--chart", chart],
      elsewhere,
    );
    releases = await lintAndRenderAll(chart);
  });

  it("succeeds every time, writing only values-<env>.yaml and README.md", () => {
    for (const [env, { result, before, after }] of Object.entries(steps)) {
      expect(result.code, `${env}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toBe("");
      expect(changedFiles(before, after), env).toEqual(["README.md", `values-${env}.yaml`]);
    }
    expect(readdirSync(elsewhere)).toEqual([]); // --chart: nothing lands in the current directory
    expect(readdirSync(join(chart, ".."))).toEqual(["shop"]);
  });

  it("writes staging from the non-production preset: automatic promotion, 1 replica, no HPA", () => {
    const staging = parse(chart, "values-staging.yaml");
    expect(staging).toEqual({ ...init.sandbox, environment: "staging" });
    expect(staging.replicaCount).toBe(1);
    expect(staging.autoscaling.enabled).toBe(false);
    expect(staging.blueGreen.autoPromotionEnabled).toBe(true);
  });

  it("writes production from the production preset: manual promotion, autoscaling on", () => {
    const production = parse(chart, "values-production.yaml");
    expect(production).toEqual({ ...init.prod, environment: "production" });
    expect(production.blueGreen.autoPromotionEnabled).toBe(false);
    // It pins, whole, the image values.yaml renders when it is added.
    expect(production.image).toEqual({ ...parseImageRef(IMAGE), digest: "" });
    expect(production.autoscaling.enabled).toBe(true);
  });

  it("changes exactly the values the flags name, on top of the preset", () => {
    const staging = parse(chart, "values-staging.yaml");
    const production = parse(chart, "values-production.yaml");
    expect(parse(chart, "values-dev.yaml")).toEqual({ ...staging, environment: "dev", replicaCount: 4 });
    // Manual promotion pins the image values.yaml renders, as in production.
    expect(parse(chart, "values-qa.yaml")).toEqual({
      ...staging,
      environment: "qa",
      image: production.image,
      blueGreen: { ...staging.blueGreen, autoPromotionEnabled: false },
    });
    // On production, --replicas is the HPA's minimum; with automatic promotion, no image of its own.
    const { image: _pinned, ...productionPreset } = production;
    expect(parse(chart, "values-prod.yaml")).toEqual({
      ...productionPreset,
      environment: "prod",
      autoscaling: { ...production.autoscaling, minReplicas: 3 },
      blueGreen: { ...production.blueGreen, autoPromotionEnabled: true },
    });
  });

  it("comments each overlay: what it overrides, and how promotion works there", () => {
    for (const env of ["staging", "production", "qa", "dev", "prod"]) {
      const text = read(chart, `values-${env}.yaml`);
      const comments = text.split("\n").filter((line) => line.trimStart().startsWith("#"));
      expect(comments.join("\n"), env).toContain("values.yaml");
      const promotion = commentAbove(text, "autoPromotionEnabled").join("\n");
      expect(promotion, `${env}: the comment above autoPromotionEnabled`).toMatch(/\S/);
      if (YAML.parse(text).blueGreen.autoPromotionEnabled) expect(promotion, env).not.toMatch(/rollouts promote/);
      else expect(promotion, env).toMatch(/kubectl argo rollouts promote/);
    }
  });

  it("tells a person to promote only where promotion is manual", () => {
    expect(steps.production!.result.stdout).toContain("kubectl argo rollouts promote shop -n shop-production");
    expect(steps.qa!.result.stdout).toContain("kubectl argo rollouts promote shop -n shop-qa");
    expect(steps.staging!.result.stdout).not.toMatch(/rollouts promote|manual/);
    expect(steps.dev!.result.stdout).not.toMatch(/rollouts promote|manual/);
    // prod with --auto-promote switches by itself: "promotion is manual here" would be false.
    expect(steps.prod!.result.stdout).not.toMatch(/rollouts promote|manual/);
  });

  it("adds the new environment to the README's table and Secret commands, and changes no other line", () => {
    const { before, after } = steps.staging!;
    const old = before.get("README.md")!.toString("utf8").split("\n");
    const now = after.get("README.md")!.toString("utf8").split("\n");
    const added = now.filter((line) => !old.includes(line));
    expect(added).toHaveLength(3);
    expect(added[0]).toMatch(
      /^\| `values-staging\.yaml` \| The \*\*staging\*\* environment: automatic promotion, 1 replica, no autoscaling\. Namespace `shop-staging`\. \|$/,
    );
    expect(added.slice(1).map((line) => line.trim())).toEqual([
      "kubectl create namespace shop-staging",
      "kubectl apply -n shop-staging -f slack-webhook-secret.yaml",
    ]);
    // Only insertions: without the added lines, the README is the old one, line for line.
    expect(now.filter((line) => !added.includes(line))).toEqual(old);
    const between = (id: string) => {
      const text = now.join("\n");
      return text.slice(text.indexOf(`<!-- bluegreen:${id} `), text.indexOf(`<!-- /bluegreen:${id} -->`));
    };
    expect(between("environments")).toContain(added[0]);
    for (const line of added.slice(1)) expect(between("secrets")).toContain(line);
  });

  it("keeps the README's lists true after every environment was added or replaced", () => {
    const readme = read(chart, "README.md");
    for (const env of ["sandbox", "prod", "staging", "production", "qa", "dev"]) {
      const row = lines(readme).filter((line) => line.startsWith(`| \`values-${env}.yaml\` |`));
      expect(row, env).toHaveLength(1);
      expect(
        lines(readme).filter((line) => line.trim() === `kubectl apply -n shop-${env} -f slack-webhook-secret.yaml`),
        env,
      ).toHaveLength(1);
    }
    // prod was replaced with --auto-promote --replicas 3: its row says so.
    expect(readme).toContain(
      "| `values-prod.yaml` | The **prod** environment: automatic promotion, autoscaling on (3-10 pods).",
    );
    expect(readme).toContain(
      "| `values-qa.yaml` | The **qa** environment: manual promotion, 1 replica, no autoscaling.",
    );
    // Outside the marked blocks, the README is still the one init wrote.
    const outside = (text: string) =>
      text.replace(/<!-- bluegreen:([a-z]+) [^\n]*-->\n[\s\S]*?\n<!-- \/bluegreen:\1 -->/g, "<block>");
    expect(outside(readme)).toBe(outside(init.readme));
  });

  it("lints with --strict and renders on Helm 3 and 4 for every environment, with no findings", () => {
    const envs = ["dev", "prod", "production", "qa", "sandbox", "staging"];
    expect(releases.map((r) => `${r.helm.version}:${r.label}`)).toEqual(
      helmBinaries().flatMap((helm) =>
        ["values.yaml", ...envs.map((env) => `values-${env}.yaml`)].map((label) => `${helm.version}:${label}`),
      ),
    );
    for (const release of releases) {
      expectNoFindings(release);
      if (release.label === "values.yaml") continue;
      const overlay = parse(chart, release.label);
      const rollout = one(release.manifests, "Rollout");
      const hpas = byKind(release.manifests, "HorizontalPodAutoscaler");
      const where = `helm ${release.helm.version}, ${release.label}`;
      expect(rollout.spec.strategy.blueGreen.autoPromotionEnabled, where).toBe(overlay.blueGreen.autoPromotionEnabled);
      expect(rollout.spec.template.spec.containers[0].image, where).toBe(IMAGE);
      if (overlay.autoscaling.enabled) {
        expect(one(hpas, "HorizontalPodAutoscaler").spec.minReplicas, where).toBe(overlay.autoscaling.minReplicas);
        expect(rollout.spec.replicas, where).toBeGreaterThanOrEqual(overlay.autoscaling.minReplicas);
      } else {
        expect(hpas, where).toEqual([]);
        expect(rollout.spec.replicas, where).toBe(overlay.replicaCount);
      }
    }
  });
});

describe("add-env refuses, and every byte stays as it was", () => {
  it("exits 1 saying no chart was found, and writes nothing", async () => {
    const cwd = makeTempDir();
    const result = await runCli(["add-env", "staging"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no chart found in the current directory\b.*\n$/);
    expect(readdirSync(cwd)).toEqual([]);

    // A directory with files of its own, but no Chart.yaml.
    const notChart = join(cwd, "docs");
    mkdirSync(notChart);
    writeFileSync(join(notChart, "values.yaml"), "replicaCount: 2\n");
    const missing = await runCli(["add-env", "staging", "--chart", notChart], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no chart found in .*docs.*Chart\.yaml.*\n$/);
    expect(snapshotTree(cwd)).toEqual(new Map([["docs/values.yaml", Buffer.from("replicaCount: 2\n")]]));
  });

  it("refuses an environment that exists with exit 1, unless --force", async () => {
    const { root, chart } = await copyChart();
    const before = snapshotTree(root);
    for (const args of [["sandbox"], ["prod", "--replicas", "3", "--auto-promote"]]) {
      const result = await runCli(["add-env", ...args], { cwd: chart });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toBe(`error: values-${args[0]}.yaml already exists (use --force to replace it)\n`);
      expect(snapshotTree(root)).toEqual(before);
    }
    const forced = await runCli(["add-env", "sandbox", "--force", "--replicas", "2"], { cwd: chart });
    expect(forced.code, forced.stderr).toBe(0);
    expect(changedFiles(before, snapshotTree(root))).toEqual(["work/shop/README.md", "work/shop/values-sandbox.yaml"]);
    expect(parse(chart, "values-sandbox.yaml").replicaCount).toBe(2);
  });

  describe("invalid names", () => {
    let root: string;
    let chart: string;
    let before: Map<string, Buffer>;
    beforeAll(async () => {
      ({ root, chart } = await copyChart());
      before = snapshotTree(root);
    });

    // Every case of the name rule is in test/unit/flag-tables.test.ts; these prove that add-env
    // applies it before it writes anything, also to a name that looks like an option.
    const names: [label: string, env: string][] = [
      ["a parent directory", "../x"],
      ["a leading '-'", "-x"],
    ];

    it.for(names)("exits 2 for %s, naming <env>, and writes nothing anywhere", async ([_label, env]) => {
      // `--` so that "-x" reaches the command as the name rather than as an option.
      const result = await runCli(["add-env", "--force", "--", env], { cwd: chart });
      expect(result.code, result.stderr).toBe(2);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: <env>: \S/);
      expect(result.stdout).toBe("");
      expect(snapshotTree(root)).toEqual(before);
    });

    it("takes a bare -x for an unknown option: exit 2, nothing written", async () => {
      const result = await runCli(["add-env", "-x"], { cwd: chart });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: .*'-x'/);
      expect(snapshotTree(root)).toEqual(before);
    });
  });

  it("leaves alone, byte for byte, a README whose markers a person removed", async () => {
    const { chart } = await copyChart();
    const readme = read(chart, "README.md");
    const unmarked = readme
      .split("\n")
      .filter((line) => !/^<!-- \/?bluegreen:/.test(line))
      .join("\n");
    expect(unmarked).not.toBe(readme);
    writeFileSync(join(chart, "README.md"), unmarked);
    const before = snapshotTree(chart);
    const result = await runCli(["add-env", "staging"], { cwd: chart });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("README");
    const after = snapshotTree(chart);
    expect(changedFiles(before, after)).toEqual(["values-staging.yaml"]);
    expect(read(chart, "README.md")).toBe(unmarked);
  });
});
