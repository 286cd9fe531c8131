// Everything bluegreen prints goes through here. Every line is final (no spinners), and colour
// is only for a person at a terminal: never when NO_COLOR is set, with --no-color, or when the
// stream is a pipe or a CI log.
//
// Lines are written straight to file descriptors 1 and 2, synchronously and in order. Node's
// process.stdout and process.stderr would cost every run a few milliseconds to create (the
// stream modules, a pipe or file handle) for nothing a command needs; they are made only for a
// descriptor that refuses a write with EAGAIN (left non-blocking by a process it is shared
// with), and then take that write and every later one, and wait for the reader as Node does.
// Output piped into a program that stops reading (`| head`) ends the run quietly, as in git.
import { writeSync } from "node:fs";
import { systemErrorWords } from "./errors.js";
import { redact } from "./redact.js";

type Fd = 1 | 2;

const viaStream = { 1: false, 2: false };
let failed = false;

/** Writes text to standard output. */
export const print = (text: string): void => write(1, text);
/** Writes text to standard error. */
export const printError = (text: string): void => write(2, text);

function write(fd: Fd, text: string): void {
  if (failed) return;
  const error = writeAll(fd, text);
  if (error) fail(fd, error);
}

/** Writes all of the text, or says why it could not. */
function writeAll(fd: Fd, text: string): NodeJS.ErrnoException | undefined {
  if (viaStream[fd]) {
    stream(fd).write(text);
    return undefined;
  }
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return error as NodeJS.ErrnoException;
    viaStream[fd] = true;
    stream(fd).write(bytes.subarray(done));
  }
  return undefined;
}

function stream(fd: Fd): NodeJS.WriteStream {
  const target = fd === 1 ? process.stdout : process.stderr;
  if (target.listenerCount("error") === 0) target.on("error", (error: NodeJS.ErrnoException) => fail(fd, error));
  return target;
}

/**
 * The output is lost. A reader that went away ends the run with its status so far; anything
 * else (a full disk, a terminal that is gone) is said in words on stderr while it still works,
 * never with a stack (but under DEBUG), and ends the run with 1.
 */
function fail(fd: Fd, error: NodeJS.ErrnoException): void {
  if (failed) return;
  failed = true;
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  if (fd === 1) {
    if (process.env.DEBUG) writeAll(2, `${redact(error.stack ?? "")}\n`);
    const words = systemErrorWords(error.code) ?? "the system refused the write";
    writeAll(2, `${err.red(`error: could not write the output: ${words}`)}\n`);
  }
  process.exit(1);
}

/** True when the descriptor is a terminal (node:tty is loaded only when asked). */
export const isTerminal = (fd: 0 | Fd): boolean => process.getBuiltinModule("node:tty").isatty(fd);

function colorEnabled(fd: Fd): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.argv.includes("--no-color")) return false;
  return process.env.TERM !== "dumb" && isTerminal(fd);
}

const colorOn = { 1: undefined as boolean | undefined, 2: undefined as boolean | undefined };
/** Whether what is written to the descriptor is coloured (decided on first use). */
export const colored = (fd: Fd): boolean => (colorOn[fd] ??= colorEnabled(fd));

function palette(fd: Fd) {
  const wrap = (open: number, close: number) => (text: string) =>
    colored(fd) ? `\x1b[${open}m${text}\x1b[${close}m` : text;
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
export const out = palette(1);
/** Styles for standard error. */
export const err = palette(2);
