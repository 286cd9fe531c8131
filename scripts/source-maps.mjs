// Source maps that cover bluegreen's own code only. A stack trace under DEBUG needs to name the
// lines of src/; the bundled libraries (most of all the Kubernetes and Argo schemas that doctor
// and migrate carry) would make the maps larger than the code they map. Their code stays
// unmapped, so their frames keep dist/'s own file and column, never a wrong src/ line.
// Source map format: https://tc39.es/ecma426/ (mappings are Base64 VLQ, relative to the previous).

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((char, value) => [char, value]));

/**
 * @typedef {{ version: number, sources: string[], sourcesContent?: (string | null)[], names: string[], mappings: string }} SourceMap
 * A segment with absolute values: [generated column] (unmapped) or
 * [generated column, source, original line, original column, name?].
 * @typedef {number[]} Segment
 */

/** @param {string} text one segment's Base64 VLQ @returns {number[]} */
function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`not a Base64 VLQ digit: ${char}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

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

/** @param {string} mappings @returns {Segment[][]} one list of segments per generated line */
export function decodeMappings(mappings) {
  const state = [0, 0, 0, 0, 0];
  return mappings.split(";").map((line) => {
    state[0] = 0;
    return line
      .split(",")
      .filter(Boolean)
      .map((text) => decodeSegment(text).map((delta, field) => (state[field] = (state[field] ?? 0) + delta)));
  });
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
