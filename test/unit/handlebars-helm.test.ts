// The rule that keeps our Handlebars apart from Helm's own {{ }} in templates/
// (scripts/handlebars-helm.mjs), on its own and over the real templates/ tree.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import {
  checkTemplates,
  escapeHelmDelimiters,
  helmSourceParts,
  helmTemplateProblems,
  isHelmSource,
  partialName,
} from "../../scripts/handlebars-helm.mjs";
import { fill } from "../../src/template-parts.js";

const known = { variables: ["name", "bg"], partials: ["smoke-test"] };
const problems = (source: string) => helmTemplateProblems(source, known);
/** What Handlebars makes of a Helm source, as the build compiles it. */
const render = (source: string, context: object) =>
  Handlebars.compile(escapeHelmDelimiters(source), { strict: true, noEscape: true, knownHelpersOnly: true })(context, {
    partials: { "smoke-test": "smoke: {{{name}}}" },
  });

describe("escapeHelmDelimiters", () => {
  it("leaves Helm's {{ }} to Helm and fills in our {{{name}}} and {{> part}}", () => {
    const source = [
      'name: {{ include "{{{name}}}.fullname" . }}',
      "{{- if .Values.autoscaling.enabled }}",
      "replicas: {{ .Values.replicaCount }}",
      "{{- end }}",
      "{{/* a Helm comment */}}",
      "{{> smoke-test}}",
    ].join("\n");
    expect(render(source, { name: "shop" })).toBe(
      [
        'name: {{ include "shop.fullname" . }}',
        "{{- if .Values.autoscaling.enabled }}",
        "replicas: {{ .Values.replicaCount }}",
        "{{- end }}",
        "{{/* a Helm comment */}}",
        "smoke: shop",
      ].join("\n"),
    );
  });

  it("keeps {{name}} as Helm's: only triple braces are our variables", () => {
    expect(render("{{name}} {{ name }}", { name: "shop" })).toBe("{{name}} {{ name }}");
  });
});

describe("helmTemplateProblems", () => {
  it("accepts Helm's {{ }}, our {{{variables}}} and {{> partials}}", () => {
    expect(
      problems(
        '{{ include "{{{name}}}.labels" . | nindent 4 }}\n{{{bg}}}\n{{- /* c */}}\n{{> smoke-test}}\n{{name}}\n',
      ),
    ).toEqual([]);
  });

  it("refuses a Helm expression in triple braces, naming the line", () => {
    expect(problems("a: 1\nimage: {{{ .Values.image }}}\n")).toEqual([
      {
        line: 2,
        message: "{{{ .Values.image }}}: a Helm expression in triple braces; write it {{ ... }}, which is Helm's",
      },
    ]);
    expect(problems('{{{ include "x" . }}}')[0]?.message).toMatch(/a Helm expression in triple braces/);
    expect(problems("{{{- $x }}}")[0]?.message).toMatch(/a Helm expression in triple braces/);
  });

  it("refuses braces that don't balance", () => {
    expect(problems('name: {{ include "{{{name}}.fullname" . }}')).toEqual([
      { line: 1, message: "{{{name}}.fullname\" . }}: the braces don't balance (write {{{name}}})" },
    ]);
    expect(problems("{{{name}}}}")[0]?.message).toMatch(/don't balance/);
    expect(problems("{{name}}}")[0]?.message).toMatch(/one brace short of one of our variables/);
    expect(problems("{{{{name}}}}")[0]?.message).toMatch(/4 opening braces/);
  });

  it("refuses spaces inside our variables", () => {
    expect(problems("{{{ name }}}")[0]?.message).toBe(
      "{{{ name }}}: our variables are written with no spaces or expressions (write {{{name}}})",
    );
  });

  it("refuses a variable or a partial that no command provides", () => {
    expect(problems("\n\n{{{nmae}}}")).toEqual([
      { line: 3, message: "{{{nmae}}} is not a variable of this template (it has {{{name}}}, {{{bg}}})" },
    ]);
    expect(problems("{{> smoke-tests}}")[0]?.message).toBe(
      "{{> smoke-tests}} names no partial in templates/partials/ (there are smoke-test)",
    );
  });

  it("refuses Handlebars blocks, comments and whitespace control, which Helm cannot read", () => {
    for (const source of ["{{#if slack}}", "{{^x}}", "{{!-- c --}}", "{{~x}}", "{{&x}}"]) {
      expect(problems(source), source).toHaveLength(1);
    }
  });

  it("reports every problem, each on its own line", () => {
    expect(problems("{{{x}}}\nok\n{{{ .Values.y }}}\n{{#each}}").map((p) => p.line)).toEqual([1, 3, 4]);
  });
});

describe("templates/", () => {
  const dir = join(import.meta.dirname, "..", "..", "templates");
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split("\\")
        .join("/");
      return { file, source: readFileSync(join(dir, file), "utf8") };
    });

  it("has no mis-escaped template", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(checkTemplates(files)).toEqual([]);
  });

  it("treats the READMEs and ignore files as plain Handlebars, everything else as Helm", () => {
    const plain = files.map((f) => f.file).filter((file) => !isHelmSource(file));
    expect(plain.sort()).toEqual([
      "chart/README.md.hbs",
      "chart/gitignore",
      "chart/helmignore",
      "migrate/README.md.hbs",
    ]);
  });

  it("leaves the CLI only our variables to fill in, with the text Handlebars renders, partials and all", () => {
    const options = { strict: true, noEscape: true, knownHelpersOnly: true };
    const partials = Object.fromEntries(
      files.flatMap(({ file, source }) => {
        const name = partialName(file);
        return name ? [[name, Handlebars.compile(escapeHelmDelimiters(source), options)]] : [];
      }),
    );
    const contexts: Record<string, Record<string, string>> = {
      chart: { name: "shop", bg: "shop" },
      migrate: { name: "web", bg: "web.bluegreen", workloadName: 'include "web.fullname" .', replicas: "3" },
    };
    const parts = helmSourceParts(files);
    const sources = files.filter(({ file }) => isHelmSource(file) && !partialName(file));
    expect([...parts.keys()].sort()).toEqual(sources.map(({ file }) => file).sort());
    for (const { file, source } of sources) {
      const context = contexts[file.split("/", 1)[0]!]!;
      const handlebars = Handlebars.compile(escapeHelmDelimiters(source), options)(context, { partials });
      expect(fill(parts.get(file)!)(context), file).toBe(handlebars);
    }
    // The preview Service's partial leaves its own variable (bg) open too.
    expect(new Set(parts.get("chart/templates/services.yaml")!.filter((_, i) => i % 2 === 1))).toEqual(
      new Set(["name", "bg"]),
    );
    // As Handlebars' strict mode: a variable the context lacks is an error, not an empty string.
    expect(() => fill(parts.get("chart/templates/services.yaml")!)({ bg: "shop" })).toThrow(
      "template variable name is not set",
    );
  });

  it("names the file and line of a mistake, and gives migrate's templates their own variables", () => {
    const broken = files.map((f) =>
      f.file === "chart/templates/pdb.yaml" ? { ...f, source: `${f.source}{{{workloadName}}}\n` } : f,
    );
    const line = files.find((f) => f.file === "chart/templates/pdb.yaml")!.source.split("\n").length;
    expect(checkTemplates(broken)).toEqual([
      `templates/chart/templates/pdb.yaml:${line}: {{{workloadName}}} is not a variable of this template (it has {{{name}}}, {{{bg}}})`,
    ]);
    expect(files.some((f) => f.file.startsWith("migrate/") && f.source.includes("{{{workloadName}}}"))).toBe(true);
  });
});
