// A field of the wrong type in a file a person owns (an Argo CD Application, Chart.yaml) is
// refused with the file, the field and what is allowed, exit 2, and nothing changes: never a
// JavaScript error such as "x.endsWith is not a function". Runs the built CLI on charts made by init.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initChart } from "./support/chart.js";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import { helmBinaries } from "./support/helm.js";

let pristineRun: Promise<string> | undefined;
const pristine = () =>
  (pristineRun ??= initChart([
    "--image",
    "ghcr.io/acme/shop:1.0",
    "--repo-url",
    "https://github.com/acme/shop.git",
    "--repo-path",
    "shop",
  ]));

/** A copy of the init chart with one file edited as a person might. */
async function chartWith(file: string, edit: (text: string) => string): Promise<string> {
  const chart = join(makeTempDir(), "shop");
  cpSync(await pristine(), chart, { recursive: true });
  const text = readFileSync(join(chart, file), "utf8");
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(join(chart, file), edited);
  return chart;
}

async function expectRefused(chart: string, args: string[], message: string): Promise<void> {
  const before = snapshotTree(chart);
  const result = await runCli([...args, "--chart", chart]);
  expect(result.stderr).toBe(`error: ${message}\n`);
  expect(result.code).toBe(2);
  expect(snapshotTree(chart)).toEqual(before);
}

describe("a field of the wrong type in argocd/*.yaml", () => {
  it("refuses a namespace that is a number, naming the file and the field", async () => {
    const chart = await chartWith("argocd/prod.yaml", (text) => text.replace("namespace: shop-prod", "namespace: 123"));
    await expectRefused(
      chart,
      ["add-env", "staging"],
      "argocd/prod.yaml spec.destination.namespace: must be a namespace name (text), not the number 123",
    );
  });

  it("refuses valueFiles that are not a list, in add-env and in doctor", async () => {
    const chart = await chartWith("argocd/prod.yaml", (text) =>
      text.replace(/valueFiles:\n(\s+- .*\n)+/, "valueFiles: values-prod.yaml\n"),
    );
    const message = "argocd/prod.yaml spec.source.helm.valueFiles: must be a list of values file names, not text";
    await expectRefused(chart, ["add-env", "staging"], message);
    await expectRefused(chart, ["doctor", "--helm", helmBinaries()[0]!.bin], message);
  });

  it("refuses a destination that is not a mapping", async () => {
    const chart = await chartWith("argocd/prod.yaml", (text) =>
      text.replace(/destination:\n(\s{4}.*\n)+/, "destination: in-cluster\n"),
    );
    await expectRefused(
      chart,
      ["add-env", "staging"],
      "argocd/prod.yaml spec.destination: must be a mapping of keys, not text",
    );
  });
});

describe("a field of the wrong type in Chart.yaml", () => {
  it("refuses a name that is not text instead of taking the directory's name for it", async () => {
    const chart = await chartWith("Chart.yaml", (text) => text.replace(/^name: shop$/m, "name: 123"));
    const message = "Chart.yaml name: must be the chart's name (text), not the number 123";
    await expectRefused(chart, ["add-env", "staging"], message);
    await expectRefused(chart, ["bump-image", "1.1"], message);
  });
});
