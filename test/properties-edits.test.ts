// Property-based tests of the day-2 commands and of what people write into values files:
// generated environment names and image tags are either applied exactly or refused with exit 2
// and every byte unchanged; text in values never becomes Helm or YAML syntax.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, postsToWebhook } from "../src/rules/notifications.js";
import * as arb from "./support/arbitraries.js";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate } from "./support/helm.js";
import { byKind, one, validateManifest } from "./support/manifests.js";
import { startContainer } from "./support/pod.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";

let original: string;
beforeAll(async () => {
  original = await initChart(["--image", "ghcr.io/acme/shop:1.0", "--slack-webhook", WEBHOOK]);
});

/** A fresh copy of the chart, so that runs never see each other's edits. */
function copy(): string {
  const dir = join(makeTempDir(), "shop");
  cpSync(original, dir, { recursive: true });
  return dir;
}

const values = (chart: string, file = "values.yaml") => YAML.parse(readFileSync(join(chart, file), "utf8"));
let run = 0;
const nextHelm = () => helmBinaries()[run++ % 2]!;

describe("add-env on generated names", () => {
  it("writes an overlay for any valid name that Helm renders into a valid release", async () => {
    await fc.assert(
      fc.asyncProperty(arb.envName.filter((env) => env !== "sandbox" && env !== "prod"), fc.integer({ min: 1, max: 1000 }), async (env, replicas) => {
        const chart = copy();
        const result = await runCli(["add-env", "--chart", chart, "--replicas", String(replicas), "--", env]);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        expect(values(chart, `values-${env}.yaml`).environment).toBe(env);
        const manifests = await helmTemplate(nextHelm().bin, chart, [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)], [], { release: "shop" });
        for (const manifest of manifests) expect(validateManifest(manifest)).toEqual([]);
        expect(checkRelease(manifests)).toEqual([]);
      }),
      { seed: arb.SEED, numRuns: 6 },
    );
  });

  it("refuses any broken name with exit 2, naming <env>, and changes no byte", async () => {
    const chart = copy();
    const before = snapshotTree(join(chart, ".."));
    const broken = fc.oneof(
      arb.withForeign(arb.envName),
      arb.tooLong(arb.envName),
      fc.constantFrom("Staging", "a/b", "../x", "a.b", "", "x".repeat(21), "-x", "x-", "prod/../../etc").map((value) => ({ value })),
    );
    await fc.assert(
      fc.asyncProperty(broken, async ({ value }) => {
        const result = await runCli(["add-env", "--chart", chart, "--", value]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^error: <env>: [^\n]*\n$/);
        expect(snapshotTree(join(chart, ".."))).toEqual(before);
      }),
      { seed: arb.SEED, numRuns: 25 },
    );
  });
});

describe("bump-image on generated tags", () => {
  it("sets any valid tag exactly, as a string, in values.yaml and Chart.yaml, and Helm renders it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(arb.tag, arb.ambiguousTag), async (tag) => {
        const chart = copy();
        const result = await runCli(["bump-image", "--chart", chart, "--", tag]);
        expect(result.code).toBe(0);
        expect(values(chart).image.tag).toBe(tag);
        expect(values(chart, "Chart.yaml").appVersion).toBe(tag);
        // Helm reads YAML 1.1: a tag such as 1.10 or yes must still arrive as that string.
        const manifests = await helmTemplate(nextHelm().bin, chart, [join(chart, "values.yaml")], [], { release: "shop" });
        expect(one(manifests, "Rollout").spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/shop:${tag}`);
        expect(checkRelease(manifests)).toEqual([]);
      }),
      { seed: arb.SEED, numRuns: 10 },
    );
  });

  it("refuses any broken tag with exit 2 and changes no byte", async () => {
    const chart = copy();
    const before = snapshotTree(chart);
    const broken = fc.oneof(
      arb.withForeign(arb.tag),
      arb.tooLong(arb.tag),
      fc.constantFrom("latest", "-x", ".x", "a b", "shop@sha256:abc", "Shop/app:1", "sha256:xyz").map((value) => ({ value })),
    );
    await fc.assert(
      fc.asyncProperty(broken, async ({ value }) => {
        const result = await runCli(["bump-image", "--chart", chart, "--", value]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^error: <tag \| image-ref>: [^\n]*\n$/);
        expect(snapshotTree(chart)).toEqual(before);
      }),
      { seed: arb.SEED, numRuns: 25 },
    );
  });
});

describe("text people write into values", () => {
  // Anything a person might type as an environment label, including Helm and YAML syntax and
  // Kubernetes variable references; control characters other than line breaks are left out
  // because YAML itself cannot carry them unescaped.
  const hostile = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.constantFrom("{{ .Release.Name }}", '"}, "text": "pwned', "$(SLACK_WEBHOOK_URL)", "a: b\n- c", "&anchor *alias !!str", "`rm -rf /`", "café ☕ 🚀", "\\n\\u0000"),
  );

  it("reaches the Slack message exactly as written, never as Helm, YAML or a variable", async () => {
    const chart = copy();
    await fc.assert(
      fc.asyncProperty(hostile, async (environment) => {
        fc.pre(environment !== "" && !/[\u0000-\u0008\u000b-\u001f\u007f\ufeff]/.test(environment));
        const overlay = join(chart, "values-hostile.yaml");
        writeFileSync(overlay, YAML.stringify({ environment }));
        // With automatic and with manual promotion, so every message of the chart's is there once
        // (Argo CD renders what `helm template` shows, hook Jobs included).
        const helm = nextHelm().bin;
        const posting = [];
        for (const promotion of ["true", "false"]) {
          const sets = ["--set", `blueGreen.autoPromotionEnabled=${promotion}`];
          const manifests = await helmTemplate(helm, chart, [join(chart, "values.yaml"), overlay], sets, { release: "shop" });
          posting.push(...jobContainers(manifests).filter((job) => postsToWebhook(job.container)));
        }
        expect(posting.map((job) => `${job.runsAt} ${job.resource}`).sort()).toEqual([
          "PostSync Job/shop-release-live",
          "SyncFail Job/shop-sync-failed",
          "SyncFail Job/shop-sync-failed",
          "post-promotion AnalysisTemplate/shop-release-live",
          "pre-promotion AnalysisTemplate/shop-smoke-test",
        ]);
        for (const { container } of posting) {
          // The payloads as the kubelet hands them to the shell, after Argo Rollouts' {{args.x}}.
          const { env } = startContainer(container, { "shop-slack-webhook": { url: WEBHOOK } });
          for (const payload of [env.SLACK_PAYLOAD, env.SLACK_PAYLOAD_FAILED].filter(Boolean)) {
            const sent = JSON.parse(payload!);
            expect(sent.text).toContain(`*${environment}*`);
            expect(sent.text).not.toContain(WEBHOOK);
          }
        }
      }),
      { seed: arb.SEED, numRuns: 12 },
    );
  });
});
