// The input rules of add-env and bump-image on generated names and tags, in process: what the
// e2e tier used to run as one CLI process per sample. test/properties-edits.test.ts keeps a few
// runs of the real CLI that prove the wiring (exit 2, the message, every byte unchanged).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { addEnvInput, bumpImageInput, parseInput } from "../../src/schema.js";
import { parseOwnedYaml, setStrings } from "../../src/yaml-edit.js";
import * as arb from "../support/arbitraries.js";

const ADD_ENV = { env: "<env>" };
const BUMP_IMAGE = { image: "<tag | image-ref>" };

/** The one-line message the CLI prints after `error: `, or undefined when the input is taken. */
function refusal(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The broken names add-env's e2e test ran as processes, and generated ones. */
const brokenEnvName = fc.oneof(
  arb.withForeign(arb.envName),
  arb.tooLong(arb.envName),
  fc.constantFrom("Staging", "a/b", "../x", "a.b", "", "x".repeat(21), "-x", "x-", "prod/../../etc", "yes", "123").map((value) => ({ why: "a fixed case", value })),
);

const brokenTag = fc.oneof(
  arb.withForeign(arb.tag),
  arb.tooLong(arb.tag),
  // (Shop/app:1 is a reference: a first component with a capital letter can only be a registry
  // host in the distribution grammar. An uppercase path is not.)
  fc.constantFrom("latest", "-x", ".x", "a b", "shop@sha256:abc", "shop/App:1", "ghcr.io/Acme/shop:1", "sha256:xyz").map((value) => ({ why: "a fixed case", value })),
);

describe("add-env's <env> on generated names", () => {
  it("takes every valid name", () => {
    fc.assert(
      fc.property(arb.envName, (env) => {
        expect(parseInput(addEnvInput, { env }, ADD_ENV).env).toBe(env);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });

  it("refuses every broken name in one line that names <env>", () => {
    fc.assert(
      fc.property(brokenEnvName, ({ value }) => {
        expect(refusal(() => parseInput(addEnvInput, { env: value }, ADD_ENV)), JSON.stringify(value)).toMatch(/^<env>: [^\n]*$/);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });
});

describe("bump-image's <tag | image-ref> on generated tags", () => {
  it("takes every valid tag, and writes it so that Helm's YAML 1.1 and YAML 1.2 both read that string", () => {
    const values = parseOwnedYaml("values.yaml", 'image:\n  repository: ghcr.io/acme/shop\n  tag: "1.0"\n');
    fc.assert(
      fc.property(fc.oneof(arb.tag, arb.ambiguousTag), (tag) => {
        expect(parseInput(bumpImageInput, { image: tag }, BUMP_IMAGE).image).toMatchObject({ tag });
        const written = setStrings(values, [{ path: ["image", "tag"], value: tag }]);
        for (const version of ["1.1", "1.2"] as const) expect(YAML.parse(written, { version }).image.tag, written).toBe(tag);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });

  it("refuses every broken tag in one line that names <tag | image-ref>", () => {
    fc.assert(
      fc.property(brokenTag, ({ value }) => {
        expect(refusal(() => parseInput(bumpImageInput, { image: value }, BUMP_IMAGE)), JSON.stringify(value)).toMatch(/^<tag \| image-ref>: [^\n]*$/);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });
});
