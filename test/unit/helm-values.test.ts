// The values Helm sees in a file. Every expectation here is what Helm 3.17 and Helm 4.1 printed
// for the same text (`{{ toJson .Values }}` in a template, with the text as a values file);
// test/properties-edits.test.ts checks generated files against real Helm the same way.
import { describe, expect, it } from "vitest";
import { goFloat, helmText, helmValues } from "../../src/helm-values.js";
import { parseOwnedYaml } from "../../src/yaml-edit.js";

const read = (source: string) => helmValues(parseOwnedYaml("values.yaml", source));

describe("the values Helm sees", () => {
  it("applies merge keys in order, as go-yaml v2 does: a later key wins, merged or written", () => {
    const values = read(
      [
        'defaults: &img {repository: r, tag: "1.4.2", digest: "sha256:aaa"}',
        'other: &o {tag: "9", extra: 1}',
        "a:",
        "  <<: *img",
        "  tag: after",
        "b:",
        "  tag: before",
        "  <<: *img",
        "c:",
        "  <<: [*img, *o]",
        "d:",
        "  <<: [*o, *img]",
        "",
      ].join("\n"),
    );
    expect(values.a).toEqual({ repository: "r", tag: "after", digest: "sha256:aaa" });
    expect(values.b).toEqual({ repository: "r", tag: "1.4.2", digest: "sha256:aaa" });
    expect(values.c).toEqual({ repository: "r", tag: "1.4.2", digest: "sha256:aaa", extra: 1 });
    expect(values.d).toEqual({ repository: "r", tag: "9", digest: "sha256:aaa", extra: 1 });
  });

  it("reads plain scalars as YAML 1.1 with Go's number syntax, and keys as JSON strings", () => {
    const values = read(
      [
        "f: yes",
        "g: 0755",
        "h: 1_000",
        "i: 2001-12-14",
        "j: 0b101",
        "k: 190:20:30",
        "l: ~",
        "n: 0o17",
        "o: 1e3",
        "p: !!str 12",
        "q: 012",
        "r: 0x1F",
        "s: '1.10'",
        "t: 1.10",
        "",
      ].join("\n"),
    );
    expect(values).toEqual({
      f: true,
      g: 493,
      h: 1000,
      i: "2001-12-14",
      j: 5,
      k: "190:20:30",
      l: null,
      false: 15,
      o: 1000,
      p: "12",
      q: 10,
      r: 31,
      s: "1.10",
      t: 1.1,
    });
  });

  it("refuses what Helm cannot read, naming the line", () => {
    expect(() => read("a: 1\nm: .inf\n")).toThrow(/values\.yaml:2: Helm cannot read this file/);
    expect(() => read("a: &x [1]\nb:\n  <<: *x\n")).toThrow(/values\.yaml:3: .*<< merges only mappings/);
  });

  it("refuses a document whose aliases multiply it beyond what Helm reads", () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    expect(() => read(`${lines.join("\n")}\n`)).toThrow(/excessive aliasing/);
  });

  it("prints numbers the way a template does (Go's %v)", () => {
    expect([1.1, 1000, 100000, 1000000, 1234567, 0.0001, 0.00001, -2.5].map((n) => goFloat(n))).toEqual([
      "1.1",
      "1000",
      "100000",
      "1e+06",
      "1.234567e+06",
      "0.0001",
      "1e-05",
      "-2.5",
    ]);
    expect(helmText(true)).toBe("true");
    expect(helmText(null)).toBeUndefined();
  });
});
