// Values files as people write them, for property-based tests: anchors, merge keys, every scalar
// style, CRLF and byte-order marks. Used in process by the unit tier and with real Helm by e2e.
import fc from "fast-check";

/** A plain, quoted or block scalar of `text`, as a person might write it (block: on its own lines at `indent`). */
export const scalarIn = (indent: string) =>
  fc
    .constantFrom("plain", "single", "double", "literal-strip", "folded-strip", "literal-keep")
    .map((style) => (text: string) => {
      if (style === "plain") return text;
      if (style === "single") return `'${text}'`;
      if (style === "double") return JSON.stringify(text);
      const header = { "literal-strip": "|-", "folded-strip": ">-", "literal-keep": "|+" }[style];
      return `${header}\n${indent}  ${text}\n${style === "literal-keep" ? "\n" : ""}`;
    });

/** Plain scalars a YAML 1.1 reader types in surprising ways, and harmless ones. */
export const plainWord = fc.constantFrom(
  "yes",
  "no",
  "on",
  "y",
  "~",
  "0755",
  "0o17",
  "0x1F",
  "1_000",
  "1.10",
  "1e3",
  "2001-12-14",
  "1:30",
  "v2",
  "shop",
  "012",
  "-.5",
  "+12",
  ".inf",
);

/**
 * A values file built of anchored mappings, mappings that merge them (`<<: *a`, `<<: [*a, *b]`)
 * with keys written before and after the merge, aliases of scalars, and every scalar style.
 */
export const valuesText = fc
  .record({
    anchored: fc.array(
      fc.dictionary(fc.constantFrom("tag", "repository", "digest", "extra", "port"), plainWord, {
        minKeys: 1,
        maxKeys: 3,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    merging: fc.array(
      fc.record({
        before: fc.dictionary(fc.constantFrom("tag", "extra", "count"), plainWord, { maxKeys: 2 }),
        merges: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
        after: fc.dictionary(fc.constantFrom("tag", "digest", "flag"), plainWord, { maxKeys: 2 }),
        flow: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    styles: fc.array(scalarIn("  "), { minLength: 1, maxLength: 8 }),
    aliasScalar: fc.boolean(),
    crlf: fc.boolean(),
  })
  .map(({ anchored, merging, styles, aliasScalar, crlf }) => {
    let n = 0;
    const style = (text: string) => styles[n++ % styles.length]!(text);
    const lines: string[] = [];
    anchored.forEach(
      (map, i) =>
        void lines.push(
          `a${i}: &a${i} {${Object.entries(map)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join(", ")}}`,
        ),
    );
    if (aliasScalar) lines.push('version: &version "3.1"');
    merging.forEach(({ before, merges, after, flow }, i) => {
      const refs = merges.map((m) => `*a${m % anchored.length}`);
      const merge = refs.length === 1 ? refs[0]! : `[${refs.join(", ")}]`;
      if (flow) {
        const items = [
          ...Object.entries(before).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
          `<<: ${merge}`,
          ...Object.entries(after).map(([k, v]) => `${k}: ${v.match(/^[\w.]+$/) ? v : JSON.stringify(v)}`),
        ];
        lines.push(`m${i}: {${items.join(", ")}}`);
        return;
      }
      lines.push(`m${i}:`);
      for (const [k, v] of Object.entries(before)) lines.push(`  ${k}: ${style(v)}`.trimEnd());
      lines.push(`  <<: ${merge}`);
      if (aliasScalar && i === 0) lines.push("  pinned: *version");
      for (const [k, v] of Object.entries(after)) lines.push(`  ${k}: ${style(v)}`.trimEnd());
      lines.push("  # a comment after the mapping");
    });
    const text = `${lines.join("\n").replace(/\n+/g, "\n")}\n`;
    return crlf ? text.replace(/\n/g, "\r\n") : text;
  });

/** The base chart's image block, rewritten the ways people write it. */
export const imageBlock = fc.record({
  form: fc.constantFrom("plain", "merge", "merge-flow", "merge-after", "alias-tag", "shared-tag", "alias-map"),
  tagStyle: scalarIn("  "),
  digest: fc.boolean(),
  commentAfterTag: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
});

export type ImageSpec = typeof imageBlock extends fc.Arbitrary<infer T> ? T : never;

export function rewriteImage(values: string, spec: ImageSpec): string {
  const start = values.indexOf("\nimage:\n");
  const end = values.indexOf("\n\n", start + 1);
  const digest = spec.digest ? `"sha256:${"c".repeat(64)}"` : '""';
  const tag = spec.tagStyle("1.0");
  const tagLine =
    `  tag: ${tag}`.replace(/\n$/, "") + (spec.commentAfterTag ? "\n  # the release train moves this" : "");
  const block = {
    plain: `image:\n  repository: ghcr.io/acme/shop\n${tagLine}\n  digest: ${digest}\n  pullPolicy: IfNotPresent`,
    merge: `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage:\n  <<: *img`,
    "merge-flow": `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage: {<<: *img}`,
    "merge-after": `defaults: &img {repository: ghcr.io/acme/shop, tag: "0.9", digest: ${digest}, pullPolicy: IfNotPresent}\nimage:\n${tagLine}\n  <<: *img`,
    "alias-tag": `release: &release "1.0"\nimage:\n  repository: ghcr.io/acme/shop\n  tag: *release\n  digest: ${digest}\n  pullPolicy: IfNotPresent`,
    "shared-tag": `image:\n  repository: ghcr.io/acme/shop\n  tag: &release ${tag.includes("\n") ? '"1.0"' : tag}\n  digest: ${digest}\n  pullPolicy: IfNotPresent\nsidecar:\n  tag: *release`,
    "alias-map": `defaults: &img {repository: ghcr.io/acme/shop, tag: "1.0", digest: ${digest}, pullPolicy: IfNotPresent}\nimage: *img`,
  }[spec.form as string]!;
  let text = `${values.slice(0, start)}\n${block}${values.slice(end)}`;
  if (spec.crlf) text = text.replace(/\n/g, "\r\n");
  return spec.bom ? `\uFEFF${text}` : text;
}

/** Key paths where two value trees differ. */
export function changedPaths(a: unknown, b: unknown, prefix: string[] = []): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isMap(a) && isMap(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) =>
      changedPaths(a[key], b[key], [...prefix, key]),
    );
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix.join(".")];
}
