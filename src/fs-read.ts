// Reading files people own, safely: a named pipe, a socket, a device or a directory where a
// file is expected is refused without being opened for a blocking read (a FIFO would wait
// forever for a writer), and text that is not UTF-8 is refused rather than silently changed
// (decoding would turn each bad byte into U+FFFD, and writing that back would change it).
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats, statSync } from "node:fs";
import { failure, ioFailure } from "./errors.js";

/** What a non-regular file is, in words; undefined for a regular file. */
export function kindOf(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a named pipe (FIFO)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/** How a file is read: missing (and how to say so) or its text. */
export type ReadResult = { kind: "missing"; dangling: boolean } | { kind: "text"; text: string };

/**
 * Reads a UTF-8 text file. `shown` names it in messages. A missing file (or a link to one) is
 * reported, not thrown; anything else that is not a readable regular file of UTF-8 text is
 * refused with exit 1. A byte-order mark is kept in the text, so writing it back keeps it.
 */
export function readUtf8(file: string, shown: string): ReadResult {
  let info: Stats;
  try {
    info = lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing", dangling: false };
    throw ioFailure("read", shown, error);
  }
  if (info.isSymbolicLink()) {
    try {
      info = statSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing", dangling: true };
      throw ioFailure("read", shown, error);
    }
  }
  const kind = kindOf(info);
  if (kind !== undefined)
    throw failure(`${shown} is ${kind}, not a file: bluegreen reads and writes regular files only`);
  let bytes: Buffer;
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO since, opening it cannot hang.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const opened = kindOf(fstatSync(fd));
      if (opened !== undefined)
        throw failure(`${shown} is ${opened}, not a file: bluegreen reads and writes regular files only`);
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as { name?: string }).name === "CliError") throw error;
    throw ioFailure("read", shown, error);
  }
  return { kind: "text", text: decodeUtf8(bytes, shown) };
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of UTF-8 bytes; anything else is refused with the line of the first bad byte. */
export function decodeUtf8(bytes: Buffer, shown: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw failure(
      `${shown} is UTF-16 text: bluegreen edits UTF-8 files only; convert it (iconv -f utf-16 -t utf-8) and try again`,
    );
  }
  try {
    return decoder.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    const line = bytes.subarray(0, at).filter((byte) => byte === 0x0a).length + 1;
    throw failure(
      `${shown} is not UTF-8 text (line ${line} has the byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}): Helm reads values as UTF-8 and bluegreen will not change what it cannot read; convert it (for example iconv -f latin1 -t utf-8) and try again`,
    );
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidByte(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    if (length > 1) {
      const valid = decodesAlone(bytes.subarray(i, i + length));
      if (!valid) return i;
    }
    i += length;
  }
  return bytes.length;
}

function decodesAlone(sequence: Buffer): boolean {
  try {
    decoder.decode(sequence);
    return true;
  } catch {
    return false;
  }
}
