// Pure parts of the chart code, in process: the ignore-file patterns doctor reads when the chart
// is not in git, Helm's merge of an overlay over values.yaml, the README blocks add-env keeps
// true, the words Helm's YAML 1.1 reads as something other than a string, and the order names
// are listed in.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { sortEnvs } from "../../src/chart/find.js";
import { type Environment, environmentValues, refreshBlocks } from "../../src/chart/readme.js";
import { mergeValues } from "../../src/chart/values.js";
import { byName } from "../../src/order.js";
import { matchesIgnoreFile } from "../../src/rules/files.js";
import { isAmbiguous } from "../../src/yaml-doc.js";
import { SEED } from "../support/arbitraries.js";

describe("ignore-file patterns, as git and Helm read .gitignore and .helmignore", () => {
  const cases: [lines: string[], file: string, ignored: boolean][] = [
    [["slack-webhook-secret.yaml"], "slack-webhook-secret.yaml", true],
    // Without a slash a pattern matches at any depth; with one it is anchored at the chart.
    [["slack-webhook-secret.yaml"], "sub/slack-webhook-secret.yaml", true],
    [["/values.yaml"], "values.yaml", true],
    [["/values.yaml"], "sub/values.yaml", false],
    [["a/*.txt"], "a/b.txt", true],
    [["a/*.txt"], "x/a/b.txt", false],
    [["a/*.txt"], "a/b/c.txt", false],
    // * and ? stop at a slash, ** does not.
    [["*-secret.yaml"], "slack-webhook-secret.yaml", true],
    [["*-secret.yaml"], "secret.yaml", false],
    [["?.txt"], "a.txt", true],
    [["?.txt"], "ab.txt", false],
    [["**/tmp"], "a/b/tmp", true],
    [["docs/**"], "docs/a/b.md", true],
    // A directory pattern covers what is inside it.
    [["private/"], "private/notes.txt", true],
    [["private/"], "private", true],
    // The last matching pattern decides; ! takes a file back.
    [["*.yaml", "!values.yaml"], "values.yaml", false],
    [["*.yaml", "!values.yaml"], "values-prod.yaml", true],
    [["!values.yaml", "*.yaml"], "values.yaml", true],
    // Comments and blank lines are no patterns; dots and other regex characters are literal.
    [["# slack-webhook-secret.yaml", ""], "slack-webhook-secret.yaml", false],
    [["values.yaml"], "valuesXyaml", false],
    [["a+b(c).yaml"], "a+b(c).yaml", true],
  ];

  it.each(cases)("%j on %s: ignored %s", (lines, file, ignored) => {
    expect(matchesIgnoreFile(lines, file)).toBe(ignored);
  });
});

describe("Helm's merge of an overlay over values.yaml", () => {
  it("merges maps key by key, at every depth, and leaves both inputs as they were", () => {
    const base = {
      image: { repository: "app", tag: "1.0" },
      blueGreen: { autoPromotionEnabled: true, scaleDownDelaySeconds: 30 },
    };
    const overlay = { image: { tag: "2.0" }, blueGreen: { autoPromotionEnabled: false } };
    const snapshot = structuredClone({ base, overlay });
    expect(mergeValues(base, overlay)).toEqual({
      image: { repository: "app", tag: "2.0" },
      blueGreen: { autoPromotionEnabled: false, scaleDownDelaySeconds: 30 },
    });
    expect({ base, overlay }).toEqual(snapshot);
  });

  it("replaces lists, and anything that is not a map on either side, whole", () => {
    expect(mergeValues({ env: [{ name: "A" }, { name: "B" }] }, { env: [{ name: "C" }] })).toEqual({
      env: [{ name: "C" }],
    });
    expect(mergeValues({ resources: { requests: { cpu: "100m" } } }, { resources: "none" })).toEqual({
      resources: "none",
    });
    expect(mergeValues({ ingress: false }, { ingress: { enabled: true } })).toEqual({ ingress: { enabled: true } });
    expect(mergeValues({ replicaCount: 2 }, {})).toEqual({ replicaCount: 2 });
  });
});

describe("the README blocks add-env keeps up to date", () => {
  const env = (name: string, autoPromotionEnabled: boolean): Environment => ({
    name,
    values: environmentValues(name, {
      blueGreen: { autoPromotionEnabled },
      autoscaling: { enabled: false },
      replicaCount: 1,
    }),
  });
  const block = (id: string, body: string) =>
    `<!-- bluegreen:${id} (bluegreen add-env keeps this part up to date) -->\n${body}\n<!-- /bluegreen:${id} -->`;

  it("writes the environments and secrets blocks for the new list, and nothing a person wrote around them", () => {
    const readme = `# shop\n\nOur own notes.\n\n${block("environments", "")}\n\nMore notes.\n\n${block("secrets", "")}\n`;
    const refreshed = refreshBlocks(readme, "shop", [env("sandbox", true), env("qa", true), env("prod", false)]);
    expect(refreshed.startsWith("# shop\n\nOur own notes.\n\n<!-- bluegreen:environments ")).toBe(true);
    expect(refreshed).toContain("\n\nMore notes.\n\n<!-- bluegreen:secrets ");
    expect(refreshed).toMatch(
      /\| `values-qa\.yaml` \| The \*\*qa\*\* environment: automatic promotion, 1 replica, no autoscaling\. Namespace `shop-qa`\. \|/,
    );
    expect(refreshed).toMatch(/\| `values-prod\.yaml` \| The \*\*prod\*\* environment: manual promotion/);
    expect(refreshed).toContain("kubectl apply -n shop-qa -f slack-webhook-secret.yaml");
    expect(refreshBlocks(refreshed, "shop", [env("sandbox", true), env("qa", true), env("prod", false)])).toBe(
      refreshed,
    );
  });

  it("changes only the lines it wrote inside a block: a person's lines there stay, its own follow the list", () => {
    const readme = `# shop\n\n${block("environments", "")}\n\n${block("secrets", "")}\n`;
    const before = refreshBlocks(readme, "shop", [env("sandbox", true), env("prod", false)]);
    const noted = before.replace(
      "| `values-prod.yaml`",
      "Our note: prod is promoted on Tuesdays.\n| `values-prod.yaml`",
    );
    const refreshed = refreshBlocks(noted, "shop", [env("sandbox", true), env("qa", true), env("prod", false)]);
    expect(refreshed).toContain("Our note: prod is promoted on Tuesdays.\n");
    expect(refreshed).toContain("| `values-qa.yaml` |");
    expect(refreshed).toContain("kubectl apply -n shop-qa -f slack-webhook-secret.yaml");
    const dropped = refreshBlocks(refreshed, "shop", [env("sandbox", true), env("prod", false)]);
    expect(dropped).not.toContain("values-qa.yaml");
    expect(dropped).not.toContain("shop-qa");
    expect(dropped).toContain("Our note: prod is promoted on Tuesdays.\n");
  });

  it("leaves a README whose blocks a person removed, and blocks it does not know, as they are", () => {
    const readme = `# shop\n\nNo generated parts here.\n\n${block("custom", "mine")}\n`;
    expect(refreshBlocks(readme, "shop", [env("sandbox", true)])).toBe(readme);
  });
});

describe("words Helm's YAML 1.1 reads as something other than a string", () => {
  it("are every boolean, null, number, date and merge key of YAML 1.1", () => {
    // 1.0.0 too: the YAML 1.1 float pattern takes any run of digits and dots after the first dot.
    for (const word of [
      "y",
      "Yes",
      "NO",
      "on",
      "Off",
      "~",
      "null",
      "0755",
      "0x1F",
      "1_000",
      "1:30",
      "1.10",
      "1e3",
      "1.0.0",
      ".inf",
      "-.5",
      "2001-12-14",
      "<<",
      "=",
    ]) {
      expect(isAmbiguous(word), word).toBe(true);
    }
    for (const word of ["shop", "v2", "yes2", "0o17x", "prod", "1-2", "nan", "2001-12"])
      expect(isAmbiguous(word), word).toBe(false);
  });

  it("include every plain word the yaml library's YAML 1.1 schema reads as a non-string", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-+.0-9a-fA-FxXoObBeEnNyYlLsSuUrRtT_:~]{1,7}$/), (word) => {
        let value: unknown;
        try {
          value = YAML.parse(`v: ${word}`, { version: "1.1" }).v;
        } catch {
          return; // not plain YAML at all; quoted whenever it is written
        }
        if (typeof value !== "string" || value !== word)
          expect(isAmbiguous(word), `${word} reads as ${JSON.stringify(value)}`).toBe(true);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe("the order names are listed in", () => {
  it("is alphabetical, production last, as localeCompare sorts the names bluegreen makes", () => {
    expect(sortEnvs(["prod", "staging", "dev", "qa-2", "qa", "production", "qa-10", "dev"])).toEqual([
      "dev",
      "qa",
      "qa-10",
      "qa-2",
      "staging",
      "prod",
      "production",
    ]);
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/), { maxLength: 12 }), (names) => {
        expect([...names].sort(byName)).toEqual([...names].sort((a, b) => a.localeCompare(b)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("sets case aside, then tells apart names that differ only in case", () => {
    expect(["values-b.yaml", "Values-a.yaml", "values-a.yaml", "VALUES-A.yaml"].sort(byName)).toEqual([
      "VALUES-A.yaml",
      "Values-a.yaml",
      "values-a.yaml",
      "values-b.yaml",
    ]);
  });
});
