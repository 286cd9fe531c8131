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
import { parseOwnedYaml } from "../src/yaml-edit.js";
import * as arb from "./support/arbitraries.js";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
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

// --- values files as people write them: anchors, merge keys, block scalars, CRLF ---------------

/** A plain, quoted or block scalar of `text`, as a person might write it (block: on its own lines at `indent`). */
const scalarIn = (indent: string) =>
  fc.constantFrom("plain", "single", "double", "literal-strip", "folded-strip", "literal-keep").map((style) => (text: string) => {
    if (style === "plain") return text;
    if (style === "single") return `'${text}'`;
    if (style === "double") return JSON.stringify(text);
    const header = { "literal-strip": "|-", "folded-strip": ">-", "literal-keep": "|+" }[style];
    return `${header}\n${indent}  ${text}\n${style === "literal-keep" ? "\n" : ""}`;
  });

/** Plain scalars a YAML 1.1 reader types in surprising ways, and harmless ones. */
const plainWord = fc.constantFrom("yes", "no", "on", "y", "~", "0755", "0o17", "0x1F", "1_000", "1.10", "1e3", "2001-12-14", "1:30", "v2", "shop", "012", "-.5", "+12", ".inf");

/**
 * A values file built of anchored mappings, mappings that merge them (`<<: *a`, `<<: [*a, *b]`)
 * with keys written before and after the merge, aliases of scalars, and every scalar style.
 */
const valuesText = fc
  .record({
    anchored: fc.array(fc.dictionary(fc.constantFrom("tag", "repository", "digest", "extra", "port"), plainWord, { minKeys: 1, maxKeys: 3 }), { minLength: 1, maxLength: 3 }),
    merging: fc.array(
      fc.record({
        before: fc.dictionary(fc.constantFrom("tag", "extra", "count"), plainWord, { maxKeys: 2 }),
        merges: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
        after: fc.dictionary(fc.constantFrom("tag", "digest", "flag"), plainWord, { maxKeys: 2 }),
        flow: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    styles: fc.array(scalarIn("  "), { minLength: 1, maxLength: 8 }),
    aliasScalar: fc.boolean(),
    crlf: fc.boolean(),
  })
  .map(({ anchored, merging, styles, aliasScalar, crlf }) => {
    let n = 0;
    const style = (text: string) => styles[n++ % styles.length]!(text);
    const lines: string[] = [];
    anchored.forEach((map, i) => lines.push(`a${i}: &a${i} {${Object.entries(map).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")}}`));
    if (aliasScalar) lines.push('version: &version "3.1"');
    merging.forEach(({ before, merges, after, flow }, i) => {
      const refs = merges.map((m) => `*a${m % anchored.length}`);
      const merge = refs.length === 1 ? refs[0]! : `[${refs.join(", ")}]`;
      if (flow) {
        const items = [...Object.entries(before).map(([k, v]) => `${k}: ${JSON.stringify(v)}`), `<<: ${merge}`, ...Object.entries(after).map(([k, v]) => `${k}: ${v.match(/^[\w.]+$/) ? v : JSON.stringify(v)}`)];
        lines.push(`m${i}: {${items.join(", ")}}`);
        return;
      }
      lines.push(`m${i}:`);
      for (const [k, v] of Object.entries(before)) lines.push(`  ${k}: ${style(v)}`.trimEnd());
      lines.push(`  <<: ${merge}`);
      if (aliasScalar && i === 0) lines.push("  pinned: *version");
      for (const [k, v] of Object.entries(after)) lines.push(`  ${k}: ${style(v)}`.trimEnd());
      lines.push("  # a comment after the mapping");
    });
    const text = `${lines.join("\n").replace(/\n+/g, "\n")}\n`;
    return crlf ? text.replace(/\n/g, "\r\n") : text;
  });

/** A chart that only prints the values Helm read, as JSON. */
let probeChart: string | undefined;
function probe(): string {
  if (probeChart) return probeChart;
  probeChart = join(makeTempDir(), "probe");
  mkdirSync(join(probeChart, "templates"), { recursive: true });
  writeFileSync(join(probeChart, "Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
  writeFileSync(join(probeChart, "values.yaml"), "{}\n");
  writeFileSync(join(probeChart, "templates", "values.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  json: {{ toJson .Values | quote }}\n");
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

/** The base chart's image block, rewritten the ways people write it. */
const imageBlock = fc.record({
  form: fc.constantFrom("plain", "merge", "merge-flow", "merge-after", "alias-tag", "shared-tag", "alias-map"),
  tagStyle: scalarIn("  "),
  digest: fc.boolean(),
  commentAfterTag: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

type ImageSpec = typeof imageBlock extends fc.Arbitrary<infer T> ? T : never;

function rewriteImage(values: string, spec: ImageSpec): string {
  const start = values.indexOf("\nimage:\n");
  const end = values.indexOf("\n\n", start + 1);
  const digest = spec.digest ? `"sha256:${"c".repeat(64)}"` : '""';
  const tag = spec.tagStyle("1.0");
  const tagLine = `  tag: ${tag}`.replace(/\n$/, "") + (spec.commentAfterTag ? "\n  # the release train moves this" : "");
  const block = {
    plain: `image:\n  repository: ghcr.io/acme/shop\n${tagLine}\n  digest: ${digest}\n  pullPolicy: IfNotPresent`,
    merge: `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage:\n  <<: *img`,
    "merge-flow": `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage: {<<: *img}`,
    "merge-after": `defaults: &img {repository: ghcr.io/acme/shop, tag: "0.9", digest: ${digest}, pullPolicy: IfNotPresent}\nimage:\n${tagLine}\n  <<: *img`,
    "alias-tag": `release: &release "1.0"\nimage:\n  repository: ghcr.io/acme/shop\n  tag: *release\n  digest: ${digest}\n  pullPolicy: IfNotPresent`,
    "shared-tag": `image:\n  repository: ghcr.io/acme/shop\n  tag: &release ${tag.includes("\n") ? '"1.0"' : tag}\n  digest: ${digest}\n  pullPolicy: IfNotPresent\nsidecar:\n  tag: *release`,
    "alias-map": `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage: *img`,
  }[spec.form as string]!;
  let text = `${values.slice(0, start)}\n${block}${values.slice(end)}`;
  if (spec.crlf) text = text.replace(/\n/g, "\r\n");
  return spec.bom ? `\uFEFF${text}` : text;
}

/** Key paths where two value trees differ. */
function changedPaths(a: unknown, b: unknown, prefix: string[] = []): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isMap(a) && isMap(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => changedPaths(a[key], b[key], [...prefix, key]));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix.join(".")];
}

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
        const expected = ["image.tag", ...(seenBefore.image && (seenBefore.image as any).digest ? ["image.digest"] : [])].sort();
        expect(changedPaths(seenBefore, seenAfter).sort(), after).toEqual(expected);
        expect((seenAfter.image as any).tag).toBe(tag);
        const manifests = await helmTemplate(nextHelm().bin, chart, [join(chart, "values.yaml")], [], { release: "shop" });
        expect(one(manifests, "Rollout").spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/shop:${tag}`);
      }),
      { seed: arb.SEED, numRuns: 24 },
    );
  }, 180_000);
});
