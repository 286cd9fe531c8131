// Values files (and every other YAML file bluegreen creates) are built as data and written by
// yamlText below, never by text templating. Every string that a YAML 1.1 reader (Helm) or a
// YAML 1.2 reader would take for something else (`1.10`, `yes`, `on`, `0755`, `~`, `""`,
// `0o17`) is written in quotes, and so is every character a reader would not keep as it is.
//
// yamlText writes what the yaml library's Document writes for the same data (with lineWidth 0,
// indent 2 and indentSeq), which test/unit/yaml-text.test.ts checks against the library on
// every file a new chart has and on generated data. It exists because building and stringifying
// the library's document model was about a fifth of what `init` adds to Node's own start-up
// (7-8 ms on Node 20, measured with npm run bench). The differences are deliberate: a multi-line
// string is written in double quotes on one line (the library writes a block literal); a key YAML 1.1
// reads as something else (`on:`) is quoted; and LS, PS, NEL, DEL, the C1 controls and the byte
// order mark are escaped, where the library writes them raw: Helm refuses a values file with a
// raw LS, PS or DEL and reads a NEL as a space (test/properties-edits.test.ts). Reading and
// editing the files people own is the yaml library's work (yaml-edit.ts).

/** A key with its value and the comment a person reads above it. */
export interface Entry {
  key: string;
  value: unknown;
  /** Comment lines above the key, without the leading `#`. */
  doc?: string;
  /** A blank line before the key. */
  gap?: boolean;
}

/** A mapping written as a list of documented entries; an entry's value may be a section. */
export class Section {
  readonly entries: Entry[];
  constructor(entries: Entry[]) {
    this.entries = entries;
  }
}

export const section = (...entries: Entry[]): Section => new Section(entries);

/** A documented key. */
export const knob = (key: string, value: unknown, doc?: string, gap = false): Entry => ({ key, value, doc, gap });

/** A documented mapping of knobs, after a blank line. */
export const group = (key: string, doc: string | undefined, ...entries: Entry[]): Entry => ({
  key,
  value: section(...entries),
  doc,
  gap: true,
});

/** The plain data a section describes, as a YAML reader would return it. */
export function sectionData(root: Section): Record<string, unknown> {
  return Object.fromEntries(
    root.entries.map((e) => [e.key, e.value instanceof Section ? sectionData(e.value) : e.value]),
  );
}

// Plain scalars that YAML 1.1 readers (Helm's go-yaml among them) resolve to something other
// than a string: booleans, nulls, ints and floats in every base and notation (including
// sexagesimal 1:30 and go-yaml's 1e3), dates and the merge key. YAML 1.2 reads one more word as
// a number, 0o17, which yamlText's NOT_PLAIN below quotes too.
const YAML_11_NOT_A_STRING = new RegExp(
  [
    "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
    "~|null|Null|NULL|",
    "[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
    "[-+]?(?:[0-9][0-9_]*)?\\.[0-9._]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)",
    "[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?",
    "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?",
    "<<|=",
  ]
    .map((alternatives) => `(?:${alternatives})`)
    .join("|")
    .replace(/^/, "^(?:")
    .replace(/$/, ")$"),
);

/** True when a YAML 1.1 reader would take this text, written plain, for something else. */
export const isAmbiguous = (text: string): boolean => YAML_11_NOT_A_STRING.test(text);

// What a YAML reader must not see raw in a plain or quoted scalar, so it is written escaped in
// double quotes: control characters, DEL and C1 (not printable in YAML), surrogates, the byte
// order mark (not allowed inside content), and NEL, LS and PS, which YAML 1.1 readers such as
// Helm's go-yaml take for line breaks.
const NOT_RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\u{D800}-\u{DFFF}]/u;

// Where plain text would not read back as itself: an indicator at the start, `: ` or ` #`
// inside, a colon, space or tab at the end, a line break (the yaml library's rule for plain
// scalars), or a word YAML 1.2 reads as a number that YAML 1.1 does not (0o17).
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|:[ \t]|[\t ]#|[\t :]$|\n|^0o[0-7]+$/;

// At the start of a line, `---` and `...` would end the document.
const DOCUMENT_MARKER = /^(?:---|\.\.\.)/;

/**
 * True when text, written without quotes in block context, reads back as this string in YAML 1.2
 * and in YAML 1.1; `lineStart` where it would begin a line (a key at the top level).
 */
export const isPlain = (text: string, lineStart = false): boolean =>
  text !== "" &&
  !NOT_PLAIN.test(text) &&
  !NOT_RAW.test(text) &&
  !isAmbiguous(text) &&
  !(lineStart && DOCUMENT_MARKER.test(text));

// YAML's short escapes, where JSON has none (JSON writes \u0000, \u0007...).
const SHORT_ESCAPES: Record<string, string> = { "00": "\\0", "07": "\\a", "0b": "\\v", "1b": "\\e", "85": "\\N" };

/** A double-quoted YAML scalar: JSON's string escapes, which YAML shares, and YAML's own for the rest. */
export function doubleQuoted(text: string): string {
  return JSON.stringify(text).replace(
    /\\(?:u00([0-9a-f]{2})|.)|[\x7f-\x9f\u2028\u2029\ufeff]/g,
    (match, hex: string | undefined) => {
      if (hex !== undefined) return SHORT_ESCAPES[hex] ?? `\\x${hex}`;
      if (match.startsWith("\\")) return match;
      const code = match.charCodeAt(0);
      if (code === 0x2028) return "\\L";
      if (code === 0x2029) return "\\P";
      if (code === 0xfeff) return "\\ufeff";
      return SHORT_ESCAPES[code.toString(16)] ?? `\\x${code.toString(16)}`;
    },
  );
}

/**
 * A string as the yaml library writes it on one line: plain where that reads back as the same
 * string, in single quotes where it holds a double quote but no single one, in double quotes
 * otherwise (and always for a word that a YAML 1.1 reader would misread).
 */
function stringText(text: string, lineStart = false): string {
  if (isPlain(text, lineStart)) return text;
  if (text.includes('"') && !text.includes("'") && !NOT_RAW.test(text) && !/[\n\r]/.test(text)) return `'${text}'`;
  return doubleQuoted(text);
}

/** A scalar: numbers as JSON writes them (YAML's .inf and .nan aside), null for null and undefined. */
function scalarText(value: unknown): string {
  if (typeof value === "string") return stringText(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (!Number.isFinite(value)) return value < 0 ? "-.inf" : ".inf";
    return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  }
  if (value === null || value === undefined) return "null";
  return String(value);
}

/** The entries of a section or plain object; anything else is a scalar. */
function entriesOf(value: unknown): readonly Entry[] | undefined {
  if (value instanceof Section) return value.entries;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.entries(value).map(([key, item]) => ({ key, value: item }));
}

/**
 * Appends the lines of a value after `head` (`key:` or a sequence's `-`): a scalar or an empty
 * collection on that line, a collection on the lines below it, indented to `indent`. In a
 * sequence, a collection starts on the dash's line: `- key: value`, `- - item`.
 */
function writeValue(head: string, value: unknown, indent: string, lines: string[], item = false): void {
  const entries = entriesOf(value);
  const items = Array.isArray(value) ? (value as unknown[]) : undefined;
  if (entries?.length === 0) lines.push(`${head} {}`);
  else if (items?.length === 0) lines.push(`${head} []`);
  else if (!entries && !items) lines.push(`${head} ${scalarText(value)}`);
  else {
    const first = lines.length;
    if (!item) lines.push(head);
    if (entries) writeEntries(entries, indent, lines);
    if (items) writeItems(items, indent, lines);
    if (item) lines[first] = `${head} ${lines[first]?.slice(indent.length)}`;
  }
}

/** A block mapping: each key with its comment above it, a blank line before a group. */
function writeEntries(entries: readonly Entry[], indent: string, lines: string[]): void {
  entries.forEach((entry, index) => {
    // A blank line separates groups, but never opens a mapping.
    if (entry.gap && index > 0) lines.push("");
    if (entry.doc) for (const line of entry.doc.split("\n")) lines.push(line === "" ? "" : `${indent}# ${line}`);
    writeValue(`${indent}${stringText(entry.key, indent === "")}:`, entry.value, `${indent}  `, lines);
  });
}

/** A block sequence, indented under its key. */
function writeItems(items: readonly unknown[], indent: string, lines: string[]): void {
  for (const item of items) writeValue(`${indent}-`, item, `${indent}  `, lines, true);
}

/**
 * The text of a values file (or any manifest bluegreen writes) from a section: an optional
 * header comment, then block YAML with two-space indentation, sequences indented under their
 * key and no line folding.
 */
export function yamlText(root: Section, header?: string): string {
  const lines: string[] = [];
  if (header) lines.push(...header.split("\n").map((line) => (line === "" ? "" : `# ${line}`)), "");
  if (root.entries.length === 0) lines.push("{}");
  else writeEntries(root.entries, "", lines);
  return `${lines.join("\n")}\n`;
}
