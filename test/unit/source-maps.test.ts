// The build's source maps cover src/ only (scripts/source-maps.mjs): what stays mapped, what
// becomes unmapped, and that the Base64 VLQ mappings survive the round trip.
import { describe, expect, it } from "vitest";
import { decodeMappings, encodeMappings, keepOwnSources } from "../../scripts/source-maps.mjs";

describe("source map mappings", () => {
  it("decodes Base64 VLQ segments relative to the previous one, the column per line", () => {
    // "AAAA,SAAS;AACA": [0,0,0,0], then both columns +9; on the next line the generated column
    // starts again at 0 while the original line (+1) and column carry on.
    expect(decodeMappings("AAAA,SAAS;AACA")).toEqual([
      [
        [0, 0, 0, 0],
        [9, 0, 0, 9],
      ],
      [[0, 0, 1, 9]],
    ]);
    // Negative deltas and values past one digit: -1 is "D", 16 is "gB".
    expect(decodeMappings("gBAAgB,DAAD")).toEqual([
      [
        [16, 0, 0, 16],
        [15, 0, 0, 15],
      ],
    ]);
  });

  it("encodes what it decodes, empty lines and names included", () => {
    const mappings = "AAAA,SAAS,gBAAgBA;;AACA,oBAAoBC,D;AAAA";
    expect(encodeMappings(decodeMappings(mappings))).toBe(mappings);
  });
});

describe("keepOwnSources", () => {
  const map = {
    version: 3,
    sources: ["../node_modules/yaml/dist/index.js", "../src/cli.ts", "../src/errors.ts"],
    names: ["stringify", "main", "fail"],
    mappings: encodeMappings([
      [
        [0, 1, 10, 0, 1], // src/cli.ts:11, main
        [40, 0, 200, 4, 0], // the yaml package
        [60, 0, 201, 0],
        [80, 2, 5, 2, 2], // src/errors.ts:6, fail
      ],
      [[0, 0, 7, 0]], // a line of library code only
    ]),
  };

  it("keeps src/ segments, renumbered, and ends them where library code starts", () => {
    const kept = keepOwnSources(map, (source) => source.startsWith("../src/"));
    expect(kept.sources).toEqual(["../src/cli.ts", "../src/errors.ts"]);
    expect(kept.names).toEqual(["main", "fail"]);
    expect(decodeMappings(kept.mappings)).toEqual([[[0, 0, 10, 0, 0], [40], [80, 1, 5, 2, 1]], []]);
  });

  it("maps nothing when no source is ours", () => {
    const kept = keepOwnSources(map, () => false);
    expect(kept).toEqual({ version: 3, sources: [], names: [], mappings: ";" });
  });
});
