// A Helm source of templates/ as the build leaves it: Handlebars has rendered it with its
// partials, and what is left is text with our variables between (scripts/handlebars-helm.mjs,
// helmSourceParts). Filling them in is all that writing one takes.

/**
 * The template of a Helm source from its parts, `["text", "name", "text", ...]`: text and the
 * names of variables in turn. Like Handlebars in strict mode, a variable the context lacks is
 * an error, never an empty string in a chart.
 */
export function fill(parts: readonly string[]): (context: Readonly<Record<string, unknown>>) => string {
  return (context) => {
    let text = parts[0] ?? "";
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i] as string;
      const value = context[name];
      if (value === undefined) throw new Error(`template variable ${name} is not set`);
      text += `${value}${parts[i + 1] ?? ""}`;
    }
    return text;
  };
}
