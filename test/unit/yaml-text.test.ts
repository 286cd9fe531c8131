// yamlText, which writes every YAML file bluegreen creates, against the yaml library's Document,
// which wrote them before: the same text for every file a new chart, add-env and migrate write,
// and for generated data; and for data of every kind, text that YAML 1.2 and YAML 1.1 readers
// read back as the same data. (Helm's own reading of it is in test/properties-edits.test.ts.)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML, { Document, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { type ArgoSettings, application, applicationHeader } from "../../src/chart/argocd.js";
import { DEFAULT_ENVS } from "../../src/chart/names.js";
import {
  baseHeader,
  baseValues,
  type ChartSettings,
  chartYaml,
  initialOverlay,
  overlayHeader,
  overlayValues,
  slackSecretHeader,
  slackSecretManifest,
} from "../../src/chart/values.js";
import { migratedExposureValues } from "../../src/chart/values-production.js";
import { resolve } from "../../src/helm-values.js";
import { type Entry, isAmbiguous, isPlain, Section, sectionData, yamlText } from "../../src/yaml-doc.js";
import { SEED, yamlString, yamlSymbols } from "../support/arbitraries.js";

/** What bluegreen wrote these files with before yamlText: the yaml library's Document. */
function libraryText(root: Section, header?: string): string {
  const comment = (text: string) =>
    text
      .split("\n")
      .map((line) => (line === "" ? "" : ` ${line}`))
      .join("\n");
  const toNode = (value: unknown): Node => {
    if (value instanceof Section) {
      const map = new YAMLMap();
      value.entries.forEach((entry, index) => {
        const key = new Scalar(entry.key);
        if (entry.doc) key.commentBefore = comment(entry.doc);
        if (entry.gap && index > 0) key.spaceBefore = true;
        map.items.push(new Pair(key, toNode(entry.value)));
      });
      return map;
    }
    if (Array.isArray(value)) {
      const seq = new YAMLSeq();
      seq.items = value.map(toNode);
      return seq;
    }
    if (value !== null && typeof value === "object") {
      const map = new YAMLMap();
      map.items = Object.entries(value).map(([key, item]) => new Pair(new Scalar(key), toNode(item)));
      return map;
    }
    const scalar = new Scalar(value);
    if (typeof value === "string" && isAmbiguous(value)) scalar.type = Scalar.QUOTE_DOUBLE;
    return scalar;
  };
  const doc = new Document();
  doc.contents = toNode(root) as YAMLMap;
  if (header) doc.commentBefore = comment(header);
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

const settings = (overrides: Partial<ChartSettings> = {}): ChartSettings => ({
  name: "shop",
  image: { repository: "ghcr.io/acme/shop", tag: "1.4.2" },
  replicas: 2,
  port: 8080,
  envs: DEFAULT_ENVS,
  namespace: "shop",
  slackEnabled: false,
  rolloutNotifications: false,
  ...overrides,
});

const variants: ChartSettings[] = [
  settings(),
  settings({
    name: "checkout-api",
    image: {
      repository: "registry.example.com:5000/team/checkout",
      tag: "1.10",
      digest: `sha256:${"a".repeat(64)}`,
    },
    replicas: 1,
    port: 80,
    envs: ["dev", "qa", "staging", "prod", "production"],
    namespace: "payments",
    slackEnabled: true,
    rolloutNotifications: true,
    host: "checkout.example.com",
    previewHost: "preview.checkout.example.com",
  }),
  settings({ image: { repository: "nginx", tag: "yes" }, slackEnabled: true, replicas: 30 }),
  settings({ image: { repository: "localhost:5000/app", digest: `sha256:${"0".repeat(64)}` }, envs: ["prod"] }),
];

const argo: ArgoSettings = {
  repoUrl: "https://github.com/acme/deploy.git",
  repoPath: "charts/shop",
  revision: "main",
  argocdNamespace: "argocd",
  project: "default",
  server: "https://kubernetes.default.svc",
  namespace: "shop",
};

/** Every section bluegreen writes as a file (or a block of one), with its header comment. */
function filesOf(chart: ChartSettings): [name: string, root: Section, header?: string][] {
  return [
    ["Chart.yaml", chartYaml(chart)],
    ["values.yaml", baseValues(chart), baseHeader(chart)],
    ...chart.envs.map((env): [string, Section, string] => [
      `values-${env}.yaml`,
      initialOverlay(env, chart),
      overlayHeader(env),
    ]),
    ...chart.envs.flatMap((env) =>
      [true, false].map((autoscaling): [string, Section, string] => [
        `argocd/${env}.yaml`,
        application(chart.name, env, { ...argo, namespace: chart.namespace }, { autoscaling }),
        applicationHeader(chart.name, env),
      ]),
    ),
    [
      "slack-webhook-secret.yaml",
      slackSecretManifest(chart, "https://hooks.slack.com/services/T000/B000/XXXX"),
      slackSecretHeader(chart.envs.map((env) => `${chart.namespace}-${env}`)),
    ],
  ];
}

describe("yamlText", () => {
  it("writes every file of a new chart exactly as the yaml library wrote it", () => {
    let files = 0;
    for (const chart of variants) {
      for (const [name, root, header] of filesOf(chart)) {
        expect(yamlText(root, header), `${chart.name}: ${name}`).toBe(libraryText(root, header));
        files++;
      }
    }
    expect(files).toBeGreaterThan(30);
  });

  it("writes add-env's overlays and migrate's values block exactly as the yaml library wrote them", () => {
    const image = { repository: "ghcr.io/acme/shop", tag: "0755", digest: `sha256:${"f".repeat(64)}` };
    for (const env of ["qa", "staging", "prod", "production"]) {
      for (const options of [
        {},
        { replicas: 5, autoPromote: true },
        { image, promoteFrom: "sandbox", disruptionBudget: false },
        { autoscaling: false, image },
      ]) {
        const root = overlayValues(env, options);
        expect(yamlText(root, overlayHeader(env)), `${env} ${JSON.stringify(options)}`).toBe(
          libraryText(root, overlayHeader(env)),
        );
      }
    }
    for (const kinds of [
      { ingress: true, httpRoute: false },
      { ingress: false, httpRoute: true },
      { ingress: true, httpRoute: true },
    ]) {
      const root = new Section([...baseValues(settings()).entries.slice(0, 4), ...migratedExposureValues(kinds)]);
      expect(yamlText(root, "Blue/Green release settings.")).toBe(libraryText(root, "Blue/Green release settings."));
    }
  });

  it("writes generated documents exactly as the yaml library does, where neither meets a multi-line string or a character YAML 1.1 reads as a line break", () => {
    fc.assert(
      fc.property(document(libraryString), header, (root, head) => {
        // Keys YAML 1.1 reads as something else are quoted too, where the library wrote them plain.
        fc.pre(!keysOf(root).some(isAmbiguous));
        expect(yamlText(root, head)).toBe(libraryText(root, head));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("writes data of every kind so that YAML 1.2 and YAML 1.1 readers read back the same data", () => {
    fc.assert(
      fc.property(document(yamlString), header, (root, head) => {
        const text = yamlText(root, head);
        const data = sectionData(deepSection(root));
        expect(YAML.parse(text), text).toEqual(data);
        // The yaml library's YAML 1.1 schema reads `e0` and `.e3` as NaN (its float with an
        // exponent, in yaml/dist/schema/yaml-1.1/float.js, needs no digit before the e), which
        // neither YAML 1.1 nor Helm's go-yaml does: quoting them would refuse them as names.
        if (!JSON.stringify(data).match(/"[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+"/))
          expect(YAML.parse(text, { version: "1.1" }), text).toEqual(data);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it("never writes plain a word that Helm's go-yaml reads as anything but that string", () => {
    fc.assert(
      fc.property(
        fc.oneof(yamlSymbols, fc.stringMatching(/^[-+.0-9a-fA-FxXoObB_:~eEyYnNtTrRuUlLsS]{1,8}$/)),
        (word) => {
          const helm = resolve(word);
          if (helm.kind !== "str" || helm.value !== word) expect(isPlain(word), word).toBe(false);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it("quotes what a reader would misread, and escapes what it would not keep", () => {
    const text = (value: unknown) => yamlText(new Section([{ key: "v", value }])).slice("v: ".length, -1);
    expect(["1.10", "yes", "on", "0755", "~", "", "0o17", "1e3", "2001-12-14", "<<"].map(text)).toEqual([
      '"1.10"',
      '"yes"',
      '"on"',
      '"0755"',
      '"~"',
      '""',
      '"0o17"',
      '"1e3"',
      '"2001-12-14"',
      '"<<"',
    ]);
    expect(text("a: b")).toBe('"a: b"');
    expect(text('"quoted"')).toBe(`'"quoted"'`);
    expect(text("it's")).toBe("it's");
    expect(text("two\nlines")).toBe('"two\\nlines"');
    expect(text("a\u2028b\u0085c\u007fd\ufeffe\u0000f\u001bg")).toBe('"a\\Lb\\Nc\\x7fd\\ufeffe\\0f\\eg"');
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e21, 0.5].map(text)).toEqual([
      ".nan",
      ".inf",
      "-.inf",
      "-0",
      "1e+21",
      "0.5",
    ]);
    // Keys too, which the yaml library would have written plain, for YAML 1.1 to read as booleans.
    expect(yamlText(new Section([{ key: "on", value: 1 }]))).toBe('"on": 1\n');
  });
});

// --- generated data -----------------------------------------------------------------------------

/** Every key in a document, at any depth. */
function keysOf(value: unknown): string[] {
  if (value instanceof Section) return value.entries.flatMap((e) => [e.key, ...keysOf(e.value)]);
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

/** A Section, with every plain object and section inside it, as the data it describes. */
function deepSection(root: Section): Section {
  const plain = (value: unknown): unknown => {
    if (value instanceof Section) return Object.fromEntries(value.entries.map((e) => [e.key, plain(e.value)]));
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value === undefined ? null : value;
  };
  return new Section(root.entries.map((e) => ({ key: e.key, value: plain(e.value) })));
}

/** Strings the yaml library writes on one line, with no character YAML 1.1 reads as a line break. */
const libraryString = fc.oneof(
  yamlSymbols,
  fc.string({ maxLength: 12 }).filter((s) => !/[\n\u0085\u2028\u2029\u007f-\u009f\ufeff]/.test(s)),
);

const key = fc.oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9./-]{0,10}$/), yamlSymbols);
const doc = fc.option(
  fc
    .array(fc.oneof(fc.constant(""), fc.stringMatching(/^[ -~]{1,20}$/)), { minLength: 1, maxLength: 3 })
    .map((lines) => (lines[0] === "" ? ["x", ...lines] : lines).join("\n")),
  { nil: undefined },
);
const header = fc.option(
  doc.filter((d) => d !== undefined),
  { nil: undefined },
);

function document(string: fc.Arbitrary<string>): fc.Arbitrary<Section> {
  const scalar = fc.oneof(
    string,
    fc.integer(),
    // YAML 1.1 has no float with an exponent and no point (1e+21): bluegreen writes none.
    fc.double().filter((n) => !/^[^.]*e/.test(JSON.stringify(n))),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(0.5, -0, 1.5e21),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(key, tie("value"), { maxKeys: 3 }),
      tie("section"),
    ),
    section: fc
      .uniqueArray(fc.record({ key, value: tie("value"), doc, gap: fc.boolean() }), {
        selector: (entry) => entry.key,
        maxLength: 4,
      })
      .map((entries) => new Section(entries as Entry[])),
  }));
  return fc
    .uniqueArray(fc.record({ key, value, doc, gap: fc.boolean() }), { selector: (entry) => entry.key, maxLength: 5 })
    .map((entries) => new Section(entries as Entry[]));
}
