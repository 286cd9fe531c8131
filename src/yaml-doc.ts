// Values files are built as data with the yaml library, never by text templating, and every
// string that a YAML 1.1 reader (Helm) or a YAML 1.2 reader would take for something else
// (`1.10`, `yes`, `on`, `0755`, `~`, `""`) is written in quotes.
import YAML, { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, type Node } from "yaml";

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

/** True when a plain (unquoted) scalar with this text would not read back as this string. */
export function isAmbiguous(text: string): boolean {
  try {
    return YAML.parse(text, { schema: "yaml-1.1" }) !== text || YAML.parse(text) !== text;
  } catch {
    return true;
  }
}

function toNode(doc: Document, value: unknown): Node {
  if (value instanceof Section) {
    const map = new YAMLMap();
    value.entries.forEach((entry, index) => {
      const key = doc.createNode(entry.key) as Scalar;
      if (entry.doc) key.commentBefore = comment(entry.doc);
      // A blank line separates groups, but never opens a mapping.
      if (entry.gap && index > 0) key.spaceBefore = true;
      map.items.push(doc.createPair(key, toNode(doc, entry.value)));
    });
    return map;
  }
  return doc.createNode(value) as Node;
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
  doc.contents = toNode(doc, root) as YAMLMap;
  if (header) doc.commentBefore = comment(header);
  quoteAmbiguousScalars(doc);
  return doc;
}

export function quoteAmbiguousScalars(doc: Document): void {
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && isAmbiguous(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

/** Stable output: no line folding, two-space indentation, sequences indented under their key. */
export function stringifyDocument(doc: Document): string {
  return doc.toString({ lineWidth: 0, indent: 2, indentSeq: true });
}

export { isMap, isScalar, isSeq };
