// Reading fields of a file a person owns (an Argo CD Application, values.yaml, Chart.yaml) as
// data, with their types checked where they are read. A field of the wrong type is refused with
// the file, the field and what is allowed (exit 2, as a wrong flag is), never met later as
// "x.endsWith is not a function". A field that is absent, or null (YAML's empty value, which
// Kubernetes and Helm read as unset), reads as undefined. A value that is only shown or compared
// (`=== false`, as Helm's `if` reads it) is read with valueAt, which takes any type.
import { usageError } from "./errors.js";

/** What a file says, as plain data, and where in it: `prefix` names a part of it (`spec.sources[1]`). */
export interface FileData {
  readonly file: string;
  readonly data: unknown;
  readonly prefix?: string;
}

/** A field's path: `spec.destination.namespace`, or its keys when one holds a dot. */
export type FieldPath = string | readonly string[];

const keysOf = (path: FieldPath) => (typeof path === "string" ? path.split(".") : path);

const fieldName = (from: FileData, path: FieldPath) => [from.prefix, keysOf(path).join(".")].filter(Boolean).join(".");

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at a path, unchecked; undefined where a part is missing or is not a mapping. */
export function valueAt(from: FileData, path: FieldPath): unknown {
  let value = from.data;
  for (const key of keysOf(path)) {
    if (!isMapping(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value ?? undefined;
}

/** How a message names a value of the wrong type (never repeating text, which may be a credential). */
function described(value: unknown): string {
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "string") return "text";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  return isMapping(value) ? "a mapping" : typeof value;
}

function wrongType(from: FileData, path: FieldPath, allowed: string, value: unknown) {
  return usageError(`${from.file} ${fieldName(from, path)}: must be ${allowed}, not ${described(value)}`);
}

/**
 * A path that must hold a value of one type, or nothing. Every reader below checks one path
 * through here: the parts above it must be mappings too (`spec: 5` is refused for `spec.project`).
 */
function checked<T>(
  from: FileData,
  path: FieldPath,
  allowed: string,
  is: (value: unknown) => value is T,
): T | undefined {
  const keys = keysOf(path);
  let value = from.data;
  for (const [i, key] of keys.entries()) {
    if (value === undefined || value === null) return undefined;
    if (!isMapping(value)) throw wrongType(from, keys.slice(0, i), "a mapping of keys", value);
    value = value[key];
  }
  if (value === undefined || value === null) return undefined;
  if (!is(value)) throw wrongType(from, keys, allowed, value);
  return value;
}

/** Text at a path; `allowed` says what the field holds, for the message (`a namespace name`). */
export const stringAt = (from: FileData, path: FieldPath, allowed?: string): string | undefined =>
  checked(from, path, allowed === undefined ? "text" : `${allowed} (text)`, (v): v is string => typeof v === "string");

export const booleanAt = (from: FileData, path: FieldPath): boolean | undefined =>
  checked(from, path, "true or false", (v): v is boolean => typeof v === "boolean");

/** A mapping at a path, as its own FileData (so its fields are named from the file's root). */
export function mappingAt(from: FileData, path: FieldPath): FileData | undefined {
  const data = checked(from, path, "a mapping of keys", isMapping);
  return data && { file: from.file, data, prefix: fieldName(from, path) };
}

/** The entries of a list at a path, each as its own FileData (`spec.sources[1]`). */
export function listAt(from: FileData, path: FieldPath, allowed = "a list"): FileData[] | undefined {
  const list = checked(from, path, allowed, (v): v is unknown[] => Array.isArray(v));
  return list?.map((data, i) => ({ file: from.file, data, prefix: `${fieldName(from, path)}[${i}]` }));
}

/** A list of text at a path (`spec.source.helm.valueFiles`). */
export function stringsAt(from: FileData, path: FieldPath, allowed = "text"): string[] | undefined {
  const list = checked(from, path, `a list of ${allowed}`, (v): v is unknown[] => Array.isArray(v));
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== "string")
      throw wrongType(from, [...keysOf(path).slice(0, -1), `${keysOf(path).at(-1)}[${i}]`], "text", item);
    return item;
  });
}
