// Turning autoscaling on, and off, in an environment that runs: no sync may drop it to fewer
// pods. Argo Rollouts runs a Rollout without replicas at one pod (rollout/controller.go), so the
// chart always renders the count, at least what ran before; where an HPA owns it, the Argo CD
// Application ignores its drift and, with RespectIgnoreDifferences=true, keeps the live count at
// every sync (argo-cd controller/sync.go normalizeTargetResources). init writes that per
// environment; doctor reports an environment whose Application no longer matches.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { ignoresReplicas, respectsIgnores, rolloutWorkload } from "../src/chart/replica-drift.js";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli } from "./support/cli.js";
import { helmBinaries, helmTemplate, type Manifest } from "./support/helm.js";
import { byKind, one } from "./support/manifests.js";

const IMAGE = "ghcr.io/acme/shop:1.4.2";
const REPO = "git@github.com:acme/platform.git";

const rolloutReplicas = (manifests: Manifest[]) => one(manifests, "Rollout").spec.replicas as number;

function doctor(chart: string, helm: string) {
  return runCli(["doctor", "--chart", chart, "--helm", helm, "--json"], { env: { HELM_BIN: undefined } });
}

function edit(chart: string, file: string, search: string, replacement: string): void {
  const path = join(chart, file);
  const text = readFileSync(path, "utf8");
  expect(text, `${file} should contain ${search}`).toContain(search);
  writeFileSync(path, text.replace(search, replacement));
}

describe("autoscaling turned on or off in a running environment", () => {
  let chart: string;

  beforeAll(async () => {
    chart = await initChart(["--image", IMAGE, "--replicas", "3", "--repo-url", REPO, "--repo-path", "shop"]);
  });

  const copy = () => {
    const target = join(makeTempDir(), "shop");
    cpSync(chart, target, { recursive: true });
    return target;
  };

  it.each(helmBinaries())(
    "never renders the Rollout below what ran before the flip, nor below the HPA's minimum (Helm $version)",
    async ({ bin }) => {
      const render = (overlay: string, set: string[] = []) =>
        helmTemplate(
          bin,
          chart,
          [join(chart, "values.yaml"), join(chart, overlay)],
          set.flatMap((s) => ["--set", s]),
          { release: "shop" },
        );
      for (const [overlay, replicaCount] of [
        ["values-sandbox.yaml", 1],
        ["values-sandbox.yaml", 5],
        ["values-prod.yaml", 3],
      ] as const) {
        const where = `${overlay}, replicaCount ${replicaCount}`;
        const off = await render(overlay, [`replicaCount=${replicaCount}`, "autoscaling.enabled=false"]);
        const on = await render(overlay, [`replicaCount=${replicaCount}`, "autoscaling.enabled=true"]);
        expect(byKind(off, "HorizontalPodAutoscaler"), where).toEqual([]);
        expect(rolloutReplicas(off), where).toBe(replicaCount);
        const hpa = one(on, "HorizontalPodAutoscaler");
        expect(hpa.spec.scaleTargetRef, where).toEqual({
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: "shop",
        });
        expect(rolloutReplicas(on), where).toBe(Math.max(replicaCount, hpa.spec.minReplicas));
      }
    },
  );

  it("writes each Application to match its environment: only where the HPA runs does Argo CD leave the Rollout's count alone", async () => {
    const rollout = one(
      await helmTemplate(
        helmBinaries()[0]!.bin,
        chart,
        [join(chart, "values.yaml"), join(chart, "values-prod.yaml")],
        [],
        { release: "shop" },
      ),
      "Rollout",
    );
    const application = (file: string) => ({
      file,
      data: YAML.parse(readFileSync(join(chart, file), "utf8")) as unknown,
    });
    const prod = application("argocd/prod.yaml");
    const sandbox = application("argocd/sandbox.yaml");
    expect(ignoresReplicas(prod, rolloutWorkload(rollout.metadata.name)) && respectsIgnores(prod)).toBe(true);
    // In sandbox a change of replicaCount must reach the cluster.
    expect(ignoresReplicas(sandbox, rolloutWorkload(rollout.metadata.name)) || respectsIgnores(sandbox)).toBe(false);
  });

  it("doctor reports autoscaling turned on where the Application does not ignore the count, and the edit it names fixes it", async () => {
    const flipped = copy();
    edit(flipped, "values-sandbox.yaml", "  enabled: false\n", "  enabled: true\n");
    const [helm3, helm4] = helmBinaries().map((h) => h.bin);
    const before = await doctor(flipped, helm3!);
    expect(before.stderr).toBe("");
    expect(before.code).toBe(1);
    const report = JSON.parse(before.stdout);
    expect(report.findings).toEqual([
      {
        rule: "replicas-under-hpa",
        severity: "error",
        resource: "Rollout/shop",
        valuesFile: "values-sandbox.yaml",
        message:
          "an HPA scales the Rollout and git keeps its replicas, and argocd/sandbox.yaml does not tell Argo CD to ignore its drift, so self-heal puts back git's count whenever the HPA changes it, and every sync resets it",
        fix: "in argocd/sandbox.yaml, add {group: argoproj.io, kind: Rollout, name: shop, jsonPointers: [/spec/replicas]} to spec.ignoreDifferences and add RespectIgnoreDifferences=true to spec.syncPolicy.syncOptions, then kubectl apply -f argocd/sandbox.yaml",
      },
    ]);

    // The edit, as the fix says it.
    edit(
      flipped,
      "argocd/sandbox.yaml",
      "      - CreateNamespace=true\n",
      "      - CreateNamespace=true\n      - RespectIgnoreDifferences=true\n",
    );
    writeFileSync(
      join(flipped, "argocd", "sandbox.yaml"),
      `${readFileSync(join(flipped, "argocd", "sandbox.yaml"), "utf8")}  ignoreDifferences:\n    - {group: argoproj.io, kind: Rollout, name: shop, jsonPointers: [/spec/replicas]}\n`,
    );
    const after = await doctor(flipped, helm4!);
    expect(after.stderr).toBe("");
    expect(JSON.parse(after.stdout).findings).toEqual([]);
    expect(after.code).toBe(0);
  });

  it("doctor warns where autoscaling was turned off but the Application still ignores the count", async () => {
    const off = copy();
    edit(off, "values-prod.yaml", "  enabled: true\n", "  enabled: false\n");
    const result = await doctor(off, helmBinaries()[1]!.bin);
    expect(result.code).toBe(0);
    expect(
      JSON.parse(result.stdout).findings.map(
        (f: { rule: string; severity: string; valuesFile: string }) => `${f.severity} ${f.rule} ${f.valuesFile}`,
      ),
    ).toEqual(["warning replicas-ignored-without-hpa values-prod.yaml"]);
  });
});
