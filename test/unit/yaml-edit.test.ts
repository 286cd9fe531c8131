import { describe, expect, it } from "vitest";
import { parseOwnedYaml, setStrings } from "../../src/yaml-edit.js";

describe("surgical YAML edits", () => {
  it("changes only the scalar, keeping comments, quoting and order", () => {
    const source = "# mine\nimage:\n  repository: app # keep\n  tag: '1.0'\n\nother: {a: 1}\n";
    const edited = setStrings(parseOwnedYaml("values.yaml", source), [{ path: ["image", "tag"], value: "1.10" }]);
    expect(edited).toBe("# mine\nimage:\n  repository: app # keep\n  tag: '1.10'\n\nother: {a: 1}\n");
  });

  it("adds a missing key under its mapping, indented like its siblings", () => {
    const source = "image:\n    repository: app\n";
    const edited = setStrings(parseOwnedYaml("values.yaml", source), [{ path: ["image", "tag"], value: "1.0" }]);
    expect(edited).toBe('image:\n    repository: app\n    tag: "1.0"\n');
  });

  it("reports a syntax error with file and line", () => {
    expect(() => parseOwnedYaml("values-prod.yaml", "a: 1\nb: [\n")).toThrow(/values-prod\.yaml:2/);
  });
});
