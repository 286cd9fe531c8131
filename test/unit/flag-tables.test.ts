// The refusals of init's flags and add-env's <env>, case by case, in process: what the e2e tier
// ran as one CLI process per case. test/init-flags.test.ts and test/add-env.test.ts keep a few
// runs of the real CLI that prove the wiring (exit 2, one line on stderr, nothing written).
import { describe, expect, it } from "vitest";
import { addEnvInput, initInput, parseInput } from "../../src/input-schema.js";

// How init names its fields in messages (its own table is in src/commands/init.ts, which needs
// the build's templates; the e2e runs prove the CLI says the same).
const INIT_FIELDS = {
  name: "--name",
  image: "--image",
  replicas: "--replicas",
  port: "--port",
  envs: "--envs",
  repoUrl: "--repo-url",
  revision: "--revision",
  project: "--project",
};
const KEY = Object.fromEntries(Object.entries(INIT_FIELDS).map(([key, flag]) => [flag, key]));

/** The message parseInput refuses with (the CLI prints it after `error: `), or undefined. */
function refusal(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const expectRefusal = (message: string | undefined, field: string) => {
  expect(message).toMatch(new RegExp(`^${field.replace(/[|]/g, "\\$&")}: \\S`));
  expect(message).not.toContain("\n");
};

describe("init refuses each bad flag value, naming the flag, in one line", () => {
  const valid = { name: "shop", image: "ghcr.io/acme/shop:1.4.2", repoUrl: "https://github.com/acme/platform.git" };
  const cases: [flag: string, label: string, value: string][] = [
    ["--name", "uppercase", "Shop"],
    ["--name", "a leading digit", "1shop"],
    ["--name", "54 characters", "a".repeat(54)],
    ["--name", "an underscore", "my_shop"],
    ["--name", "empty", ""],
    ["--name", "a newline", "shop\nevil"],
    ["--image", "no tag", "ghcr.io/acme/shop"],
    ["--image", "an uppercase path", "ghcr.io/Acme/shop:1.0"],
    ["--image", "Helm delimiters", "ghcr.io/acme/shop:{{tag}}"],
    ["--image", "a space", "ghcr.io/acme/shop :1.0"],
    ["--image", "a tag of 129 characters", `ghcr.io/acme/shop:${"a".repeat(129)}`],
    ["--image", "a bad digest", "ghcr.io/acme/shop:1.0@sha256:abc123"],
    ["--replicas", "0", "0"],
    ["--replicas", "1001", "1001"],
    ["--replicas", "2.5", "2.5"],
    ["--replicas", "a word", "three"],
    ["--replicas", "-1", "-1"],
    ["--port", "0", "0"],
    ["--port", "65536", "65536"],
    ["--port", "a name", "http"],
    ["--envs", "an uppercase name", "Prod"],
    ["--envs", "a slash", "a/b"],
    ["--envs", "a dot", "a.b"],
    ["--envs", "a 21-character name", "e".repeat(21)],
    ["--envs", "a repeated name", "sandbox,prod,sandbox"],
    ["--envs", "an empty list", ","],
    // Words YAML 1.1 (Kubernetes, Helm) reads as booleans or null are not names.
    ["--name", "yes, a YAML boolean", "yes"],
    ["--name", "true, a YAML boolean", "true"],
    ["--name", "off, a YAML boolean", "off"],
    ["--name", "null", "null"],
    ["--envs", "on, a YAML boolean", "sandbox,on"],
    ["--envs", "a number", "sandbox,123"],
    ["--image", "a sha512 digest", `ghcr.io/acme/shop:1.0@sha512:${"ab".repeat(64)}`],
    ["--image", "a bare sha512 digest", `sha512:${"ab".repeat(64)}`],
    ["--image", "a registry port above 65535", "registry.example.com:65536/shop:1.0"],
    ["--revision", "a hidden part", ".hidden"],
    ["--revision", "an empty part", "a//b"],
    ["--project", "two dots", "a..b"],
  ];

  it.each(cases)("%s with %s", (flag, _label, value) => {
    expectRefusal(
      refusal(() => parseInput(initInput, { ...valid, [KEY[flag]!]: value }, INIT_FIELDS)),
      flag,
    );
  });

  it("takes the valid values the cases start from", () => {
    expect(refusal(() => parseInput(initInput, valid, INIT_FIELDS))).toBeUndefined();
  });
});

describe("add-env refuses a bad <env>, naming it, in one line", () => {
  it.each([
    ["uppercase", "Staging"],
    ["a slash", "a/b"],
    ["a parent directory", "../x"],
    ["a dot", "a.b"],
    ["empty", ""],
    ["21 characters", "e".repeat(21)],
    ["a leading '-'", "-x"],
  ])("%s", (_label, env) => {
    expectRefusal(
      refusal(() => parseInput(addEnvInput, { env }, { env: "<env>" })),
      "<env>",
    );
  });
});
