// Colour only for a person at a terminal: never when NO_COLOR is set, with --no-color, or
// when the stream is a pipe or a CI log. No spinners anywhere: every line is final.

function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.argv.includes("--no-color")) return false;
  return stream.isTTY === true && process.env.TERM !== "dumb";
}

function palette(stream: NodeJS.WriteStream) {
  const on = colorEnabled(stream);
  const wrap = (open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Styles for standard output. */
export const out = palette(process.stdout);
/** Styles for standard error. */
export const err = palette(process.stderr);
