// How templates/ layers Handlebars over Helm, the check that keeps the two apart, and what the
// build makes of a Helm source.
//
// A Helm template in templates/ (everything but the READMEs and the ignore files) is Helm's text
// with two things of ours in it, filled in when bluegreen writes the chart:
//   {{{name}}}     one of our variables (triple braces, no spaces): see VARIABLES below;
//   {{> part}}     a partial, templates/partials/<part>.*.
// Every other `{{` is Helm's: the build escapes it, so Handlebars copies it as it is. A slip
// between the two would otherwise surface only later, as a Helm parse error in a chart somebody
// generated, so the build refuses it with the file and line:
//   {{{ .Values.x }}}   a Helm expression in triple braces (Helm's are {{ ... }});
//   {{{name}}           braces that don't balance (also {{name}}}, {{{{...);
//   {{{nmae}}}          a variable no command passes, or {{> part}} with no such partial;
//   {{#if}} {{^x}} {{!c}} {{~x}}   Handlebars syntax, which is not Helm's and not ours here.
// So a Helm source is text with holes for our variables: the build renders it with its partials
// (helmSourceParts, below) and the CLI only fills the holes in (src/template-parts.ts).

import Handlebars from "handlebars";

/**
 * The variables each part of templates/ is rendered with: src/chart/render.ts passes name and bg
 * to the chart's templates (and the partials they include), src/commands/migrate.ts passes all
 * four to migrate's templates. A variable added there is added here.
 * @type {Record<string, readonly string[]>}
 */
export const VARIABLES = {
  chart: ["name", "bg"],
  partials: ["name", "bg"],
  migrate: ["name", "bg", "workloadName", "replicas"],
};

/**
 * Whether a file of templates/ is a Helm source (escaped for Handlebars) rather than plain
 * Handlebars (the READMEs and ignore files).
 * @param {string} file path inside templates/, with forward slashes
 */
export const isHelmSource = (file) => !/(^|\/)(README\.md\.hbs|gitignore|helmignore)$/.test(file);

/**
 * The partial a file of templates/ defines (`partials/<name>.<ext>`), if it is one.
 * @param {string} file
 */
export const partialName = (file) => /^partials\/(.+)\.[a-z]+$/.exec(file)?.[1];

/**
 * Escapes every Helm `{{` (anything but a Handlebars triple-stash or partial) for Handlebars.
 * @param {string} source
 */
export function escapeHelmDelimiters(source) {
  return source.replace(/(?<!\{)\{\{(?![{>])/g, "\\{{");
}

/** @typedef {{ line: number, message: string }} Problem */

/**
 * What is mis-escaped in a Helm source of templates/: each problem with its line (from 1).
 * @param {string} source
 * @param {{ variables: readonly string[], partials: readonly string[] }} known
 * @returns {Problem[]}
 */
export function helmTemplateProblems(source, { variables, partials }) {
  /** @type {Problem[]} */
  const problems = [];
  /** @param {number} index @param {string} message */
  const report = (index, message) => problems.push({ line: source.slice(0, index).split("\n").length, message });
  const known = (/** @type {readonly string[]} */ names) => names.map((name) => `{{{${name}}}}`).join(", ");

  for (const match of source.matchAll(/\{{2,}/g)) {
    const at = match.index;
    const rest = source.slice(at);
    const shown = (rest.split("\n", 1)[0] ?? "").slice(0, 40);
    if (match[0].length > 3) {
      report(at, `${shown}: ${match[0].length} opening braces; Helm's are {{ ... }}, our variables {{{name}}}`);
    } else if (match[0].length === 3) {
      const variable = /^\{\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}\}(?!\})/.exec(rest);
      if (variable?.[1] !== undefined) {
        if (!variables.includes(variable[1]))
          report(at, `{{{${variable[1]}}}} is not a variable of this template (it has ${known(variables)})`);
      } else if (
        /^\{\{\{[\s-]*[.$("]|^\{\{\{[\s-]*(include|template|toYaml|if|with|range|end|tpl|printf)\b/.test(rest)
      ) {
        report(at, `${shown}: a Helm expression in triple braces; write it {{ ... }}, which is Helm's`);
      } else {
        const near = /^\{\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\}*)/.exec(rest);
        const fix = near?.[1] === undefined ? "" : ` (write {{{${near[1]}}}})`;
        const why =
          near?.[2] !== undefined && near[2].length !== 3
            ? "the braces don't balance"
            : "our variables are written with no spaces or expressions";
        report(at, `${shown}: ${why}${fix}`);
      }
    } else if (rest.startsWith("{{>")) {
      const partial = /^\{\{>\s*([A-Za-z0-9_-]+)\s*\}\}/.exec(rest);
      if (partial?.[1] === undefined) report(at, `${shown}: a partial is written {{> name}}`);
      else if (!partials.includes(partial[1]))
        report(
          at,
          `{{> ${partial[1]}}} names no partial in templates/partials/ (there are ${partials.join(", ") || "none"})`,
        );
    } else if (/^\{\{[#^!~&]/.test(rest)) {
      report(
        at,
        `${shown}: Handlebars syntax in a Helm template; only {{{name}}} and {{> part}} are ours, and Helm does not read it`,
      );
    } else if (/^\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}\}/.test(rest)) {
      report(
        at,
        `${shown}: one brace short of one of our variables ({{{name}}}), or one too many after Helm's {{ ... }}`,
      );
    }
  }
  return problems;
}

/**
 * The problems of every Helm source of templates/, as `templates/<file>:<line>: <what>` lines.
 * @param {{ file: string, source: string }[]} files every file of templates/, paths with forward slashes
 * @returns {string[]}
 */
export function checkTemplates(files) {
  const partials = files.map(({ file }) => partialName(file)).filter((name) => name !== undefined);
  return files
    .filter(({ file }) => isHelmSource(file))
    .flatMap(({ file, source }) => {
      const variables = VARIABLES[file.split("/", 1)[0] ?? ""];
      if (!variables)
        return [
          `templates/${file}: no variables are known for templates/${file.split("/", 1)[0]}/ (scripts/handlebars-helm.mjs lists them)`,
        ];
      return helmTemplateProblems(source, { variables, partials }).map(
        ({ line, message }) => `templates/${file}:${line}: ${message}`,
      );
    });
}

// Marks where a variable goes in a Helm source rendered by helmSourceParts; no template holds it.
const SLOT = "\u0000";

/**
 * Every Helm source of templates/ but the partials, rendered by Handlebars with its partials in
 * place and each of our variables left open: the text and the names of the variables in turn,
 * `["text", "name", "text", ...]`, which src/template-parts.ts fills in. A Helm source holds no
 * Handlebars but our variables and partials (checkTemplates refuses anything else), so nothing
 * of it needs Handlebars when a chart is written.
 * @param {{ file: string, source: string }[]} files every file of templates/
 * @returns {Map<string, string[]>}
 */
export function helmSourceParts(files) {
  const options = { strict: true, noEscape: true, knownHelpersOnly: true };
  const handlebars = Handlebars.create();
  for (const { file, source } of files) {
    const partial = partialName(file);
    if (partial) handlebars.registerPartial(partial, handlebars.compile(escapeHelmDelimiters(source), options));
  }
  const slots = Object.fromEntries(
    [...new Set(Object.values(VARIABLES).flat())].map((name) => [name, `${SLOT}${name}${SLOT}`]),
  );
  /** @type {Map<string, string[]>} */
  const parts = new Map();
  for (const { file, source } of files) {
    if (!isHelmSource(file) || partialName(file)) continue;
    if (source.includes(SLOT)) throw new Error(`templates/${file}: holds a NUL character`);
    let text;
    try {
      text = handlebars.compile(escapeHelmDelimiters(source), options)(slots);
    } catch (error) {
      // Handlebars' own message, which names the line.
      throw new Error(`templates/${file}: ${error instanceof Error ? error.message : error}`);
    }
    parts.set(file, text.split(new RegExp(`${SLOT}([A-Za-z_][A-Za-z0-9_]*)${SLOT}`)));
  }
  return parts;
}
