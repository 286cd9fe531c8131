// Generators for property-based tests: inputs a person may give, valid ones at and around the
// limits, and broken ones in every way the rules forbid.
import fc from "fast-check";
import { isAmbiguous } from "../../src/yaml-doc.js";

/** Fixed seed, so a failure reproduces; fast-check prints it with the counterexample. */
export const SEED = 20261126;

const chars = (text: string) => fc.constantFrom(...text.split(""));
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const UPPER = LOWER.toUpperCase();

/** A length biased towards the edges of [min, max]. */
const lengthIn = (min: number, max: number) => fc.oneof(fc.constant(min), fc.constant(max), fc.integer({ min, max }));

/** DNS label: first from `first`, then [a-z0-9-], last [a-z0-9]; exactly `length` characters. */
function label(length: number, first: string): fc.Arbitrary<string> {
  if (length === 1) return chars(first);
  return fc
    .tuple(
      chars(first),
      fc.array(chars(`${LOWER}${DIGITS}-`), { minLength: length - 2, maxLength: length - 2 }),
      chars(`${LOWER}${DIGITS}`),
    )
    .map(([a, middle, z]) => a + middle.join("") + z);
}

// Names YAML 1.1 reads as booleans, nulls or numbers (y, no, 123) are refused as names.
export const appName = lengthIn(1, 53)
  .chain((n) => label(n, LOWER))
  .filter((name) => !isAmbiguous(name));
export const envName = lengthIn(1, 20)
  .chain((n) => label(n, `${LOWER}${DIGITS}`))
  .filter((name) => !isAmbiguous(name));

const pathComponent = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,8}$/),
    fc.array(fc.tuple(fc.constantFrom(".", "_", "__", "-", "--"), fc.stringMatching(/^[a-z0-9]{1,6}$/)), {
      maxLength: 2,
    }),
  )
  .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(""));

const registry = fc.oneof(
  fc.constant("localhost:5000"),
  fc
    .tuple(
      fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/), { minLength: 2, maxLength: 4 }),
      fc.option(fc.integer({ min: 1, max: 65535 })),
    )
    .map(([parts, port]) => parts.join(".") + (port === null ? "" : `:${port}`)),
);

/** Tags with every class of tag character, from 1 to 128 characters, never `latest`. */
export const tag = lengthIn(1, 128)
  .chain((n) =>
    fc
      .tuple(
        chars(`${LOWER}${UPPER}${DIGITS}_`),
        fc.array(chars(`${LOWER}${UPPER}${DIGITS}_.-`), { minLength: n - 1, maxLength: n - 1 }),
      )
      .map(([a, rest]) => a + rest.join("")),
  )
  .filter((t) => t !== "latest");

/** Tags a YAML 1.1 reader would take for numbers, booleans or null if they were not quoted. */
export const ambiguousTag = fc.constantFrom(
  "1.10",
  "1.0",
  "2",
  "0755",
  "1e3",
  "yes",
  "no",
  "on",
  "off",
  "true",
  "null",
  "0x1F",
  "12_000",
  "1_0",
  "y",
);

export const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);

export interface Image {
  repository: string;
  tag: string;
  digest?: string;
  ref: string;
}

export const image: fc.Arbitrary<Image> = fc
  .tuple(
    fc.option(registry),
    fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
    fc.oneof(tag, ambiguousTag),
    fc.option(digest),
  )
  .map(([host, path, t, d]) => {
    const repository = [host, ...path].filter((part) => part !== null).join("/");
    return { repository, tag: t, ...(d ? { digest: d } : {}), ref: `${repository}:${t}${d ? `@${d}` : ""}` };
  });

/** Characters no field accepts, each a different way of breaking a value. */
const foreign = fc.oneof(
  chars("\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f").map((c) => ({ why: "a control character", text: c })),
  chars("\n\r\t").map((c) => ({ why: "a line break or tab", text: c })),
  fc.constantFrom("{{", "}}", "{{ .Values.x }}", "{{{name}}}").map((text) => ({ why: "template delimiters", text })),
  chars(`"'\`\\`).map((c) => ({ why: "a quote or backslash", text: c })),
  fc
    .constantFrom("а", "е", "о", "ѕ", "ｓ", "ℓ", "\u200b", "\u00a0", "é")
    .map((text) => ({ why: "look-alike unicode", text })),
  fc.constantFrom(" ", "  ").map((text) => ({ why: "a space", text })),
);

/** A valid value with something foreign inserted somewhere in it. */
export const withForeign = (valid: fc.Arbitrary<string>) =>
  fc.tuple(valid, foreign, fc.nat()).map(([value, { why, text }, at]) => {
    const i = at % (value.length + 1);
    return { why, value: value.slice(0, i) + text + value.slice(i) };
  });

/** A valid value made far too long. */
export const tooLong = (valid: fc.Arbitrary<string>) =>
  fc
    .tuple(valid, fc.integer({ min: 600, max: 5000 }))
    .map(([value, n]) => ({ why: "a very long string", value: value.padEnd(n, value.at(-1) ?? "a") }));

// --- text of every kind, for what bluegreen writes as YAML ---------------------------------------

const YAML_WORDS = ["yes", "No", "on", "OFF", "null", "~", "1.10", "0755", "0o17", "0x1F", "1e3", "1:30", ".inf", "<<"];
const YAML_SYNTAX = [..."-?:,[]{}#&*!|>'\"%@` \t.~0123456789abcyYnNeExXoO+_=<"];

/** YAML's words and syntax: indicators, `: `, ` #`, document markers, words of YAML 1.1 and 1.2. */
export const yamlSymbols = fc.oneof(
  fc.constantFrom(...YAML_WORDS, "---", "...", "- a", "? b", "a: b", "a #b", "a:", "#c", "%x", "@v", "`v`", "it's"),
  fc.array(fc.constantFrom(...YAML_SYNTAX), { maxLength: 8 }).map((parts) => parts.join("")),
);

/** Any string: YAML's syntax, line breaks, controls, NEL, LS, PS, the byte order mark, astral characters. */
export const yamlString = fc.oneof(
  yamlSymbols,
  fc.string({ unit: "binary", maxLength: 12 }),
  fc
    .array(fc.constantFrom("\n", "\r", "\t", " ", "\u0085", "\u2028", "\u2029", "\ufeff", "\u007f", "\u0000", "x"), {
      maxLength: 6,
    })
    .map((parts) => parts.join("")),
);
