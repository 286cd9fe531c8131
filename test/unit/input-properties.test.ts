// The input rules of add-env and bump-image on generated names and tags, in process: what the
// e2e tier used to run as one CLI process per sample. test/properties-edits.test.ts keeps a few
// runs of the real CLI that prove the wiring (exit 2, the message, every byte unchanged).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { addEnvInput, bumpImageInput, initInput, parseInput } from "../../src/input-schema.js";
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
  fc
    .constantFrom("Staging", "a/b", "../x", "a.b", "", "x".repeat(21), "-x", "x-", "prod/../../etc", "yes", "123")
    .map((value) => ({ why: "a fixed case", value })),
);

const brokenTag = fc.oneof(
  arb.withForeign(arb.tag),
  arb.tooLong(arb.tag),
  // (Shop/app:1 is a reference: a first component with a capital letter can only be a registry
  // host in the distribution grammar. An uppercase path is not.)
  fc
    .constantFrom("latest", "-x", ".x", "a b", "shop@sha256:abc", "shop/App:1", "ghcr.io/Acme/shop:1", "sha256:xyz")
    .map((value) => ({ why: "a fixed case", value })),
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
        expect(
          refusal(() => parseInput(addEnvInput, { env: value }, ADD_ENV)),
          JSON.stringify(value),
        ).toMatch(/^<env>: [^\n]*$/);
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
        for (const version of ["1.1", "1.2"] as const)
          expect(YAML.parse(written, { version }).image.tag, written).toBe(tag);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });

  it("refuses every broken tag in one line that names <tag | image-ref>", () => {
    fc.assert(
      fc.property(brokenTag, ({ value }) => {
        expect(
          refusal(() => parseInput(bumpImageInput, { image: value }, BUMP_IMAGE)),
          JSON.stringify(value),
        ).toMatch(/^<tag \| image-ref>: [^\n]*$/);
      }),
      { seed: arb.SEED, numRuns: 500 },
    );
  });
});

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";

/** Each field with a valid value and the ways to break it; `flag` is what the error must name. */
const fields = {
  name: { flag: "--name", valid: arb.appName, broken: [fc.constantFrom("Shop", "1shop", "shop-", "-shop", "a_b", "")] },
  image: {
    flag: "--image",
    valid: arb.image.map((i) => i.ref),
    broken: [
      fc.constantFrom(
        "nginx",
        "ghcr.io/acme/shop",
        "Ghcr.io/Acme/shop:1",
        "shop:latest",
        "shop:.1",
        "shop:-1",
        "shop:1@sha256:abc",
        `shop:${"a".repeat(129)}`,
      ),
    ],
  },
  replicas: {
    flag: "--replicas",
    valid: fc.integer({ min: 1, max: 1000 }).map(String),
    broken: [fc.constantFrom("0", "1001", "-1", "2.5", "+3", "three", "١", "1e2")],
  },
  port: {
    flag: "--port",
    valid: fc.integer({ min: 1, max: 65535 }).map(String),
    broken: [fc.constantFrom("0", "65536", "http", "80.0", "-80")],
  },
  envs: {
    flag: "--envs",
    valid: fc.uniqueArray(arb.envName, { minLength: 1, maxLength: 3 }).map((e) => e.join(",")),
    broken: [fc.constantFrom("Prod", "a/b", "a.b", "sandbox,sandbox", ",", "x".repeat(21), "-dev")],
  },
  "slack-webhook": {
    flag: "--slack-webhook",
    valid: fc.constant(WEBHOOK),
    broken: [
      fc.constantFrom(
        "http://hooks.slack.com/services/x",
        "hooks.slack.com/services/x",
        "https://user:pass@hooks.slack.com/x",
        "ftp://x",
      ),
    ],
  },
} as const;

type Field = keyof typeof fields;

function brokenValue(field: Field): fc.Arbitrary<{ why: string; value: string }> {
  const { valid, broken } = fields[field];
  // Look-alike unicode is a valid URL path character, and spaces around commas are forgiven.
  const foreign = arb
    .withForeign(valid)
    .filter(
      ({ why, value }) =>
        !(field === "slack-webhook" && why === "look-alike unicode") &&
        !(field === "envs" && why === "a space" && /(^|,) | ($|,)/.test(value)),
    );
  return fc.oneof(
    foreign,
    arb.tooLong(valid),
    ...broken.map((b) => b.map((value: string) => ({ why: "a value the rule forbids", value }))),
  );
}

// How init names these fields in messages (its own table is in src/commands/init.ts, which needs
// the build's templates; test/properties-init.test.ts proves the CLI says the same).
const INIT_FIELDS = {
  name: "--name",
  image: "--image",
  replicas: "--replicas",
  port: "--port",
  envs: "--envs",
  slackWebhook: "--slack-webhook",
};
// The flags as init's options name them.
const KEYS: Record<Field, string> = {
  name: "name",
  image: "image",
  replicas: "replicas",
  port: "port",
  envs: "envs",
  "slack-webhook": "slackWebhook",
};

describe("init's flags on generated broken input", () => {
  it("refuses each broken value in one line naming its flag, never repeating a webhook", () => {
    const field = fc.constantFrom(...(Object.keys(fields) as Field[]));
    fc.assert(
      fc.property(
        field.chain((f) => fc.tuple(fc.constant(f), brokenValue(f))),
        arb.appName,
        ([f, { value }], name) => {
          const given = { name, image: "ghcr.io/acme/shop:1.0", [KEYS[f]]: value };
          const message = refusal(() => parseInput(initInput, given, INIT_FIELDS));
          expect(message, JSON.stringify(given)).toMatch(new RegExp(`^${fields[f].flag}[: ]`));
          expect(message).not.toContain("\n");
          if (f === "slack-webhook" && value.length > 8) expect(message).not.toContain(value);
        },
      ),
      { seed: arb.SEED, numRuns: 500 },
    );
  });
});
