// What the day-2 commands take from a person and from the chart's own files: inputs that must be
// refused (changing nothing), and the chart found from any directory inside it, as git finds a
// repository. Runs the built CLI on charts init wrote.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";

const IMAGE = "ghcr.io/acme/shop:1.4.2";
const SHA512 = `sha512:${"0123456789abcdef".repeat(8)}`;

describe("bump-image refuses a digest nothing pulls", () => {
  let chart: string;
  beforeAll(async () => {
    chart = await initChart(["--image", IMAGE]);
  });

  it.each([SHA512, `@${SHA512}`, `ghcr.io/acme/shop@${SHA512}`, `ghcr.io/acme/shop:1.5@blake3:${"ab".repeat(32)}`])(
    "refuses %s with exit 2, keeping the repository",
    async (value) => {
      const before = snapshotTree(chart);
      const result = await runCli(["bump-image", value, "--chart", chart]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "error: <tag | image-ref>: has a digest that is not sha256: only sha256 digests (sha256:<64 hex>) are supported\n",
      );
      expect(snapshotTree(chart)).toEqual(before);
      expect(YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8")).image.repository).toBe("ghcr.io/acme/shop");
    },
  );
});

describe("add-env refuses what contradicts itself or carries a credential", () => {
  it("refuses --auto-promote together with --no-auto-promote, in either order", async () => {
    const chart = await initChart(["--image", IMAGE]);
    const before = snapshotTree(chart);
    for (const flags of [
      ["--auto-promote", "--no-auto-promote"],
      ["--no-auto-promote", "--auto-promote"],
    ]) {
      const result = await runCli(["add-env", "staging", "--chart", chart, ...flags]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "error: --auto-promote: cannot be given together with --no-auto-promote: choose one\n",
      );
    }
    expect(snapshotTree(chart)).toEqual(before);
  });

  it("refuses an environment name YAML reads as a boolean", async () => {
    const chart = await initChart(["--image", IMAGE]);
    const result = await runCli(["add-env", "yes", "--chart", chart]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: <env>: reads as a boolean, a number or null in YAML/);
  });

  it("never copies a destination server with credentials from an existing Application", async () => {
    const chart = await initChart([
      "--image",
      IMAGE,
      "--repo-url",
      "git@github.com:acme/platform.git",
      "--repo-path",
      "shop",
    ]);
    const file = join(chart, "argocd", "prod.yaml");
    const password = "S3cr3tClusterPass";
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "https://kubernetes.default.svc",
        `https://admin:${password}@k8s.example.com:6443`,
      ),
    );
    const before = snapshotTree(chart);
    const result = await runCli(["add-env", "staging", "--chart", chart]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: argocd\/\*\.yaml spec\.destination\.server: must be the https:\/\/ URL of a Kubernetes API server, without a user, password/,
    );
    expect(result.stdout + result.stderr).not.toContain(password);
    expect(snapshotTree(chart)).toEqual(before);
  });
});

describe("commands find the chart from any directory inside it", () => {
  it("walks up to the nearest Chart.yaml and says which chart it found", async () => {
    const chart = await initChart(["--image", IMAGE]);
    const cwd = join(chart, "templates");
    const bumped = await runCli(["bump-image", "1.4.3"], { cwd });
    expect(bumped.code, bumped.stderr).toBe(0);
    expect(bumped.stderr).toBe("note: using the chart in .. (the nearest Chart.yaml above the current directory)\n");
    expect(YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8")).image.tag).toBe("1.4.3");

    mkdirSync(join(chart, "docs", "notes"), { recursive: true });
    const added = await runCli(["add-env", "staging", "--chart", "docs/notes"], { cwd: chart });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe("note: using the chart in . (the nearest Chart.yaml above docs/notes)\n");
    expect(readFileSync(join(chart, "values-staging.yaml"), "utf8")).toContain("environment: staging");
  });

  it("stops at the root of a git repository, as git stops at a ceiling", async () => {
    const chart = await initChart(["--image", IMAGE]);
    // A repository inside the chart's directory: the chart above it is not this repository's.
    const repo = join(chart, "vendor", "tool");
    mkdirSync(join(repo, "src"), { recursive: true });
    execFileSync("git", ["init", "-q", repo]);
    const result = await runCli(["bump-image", "1.4.3"], { cwd: join(repo, "src") });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: no chart found in the current directory or above it (no Chart.yaml): run bluegreen init, or point --chart at the chart's directory\n",
    );
    expect(YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8")).image.tag).toBe("1.4.2");
  });

  it("says nothing more when the chart is where it was pointed", async () => {
    const chart = await initChart(["--image", IMAGE]);
    const result = await runCli(["bump-image", "1.4.3", "--chart", chart], { cwd: makeTempDir() });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });
});
