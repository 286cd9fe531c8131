// The validators the build compiles ahead of time (scripts/schema-validators.mjs) against the
// models they stand in for (@kubernetes-models/argo-rollouts and @kubernetes-models/gateway-api,
// which compile the same schemas with Ajv at run time): the same verdict and the same errors, so
// doctor's schema findings read the same, on a rendered chart and on objects broken on purpose.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { SCHEMA_VALIDATOR_MODELS, schemaValidatorsSource } from "../../scripts/schema-validators.mjs";
import { excludeNullableRefErrors } from "../../src/rules/manifest-schemas.js";
import type { SchemaError, ValidateFunction } from "../../src/rules/schema-validators.js";

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const rendered = YAML.parseAllDocuments(
  readFileSync(path.join(root, "test/unit/fixtures/rendered-shop.yaml"), "utf8"),
).map((doc) => doc.toJS());
const fixture = (kind: string) => structuredClone(rendered.find((object) => object.kind === kind));

type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = { Rollout, AnalysisTemplate, HTTPRoute };

/** What the model reports, as doctor reads it: valid, or its (already filtered) errors. */
function modelVerdict(kind: string, object: unknown) {
  try {
    new MODELS[kind]!(object).validate();
    return { valid: true, errors: [] };
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return { valid: false, errors: errors.map(essentials) };
  }
}

const essentials = ({ keyword, instancePath, schemaPath, message, params }: SchemaError & { params?: unknown }) => ({
  keyword,
  instancePath,
  schemaPath,
  message,
  params,
});

// The generated module, as the bundle carries it, run as CommonJS with the project's packages.
let compiled: Record<string, ValidateFunction>;
let source: string;
beforeAll(() => {
  const module = { exports: {} as Record<string, ValidateFunction> };
  source = schemaValidatorsSource();
  new Function("exports", "require", "module", source)(
    module.exports,
    createRequire(path.join(root, "package.json")),
    module,
  );
  compiled = module.exports;
}, 60_000);

function compiledVerdict(kind: string, object: unknown) {
  const validate = compiled[kind]!;
  return validate(object)
    ? { valid: true, errors: [] }
    : { valid: false, errors: excludeNullableRefErrors(validate.errors ?? []).map(essentials) };
}

const set = (object: any, pointer: string, value: unknown) => {
  const keys = pointer.split("/").slice(1);
  const last = keys.pop()!;
  const parent = keys.reduce((node, key) => node[key], object);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return object;
};

const container = "/spec/template/spec/containers/0";
const cases: [kind: string, what: string, mutate: (object: any) => unknown][] = [
  ["Rollout", "as rendered", (o) => o],
  ["Rollout", "replicas as a string", (o) => set(o, "/spec/replicas", "2")],
  ["Rollout", "replicas past int32", (o) => set(o, "/spec/replicas", 2 ** 40)],
  ["Rollout", "autoPromotionEnabled as a word", (o) => set(o, "/spec/strategy/blueGreen/autoPromotionEnabled", "yes")],
  ["Rollout", "a kind the schema does not allow", (o) => set(o, "/kind", "Rolout")],
  ["Rollout", "a container without its required name", (o) => set(o, `${container}/name`, undefined)],
  ["Rollout", "no template", (o) => set(o, "/spec/template", undefined)],
  ["Rollout", "no spec", (o) => set(o, "/spec", undefined)],
  ["Rollout", "restartAt that is no date-time", (o) => set(o, "/spec/restartAt", "yesterday")],
  ["Rollout", "restartAt as a date-time", (o) => set(o, "/spec/restartAt", "2026-01-02T03:04:05Z")],
  ["Rollout", "null where the CRD says nullable", (o) => set(o, "/spec/minReadySeconds", null)],
  ["Rollout", "null metadata (oneOf ObjectMeta or null)", (o) => set(o, "/metadata", null)],
  [
    "Rollout",
    "metadata with a name that is no string (ObjectMeta fails, null is left out)",
    (o) => set(o, "/metadata/name", 5),
  ],
  ["Rollout", "labels that are no strings", (o) => set(o, "/metadata/labels", { a: 1, b: true })],
  ["Rollout", "a container port as a string", (o) => set(o, `${container}/ports/0/containerPort`, "8080")],
  ["Rollout", "resources as a list", (o) => set(o, `${container}/resources`, ["cpu"])],
  [
    "Rollout",
    "a probe port of both kinds (int-or-string)",
    (o) => set(o, `${container}/readinessProbe/httpGet/port`, 8080),
  ],
  [
    "Rollout",
    "a probe port that is neither",
    (o) => set(o, `${container}/readinessProbe/httpGet/port`, { port: 8080 }),
  ],
  [
    "Rollout",
    "several faults at once",
    (o) =>
      set(
        set(set(o, "/spec/replicas", "x"), `${container}/image`, 7),
        "/spec/strategy/blueGreen/activeService",
        undefined,
      ),
  ],
  // The model's constructor sets apiVersion and kind; doctor's objects always have them.
  ["Rollout", "nothing but apiVersion and kind", (o) => ({ apiVersion: o.apiVersion, kind: o.kind })],
  ["AnalysisTemplate", "as rendered", (o) => o],
  ["AnalysisTemplate", "a metric without its name", (o) => set(o, "/spec/metrics/0/name", undefined)],
  ["AnalysisTemplate", "count as a word", (o) => set(o, "/spec/metrics/0/count", "three")],
  ["AnalysisTemplate", "metrics as an object", (o) => set(o, "/spec/metrics", { name: "smoke" })],
  ["HTTPRoute", "as rendered", (o) => o],
  ["HTTPRoute", "a hostname in capitals (pattern)", (o) => set(o, "/spec/hostnames/0", "Shop.Example.com")],
  ["HTTPRoute", "a path type outside its enum", (o) => set(o, "/spec/rules/0/matches/0/path/type", "Prefix")],
  ["HTTPRoute", "a backend port of 0 (minimum)", (o) => set(o, "/spec/rules/0/backendRefs/0/port", 0)],
  ["HTTPRoute", "a parent without its name", (o) => set(o, "/spec/parentRefs/0/name", undefined)],
];

describe("validators compiled at build time", () => {
  it("cover the kinds of the models that compile at run time", () => {
    expect(Object.keys(SCHEMA_VALIDATOR_MODELS).sort()).toEqual(Object.keys(MODELS).sort());
    expect(Object.keys(compiled).sort()).toEqual(Object.keys(MODELS).sort());
  });

  it.each(cases)("%s, %s: the same verdict and errors as the model", (kind, _what, mutate) => {
    const object = mutate(fixture(kind));
    const expected = modelVerdict(kind, structuredClone(object));
    expect(compiledVerdict(kind, structuredClone(object))).toEqual(expected);
  });

  it("are many small functions, so that V8 compiles only those of the fields an object has", () => {
    // Unsplit, the Rollout's and the AnalysisTemplate's were 1.6 MB each, compiled whole on
    // every doctor run's first check (about 50 ms each).
    const functions = source.split(/(?=function validate\d+\()/).slice(1);
    expect(functions.length).toBeGreaterThan(100);
    expect(Math.max(...functions.map((code) => code.length))).toBeLessThan(200_000);
  });

  it("accept what the chart renders and refuse each fault", () => {
    // The comparison above means something only if both sides see faults.
    const verdicts = cases.map(([kind, , mutate]) => compiledVerdict(kind, mutate(fixture(kind))).valid);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(cases.length / 2);
    for (const [index, [, what]] of cases.entries())
      if (/as rendered|nullable|null metadata|as a date-time|int-or-string/.test(what))
        expect(verdicts[index]).toBe(true);
  });
});
