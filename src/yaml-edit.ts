// Surgical edits of YAML that people own. The yaml Document API finds where a value is written;
// the new value is spliced into the original text at exactly that place, so every other byte
// (comments, blank lines, key order, quoting, keys we do not know, a byte-order mark, CRLF line
// ends) stays as it was. Every edit is proved on the values Helm reads (helm-values.ts), before
// and after: exactly the intended keys change, to exactly the intended strings, or the edit is
// refused and nothing is written. That is what keeps an edit through an anchor, an alias or a
// merge key (`<<:`) from silently changing something else, or nothing.
import { isDeepStrictEqual } from "node:util";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  Scalar,
  stringify,
  YAMLMap,
} from "yaml";
import { failure } from "./errors.js";
import {
  dependentTopKeys,
  type HelmMap,
  type HelmValue,
  helmValueAt,
  helmValues,
  helmValuesUnder,
  isHelmMap,
  isMergeKey,
} from "./helm-values.js";
import { doubleQuoted, isPlain } from "./yaml-doc.js";

export interface ParsedYaml {
  file: string;
  source: string;
  doc: Document.Parsed;
}

// Duplicate keys are found here in one pass: the library's own check compares every key with
// every earlier key of its mapping, which makes a large flat mapping cost its size squared.
const PARSE_OPTIONS = { uniqueKeys: false } as const;

/** Parses a file a person owns; a syntax error is exit 1 with `file:line` and nothing changed. */
export function parseOwnedYaml(file: string, source: string): ParsedYaml {
  const doc = parseDocument(source, PARSE_OPTIONS);
  if (doc.errors.length > 0) {
    // The earliest problem is the one to fix; an unclosed [ or { is reported where it opens,
    // not at the end of the file where the parser gave up on it.
    const located = doc.errors.map((error) => ({
      line: /must be sufficiently indented and end with/.test(error.message)
        ? lineOf(source, unclosedBracket(source, error.pos[0]) ?? error.pos[0])
        : (error.linePos?.[0].line ?? lineOf(source, error.pos[0])),
      reason: readableReason(error.message.split("\n", 1)[0]!.replace(/ at line \d+, column \d+:?$/, "")),
    }));
    const first = located.reduce((a, b) => (b.line < a.line ? b : a));
    throw failure(`${file}:${first.line}: ${first.reason}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw failure(`${file}: expected a mapping of keys at the top`);
  const parsed = { file, source, doc };
  refuseDuplicateKeys(parsed);
  return parsed;
}

/** The parser's wording, without its hints for programmers. */
function readableReason(reason: string): string {
  if (/multiple documents/i.test(reason))
    return "holds more than one YAML document (a second one starts with ---), but a values file is one: Helm 3 would read only the first, Helm 4 only the last";
  return reason;
}

function refuseDuplicateKeys(parsed: ParsedYaml): void {
  // A plain walk of the collections: the library's visit() costs far more per node.
  const pending: unknown[] = [parsed.doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isSeq(node)) {
      for (const item of node.items) if (isMap(item) || isSeq(item)) pending.push(item);
      continue;
    }
    if (!isMap(node)) continue;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = pair.key;
      if (isMap(pair.value) || isSeq(pair.value)) pending.push(pair.value);
      if (!isScalar(key) || isMergeKey(key)) continue;
      const id = `${typeof key.value}:${String(key.value)}`;
      const offset = key.range?.[0] ?? 0;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        throw failure(
          `${parsed.file}:${lineOf(parsed.source, offset)}: the key ${String(key.source)} is written twice in one mapping (first on line ${lineOf(parsed.source, earlier)}); Helm keeps only the last one, so remove the other`,
        );
      }
      seen.set(id, offset);
    }
  }
}

// Line numbers for messages: counting is linear, and only done when a message needs one.
const lineOf = (source: string, offset: number) => {
  let line = 1;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) line++;
  return line;
};

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
    else if (c === "#" && (i === 0 || /\s/.test(source[i - 1]!)))
      i = source.indexOf("\n", i) === -1 ? end : source.indexOf("\n", i);
    else if (c === "[" || c === "{") open.push(i);
    else if ((c === "]" || c === "}") && open.length > 0) open.pop();
  }
  return open[0];
}

/** The value at a path as Helm reads it (merge keys, anchors and aliases resolved). */
export const valueAt = (parsed: ParsedYaml, path: string[]): HelmValue | undefined => helmValueAt(parsed, path);

/** A scalar written the way its neighbours are: keep the quote style, add quotes where needed. */
function scalarText(value: string, style: Scalar["type"] | undefined): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.PLAIN && isPlain(value)) return value;
  return doubleQuoted(value);
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
  // Values that are written already are replaced together, on one parse; each key that has to
  // be added is added on the text the previous step left, so that a second key under a mapping
  // the first one had to create lands inside it.
  const located = edits.map((edit) => ({ edit, target: locate(parsed, edit.path) }));
  const inPlace = located.filter(({ target }) => target.kind === "value");
  let current = parsed;
  if (inPlace.length > 0) {
    const splices = inPlace
      .map(({ edit, target }) => valueSplice(parsed, edit, target as ValueTarget))
      .sort((a, b) => b.start - a.start);
    let source = parsed.source;
    for (const splice of splices) source = source.slice(0, splice.start) + splice.text + source.slice(splice.end);
    const onlyInPlace = inPlace.length === located.length;
    current =
      (onlyInPlace ? reparseChangedKeys(parsed, source, splices) : undefined) ??
      reparse(parsed, source, inPlace[0]!.edit.path);
  }
  for (const { edit } of located.filter(({ target }) => target.kind !== "value")) {
    const splice = insertionSplice(current, edit, locate(current, edit.path));
    // Lines we add end the way the file's lines end.
    const text = current.source.includes("\r\n") ? splice.text.replace(/\r?\n/g, "\r\n") : splice.text;
    current = reparse(
      parsed,
      current.source.slice(0, splice.start) + text + current.source.slice(splice.end),
      edit.path,
    );
  }
  verify(parsed, current, edits);
  return current.source;
}

function reparse(original: ParsedYaml, source: string, path: string[]): ParsedYaml {
  const doc = parseDocument(source, PARSE_OPTIONS);
  if (doc.errors.length > 0) throw cannotEdit(original.file, path, "the result would not parse");
  return { file: original.file, source, doc };
}

/**
 * The edited text, parsed only where it changed: each top-level key whose text a splice touched
 * is parsed on its own (from its line up to the next top-level key, which no construct of a
 * block mapping's value can reach past), and put in place of the original one. That is the
 * document a full parse gives, at a fraction of the cost for a large file; anything unusual
 * (a flow mapping at the top, document markers or directives, a key not at the line's start, a
 * part that does not parse to exactly its key) falls back to the full parse. Only for verify():
 * the nodes of the parts keep offsets into their own text.
 */
/** The top-level keys that reparseChangedKeys parsed again, for verify(). */
const reparsedKeys = new WeakMap<ParsedYaml, Set<string>>();

function reparseChangedKeys(original: ParsedYaml, source: string, descending: Splice[]): ParsedYaml | undefined {
  const root = original.doc.contents;
  if (!isMap(root) || root.flow || /^(?:---|\.\.\.|%)/m.test(original.source)) return undefined;
  const starts: number[] = [];
  for (const pair of root.items) {
    const offset = (pair.key as Node | null)?.range?.[0];
    if (
      offset === undefined ||
      !(offset === 0 || original.source[offset - 1] === "\n" || (offset === 1 && original.source[0] === "\uFEFF"))
    )
      return undefined;
    starts.push(offset);
  }
  const splices = [...descending].reverse();
  const shift = (offset: number) =>
    splices.reduce((delta, s) => (s.end <= offset ? delta + s.text.length - (s.end - s.start) : delta), 0);
  const items = [...root.items];
  const changed = new Set<number>();
  for (const splice of splices) {
    let i = starts.length - 1;
    while (i >= 0 && starts[i]! > splice.start) i--;
    if (i < 0 || (i + 1 < starts.length && splice.end >= starts[i + 1]!)) return undefined;
    changed.add(i);
  }
  for (const i of changed) {
    const from = starts[i]! + shift(starts[i]!);
    const to = i + 1 < starts.length ? starts[i + 1]! + shift(starts[i + 1]!) : source.length;
    const part = parseDocument(source.slice(from, to), PARSE_OPTIONS);
    const map = part.contents;
    if (part.errors.length > 0 || !isMap(map) || map.flow || map.items.length !== 1) return undefined;
    const [key, was] = [map.items[0]!.key, root.items[i]!.key];
    if (!isScalar(key) || !isScalar(was) || key.source !== was.source) return undefined;
    items[i] = map.items[0]!;
  }
  const contents = new YAMLMap(root.schema);
  contents.items = items;
  contents.anchor = root.anchor;
  contents.tag = root.tag;
  const edited = { file: original.file, source, doc: { contents } as unknown as Document.Parsed };
  reparsedKeys.set(edited, new Set([...changed].map((i) => String((items[i]!.key as Scalar).source))));
  return edited;
}

// --- finding where a key is written -------------------------------------------------------------

interface ValueTarget {
  kind: "value";
  /** The node written as the key's value: a scalar, an alias, or null for `key:` alone. */
  node: Node | null;
  pair: Pair;
}

interface MissingTarget {
  kind: "missing";
  /** The deepest mapping along the path that exists (through aliases), and how deep it is. */
  map: YAMLMap;
  depth: number;
}

interface BlockedTarget {
  kind: "blocked";
  depth: number;
  why: string;
}

type Target = ValueTarget | MissingTarget | BlockedTarget;

/**
 * Where the file writes the value at a key path: following aliases to the mappings they copy,
 * and taking the key written in the mapping itself (not one a merge key brings in; whether
 * writing there changes what Helm reads is for verify() to prove).
 */
function locate(parsed: ParsedYaml, path: string[]): Target {
  let map = parsed.doc.contents as Node | null;
  for (let depth = 0; depth < path.length; depth++) {
    const resolved = isAlias(map) ? (map.resolve(parsed.doc) as Node | undefined) : map;
    if (depth === 0 && resolved === null) return { kind: "blocked", depth, why: "the file is empty" };
    if (!isMap(resolved)) {
      return {
        kind: "blocked",
        depth,
        why: `${path.slice(0, depth).join(".")} is ${isScalar(resolved) && resolved.value === null ? "empty (null)" : "not a mapping"}`,
      };
    }
    const pair = resolved.items.findLast(
      (item) => isScalar(item.key) && !isMergeKey(item.key) && String(item.key.source) === path[depth],
    );
    if (pair === undefined) return { kind: "missing", map: resolved, depth };
    if (depth === path.length - 1) {
      const node = pair.value as Node | null;
      if (node !== null && !isScalar(node) && !isAlias(node))
        return { kind: "blocked", depth, why: "it is not a single value" };
      return { kind: "value", node, pair };
    }
    map = pair.value as Node | null;
  }
  throw new Error("unreachable: empty key path");
}

// --- replacing a value that is written -----------------------------------------------------------

function valueSplice(parsed: ParsedYaml, edit: StringEdit, target: ValueTarget): Splice {
  const { node } = target;
  const { source } = parsed;
  if (node === null || (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1])) {
    // `key:` with nothing after it.
    const at = node?.range?.[0] ?? (target.pair.key as Node).range![1] + 1;
    return { start: at, end: at, text: `${source[at - 1] === ":" ? " " : ""}${scalarText(edit.value, Scalar.PLAIN)}` };
  }
  const [start, end] = node.range!;
  if (isAlias(node)) return { start, end, text: scalarText(edit.value, Scalar.PLAIN) };
  const scalar = node as Scalar;
  if (scalar.type === Scalar.BLOCK_LITERAL || scalar.type === Scalar.BLOCK_FOLDED)
    return blockScalarSplice(source, start, end, edit.value);
  return { start, end, text: scalarText(edit.value, scalar.type) };
}

/**
 * A block scalar (`|-`, `>+`, ...) spans its header line and its content lines; what follows
 * it (blank lines, comments) is the file's, not the value's, and stays where it is. A one-line
 * value keeps a stripped block (`|-`, `>-`) as it is written; any other block becomes a quoted
 * scalar on the header line, keeping the header's comment.
 */
function blockScalarSplice(source: string, start: number, end: number, value: string): Splice {
  let headerEnd = source.indexOf("\n", start);
  if (headerEnd === -1 || headerEnd > end) headerEnd = end;
  const header = source.slice(start, headerEnd).replace(/\r$/, "");
  const match = /^([|>][1-9+-]{0,2})([ \t]+#.*)?[ \t]*$/.exec(header);
  if (!match) throw failure(`cannot read the block scalar header ${header}`);
  const [, indicator, comment = ""] = match as unknown as [string, string, string | undefined];
  // The last content line that is not blank ends the part that is replaced.
  let contentEnd = headerEnd;
  let firstIndent: string | undefined;
  for (let lineStart = headerEnd + 1; lineStart < end; ) {
    let lineEnd = source.indexOf("\n", lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const line = source.slice(lineStart, lineEnd).replace(/\r$/, "");
    if (line.trim() !== "") {
      contentEnd = lineStart + line.length;
      firstIndent ??= /^[ ]*/.exec(line)![0];
    }
    lineStart = lineEnd + 1;
  }
  const replaceHeaderOnly = contentEnd === headerEnd;
  const keepsBlock =
    /^[|>]-$/.test(indicator) &&
    firstIndent !== undefined &&
    value !== "" &&
    value.trim() === value &&
    !/[\r\n]/.test(value);
  if (keepsBlock) {
    const eol = source[headerEnd - 1] === "\r" ? "\r\n" : "\n";
    return { start, end: contentEnd, text: `${indicator}${comment}${eol}${firstIndent}${value}` };
  }
  return {
    start,
    end: replaceHeaderOnly ? start + header.length : contentEnd,
    text: `${doubleQuoted(value)}${comment}`,
  };
}

// --- adding a key that is not written ------------------------------------------------------------

function insertionSplice(parsed: ParsedYaml, { path, value, comment }: StringEdit, target: Target): Splice {
  if (target.kind === "value") return valueSplice(parsed, { path, value }, target);
  if (target.kind === "blocked") throw cannotEdit(parsed.file, path, target.why);
  const { map, depth } = target;
  const rest = path.slice(depth);
  if (map.flow) return flowInsertion(parsed, map, rest, value, path);
  const heading =
    depth === 0 && comment
      ? `${comment
          .split("\n")
          .map((line) => `# ${line}`)
          .join("\n")}\n`
      : "";
  if (map.items.length === 0) {
    if (depth === 0) return appendAtEnd(parsed.source, heading + block(rest, value, 0, indentUnit(parsed)));
    throw cannotEdit(parsed.file, path, `${path.slice(0, depth).join(".")} is an empty mapping`);
  }
  const indent = columnOf(parsed.source, (map.items[0]!.key as Node).range![0]);
  const position = endOfLine(parsed.source, endOfPair(map.items.at(-1)!));
  // A new top-level group gets a blank line before it, as the file's other groups have.
  const text = (depth === 0 ? "\n" : "") + heading + block(rest, value, indent, indentUnit(parsed));
  return position >= parsed.source.length && !parsed.source.endsWith("\n")
    ? { start: position, end: position, text: `\n${text.trimEnd()}` }
    : { start: position, end: position, text };
}

/** `{a: 1}` gains `, key: value` after its last entry (`{key: value}` when it was empty). */
function flowInsertion(parsed: ParsedYaml, map: YAMLMap, keys: string[], value: string, path: string[]): Splice {
  const entry = keys.reduceRight(
    (inner, key, i) => (i === keys.length - 1 ? `${key}: ${inner}` : `${key}: {${inner}}`),
    scalarText(value, Scalar.PLAIN),
  );
  const [start, end] = map.range!;
  if (parsed.source[start] !== "{" || parsed.source[end - 1] !== "}")
    throw cannotEdit(parsed.file, path, "its mapping is not written where expected");
  if (map.items.length === 0) return { start: start + 1, end: start + 1, text: entry };
  const at = endOfPair(map.items.at(-1)!);
  return { start: at, end: at, text: `, ${entry}` };
}

/** `key:\n  nested: "value"\n` lines for keys that do not exist yet. */
function block(keys: string[], value: string, indent: number, unit: number): string {
  return keys
    .map(
      (key, i) =>
        `${" ".repeat(indent + i * unit)}${key}:${i === keys.length - 1 ? ` ${scalarText(value, Scalar.PLAIN)}` : ""}\n`,
    )
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
    if (isMap(value) && !value.flow && value.items[0])
      return columnOf(parsed.source, (value.items[0].key as Node).range![0]);
  }
  return 2;
}

// --- proving the edit on what Helm reads -------------------------------------------------------

/**
 * The values Helm reads from the edited text differ from the original's exactly at the edited
 * keys, and hold exactly the intended strings there.
 */
function verify(original: ParsedYaml, edited: ParsedYaml, edits: StringEdit[]): void {
  // Where only some top-level keys were parsed again, only those and the keys that depend on
  // other parts of the file (through aliases and merge keys) can read differently.
  const changedKeys = reparsedKeys.get(edited);
  const dependent = changedKeys && dependentTopKeys(original);
  const only = changedKeys && dependent ? new Set([...changedKeys, ...dependent]) : undefined;
  const pick = (values: HelmMap) =>
    only
      ? Object.fromEntries([...only].filter((key) => Object.hasOwn(values, key)).map((key) => [key, values[key]!]))
      : values;
  const before = pick(helmValues(original));
  let after: HelmMap;
  try {
    after = only ? helmValuesUnder(edited, only) : helmValues(edited);
  } catch {
    throw cannotEdit(
      original.file,
      edits.map(({ path }) => path),
      "Helm could not read the result",
    );
  }
  for (const { path, value } of edits) {
    const read = path.reduce<HelmValue | undefined>(
      (at, key) => (isHelmMap(at) && Object.hasOwn(at, key) ? at[key] : undefined),
      after,
    );
    if (read !== value) {
      const why =
        read === undefined
          ? "Helm would not find it"
          : `Helm would still read ${JSON.stringify(read)} there, from a merge key (<<) or an anchor`;
      throw cannotEdit(original.file, path, why);
    }
  }
  const intended = new Set(edits.map(({ path }) => path.join("\u0000")));
  const changed: string[][] = [];
  diffPaths(before, after, [], changed);
  const unintended = changed.filter((path) => !intended.has(path.join("\u0000")));
  if (unintended.length > 0) {
    const shown = unintended
      .slice(0, 3)
      .map((path) => path.join("."))
      .join(", ");
    throw cannotEdit(
      original.file,
      edits.map(({ path }) => path),
      `${shown} would change too, through an anchor they share`,
    );
  }
}

/** Key paths where two value trees differ, down to the first value that is not a mapping. */
function diffPaths(a: HelmValue | undefined, b: HelmValue | undefined, prefix: string[], out: string[][]): void {
  if (a === b || out.length >= 10) return;
  const aMap = isHelmMap(a);
  const bMap = isHelmMap(b);
  if ((aMap || bMap) && (aMap || a === undefined) && (bMap || b === undefined)) {
    const left = (a ?? {}) as Record<string, HelmValue>;
    const right = (b ?? {}) as Record<string, HelmValue>;
    for (const key in left) {
      const next = right[key];
      // Most values are the same string: compare before building the key path.
      if (left[key] !== next || !Object.hasOwn(right, key))
        diffPaths(left[key], Object.hasOwn(right, key) ? next : undefined, [...prefix, key], out);
    }
    for (const key in right) if (!Object.hasOwn(left, key)) diffPaths(undefined, right[key], [...prefix, key], out);
    return;
  }
  if (!sameValue(a, b)) out.push(prefix);
}

function sameValue(a: HelmValue | undefined, b: HelmValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isHelmMap(a) && isHelmMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]))
    );
  }
  return false;
}

const cannotEdit = (file: string, paths: string[] | string[][], why: string) => {
  const keys = (Array.isArray(paths[0]) ? (paths as string[][]) : [paths as string[]]).map((path) => path.join("."));
  return failure(`${file}: cannot set ${keys.join(" and ")} without rewriting the file (${why}); edit it by hand`);
};

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
    const doc = parseDocument(source, PARSE_OPTIONS);
    if (doc.errors.length > 0) throw cannotEdit(parsed.file, edit.path, "the result would not parse");
    current = { file: parsed.file, source, doc };
    appendAt(expected, edit.path, edit.items);
  }
  if (!isDeepStrictEqual(current.doc.toJS(), expected))
    throw cannotEdit(parsed.file, edits[0]!.path, "the result would not read back as intended");
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
  if (!isMap(map) || map.flow || map.items.length === 0)
    throw cannotEdit(parsed.file, path, `${path.slice(0, depth).join(".") || "the file"} is not a block mapping`);
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

type Tree = { [key: string]: unknown };

function appendAt(root: Tree, path: string[], items: unknown[]): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Tree;
  }
  const last = path.at(-1)!;
  const existing = node[last];
  node[last] = [...(Array.isArray(existing) ? existing : []), ...structuredClone(items)];
}
