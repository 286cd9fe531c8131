// Source maps that cover bluegreen's own code only. A stack trace under DEBUG needs to name the
// lines of src/; the bundled libraries (most of all the Kubernetes and Argo schemas that doctor
// and migrate carry) would make the maps larger than the code they map. Their code stays
// unmapped, so their frames keep dist/'s own file and column, never a wrong src/ line.
// Source map format: https://tc39.es/ecma426/ (mappings are Base64 VLQ, relative to the previous).

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Character code → Base64 digit, -1 for any other character. */
const DIGIT = new Int8Array(128).fill(-1);
for (const [value, char] of [...BASE64].entries()) DIGIT[char.charCodeAt(0)] = value;
const COMMA = 44;
const SEMICOLON = 59;

/**
 * @typedef {{ version: number, sources: string[], sourcesContent?: (string | null)[], names: string[], mappings: string }} SourceMap
 * A segment with absolute values: [generated column] (unmapped) or
 * [generated column, source, original line, original column, name?].
 * @typedef {number[]} Segment
 */

/** @param {number} value @returns {string} */
function encodeValue(value) {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = "";
  do {
    const digit = rest & 31;
    rest >>>= 5;
    text += BASE64[rest ? digit | 32 : digit];
  } while (rest);
  return text;
}

/**
 * One list of segments per generated line. One pass over the characters: the maps of doctor's
 * and migrate's bundles hold millions of them, nearly all the bundled libraries'.
 * @param {string} mappings
 * @returns {Segment[][]}
 */
export function decodeMappings(mappings) {
  const state = [0, 0, 0, 0, 0];
  /** @type {Segment[][]} */
  const lines = [];
  /** @type {Segment[]} */
  let line = [];
  /** @type {Segment} */
  let segment = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i <= mappings.length; i++) {
    const code = i < mappings.length ? mappings.charCodeAt(i) : SEMICOLON;
    if (code === COMMA || code === SEMICOLON) {
      if (segment.length > 0) line.push(segment);
      segment = [];
      if (code === SEMICOLON) {
        lines.push(line);
        line = [];
        state[0] = 0;
      }
      continue;
    }
    const digit = code < 128 ? (DIGIT[code] ?? -1) : -1;
    if (digit === -1) throw new Error(`not a Base64 VLQ digit: ${mappings[i]}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      const field = segment.length;
      const absolute = (state[field] ?? 0) + (value & 1 ? -(value >>> 1) : value >>> 1);
      state[field] = absolute;
      segment.push(absolute);
      value = 0;
      shift = 0;
    }
  }
  return lines;
}

/** @param {Segment[][]} lines @returns {string} */
export function encodeMappings(lines) {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      state[0] = 0;
      return segments
        .map((segment) =>
          segment
            .map((value, field) => {
              const delta = value - (state[field] ?? 0);
              state[field] = value;
              return encodeValue(delta);
            })
            .join(""),
        )
        .join(",");
    })
    .join(";");
}

/**
 * The map with only the segments whose source `isOwn` accepts, and those sources and names.
 * Where other code starts after ours, an unmapped segment ends our mapping there.
 * @param {SourceMap} map
 * @param {(source: string) => boolean} isOwn
 * @returns {SourceMap}
 */
export function keepOwnSources(map, isOwn) {
  /** Old index → new index, in the order first used. */
  const sources = new Map();
  const names = new Map();
  /** @param {Map<number, number>} renumbered @param {number} index @returns {number} */
  const renumber = (renumbered, index) => {
    if (!renumbered.has(index)) renumbered.set(index, renumbered.size);
    return /** @type {number} */ (renumbered.get(index));
  };
  const lines = decodeMappings(map.mappings).map((segments) => {
    /** @type {Segment[]} */
    const kept = [];
    let mapped = false;
    for (const [column = 0, source, line, sourceColumn, name] of segments) {
      if (
        source !== undefined &&
        line !== undefined &&
        sourceColumn !== undefined &&
        isOwn(map.sources[source] ?? "")
      ) {
        const segment = [column, renumber(sources, source), line, sourceColumn];
        if (name !== undefined) segment.push(renumber(names, name));
        kept.push(segment);
        mapped = true;
      } else if (mapped) {
        kept.push([column]);
        mapped = false;
      }
    }
    return kept;
  });
  return {
    version: map.version,
    sources: [...sources.keys()].map((index) => map.sources[index] ?? ""),
    ...(map.sourcesContent
      ? { sourcesContent: [...sources.keys()].map((index) => map.sourcesContent?.[index] ?? null) }
      : {}),
    names: [...names.keys()].map((index) => map.names[index] ?? ""),
    mappings: encodeMappings(lines),
  };
}
