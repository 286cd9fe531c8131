import { describe, expect, it } from "vitest";
import { helmValues } from "../../src/helm-values.js";
import { parseOwnedYaml, type StringEdit, setStrings } from "../../src/yaml-edit.js";

const edit = (source: string, ...edits: StringEdit[]) => setStrings(parseOwnedYaml("values.yaml", source), edits);
const tag = (value: string): StringEdit => ({ path: ["image", "tag"], value });
const seen = (source: string) => helmValues(parseOwnedYaml("values.yaml", source));

describe("surgical YAML edits", () => {
  it("changes only the scalar, keeping comments, quoting and order", () => {
    const source = "# mine\nimage:\n  repository: app # keep\n  tag: '1.0'\n\nother: {a: 1}\n";
    const edited = edit(source, tag("1.10"));
    expect(edited).toBe("# mine\nimage:\n  repository: app # keep\n  tag: '1.10'\n\nother: {a: 1}\n");
  });

  it("adds a missing key under its mapping, indented like its siblings", () => {
    const source = "image:\n    repository: app\n";
    expect(edit(source, tag("1.0"))).toBe('image:\n    repository: app\n    tag: "1.0"\n');
  });

  it("reports a syntax error with file and line", () => {
    expect(() => parseOwnedYaml("values-prod.yaml", "a: 1\nb: [\n")).toThrow(/values-prod\.yaml:2/);
  });

  it("refuses a key written twice in one mapping, naming both lines", () => {
    expect(() => parseOwnedYaml("values.yaml", "image:\n  tag: a\n  repository: r\n  tag: b\n")).toThrow(
      /values\.yaml:4: the key tag is written twice in one mapping \(first on line 2\)/,
    );
  });

  it("quotes a new plain value that Helm's YAML 1.1 would read as something else", () => {
    for (const value of ["1.10", "yes", "0o17", "1_0", "y"])
      expect(edit("image:\n  tag: v1\n", tag(value))).toBe(`image:\n  tag: "${value}"\n`);
  });
});

describe("block scalars", () => {
  it("keeps the comment line after a |- value where it is", () => {
    const source = "image:\n  tag: |-\n    1.4.2\n  # pinned by the release train\n  pullPolicy: Always\n";
    expect(edit(source, tag("1.5.0"))).toBe(
      "image:\n  tag: |-\n    1.5.0\n  # pinned by the release train\n  pullPolicy: Always\n",
    );
  });

  it("keeps the blank lines of a >+ value, which becomes a quoted value, and the header's comment", () => {
    const source = "image:\n  tag: >+ # folded\n    1.4.2\n\n\n  pullPolicy: Always\n";
    expect(edit(source, tag("1.5.0"))).toBe('image:\n  tag: "1.5.0" # folded\n\n\n  pullPolicy: Always\n');
  });

  it("edits a block value in a CRLF file with CRLF kept", () => {
    const source = "image:\r\n  tag: |-\r\n    1.4.2\r\n  # note\r\n";
    expect(edit(source, tag("2.0"))).toBe("image:\r\n  tag: |-\r\n    2.0\r\n  # note\r\n");
  });

  it("keeps a byte-order mark", () => {
    const source = "\uFEFFimage:\n  tag: '1.0'\n";
    expect(edit(source, tag("2.0"))).toBe("\uFEFFimage:\n  tag: '2.0'\n");
  });
});

describe("edits through anchors, aliases and merge keys", () => {
  const defaults = 'defaults: &img {repository: r, tag: "1.4.2", digest: "sha256:aaa"}\n';

  it("writes the key after a block mapping's merge key, so Helm reads it, and clears the merged digest", () => {
    const source = `${defaults}image:\n  <<: *img\n`;
    const edited = edit(source, tag("1.5.0"), { path: ["image", "digest"], value: "" });
    expect(edited).toBe(`${defaults}image:\n  <<: *img\n  tag: "1.5.0"\n  digest: ""\n`);
    expect(seen(edited).image).toEqual({ repository: "r", tag: "1.5.0", digest: "" });
    expect(seen(edited).defaults).toEqual(seen(source).defaults);
  });

  it("adds the key to a flow mapping with a merge key", () => {
    const source = `${defaults}image: {<<: *img}\n`;
    const edited = edit(source, tag("1.5.0"));
    expect(edited).toBe(`${defaults}image: {<<: *img, tag: "1.5.0"}\n`);
    expect(seen(edited).image).toEqual({ repository: "r", tag: "1.5.0", digest: "sha256:aaa" });
  });

  it("refuses a key that a merge key written after it overrides, as Helm would", () => {
    const source = `${defaults}image:\n  tag: "1.4.2"\n  <<: *img\n`;
    expect(() => edit(source, tag("1.5.0"))).toThrow(/cannot set image\.tag .*Helm would still read "1\.4\.2" there/);
  });

  it("refuses to change a value that an alias elsewhere shares", () => {
    const source = 'image:\n  tag: &release "1.4.2"\nsidecar:\n  tag: *release\n';
    expect(() => edit(source, tag("1.5.0"))).toThrow(/sidecar\.tag would change too/);
  });

  it("refuses to write into a mapping that another key aliases", () => {
    const source = `${defaults}image: *img\n`;
    expect(() => edit(source, tag("1.5.0"))).toThrow(/defaults\.tag would change too/);
  });

  it("replaces an alias that is the value itself", () => {
    const source = 'version: &v "1.4.2"\nimage:\n  tag: *v\n';
    expect(edit(source, tag("1.5.0"))).toBe('version: &v "1.4.2"\nimage:\n  tag: "1.5.0"\n');
  });

  it("writes a mapping that only one alias uses", () => {
    const source = 'base: &b\n  tag: "1"\n';
    const edited = edit(source, { path: ["base", "tag"], value: "2" });
    expect(edited).toBe('base: &b\n  tag: "2"\n');
  });
});

describe("scale", () => {
  /** Milliseconds to edit a values file with one mapping of `keys` keys. */
  function editTime(keys: number): number {
    const lines = ["image:", '  tag: "1.0"', "flags:"];
    for (let i = 0; i < keys; i++) lines.push(`  flag-${i}: "value ${i}"`);
    const source = `${lines.join("\n")}\n`;
    const started = performance.now();
    const edited = edit(source, tag("2.0"));
    const elapsed = performance.now() - started;
    expect(edited).toBe(source.replace('tag: "1.0"', 'tag: "2.0"'));
    return elapsed;
  }

  it("costs time in proportion to the file: four times the keys, about four times the time", () => {
    // The parser's own duplicate-key check compares every key with every earlier one, so four
    // times the keys took sixteen times as long. Measured back to back, after a warm-up, so that
    // both see the same load on the machine.
    editTime(4_000);
    const small = Math.min(editTime(4_000), editTime(4_000));
    const large = editTime(16_000);
    expect(large / small, `${small.toFixed(0)} ms for 4 000 keys, ${large.toFixed(0)} ms for 16 000`).toBeLessThan(8);
  }, 60_000);
});
