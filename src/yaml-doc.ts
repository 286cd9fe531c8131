// Values files are built as data with the yaml library, never by text templating, and every
// string that a YAML 1.1 reader (Helm) or a YAML 1.2 reader would take for something else
// (`1.10`, `yes`, `on`, `0755`, `~`, `""`) is written in quotes.
import { Document, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";

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
// sexagesimal 1:30 and go-yaml's 1e3), dates and the merge key. Whatever YAML 1.2 itself
// would misread, the yaml library's stringifier quotes by itself.
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

/**
 * YAML nodes for data, built directly (faster than the library's generic createNode, which
 * matters on every init): sections and objects become mappings, arrays sequences, and every
 * string that a YAML 1.1 reader would misread is double-quoted.
 */
function toNode(value: unknown): Node {
  if (value instanceof Section) {
    const map = new YAMLMap();
    value.entries.forEach((entry, index) => {
      const key = new Scalar(entry.key);
      if (entry.doc) key.commentBefore = comment(entry.doc);
      // A blank line separates groups, but never opens a mapping.
      if (entry.gap && index > 0) key.spaceBefore = true;
      map.items.push(new Pair(key, toNode(entry.value)));
    });
    return map;
  }
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map(toNode);
    return seq;
  }
  if (value !== null && typeof value === "object") {
    const map = new YAMLMap();
    map.items = Object.entries(value).map(([key, item]) => new Pair(new Scalar(key), toNode(item)));
    return map;
  }
  const scalar = new Scalar(value);
  if (typeof value === "string" && isAmbiguous(value)) scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** `# text` lines from plain text; the yaml library adds the `#`. */
function comment(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : ` ${line}`))
    .join("\n");
}

/** Builds a commented document from entries, with an optional header comment. */
export function buildDocument(root: Section, header?: string): Document {
  const doc = new Document();
  doc.contents = toNode(root) as YAMLMap;
  if (header) doc.commentBefore = comment(header);
  return doc;
}

/** Stable output: no line folding, two-space indentation, sequences indented under their key. */
function stringifyDocument(doc: Document): string {
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

/** The text of a commented document built from a section. */
export const yamlText = (root: Section, header?: string) => stringifyDocument(buildDocument(root, header));
