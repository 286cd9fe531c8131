// The input rules (src/input-schema.ts) on the values an attacker's afternoon tried, and the redaction
// every printed message goes through (src/redact.ts): pure functions, no process.
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { isProduction } from "../../src/chart/names.js";
import {
  appName,
  clusterServer,
  envList,
  envName,
  fieldError,
  imageChange,
  imageWithTag,
  project,
  repoUrl,
  revision,
  slackWebhook,
} from "../../src/input-schema.js";
import { redact } from "../../src/redact.js";
import { containsWebhook } from "../../src/rules/secrets.js";

const HEX64 = "0123456789abcdef".repeat(4);
const accepts = (schema: Parameters<typeof fieldError>[0], value: string) =>
  expect(fieldError(schema, value), value).toBeUndefined();
const refuses = (schema: Parameters<typeof fieldError>[0], value: string, why?: RegExp) => {
  const message = fieldError(schema, value);
  expect(message, value).toBeDefined();
  if (why) expect(message).toMatch(why);
  return message!;
};

describe("names YAML 1.1 reads as something else", () => {
  // What Kubernetes' and Helm's YAML reader (go-yaml v2, YAML 1.1) resolves to a boolean or null.
  const words = ["true", "false", "yes", "no", "on", "off", "y", "n", "null"];

  it.each(words)("refuses %s as an app name and an environment name, saying why", (word) => {
    expect(YAML.parse(`v: ${word}`, { version: "1.1" }).v).not.toBe(word);
    refuses(appName, word, /reads as a boolean, a number or null in YAML/);
    refuses(envName, word, /reads as a boolean, a number or null in YAML/);
    refuses(envList, `sandbox,${word}`, /has a name that reads as a boolean/);
  });

  it("refuses environment names YAML reads as numbers, and keeps names that only look close", () => {
    for (const number of ["123", "0755", "0x1f", "1e3"]) refuses(envName, number, /YAML/);
    for (const name of ["yes2", "nope", "only", "offline", "prod", "n1", "null-env"]) accepts(envName, name);
    for (const name of ["yesno", "onward", "nullable", "shop"]) accepts(appName, name);
  });
});

describe("image references", () => {
  it("refuses digests of other algorithms: bare, in a reference and after a tag", () => {
    for (const value of [
      `sha512:${HEX64}${HEX64}`,
      `@sha512:${HEX64}${HEX64}`,
      `app@sha512:${HEX64}${HEX64}`,
      `ghcr.io/acme/app:1.0@blake3:${HEX64}`,
      `sha384:${HEX64}`,
    ]) {
      refuses(imageChange, value, /not sha256/);
    }
    refuses(imageWithTag, `sha512:${HEX64}${HEX64}`, /not sha256/);
    refuses(imageWithTag, `app@md5:${HEX64.slice(0, 32)}`, /not sha256/);
  });

  it("keeps an image whose name only starts like an algorithm, and a long hexadecimal tag", () => {
    accepts(imageChange, `shaun:${HEX64}`);
    accepts(imageWithTag, "sha256sum/tool:1.0");
    accepts(imageChange, `app:${HEX64.slice(0, 40)}`);
  });

  it("takes a registry port from 1 to 65535 only", () => {
    accepts(imageWithTag, "registry.example.com:65535/app:1");
    accepts(imageWithTag, "localhost:1/app:1");
    for (const port of ["65536", "70000", "99999", "0"])
      refuses(imageWithTag, `registry.example.com:${port}/app:1`, /port from 1 to 65535/);
  });

  it("accepts a digest alone for a new chart", () => {
    expect(imageWithTag.parse(`ghcr.io/acme/shop@sha256:${HEX64}`)).toEqual({
      repository: "ghcr.io/acme/shop",
      digest: `sha256:${HEX64}`,
    });
    refuses(imageWithTag, "ghcr.io/acme/shop", /needs a tag.* or a digest/);
  });
});

describe("git and Argo CD names", () => {
  it("follows git check-ref-format for --revision", () => {
    for (const ok of ["HEAD", "main", "v1.2.0", "release/2024.10", "feature/a-b_c", "0123abc"]) accepts(revision, ok);
    for (const bad of [
      ".hidden",
      "a//b",
      "a/.b",
      "a..b",
      "a.",
      "a/",
      "/a",
      "-a",
      "a.lock",
      "a/b.lock/c",
      "a b",
      "a:b",
      "a~1",
      "a^",
      "a?",
      "a*",
      "a[b",
      "a\\b",
    ]) {
      refuses(revision, bad);
    }
  });

  it("takes Argo CD project names as Kubernetes object names (DNS-1123 subdomains)", () => {
    for (const ok of ["default", "team-a", "team.a", "a.b-c.d"]) accepts(project, ok);
    for (const bad of ["a..b", ".a", "a.", "a.-b", "a-.b", "A", "a_b"]) refuses(project, bad);
  });
});

describe("URLs that carry a secret or pass for another host", () => {
  const TOKEN = "ghp_S3cr3tT0ken";

  it("refuses a repository URL with a query or a fragment, never repeating it", () => {
    for (const url of [
      `https://github.com/a/b.git?access_token=${TOKEN}`,
      `https://github.com/a/b.git#${TOKEN}`,
      "https://github.com/a/b.git?",
      `ssh://git@github.com/a/b.git?t=${TOKEN}`,
    ]) {
      const message = refuses(repoUrl, url, /query .* or fragment/);
      expect(message).not.toContain(TOKEN);
    }
    accepts(repoUrl, "https://github.com/a/b.git");
    accepts(repoUrl, "git@github.com:a/b.git");
  });

  it("refuses a host that is not plain ASCII, though the URL parser would punycode it", () => {
    const lookalike = "https://g\u0456thub.com/acme/platform.git"; // Cyrillic і
    expect(new URL(lookalike).hostname).toMatch(/^xn--/);
    refuses(repoUrl, lookalike, /plain ASCII/);
    refuses(slackWebhook, "https://hooks.sl\u0430ck.com/services/T0/B0/x", /plain ASCII/);
    accepts(repoUrl, `https://${new URL(lookalike).hostname}/acme/platform.git`);
  });

  it("refuses a cluster server (destination.server) that carries credentials", () => {
    accepts(clusterServer, "https://kubernetes.default.svc");
    accepts(clusterServer, "https://10.0.0.1:6443");
    for (const bad of [
      "https://admin:PASS@10.0.0.1:6443",
      "https://token@k8s.example.com",
      "https://k8s.example.com?token=x",
      "http://k8s.example.com",
    ]) {
      expect(refuses(clusterServer, bad)).not.toContain("PASS");
    }
  });
});

describe("environments named like production", () => {
  it("gives prod, production, prod-*, production-*, *-prod and *-production the production preset", () => {
    for (const env of ["prod", "production", "prod-eu", "production-us-east", "eu-prod", "payments-production"])
      expect(isProduction(env), env).toBe(true);
    for (const env of [
      "sandbox",
      "staging",
      "pre-prod",
      "non-prod",
      "not-prod",
      "product",
      "prodx",
      "preprod",
      "production2",
    ]) {
      expect(isProduction(env), env).toBe(false);
    }
  });
});

describe("redaction of everything printed", () => {
  const shapes = [
    "https://hooks.slack.com/services/T0/B0/SECRETpart",
    "https://HOOKS.SLACK.COM/services/T0/B0/SECRETpart",
    "https://hooks.slack.com:443/services/T0/B0/SECRETpart",
    "http://hooks.slack.com./services/T0/B0/SECRETpart",
    "https://user:SECRETpart@git.example.com/a.git",
    "https://SECRETpart@github.com/a/b.git",
    "https://user:p@ss-SECRETpart@git.example.com/a.git",
    "https://user:pa/ss-SECRETpart@git.example.com/a.git",
    "https://github.com/a/b.git?access_token=SECRETpart",
    "https://github.com/a/b.git#SECRETpart",
    "ssh://git:SECRETpart@git.example.com:2222/a.git",
    "https://user:p@ss-SECRETpart@git.example.com/a.git?token=SECRETpart",
  ];

  it.each(shapes)("cuts the secret out of %s, wherever it stands in a message", (url) => {
    for (const message of [
      url,
      `cannot reach ${url}: refused`,
      `"${url}"`,
      `'${url}'`,
      `(${url})`,
      `url=${url},next`,
    ]) {
      const shown = redact(message);
      expect(shown, message).not.toContain("SECRETpart");
      expect(shown).toContain("redacted");
    }
  });

  it("leaves text without secrets alone", () => {
    const plain = 'helm template fails: templates/services.yaml:3: function "x" not defined; see https://helm.sh/docs';
    expect(redact(plain)).toBe(plain);
    expect(redact("git@github.com:acme/platform.git")).toBe("git@github.com:acme/platform.git");
  });

  it("finds webhook URLs whatever their case or port", () => {
    expect(containsWebhook("url: https://HOOKS.SLACK.COM/services/T0/B0/x")).toBe(true);
    expect(containsWebhook("url: https://hooks.slack.com:443/services/T0/B0/x")).toBe(true);
    expect(
      containsWebhook(Buffer.from("https://Hooks.Slack.com:443/services/T0/B0/xyz0123456789").toString("base64")),
    ).toBe(true);
    expect(containsWebhook("https://hooks.slack.com.evil.example/services/x")).toBe(false);
  });
});
