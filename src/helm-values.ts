// The values Helm sees in a values file: what `.Values` holds when Helm 3 or Helm 4 reads it.
//
// Helm reads a values file with sigs.k8s.io/yaml (helm: pkg/chart/common/values.go ReadValues),
// which decodes it with go-yaml v2 and converts the result to JSON (sigs.k8s.io/yaml: yaml.go
// yamlToJSONTarget, convertToJSONableObject). So the rules are YAML 1.1's as go-yaml v2 applies
// them (go-yaml v2.4: decode.go, resolve.go), not those of a YAML 1.2 parser:
// - A merge key (`<<`, plain) copies a mapping's keys in place, *in order*: a key written after
//   `<<:` overrides the merged one, and a key written before it is overridden by it. Of a list
//   of mappings (`<<: [*a, *b]`), the earlier one wins. Anything but mappings there is an error.
// - An alias is a copy of the node its anchor names; an anchor that contains itself, or aliases
//   that multiply a document beyond go-yaml's ratio, are errors.
// - Plain scalars resolve as in go-yaml's resolve(): y/yes/on/true (any listed case) are true,
//   n/no/off/false false, ~/null/empty null; Go's ParseInt with base 0 after removing `_` (so
//   0755, 0o17, 0x1F, 0b101, 1_000 are numbers), then a float pattern; 1:30 (base 60) and
//   timestamps stay strings. Quoted and block scalars are strings. Explicit tags (!!str,
//   !!int, ...) are honoured; unknown tags leave the text a string.
// - Then JSON: every number becomes a float64, keys become strings (true, 1, 1.5), NaN and
//   infinity are errors, and duplicate keys keep the last value.
// The yaml library's own `merge: true` lets an explicit key win wherever it is written, which is
// YAML's merge-key draft but not what Helm does; that is why this module resolves merges itself.
// Everything here is linear in the size of the document.
import { type Alias, isAlias, isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import { failure } from "./errors.js";
import type { ParsedYaml } from "./yaml-edit.js";

const TAG = "tag:yaml.org,2002:";

export type HelmValue = string | number | boolean | null | HelmValue[] | { [key: string]: HelmValue };
export type HelmMap = { [key: string]: HelmValue };

const cache = new WeakMap<ParsedYaml, HelmMap>();

/**
 * The values Helm sees in a parsed values file, as plain data (numbers as JavaScript numbers,
 * as Helm's float64). A file Helm could not read is refused with exit 1, naming file and line.
 */
export function helmValues(parsed: ParsedYaml): HelmMap {
  let values = cache.get(parsed);
  if (values === undefined) {
    values = new Reader(parsed).read();
    cache.set(parsed, values);
  }
  return values;
}

/**
 * The values Helm sees under some top-level keys only; the rest of the file is still read for
 * its anchors. For proving an edit of a large file where only those keys can have changed.
 */
export function helmValuesUnder(parsed: ParsedYaml, keys: ReadonlySet<string>): HelmMap {
  return new Reader(parsed).read(keys);
}

const dependents = new WeakMap<ParsedYaml, Set<string> | undefined>();

/**
 * The top-level keys whose values depend on other parts of the file (an alias or a merge key
 * somewhere below them); undefined when the top level itself merges, so any key may.
 */
export function dependentTopKeys(parsed: ParsedYaml): Set<string> | undefined {
  if (dependents.has(parsed)) return dependents.get(parsed);
  const root = parsed.doc.contents;
  let keys: Set<string> | undefined = new Set<string>();
  const depends = (node: unknown): boolean => {
    if (isAlias(node)) return true;
    if (isMap(node)) return node.items.some((pair) => isMergeKey(pair.key) || depends(pair.key) || depends(pair.value));
    if (isSeq(node)) return node.items.some(depends);
    return false;
  };
  if (isMap(root)) {
    for (const pair of root.items) {
      if (isMergeKey(pair.key) || !isScalar(pair.key)) {
        keys = undefined;
        break;
      }
      if (depends(pair.value)) keys.add(String(pair.key.source));
    }
  }
  dependents.set(parsed, keys);
  return keys;
}

/** The value at a key path in the values Helm sees; undefined where there is none. */
export function helmValueAt(parsed: ParsedYaml, keyPath: readonly string[]): HelmValue | undefined {
  let value: HelmValue | undefined = helmValues(parsed);
  for (const key of keyPath) {
    if (!isHelmMap(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

export const isHelmMap = (value: unknown): value is HelmMap =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** How a template prints a value (`{{ .Values.image.tag }}`): Go's %v of the JSON value. */
export function helmText(value: HelmValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return goFloat(value);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Go's strconv.FormatFloat(v, 'g', -1, bits), which fmt's %v uses for a float64: the shortest
 * digits, in %e form when the exponent is below -4 or at least 6 (so 1000000 prints 1e+06).
 */
export function goFloat(value: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = shortestDigits(Math.abs(value), bits).split("e");
  const digits = mantissa!.replace(".", "");
  const exponent = Number(exponentText);
  const sign = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const e = Math.abs(exponent);
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  return exponent + 1 >= digits.length
    ? `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}`
    : `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** The shortest digits that read back as the same float64 (or float32), as d.ddde±x. */
function shortestDigits(value: number, bits: 32 | 64): string {
  if (bits === 64) return value.toExponential();
  const single = Math.fround(value);
  for (let precision = 1; precision <= 9; precision++) {
    const text = single.toExponential(precision - 1);
    if (Math.fround(Number(text)) === single) return text;
  }
  return single.toExponential(8);
}

// go-yaml v2 decode.go: aliases may make up 99% of a small document's decode operations and
// 10% of a large one's; beyond that the document is refused as excessive aliasing.
const ALIAS_RATIO_LOW = 400_000;
const ALIAS_RATIO_HIGH = 4_000_000;
const allowedAliasRatio = (count: number) =>
  count <= ALIAS_RATIO_LOW
    ? 0.99
    : count >= ALIAS_RATIO_HIGH
      ? 0.1
      : 0.99 - (0.89 * (count - ALIAS_RATIO_LOW)) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW);

class Reader {
  private readonly anchors = new Map<Alias, Node>();
  private readonly expanding = new Set<Alias>();
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;

  constructor(private readonly parsed: ParsedYaml) {
    // An alias names the nearest anchor of that name before it, in document order.
    const latest = new Map<string, Node>();
    const walk = (node: unknown): void => {
      if (isAlias(node)) {
        const target = latest.get(node.source);
        if (target !== undefined) this.anchors.set(node, target);
        return;
      }
      if ((node as { anchor?: string } | null)?.anchor) latest.set((node as { anchor: string }).anchor, node as Node);
      if (isMap(node)) {
        for (const pair of node.items) {
          walk(pair.key);
          walk(pair.value);
        }
      } else if (isSeq(node)) {
        for (const item of node.items) walk(item);
      }
    };
    walk(parsed.doc.contents);
  }

  read(only?: ReadonlySet<string>): HelmMap {
    const contents = this.parsed.doc.contents as Node | null;
    if (contents === null) return {};
    if (only !== undefined && isMap(contents)) {
      const out: HelmMap = {};
      for (const pair of contents.items as Pair<Node | null, Node | null>[]) {
        const key = this.key(pair.key);
        if (only.has(key)) out[key] = this.value(pair.value);
      }
      return out;
    }
    const value = this.value(contents);
    // ReadValues: a document that is not a mapping of keys is no values at all.
    if (!isHelmMap(value)) throw this.error(contents, "expected a mapping of keys at the top");
    return value;
  }

  private count(node: Node): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (
      this.aliasCount > 100 &&
      this.decodeCount > 1000 &&
      this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)
    ) {
      throw this.error(node, "its aliases expand to more than Helm reads (excessive aliasing)");
    }
  }

  private value(node: Node | null | undefined): HelmValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.throughAlias(node, (target) => this.value(target));
    this.count(node);
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.value(item as Node | null));
    if (isMap(node)) {
      const out: HelmMap = {};
      this.mapping(node, out);
      return out;
    }
    throw this.error(node, "it holds something Helm cannot read");
  }

  private throughAlias<T>(alias: Alias, read: (target: Node) => T): T {
    const target = this.anchors.get(alias);
    if (target === undefined)
      throw this.error(alias, `the alias *${alias.source} has no anchor &${alias.source} before it`);
    if (this.expanding.has(alias)) throw this.error(alias, `the anchor &${alias.source} contains itself`);
    this.count(alias);
    this.expanding.add(alias);
    this.aliasDepth++;
    try {
      return read(target);
    } finally {
      this.aliasDepth--;
      this.expanding.delete(alias);
    }
  }

  /** go-yaml's mapping(): pairs in order, a merge key writing the merged keys at its place. */
  private mapping(map: YAMLMap, out: HelmMap): void {
    for (const pair of map.items as Pair<Node | null, Node | null>[]) {
      if (isMergeKey(pair.key)) {
        this.merge(pair.value, out);
        continue;
      }
      const key = this.key(pair.key);
      const value = this.value(pair.value);
      if (key === "__proto__")
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
  }

  private merge(node: Node | null, out: HelmMap): void {
    const mergeOne = (item: Node | null) => {
      if (isAlias(item)) {
        return this.throughAlias(item, (target) => {
          if (!isMap(target)) throw this.error(item, "<< merges only mappings");
          this.count(target);
          this.mapping(target, out);
        });
      }
      if (!isMap(item)) throw this.error(item ?? node, "<< merges only mappings");
      this.count(item);
      this.mapping(item, out);
    };
    if (isSeq(node)) {
      // Earlier mappings take precedence: they are written last.
      for (let i = node.items.length - 1; i >= 0; i--) mergeOne(node.items[i] as Node | null);
    } else {
      mergeOne(node);
    }
  }

  /** A key as JSON has it: go-yaml's value, made a string by sigs.k8s.io/yaml. */
  private key(node: Node | null): string {
    const value = isAlias(node) ? this.throughAlias(node, (target) => this.keyValue(target)) : this.keyValue(node);
    return value;
  }

  private keyValue(node: Node | null): string {
    if (node === null) throw this.error(node, "a key is empty");
    if (!isScalar(node)) throw this.error(node, "a key is a list or a mapping, which Helm cannot read");
    const resolved = this.resolved(node);
    if (resolved.kind === "null" || resolved.kind === "uint")
      throw this.error(node, `the key ${node.source} is not one Helm can read`);
    if (resolved.kind === "float") return goKeyFloat(resolved.value as number);
    return String(resolved.value);
  }

  private scalar(node: Scalar): HelmValue {
    const resolved = this.resolved(node);
    if (resolved.kind === "float" && !Number.isFinite(resolved.value as number)) {
      throw this.error(node, `${node.source} is not a number JSON can hold, so Helm cannot read it`);
    }
    return resolved.value;
  }

  private resolved(node: Scalar): Resolved {
    const text = typeof node.source === "string" ? node.source : String(node.value ?? "");
    const tag = node.tag;
    const plain = node.type === "PLAIN" || node.type === undefined;
    if (tag === undefined) return plain ? resolve(text) : { kind: "str", value: text };
    if (!tag.startsWith(TAG)) return { kind: "str", value: text }; // unknown or `!` tags
    const name = tag.slice(TAG.length);
    if (name === "str") return { kind: "str", value: text };
    if (name === "binary") {
      const bytes = Buffer.from(text.replace(/\s+/g, ""), "base64");
      return { kind: "str", value: bytes.toString("utf8") };
    }
    if (name === "timestamp") return { kind: "str", value: text };
    if (!["bool", "int", "float", "null"].includes(name)) return { kind: "str", value: text };
    const value = resolve(text);
    if (value.kind === name) return value;
    if (name === "float" && (value.kind === "int" || value.kind === "uint"))
      return { kind: "float", value: value.value };
    throw this.error(node, `${text} is not a !!${name}`);
  }

  private error(node: Node | null | undefined, why: string) {
    const offset = node?.range?.[0];
    const line = offset === undefined ? undefined : this.parsed.source.slice(0, offset).split("\n").length;
    return failure(`${this.parsed.file}${line === undefined ? "" : `:${line}`}: Helm cannot read this file: ${why}`);
  }
}

/** go-yaml's isMerge: a plain `<<`, or one tagged !!merge. */
export const isMergeKey = (key: unknown): boolean =>
  isScalar(key) &&
  key.source === "<<" &&
  ((key.type === "PLAIN" && key.tag === undefined) || key.tag === `${TAG}merge`);

/** sigs.k8s.io/yaml: a float key is formatted as a float32 with 'g' (and the -1 precision). */
function goKeyFloat(value: number): string {
  if (value === Infinity) return ".inf";
  if (value === -Infinity) return "-.inf";
  if (Number.isNaN(value)) return ".nan";
  return goFloat(value, 32);
}

interface Resolved {
  kind: "str" | "bool" | "int" | "uint" | "float" | "null";
  value: string | number | boolean | null;
}

const WORDS = new Map<string, Resolved>([
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((w): [string, Resolved] => [
    w,
    { kind: "bool", value: true },
  ]),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((w): [string, Resolved] => [
    w,
    { kind: "bool", value: false },
  ]),
  ...["", "~", "null", "Null", "NULL"].map((w): [string, Resolved] => [w, { kind: "null", value: null }]),
  ...[".nan", ".NaN", ".NAN"].map((w): [string, Resolved] => [w, { kind: "float", value: NaN }]),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((w): [string, Resolved] => [
    w,
    { kind: "float", value: Infinity },
  ]),
  ...["-.inf", "-.Inf", "-.INF"].map((w): [string, Resolved] => [w, { kind: "float", value: -Infinity }]),
]);

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml v2 resolve() of an untagged plain scalar. */
export function resolve(text: string): Resolved {
  const first = text[0] ?? "";
  const hint = /[+-]/.test(first)
    ? "S"
    : /[0-9]/.test(first)
      ? "D"
      : /[yYnNtTfFoO~]/.test(first)
        ? "M"
        : first === "."
          ? "."
          : text === ""
            ? "M"
            : "";
  if (hint === "") return { kind: "str", value: text };
  const word = WORDS.get(text);
  if (word !== undefined) return word;
  if (hint === "M") return { kind: "str", value: text };
  if (hint === ".") {
    // strconv.ParseFloat; an overflow is an error there, so the text stays a string.
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) && Number.isFinite(Number(text)))
      return { kind: "float", value: Number(text) };
    return { kind: "str", value: text };
  }
  const plain = text.replace(/_/g, "");
  const integer = parseGoInt(plain);
  if (integer !== undefined) {
    if (integer >= INT64_MIN && integer <= INT64_MAX) return { kind: "int", value: Number(integer) };
    if (integer >= 0n && integer <= UINT64_MAX && !/^[+-]/.test(plain)) return { kind: "uint", value: Number(integer) };
  }
  if (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain))) return { kind: "float", value: Number(plain) };
  return { kind: "str", value: text };
}

/** strconv.ParseInt(text, 0, ...) without its range check: sign, then 0b/0o/0x/0 prefixes. */
function parseGoInt(text: string): bigint | undefined {
  const match = /^([+-]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, body] = match as unknown as [string, string, string];
  let value: bigint;
  if (/^0[oO]/.test(body)) value = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/.test(body)) value = BigInt(`0o${body.slice(1)}`);
  else value = BigInt(body.toLowerCase());
  return sign === "-" ? -value : value;
}
