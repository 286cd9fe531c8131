// `bluegreen bump-image` on a chart a person has edited by hand since init: every case compares
// the files byte for byte with the edited text where exactly the intended scalars were replaced,
// every refusal leaves every byte as it was, and real Helm renders the image that was asked for.
// Runs the built CLI (bin/bluegreen.cjs).
import { chmodSync, cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { expectNoFindings, initChart, lintAndRenderAll } from "./support/chart.js";
import { type CliResult, listFiles, makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries, helmTemplate, type Manifest } from "./support/helm.js";
import { one } from "./support/manifests.js";

const REPO = "ghcr.io/acme/shop";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

// What a person does to a chart in the months after init.
const HEADER = "# Owned by the payments team. Reviewed in every release PR.\n";
const TAG_LINE = (tag: string) => `  tag: "${tag}"  # pinned by release train`;
const REPO_LINE = (repository: string) => `  repository: '${repository}'`;
const APP_VERSION = (tag: string) => `appVersion: "${tag}"`;

/** Replaces `from`, which must occur exactly once, with `to`. */
function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from).length - 1, `occurrences of ${JSON.stringify(from)}`).toBe(1);
  return text.replace(from, () => to);
}

function handEdit(chart: string): void {
  let values = readFileSync(join(chart, "values.yaml"), "utf8");
  values = replaceOnce(values, '  tag: "1.0"\n', `${TAG_LINE("1.0")}\n`);
  values = replaceOnce(values, `  repository: ${REPO}\n`, `${REPO_LINE(REPO)}\n`);
  values = replaceOnce(values, "  pullPolicy: IfNotPresent\n", "\n  pullPolicy: IfNotPresent\n"); // a blank line inside image:
  values = replaceOnce(values, "containerPort: 8080\n", "containerPort: 8080\n\n\nteam: payments\n");
  writeFileSync(join(chart, "values.yaml"), HEADER + values);
  let chartYaml = readFileSync(join(chart, "Chart.yaml"), "utf8");
  chartYaml = replaceOnce(chartYaml, "kubeVersion:", "# The platform team supports 1.23 and later.\nkubeVersion:");
  writeFileSync(
    join(chart, "Chart.yaml"),
    `${chartYaml}maintainers:\n  - name: Payments\n    email: payments@example.com\n`,
  );
  chmodSync(join(chart, "values.yaml"), 0o640);
}

/** One init, edited by hand once; every case works on its own copy. */
let editedRun: Promise<string> | undefined;
const edited = () =>
  (editedRun ??= initChart(["--image", `${REPO}:1.0`]).then((chart) => {
    handEdit(chart);
    return chart;
  }));

interface Chart {
  dir: string;
  /** The files as the case started. */
  before: Map<string, Buffer>;
  text: (file: string) => string;
}

async function copyChart(): Promise<Chart> {
  const dir = join(makeTempDir(), "shop");
  cpSync(await edited(), dir, { recursive: true });
  chmodSync(join(dir, "values.yaml"), 0o640);
  const before = snapshotTree(dir);
  return { dir, before, text: (file) => before.get(file)!.toString("utf8") };
}

const bump = (chart: Chart, ...args: string[]): Promise<CliResult> =>
  runCli(["bump-image", ...args], { cwd: chart.dir });
const read = (chart: Chart, file: string) => readFileSync(join(chart.dir, file), "utf8");
const parse = (chart: Chart, file: string) => YAML.parse(read(chart, file));
const lines = (text: string) => text.split(/\r?\n/).filter((line) => line !== "");

/**
 * The chart holds exactly the files it started with (no temporary file left, dotfiles included),
 * the files in `expected` have exactly that text, every other file is byte-identical, and
 * values.yaml kept its mode.
 */
function expectFiles(chart: Chart, expected: Record<string, string> = {}): void {
  expect(listFiles(chart.dir)).toEqual([...chart.before.keys()]);
  expect(readdirSync(join(chart.dir, ".."))).toEqual(["shop"]);
  for (const [file, bytes] of chart.before) {
    if (file in expected) expect(read(chart, file), file).toBe(expected[file]);
    else expect(readFileSync(join(chart.dir, file)).equals(bytes), `${file} is unchanged`).toBe(true);
  }
  expect(statSync(join(chart.dir, "values.yaml")).mode & 0o777).toBe(0o640);
}

function expectSuccess(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe("");
}

/** The Rollout's container image, as a Helm binary renders it for the given values files. */
async function renderedImage(bin: string, chart: Chart, ...overlays: string[]): Promise<string> {
  const files = ["values.yaml", ...overlays].map((file) => join(chart.dir, file));
  const manifests: Manifest[] = await helmTemplate(bin, chart.dir, files, [], { release: "shop" });
  return one(manifests, "Rollout").spec.template.spec.containers[0].image;
}

describe("bump-image changes only the scalars concerned", () => {
  it("bumps the tag in values.yaml and appVersion in Chart.yaml, keeping the comment, the quotes and the mode", async () => {
    const chart = await copyChart();
    const result = await bump(chart, "1.1");
    expectSuccess(result);
    expect(result.stdout).toBe(
      [
        "image.tag 1.0 → 1.1 (values.yaml)",
        "appVersion 1.0 → 1.1 (Chart.yaml)",
        `Releases ${REPO}:1.1 to sandbox.`,
        `prod keeps ${REPO}:1.0 (values-prod.yaml pins its image); once sandbox runs 1.1 well, promote it:`,
        "  bluegreen bump-image --env prod --from sandbox",
        "",
      ].join("\n"),
    );
    expectFiles(chart, {
      "values.yaml": replaceOnce(chart.text("values.yaml"), TAG_LINE("1.0"), TAG_LINE("1.1")),
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("1.1")),
    });
  });

  it("keeps a tag that looks like a number a string, in both files and in what Helm renders", async () => {
    const chart = await copyChart();
    const result = await bump(chart, "1.10");
    expectSuccess(result);
    expectFiles(chart, {
      "values.yaml": replaceOnce(chart.text("values.yaml"), TAG_LINE("1.0"), TAG_LINE("1.10")),
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("1.10")),
    });
    expect(parse(chart, "values.yaml").image.tag).toBe("1.10");
    expect(parse(chart, "Chart.yaml").appVersion).toBe("1.10");
    for (const { bin } of helmBinaries()) expect(await renderedImage(bin, chart)).toBe(`${REPO}:1.10`);
  });

  it("takes a full reference: the repository changes too, in its single quotes", async () => {
    const chart = await copyChart();
    const result = await bump(chart, "registry.example.com:5000/team/shop:2.0");
    expectSuccess(result);
    expect(result.stdout).toBe(
      [
        `image.repository ${REPO} → registry.example.com:5000/team/shop (values.yaml)`,
        "image.tag 1.0 → 2.0 (values.yaml)",
        "appVersion 1.0 → 2.0 (Chart.yaml)",
        "Releases registry.example.com:5000/team/shop:2.0 to sandbox.",
        `prod keeps ${REPO}:1.0 (values-prod.yaml pins its image); once sandbox runs registry.example.com:5000/team/shop:2.0 well, promote it:`,
        "  bluegreen bump-image --env prod --from sandbox",
        "",
      ].join("\n"),
    );
    let values = replaceOnce(
      chart.text("values.yaml"),
      REPO_LINE(REPO),
      REPO_LINE("registry.example.com:5000/team/shop"),
    );
    values = replaceOnce(values, TAG_LINE("1.0"), TAG_LINE("2.0"));
    expectFiles(chart, {
      "values.yaml": values,
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("2.0")),
    });
  });

  it("pins a digest in image.digest, renders repo:tag@digest, and a later tag bump clears it", async () => {
    const chart = await copyChart();
    const result = await bump(chart, `${REPO}:2.1@${DIGEST}`);
    expectSuccess(result);
    expect(result.stdout).toMatch(new RegExp(`^image\\.digest .* → ${DIGEST} \\(values\\.yaml\\)$`, "m"));
    let values = replaceOnce(chart.text("values.yaml"), TAG_LINE("1.0"), TAG_LINE("2.1"));
    values = replaceOnce(values, '  digest: ""', `  digest: "${DIGEST}"`);
    expectFiles(chart, {
      "values.yaml": values,
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("2.1")),
    });
    for (const { bin } of helmBinaries()) expect(await renderedImage(bin, chart)).toBe(`${REPO}:2.1@${DIGEST}`);

    expectSuccess(await bump(chart, "2.2"));
    expectFiles(chart, {
      "values.yaml": replaceOnce(chart.text("values.yaml"), TAG_LINE("1.0"), TAG_LINE("2.2")),
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("2.2")),
    });
  });

  it("with --env sandbox gives values-sandbox.yaml a whole image of its own; Helm 3 and 4 render each environment's image", async () => {
    const chart = await copyChart();
    const sandbox = chart.text("values-sandbox.yaml");
    expect(YAML.parse(sandbox).image).toBeUndefined();

    const result = await bump(chart, "3.0", "--env", "sandbox");
    expectSuccess(result);
    expect(result.stdout).toBe(
      [
        `image.repository ${REPO}, pinned (values-sandbox.yaml)`,
        "image.tag 1.0 → 3.0 (values-sandbox.yaml)",
        "image.digest (none), pinned (values-sandbox.yaml)",
        "",
      ].join("\n"),
    );
    const now = read(chart, "values-sandbox.yaml");
    // The old text stays as it was; what follows is comments and exactly the new keys.
    expect(now.startsWith(sandbox)).toBe(true);
    expect(lines(now.slice(sandbox.length)).filter((line) => !line.startsWith("#"))).toEqual([
      "image:",
      `  repository: ${REPO}`,
      '  tag: "3.0"',
      '  digest: ""',
    ]);
    expect(YAML.parse(now)).toEqual({ ...YAML.parse(sandbox), image: { repository: REPO, tag: "3.0", digest: "" } });
    expectFiles(chart, { "values-sandbox.yaml": now });

    // A later bump of values.yaml, repository and all, reaches neither environment: both pin theirs whole.
    const base = await bump(chart, "registry.example.com:5000/team/shop:2.0");
    expectSuccess(base);
    expect(base.stdout).not.toContain("Releases");
    expect(base.stdout).toContain(
      `sandbox keeps ${REPO}:3.0 (values-sandbox.yaml pins its image); to change it:\n  bluegreen bump-image <tag> --env sandbox\n`,
    );
    let values = replaceOnce(
      chart.text("values.yaml"),
      REPO_LINE(REPO),
      REPO_LINE("registry.example.com:5000/team/shop"),
    );
    values = replaceOnce(values, TAG_LINE("1.0"), TAG_LINE("2.0"));
    expectFiles(chart, {
      "values.yaml": values,
      "Chart.yaml": replaceOnce(chart.text("Chart.yaml"), APP_VERSION("1.0"), APP_VERSION("2.0")),
      "values-sandbox.yaml": now,
    });

    const releases = await lintAndRenderAll(chart.dir);
    expect(releases).toHaveLength(3 * helmBinaries().length);
    const expected: Record<string, string> = {
      "values.yaml": "registry.example.com:5000/team/shop:2.0",
      "values-sandbox.yaml": `${REPO}:3.0`,
      "values-prod.yaml": `${REPO}:1.0`,
    };
    for (const release of releases) {
      expectNoFindings(release);
      const image = one(release.manifests, "Rollout").spec.template.spec.containers[0].image;
      expect(image, `helm ${release.helm.version}, ${release.label}`).toBe(expected[release.label]);
    }
  });

  it("names an environment that pins only its tag when a new repository in values.yaml reaches it", async () => {
    const chart = await copyChart();
    // A chart from before environments pinned their whole image.
    const prod = replaceOnce(chart.text("values-prod.yaml"), `  repository: ${REPO}\n`, "");
    writeFileSync(join(chart.dir, "values-prod.yaml"), replaceOnce(prod, '  digest: ""\n', ""));
    const result = await bump(chart, "registry.example.com:5000/team/shop:2.0");
    expectSuccess(result);
    expect(result.stdout).toContain("Releases registry.example.com:5000/team/shop:2.0 to sandbox.\n");
    expect(result.stdout).toContain(
      "note: values-prod.yaml sets only image.tag, so prod now renders registry.example.com:5000/team/shop:1.0; give it a whole image with bluegreen bump-image <image-ref> --env prod",
    );
    expect(await renderedImage(helmBinaries()[0]!.bin, chart, "values-prod.yaml")).toBe(
      "registry.example.com:5000/team/shop:1.0",
    );
  });

  it("never lets a digest in values.yaml reach an environment that pins its image", async () => {
    const chart = await copyChart();
    expectSuccess(await bump(chart, `${REPO}:1.0@${DIGEST}`));
    const pinned = snapshotTree(chart.dir);

    const result = await bump(chart, "3.1", "--env", "sandbox");
    expectSuccess(result);
    expect(parse(chart, "values-sandbox.yaml").image).toEqual({ repository: REPO, tag: "3.1", digest: "" });
    expect(read(chart, "values-sandbox.yaml").startsWith(chart.text("values-sandbox.yaml"))).toBe(true);
    for (const file of ["values.yaml", "Chart.yaml", "values-prod.yaml"])
      expect(readFileSync(join(chart.dir, file)).equals(pinned.get(file)!), file).toBe(true);
    expect(listFiles(chart.dir)).toEqual([...chart.before.keys()]);

    for (const { bin } of helmBinaries()) {
      expect(await renderedImage(bin, chart)).toBe(`${REPO}:1.0@${DIGEST}`);
      expect(await renderedImage(bin, chart, "values-sandbox.yaml")).toBe(`${REPO}:3.1`);
      // prod's pin says digest "": values.yaml's digest never reaches it.
      expect(await renderedImage(bin, chart, "values-prod.yaml")).toBe(`${REPO}:1.0`);
    }
  });

  it("keeps CRLF line endings", async () => {
    const chart = await copyChart();
    const crlf: Record<string, string> = {};
    for (const file of ["values.yaml", "Chart.yaml", "values-sandbox.yaml"]) {
      crlf[file] = chart.text(file).replace(/\n/g, "\r\n");
      writeFileSync(join(chart.dir, file), crlf[file]!);
    }
    expectSuccess(await bump(chart, "1.1"));
    expectSuccess(await bump(chart, "1.2", "--env", "sandbox"));
    const sandbox = read(chart, "values-sandbox.yaml");
    expect(sandbox.startsWith(crlf["values-sandbox.yaml"]!)).toBe(true);
    expect(sandbox).not.toMatch(/(?<!\r)\n/);
    expect(YAML.parse(sandbox).image).toEqual({ repository: REPO, tag: "1.2", digest: "" });
    expectFiles(chart, {
      "values.yaml": replaceOnce(crlf["values.yaml"]!, TAG_LINE("1.0"), TAG_LINE("1.1")),
      "Chart.yaml": replaceOnce(crlf["Chart.yaml"]!, APP_VERSION("1.0"), APP_VERSION("1.1")),
      "values-sandbox.yaml": sandbox,
    });
  });
});

describe("bump-image changes nothing when there is nothing to do, or it cannot", () => {
  let chart: Chart;
  beforeAll(async () => {
    chart = await copyChart();
  });

  it("says so when the tag is already the one asked for, and exits 0", async () => {
    for (const args of [["1.0"], [`${REPO}:1.0`], ["1.0", "--env", "prod"]]) {
      const result = await bump(chart, ...args);
      expectSuccess(result);
      expect(result.stdout, args.join(" ")).toMatch(/nothing changed/);
      expect(result.stdout).not.toContain("→");
      expectFiles(chart);
    }
  });

  it("refuses an unknown environment with exit 1, naming the values files that exist", async () => {
    const result = await bump(chart, "1.1", "--env", "staging");
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*values-staging\.yaml/);
    expect(result.stderr).toContain("values-sandbox.yaml");
    expect(result.stderr).toContain("values-prod.yaml");
    expect(result.stdout).toBe("");
    expectFiles(chart);
  });

  const badTags: [label: string, tag: string][] = [
    ["a space", "v 2"],
    ["Helm delimiters", "{{x}}"],
    ["a leading '-'", "-x"],
    ["129 characters", "a".repeat(129)],
    ["latest", "latest"],
    ["latest in a reference", `${REPO}:latest`],
  ];

  it.for(badTags)("refuses a tag with %s: exit 2, nothing changed", async ([_label, tag]) => {
    // `--` so that "-x" reaches the command as the tag rather than as an option.
    const result = await bump(chart, "--", tag);
    expect(result.code, result.stderr).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: <tag \| image-ref>: \S/);
    expect(result.stdout).toBe("");
    expectFiles(chart);
  });

  it("refuses unparseable YAML with exit 1 and values.yaml:<line>, leaving the file untouched", async () => {
    const broken = await copyChart();
    const text = broken.text("values.yaml");
    const typo = replaceOnce(text, "\nimage:\n", "\nimage: [unclosed\n");
    writeFileSync(join(broken.dir, "values.yaml"), typo);
    const line = typo.split("\n").indexOf("image: [unclosed") + 1;
    const before = snapshotTree(broken.dir);

    const result = await bump(broken, "1.1");
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^error: values\\.yaml:${line}:? `));
    expect(result.stdout).toBe("");
    expect(snapshotTree(broken.dir)).toEqual(before);
    expect(statSync(join(broken.dir, "values.yaml")).mode & 0o777).toBe(0o640);
  });
});
