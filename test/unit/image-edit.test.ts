// bump-image's edit of values files people wrote (anchors, merge keys, every scalar style, CRLF,
// a byte-order mark), in process, on many generated files: exactly the image keys Helm reads
// change, or the edit is refused naming the key. test/properties-edits.test.ts runs a few of these
// through the real CLI and real Helm.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChartDir } from "../../src/chart/find.js";
import { applyChange, currentImage, planImageEdit } from "../../src/chart/image-edit.js";
import { helmValues } from "../../src/helm-values.js";
import { bumpImageInput, parseInput } from "../../src/input-schema.js";
import { parseOwnedYaml } from "../../src/yaml-edit.js";
import * as arb from "../support/arbitraries.js";
import { changedPaths, imageBlock, rewriteImage } from "../support/values-text.js";

// The parts of init's values.yaml around the image block that rewriteImage replaces.
const VALUES =
  'replicaCount: 2\n\nimage:\n  repository: ghcr.io/acme/shop\n  tag: "1.0"\n  digest: ""\n  pullPolicy: IfNotPresent\n\nservice:\n  port: 80\n';
const CHART_YAML = 'apiVersion: v2\nname: shop\nversion: 0.1.0\nappVersion: "1.0"\n';

function chartWith(values: string): ChartDir {
  return {
    dir: "/charts/shop",
    name: "shop",
    chartYaml: parseOwnedYaml("Chart.yaml", CHART_YAML),
    values: parseOwnedYaml("values.yaml", values),
    envs: [],
  };
}

describe("bump-image on values files people wrote", () => {
  it("changes exactly the image keys Helm reads, keeping the BOM and CRLF, or refuses naming the key", () => {
    let edited = 0;
    let refused = 0;
    fc.assert(
      fc.property(imageBlock, fc.oneof(arb.tag, arb.ambiguousTag), (spec, tag) => {
        fc.pre(tag !== "1.0");
        const values = rewriteImage(VALUES, spec);
        const chart = chartWith(values);
        const seenBefore = helmValues(chart.values);
        const change = parseInput(bumpImageInput, { image: tag }, { image: "<tag | image-ref>" }).image!;
        let edit: ReturnType<typeof planImageEdit>;
        try {
          edit = planImageEdit(
            chart,
            [],
            undefined,
            applyChange(currentImage(chart, undefined) ?? { repository: "" }, change),
          );
        } catch (error) {
          expect((error as Error).message).toMatch(/^values\.yaml: cannot set image\.[a-z]+[^\n]*$/);
          refused++;
          return;
        }
        edited++;
        const after = edit.writes.find((w) => w.path.endsWith("/values.yaml"))!.content;
        expect(after.startsWith("\uFEFF")).toBe(spec.bom);
        if (spec.crlf) expect(after).not.toMatch(/(?<!\r)\n/);
        const seenAfter = helmValues(parseOwnedYaml("values.yaml", after));
        const expected = [
          "image.tag",
          ...(seenBefore.image && (seenBefore.image as any).digest ? ["image.digest"] : []),
        ].sort();
        expect(changedPaths(seenBefore, seenAfter).sort(), after).toEqual(expected);
        expect((seenAfter.image as any).tag).toBe(tag);
      }),
      { seed: arb.SEED, numRuns: 400 },
    );
    // Both outcomes occur, or the property proved only one of them.
    expect(edited).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
