// Appending items to lists in YAML a person owns: the items land after the last one, indented
// like it, a missing list is created at the end of its mapping, and nothing else moves.
import { describe, expect, it } from "vitest";
import { appendItems, parseOwnedYaml } from "../../src/yaml-edit.js";

const append = (source: string, path: string[], items: unknown[]) =>
  appendItems(parseOwnedYaml("app.yaml", source), [{ path, items }]);

describe("appending to YAML lists", () => {
  it("adds items after the last one, indented like it, keeping comments", () => {
    const source = "spec:\n  options:\n  - a   # first\n  - b\n  other: 1 # mine\n";
    expect(append(source, ["spec", "options"], ["c", { name: "d", list: [1] }])).toBe(
      "spec:\n  options:\n  - a   # first\n  - b\n  - c\n  - name: d\n    list:\n      - 1\n  other: 1 # mine\n",
    );
  });

  it("creates a missing list, and the mappings on the way, at the end of the mapping that exists", () => {
    const source = "spec:\n    project: default\n";
    expect(append(source, ["spec", "syncPolicy", "syncOptions"], ["X=true"])).toBe(
      "spec:\n    project: default\n    syncPolicy:\n        syncOptions:\n            - X=true\n",
    );
    expect(append("spec:\n  project: default", ["spec", "list"], ["a"])).toBe(
      "spec:\n  project: default\n  list:\n    - a",
    );
  });

  it("refuses a list it would have to rewrite, and a key that holds something else", () => {
    expect(() => append("spec:\n  options: [a]\n", ["spec", "options"], ["b"])).toThrow(
      /^app\.yaml: cannot set spec\.options without rewriting the file \(it is written as a \[flow\] or empty list\)/,
    );
    expect(() => append("spec:\n  options: a\n", ["spec", "options"], ["b"])).toThrow(/it is not a list/);
    expect(() => append("spec: {a: 1}\n", ["spec", "options"], ["b"])).toThrow(/spec is not a block mapping/);
  });
});
