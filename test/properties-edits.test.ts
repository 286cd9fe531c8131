// Property-based tests of the day-2 commands and of what people write into values files:
// generated environment names and image tags are either applied exactly or refused with exit 2
// and every byte unchanged; text in values never becomes Helm or YAML syntax.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import YAML, { parseDocument } from "yaml";
import { helmValues } from "../src/helm-values.js";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, postsToWebhook } from "../src/rules/notifications.js";
import { Section, sectionData, yamlText } from "../src/yaml-doc.js";
import { parseOwnedYaml } from "../src/yaml-edit.js";
import * as arb from "./support/arbitraries.js";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { one, validateManifest } from "./support/manifests.js";
import { startContainer } from "./support/pod.js";
import { changedPaths, imageBlock, rewriteImage, valuesText } from "./support/values-text.js";

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
      fc.asyncProperty(
        arb.envName.filter((env) => env !== "sandbox" && env !== "prod"),
        fc.integer({ min: 1, max: 1000 }),
        async (env, replicas) => {
          const chart = copy();
          const result = await runCli(["add-env", "--chart", chart, "--replicas", String(replicas), "--", env]);
          expect(result.stderr).toBe("");
          expect(result.code).toBe(0);
          expect(values(chart, `values-${env}.yaml`).environment).toBe(env);
          const manifests = await helmTemplate(
            nextHelm().bin,
            chart,
            [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)],
            [],
            { release: "shop" },
          );
          for (const manifest of manifests) expect(validateManifest(manifest)).toEqual([]);
          expect(checkRelease(manifests)).toEqual([]);
        },
      ),
      { seed: arb.SEED, numRuns: 4 },
    );
  });

  // Every generated broken name is refused by the input rule in process (test/unit/input-properties);
  // these runs prove the CLI applies it before it touches the chart.
  it("refuses a broken name with exit 2, naming <env>, and changes no byte", async () => {
    const chart = copy();
    const before = snapshotTree(join(chart, ".."));
    for (const value of ["prod/../../etc", "qa{{ .Values.x }}", "x".repeat(600)]) {
      const result = await runCli(["add-env", "--chart", chart, "--", value]);
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/^error: <env>: [^\n]*\n$/);
      expect(snapshotTree(join(chart, ".."))).toEqual(before);
    }
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
        const manifests = await helmTemplate(nextHelm().bin, chart, [join(chart, "values.yaml")], [], {
          release: "shop",
        });
        expect(one(manifests, "Rollout").spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/shop:${tag}`);
        expect(checkRelease(manifests)).toEqual([]);
      }),
      // Every generated tag is written so that YAML 1.1 reads it back as that string in process
      // (test/unit/input-properties); these runs prove it with Helm, the YAML 1.1 reader itself.
      { seed: arb.SEED, numRuns: 4, examples: [["1.10"], ["yes"], ["0x1F"]] },
    );
  });

  // Every generated broken tag is refused by the input rule in process (test/unit/input-properties);
  // these runs prove the CLI applies it before it touches the chart.
  it("refuses a broken tag with exit 2 and changes no byte", async () => {
    const chart = copy();
    const before = snapshotTree(chart);
    for (const value of ["latest", "1.0\n", "shop/App:1", "v".repeat(600)]) {
      const result = await runCli(["bump-image", "--chart", chart, "--", value]);
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/^error: <tag \| image-ref>: [^\n]*\n$/);
      expect(snapshotTree(chart)).toEqual(before);
    }
  });
});

describe("text people write into values", () => {
  // Anything a person might type as an environment label, including Helm and YAML syntax and
  // Kubernetes variable references; control characters other than line breaks are left out
  // because YAML itself cannot carry them unescaped.
  const hostile = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.constantFrom(
      "{{ .Release.Name }}",
      '"}, "text": "pwned',
      "$(SLACK_WEBHOOK_URL)",
      "a: b\n- c",
      "&anchor *alias !!str",
      "`rm -rf /`",
      "café ☕ 🚀",
      "\\n\\u0000",
    ),
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
          const manifests = await helmTemplate(helm, chart, [join(chart, "values.yaml"), overlay], sets, {
            release: "shop",
          });
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

// --- values files as people write them: anchors, merge keys, block scalars, CRLF ---------------

/** A chart that only prints the values Helm read, as JSON. */
let probeChart: string | undefined;
function probe(): string {
  if (probeChart) return probeChart;
  probeChart = join(makeTempDir(), "probe");
  mkdirSync(join(probeChart, "templates"), { recursive: true });
  writeFileSync(join(probeChart, "Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
  writeFileSync(join(probeChart, "values.yaml"), "{}\n");
  writeFileSync(
    join(probeChart, "templates", "values.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  json: {{ toJson .Values | quote }}\n",
  );
  return probeChart;
}

async function valuesHelmReads(bin: string, file: string): Promise<unknown> {
  const manifests = await helmTemplate(bin, probe(), [file], [], { release: "probe" });
  return JSON.parse(one(manifests, "ConfigMap").data.json);
}

describe("the values Helm sees", () => {
  it("are exactly what real Helm 3 and 4 read from files with anchors, merge keys, block scalars and CRLF", async () => {
    const dir = makeTempDir();
    await fc.assert(
      fc.asyncProperty(valuesText, async (text) => {
        const file = join(dir, "values.yaml");
        writeFileSync(file, text);
        let ours: unknown;
        try {
          // Read as Helm reads it, duplicate keys and all (bluegreen's own parse refuses those).
          ours = helmValues({ file: "values.yaml", source: text, doc: parseDocument(text, { uniqueKeys: false }) });
        } catch (error) {
          // Refused as unreadable: Helm must refuse it too.
          const helm = await runHelm(nextHelm().bin, ["template", "probe", probe(), "-f", file]);
          expect(helm.code, `${(error as Error).message}\n${text}`).not.toBe(0);
          return;
        }
        expect(await valuesHelmReads(nextHelm().bin, file), text).toEqual(ours);
      }),
      { seed: arb.SEED, numRuns: 16 },
    );
  }, 120_000);
});

describe("the values files bluegreen writes", () => {
  it("hold exactly the data it wrote, as real Helm 3 and 4 read them, for text of every kind", async () => {
    const strings = [
      ...fc.sample(arb.yamlString, { seed: arb.SEED, numRuns: 400 }),
      ...["1.10", "yes", "on", "0o17", "e0", "~", "", "---", "...", "a: b", "a #b", '"q"', "it's", "a\tb"],
      ...["two\nlines", "trailing\n", " lead", "a\u2028b", "a\u2029b", "\u0085", "\ufeff", "\u007f", "\u0000", "\r\n"],
    ];
    const root = new Section([
      { key: "strings", value: strings },
      { key: "keys", value: Object.fromEntries(strings.map((text, i) => [text, i])) },
      { key: "numbers", value: [0, 1, -7, 0.5, 1.5e21, 2 ** 53 - 1, -1.25e-7] },
      // At the top level, where `---` and `...` would end the document.
      ...["---", "...", "%x", "yes", "0o17"].map((text, i) => ({ key: text, value: i, doc: "a key" })),
    ]);
    const file = join(makeTempDir(), "values.yaml");
    writeFileSync(file, yamlText(root, "Text of every kind."));
    for (const { bin } of helmBinaries()) expect(await valuesHelmReads(bin, file)).toEqual(sectionData(root));
  });
});

// The edit itself runs in process on hundreds of generated files (test/unit/image-edit); these
// runs go through the real CLI and prove that Helm renders what the edit computed.
describe("bump-image on values files people wrote", () => {
  it("changes exactly the image keys Helm reads, as Helm renders them, or refuses with every byte unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(imageBlock, fc.oneof(arb.tag, arb.ambiguousTag), async (spec, tag) => {
        fc.pre(tag !== "1.0");
        const chart = copy();
        const values = rewriteImage(readFileSync(join(chart, "values.yaml"), "utf8"), spec);
        writeFileSync(join(chart, "values.yaml"), values);
        const before = snapshotTree(chart);
        const seenBefore = helmValues(parseOwnedYaml("values.yaml", values));
        const result = await runCli(["bump-image", "--chart", chart, "--", tag]);
        if (result.code !== 0) {
          expect(result.code, result.stderr).toBe(1);
          expect(result.stderr).toMatch(/^error: values\.yaml: cannot set image\.[a-z]+[^\n]*\n$/);
          expect(snapshotTree(chart)).toEqual(before);
          return;
        }
        const after = readFileSync(join(chart, "values.yaml"), "utf8");
        expect(after.startsWith("\uFEFF")).toBe(spec.bom);
        if (spec.crlf) expect(after).not.toMatch(/(?<!\r)\n/);
        const seenAfter = helmValues(parseOwnedYaml("values.yaml", after));
        const expected = [
          "image.tag",
          ...(seenBefore.image && (seenBefore.image as any).digest ? ["image.digest"] : []),
        ].sort();
        expect(changedPaths(seenBefore, seenAfter).sort(), after).toEqual(expected);
        expect((seenAfter.image as any).tag).toBe(tag);
        const manifests = await helmTemplate(nextHelm().bin, chart, [join(chart, "values.yaml")], [], {
          release: "shop",
        });
        expect(one(manifests, "Rollout").spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/shop:${tag}`);
      }),
      { seed: arb.SEED, numRuns: 6 },
    );
  });
});
