// Surgical edits of YAML that people own. The yaml Document API finds where a value is written;
// the new value is spliced into the original text at exactly that place, so every other byte
// (comments, blank lines, key order, quoting, keys we do not know) stays as it was. Every edit is
// read back to prove it says what was meant.
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, isSeq, parseDocument, Scalar, stringify, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { failure } from "./errors.js";
import { isAmbiguous } from "./yaml-doc.js";

export interface ParsedYaml {
  file: string;
  source: string;
  doc: Document.Parsed;
}

/** Parses a file a person owns; a syntax error is exit 1 with `file:line` and nothing changed. */
export function parseOwnedYaml(file: string, source: string): ParsedYaml {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    // The earliest problem is the one to fix; an unclosed [ or { is reported where it opens,
    // not at the end of the file where the parser gave up on it.
    const located = doc.errors.map((error) => ({
      line: /must be sufficiently indented and end with/.test(error.message)
        ? lineOf(source, unclosedBracket(source, error.pos[0]) ?? error.pos[0])
        : (error.linePos?.[0].line ?? lineOf(source, error.pos[0])),
      reason: error.message.split("\n", 1)[0]!.replace(/ at line \d+, column \d+:?$/, ""),
    }));
    const first = located.reduce((a, b) => (b.line < a.line ? b : a));
    throw failure(`${file}:${first.line}: ${first.reason}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw failure(`${file}: expected a mapping of keys at the top`);
  return { file, source, doc };
}

const lineOf = (source: string, offset: number) => source.slice(0, offset).split("\n").length;

/** Where the outermost [ or { still open at `end` was opened, skipping quotes and comments. */
function unclosedBracket(source: string, end: number): number | undefined {
  const open: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < end && i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(source[i - 1]!))) i = source.indexOf("\n", i) === -1 ? end : source.indexOf("\n", i);
    else if (c === "[" || c === "{") open.push(i);
    else if ((c === "]" || c === "}") && open.length > 0) open.pop();
  }
  return open[0];
}

/** The value at a path, as plain data. */
export const valueAt = (parsed: ParsedYaml, path: string[]): unknown => parsed.doc.getIn(path);

/** A scalar written the way its neighbours are: keep the quote style, add quotes where needed. */
function scalarText(value: string, style: Scalar["type"] | undefined): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.PLAIN && value !== "" && !isAmbiguous(value) && stringify(value).trim() === value) return value;
  return JSON.stringify(value);
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * Sets string values at key paths. An existing scalar is replaced in place; a missing key is
 * added at the end of its mapping (creating the mapping if needed), indented like its siblings.
 */
export interface StringEdit {
  path: string[];
  value: string;
  /** Comment above a top-level key that has to be added. */
  comment?: string;
}

export function setStrings(parsed: ParsedYaml, edits: StringEdit[]): string {
  // One edit at a time, each on the text the previous one left: a second key under a mapping
  // that the first edit had to create lands inside it.
  let current = parsed;
  for (const edit of edits) {
    const { start, end, text } = spliceFor(current, edit);
    // Lines we add end the way the file's lines end.
    const added = current.source.includes("\r\n") ? text.replace(/\r?\n/g, "\r\n") : text;
    const source = current.source.slice(0, start) + added + current.source.slice(end);
    const doc = parseDocument(source);
    if (doc.errors.length > 0) throw cannotEdit(parsed.file, edit.path, "the result would not parse");
    current = { file: parsed.file, source, doc };
  }
  verify(current, edits);
  return current.source;
}

function spliceFor(parsed: ParsedYaml, { path, value, comment }: StringEdit): Splice {
  const node = parsed.doc.getIn(path, true) as Node | undefined;
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    if (node.value === null && start === end) {
      // `key:` with nothing after it.
      return { start, end, text: `${parsed.source[start - 1] === ":" ? " " : ""}${scalarText(value, Scalar.PLAIN)}` };
    }
    return { start, end, text: scalarText(value, node.type) };
  }
  if (node !== undefined) throw cannotEdit(parsed.file, path, "it is not a single value");
  return insertion(parsed, path, value, comment);
}

function insertion(parsed: ParsedYaml, path: string[], value: string, comment?: string): Splice {
  // The deepest mapping along the path that exists already.
  let depth = path.length - 1;
  let map: unknown;
  for (; depth > 0; depth--) {
    map = parsed.doc.getIn(path.slice(0, depth), true);
    if (map !== undefined) break;
  }
  if (depth === 0) map = parsed.doc.contents;
  const rest = path.slice(depth);
  const heading = depth === 0 && comment ? `${comment.split("\n").map((line) => `# ${line}`).join("\n")}\n` : "";
  if (map === null || map === undefined) return appendAtEnd(parsed.source, heading + block(rest, value, 0, indentUnit(parsed)));
  if (!isMap(map)) throw cannotEdit(parsed.file, path, `${path.slice(0, depth).join(".")} is not a mapping`);
  if (map.flow || map.items.length === 0) throw cannotEdit(parsed.file, path, `${path.slice(0, depth).join(".") || "the file"} is written as a {flow} mapping`);
  const indent = columnOf(parsed.source, (map.items[0]!.key as Node).range![0]);
  const position = endOfLine(parsed.source, endOfPair(map.items.at(-1)!));
  // A new top-level group gets a blank line before it, as the file's other groups have.
  const text = (depth === 0 ? "\n" : "") + heading + block(rest, value, indent, indentUnit(parsed));
  return position >= parsed.source.length && !parsed.source.endsWith("\n")
    ? { start: position, end: position, text: `\n${text.trimEnd()}` }
    : { start: position, end: position, text };
}

/** `key:\n  nested: "value"\n` lines for keys that do not exist yet. */
function block(keys: string[], value: string, indent: number, unit: number): string {
  return keys
    .map((key, i) => `${" ".repeat(indent + i * unit)}${key}:${i === keys.length - 1 ? ` ${scalarText(value, Scalar.PLAIN)}` : ""}\n`)
    .join("");
}

function appendAtEnd(source: string, text: string): Splice {
  const separator = source === "" || source.endsWith("\n\n") ? "" : source.endsWith("\n") ? "\n" : "\n\n";
  return { start: source.length, end: source.length, text: separator + text };
}

function endOfPair(pair: Pair): number {
  const value = pair.value as Node | null;
  return value?.range?.[1] ?? (pair.key as Node).range![1];
}

function endOfLine(source: string, from: number): number {
  // A block value's range may already end after its newline.
  if (source[from - 1] === "\n") return from;
  const newline = source.indexOf("\n", from);
  return newline === -1 ? source.length : newline + 1;
}

function columnOf(source: string, offset: number): number {
  return offset - (source.lastIndexOf("\n", offset - 1) + 1);
}

/** The indentation step the file uses for nested mappings; 2 when it has none. */
function indentUnit(parsed: ParsedYaml): number {
  const root = parsed.doc.contents as YAMLMap | null;
  for (const pair of root?.items ?? []) {
    const value = pair.value as Node | null;
    if (isMap(value) && !value.flow && value.items[0]) return columnOf(parsed.source, (value.items[0].key as Node).range![0]);
  }
  return 2;
}

function verify(edited: ParsedYaml, edits: StringEdit[]): void {
  const wrong = edits.find(({ path, value }) => edited.doc.getIn(path) !== value);
  if (wrong) throw cannotEdit(edited.file, wrong.path, "the result would not read back as intended");
}

const cannotEdit = (file: string, path: string[], why: string) =>
  failure(`${file}: cannot set ${path.join(".")} without rewriting the file (${why}); edit it by hand`);

/** Items to add at the end of the block sequence at a key path (created when missing). */
export interface SequenceEdit {
  path: string[];
  items: unknown[];
}

/**
 * Appends items to block sequences, indented like the items already there; a missing key is
 * added at the end of its mapping (creating the mappings on the way). Every other byte stays,
 * and the result must read back as the original with exactly these items added.
 */
export function appendItems(parsed: ParsedYaml, edits: SequenceEdit[]): string {
  let current = parsed;
  const expected = structuredClone(parsed.doc.toJS() ?? {});
  for (const edit of edits) {
    if (edit.items.length === 0) continue;
    const { start, end, text } = sequenceSplice(current, edit);
    const added = current.source.includes("\r\n") ? text.replace(/\r?\n/g, "\r\n") : text;
    const source = current.source.slice(0, start) + added + current.source.slice(end);
    const doc = parseDocument(source);
    if (doc.errors.length > 0) throw cannotEdit(parsed.file, edit.path, "the result would not parse");
    current = { file: parsed.file, source, doc };
    appendAt(expected, edit.path, edit.items);
  }
  if (!isDeepStrictEqual(current.doc.toJS(), expected)) throw cannotEdit(parsed.file, edits[0]!.path, "the result would not read back as intended");
  return current.source;
}

function sequenceSplice(parsed: ParsedYaml, { path, items }: SequenceEdit): Splice {
  const node = parsed.doc.getIn(path, true) as Node | undefined;
  if (isSeq(node) && !node.flow && node.items.length > 0 && node.range) {
    const indent = columnOf(parsed.source, node.range[0]);
    const position = endOfLine(parsed.source, node.range[1]);
    const text = itemsText(items, indent);
    return position >= parsed.source.length && !parsed.source.endsWith("\n")
      ? { start: position, end: position, text: `\n${text.trimEnd()}` }
      : { start: position, end: position, text };
  }
  if (node !== undefined && node !== null && !(isScalar(node) && node.value === null)) {
    throw cannotEdit(parsed.file, path, isSeq(node) ? "it is written as a [flow] or empty list" : "it is not a list");
  }
  // The deepest mapping along the path that exists already.
  let depth = path.length - 1;
  let map: unknown;
  for (; depth > 0; depth--) {
    map = parsed.doc.getIn(path.slice(0, depth), true);
    if (map !== undefined) break;
  }
  if (depth === 0) map = parsed.doc.contents;
  if (!isMap(map) || map.flow || map.items.length === 0) throw cannotEdit(parsed.file, path, `${path.slice(0, depth).join(".") || "the file"} is not a block mapping`);
  if (isScalar(node)) throw cannotEdit(parsed.file, path, "it has no value"); // `key:` alone: rare, and ambiguous to extend
  const unit = indentUnit(parsed);
  const indent = columnOf(parsed.source, (map.items[0]!.key as Node).range![0]);
  const keys = path.slice(depth);
  const lines = keys.map((key, i) => `${" ".repeat(indent + i * unit)}${key}:\n`).join("");
  const text = lines + itemsText(items, indent + keys.length * unit);
  const position = endOfLine(parsed.source, endOfPair(map.items.at(-1)!));
  return position >= parsed.source.length && !parsed.source.endsWith("\n")
    ? { start: position, end: position, text: `\n${text.trimEnd()}` }
    : { start: position, end: position, text };
}

/** Block sequence items as the yaml library writes them, shifted to a column. */
function itemsText(items: unknown[], indent: number): string {
  return stringify(items)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => `${" ".repeat(indent)}${line}\n`)
    .join("");
}

function appendAt(root: any, path: string[], items: unknown[]): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  const last = path.at(-1)!;
  node[last] = [...(Array.isArray(node[last]) ? node[last] : []), ...structuredClone(items)];
}
