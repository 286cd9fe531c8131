// Errors a person can act on. Each is one line per problem on stderr, prefixed "error: ",
// with the exit status the contract gives: 1 when the operation could not be done, 2 for
// invalid input or usage. Anything else is a bug and prints its stack only under DEBUG.

export class CliError extends Error {
  override readonly name = "CliError";
  readonly lines: string[];
  constructor(
    lines: string | string[],
    readonly exitCode: 1 | 2,
  ) {
    const all = Array.isArray(lines) ? lines : [lines];
    super(all.join("\n"));
    this.lines = all;
  }
}

/**
 * Whether an error is one of ours. Each command is a bundle of its own with its own copy of
 * this class, so the check is by shape, not by instanceof.
 */
export function isCliError(error: unknown): error is CliError {
  return error instanceof Error && error.name === "CliError" && Array.isArray((error as CliError).lines);
}

/** Invalid input or usage: exit 2, nothing changed. */
export const usageError = (lines: string | string[]) => new CliError(lines, 2);

/** The operation could not be done (target exists, no chart, I/O): exit 1. */
export const failure = (line: string) => new CliError(line, 1);

interface Issue {
  path: PropertyKey[];
  message: string;
}

/**
 * Turns schema issues into one line per field, named the way the person gave it
 * (`--replicas`, `<env>`). A field that was not given at all is "required".
 */
export function inputError(issues: readonly Issue[], given: object, names: Record<string, string>): CliError {
  const lines = new Map<string, string>();
  for (const issue of issues) {
    const key = String(issue.path[0] ?? "");
    if (lines.has(key)) continue;
    const name = names[key] ?? key;
    const missing = (given as Record<string, unknown>)[key] === undefined;
    lines.set(key, missing ? `${name} is required` : `${name}: ${issue.message}`);
  }
  return usageError([...lines.values()]);
}

const SYSTEM_ERRORS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  EIO: "input/output error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EXDEV: "not on the same file system",
  EBUSY: "device or resource busy (a mount point, or in use)",
  ETXTBSY: "text file busy",
  ENOTEMPTY: "directory not empty",
  ENXIO: "no such device or address",
  ENODEV: "no such device",
  EMLINK: "too many links",
  ESTALE: "stale file handle (a network file system)",
  EAGAIN: "resource temporarily unavailable",
  EINTR: "interrupted",
  EINVAL: "invalid argument",
  ENOTSUP: "operation not supported by the file system",
  EOPNOTSUPP: "operation not supported by the file system",
  ENOBUFS: "no buffer space available (too much output)",
  ETIMEDOUT: "timed out",
  ENOMEM: "out of memory",
  E2BIG: "argument list too long",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "broken pipe",
};

/** A system error code in words, e.g. "permission denied (EACCES)"; undefined for one we do not know. */
export function systemErrorWords(code: string | undefined): string | undefined {
  const known = code === undefined ? undefined : SYSTEM_ERRORS[code];
  return known && `${known} (${code})`;
}

/** One line for a failed file operation: what we were doing, where, and why it failed. */
export function ioFailure(action: string, target: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = systemErrorWords(code) ?? firstLine(error instanceof Error ? error.message : String(error));
  return failure(`could not ${action} ${target}: ${reason}`);
}

/**
 * The line for an error nobody foresaw: a system error in words with the file it concerns,
 * anything else as its first line, with where to find more.
 */
export function unexpectedErrorLine(error: unknown): string {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  const words = systemErrorWords(code);
  if (words) return `could not ${syscall ?? "access"} ${path ?? "a file"}: ${words}`;
  const message = firstLine(error instanceof Error ? error.message : String(error));
  return `${message || "something went wrong"} (this is a bug in bluegreen; DEBUG=1 shows where)`;
}

export function firstLine(text: string): string {
  return text.split("\n", 1)[0]!.trim();
}
