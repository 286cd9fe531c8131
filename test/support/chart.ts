// Charts made by the real CLI, and everything real Helm makes of them: lint and render for
// the base values and for every values-<env>.yaml, on Helm 3 and Helm 4.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { checkRelease } from "../../src/rules/index.js";
import { makeTempDir, runCli } from "./cli.js";
import { type HelmBinary, helmBinaries, helmLint, helmTemplate, type Rendered } from "./helm.js";
import { validateManifest } from "./manifests.js";

/** Runs `bluegreen init --yes <args>` in a fresh directory; returns the chart's path. */
export async function initChart(args: string[], name = "shop"): Promise<string> {
  const cwd = makeTempDir();
  const result = await runCli(["init", "--yes", "--name", name, ...args], { cwd });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return join(cwd, name);
}

/** values.yaml alone, then values.yaml plus each overlay, as `-f` lists. */
export function valuesCombinations(chartDir: string): { label: string; files: string[] }[] {
  const overlays = readdirSync(chartDir)
    .filter((f) => /^values-.+\.yaml$/.test(f))
    .sort();
  return [
    { label: "values.yaml", files: [join(chartDir, "values.yaml")] },
    ...overlays.map((overlay) => ({ label: overlay, files: [join(chartDir, "values.yaml"), join(chartDir, overlay)] })),
  ];
}

export interface RenderedRelease {
  helm: HelmBinary;
  label: string;
  manifests: Rendered;
}

/**
 * Lints (strict) and renders every values combination on both Helm versions, and checks that
 * every manifest validates against its published schema. Fails the test on any problem.
 */
export async function lintAndRenderAll(chartDir: string, release = "shop"): Promise<RenderedRelease[]> {
  const releases: RenderedRelease[] = [];
  for (const helm of helmBinaries()) {
    for (const { label, files } of valuesCombinations(chartDir)) {
      const lint = await helmLint(helm.bin, chartDir, files);
      expect(lint.code, `helm ${helm.version} lint --strict with ${label}:\n${lint.stdout}${lint.stderr}`).toBe(0);
      expect(lint.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      const manifests = await helmTemplate(helm.bin, chartDir, files, [], { release, namespace: `${release}-ns` });
      for (const manifest of manifests) {
        expect(
          validateManifest(manifest),
          `${manifest.kind}/${manifest.metadata.name} (helm ${helm.version}, ${label})`,
        ).toEqual([]);
      }
      releases.push({ helm, label, manifests });
    }
  }
  return releases;
}

/** The release rules find nothing at all in a rendered release. */
export function expectNoFindings(release: RenderedRelease): void {
  expect(checkRelease(release.manifests), `helm ${release.helm.version}, ${release.label}`).toEqual([]);
}
