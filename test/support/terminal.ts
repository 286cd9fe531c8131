// Drive the CLI inside a real pseudo-terminal, without native addons:
// util-linux `script` allocates the pty and runs the command in it. Its stdin
// is a pipe we write keystrokes to (script copies them to the pty master, so
// the program reads them exactly as typed), and its stdout is everything the
// terminal shows, echo included.
//
//   script -q -e -f -c "<command>" /dev/null
//     -q  no "Script started" banner      -e  exit with the command's exit code
//     -f  flush output on every write     /dev/null  no typescript file
//
// With -e a command killed by a signal yields 128 + signal, like a shell: a
// SIGINT from Ctrl-C shows up here as exit code 130.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { CLI, cliEnv } from "./cli.js";

export type Key = "enter" | "ctrl-c" | "backspace";

// What each key sends: the bytes a terminal emulator would put on the wire.
// Enter is CR: a raw-mode reader sees "\r", a cooked-mode tty turns it into "\n".
const KEYS: Record<Key, string> = { enter: "\r", "ctrl-c": "\x03", backspace: "\x7f" };

export interface TerminalOptions {
  cwd: string;
  /** Merged over process.env; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  columns?: number; // default 200: wide enough that prompts are not wrapped
  rows?: number; // default 50
}

export interface TerminalExit {
  code: number | null; // the program's exit code (128 + n if it died of signal n)
  signal: NodeJS.Signals | null; // set only if `script` itself was killed (timeout / kill())
}

export interface TerminalSession {
  /** Resolves with the matched text once `pattern` appears in the (ANSI-stripped) output
   *  produced since the previous successful waitFor. Rejects on timeout (killing the
   *  program) or if the program exits first; the error includes the output so far. */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  type(text: string): void;
  press(key: Key): void;
  /** Everything shown so far, ANSI escapes stripped and line endings normalised to "\n". */
  output(): string;
  rawOutput(): string;
  exited: Promise<TerminalExit>;
  /** Kills the program and everything it started. */
  kill(): void;
}

/** Runs `node bin/bluegreen.cjs ...args` in a terminal. */
export function startInTerminal(args: string[], opts: TerminalOptions): TerminalSession {
  return startCommandInTerminal([process.execPath, CLI, ...args], opts);
}

const live = new Set<TerminalSession>();

/** Kills whatever a test file left running in a terminal (test/support/setup.ts, after each file). */
export function killTerminals(): void {
  for (const session of live) session.kill();
}

/** Runs an arbitrary command (argv, no shell) in a terminal. */
export function startCommandInTerminal(argv: string[], opts: TerminalOptions): TerminalSession {
  const columns = opts.columns ?? 200;
  const rows = opts.rows ?? 50;
  // `script` starts the pty at 0x0 when its own stdin is not a terminal, so set
  // the size from inside before exec'ing the program (exec keeps the exit code).
  const command = `stty cols ${columns} rows ${rows} 2>/dev/null; exec ${argv.map(shellQuote).join(" ")}`;
  // The CLI's environment (cliEnv), at a terminal of this size.
  const env = cliEnv({
    TERM: "xterm-256color",
    COLUMNS: String(columns),
    LINES: String(rows),
    ...opts.env,
    SHELL: "/bin/sh", // script runs the command with $SHELL -c
  });
  const child = spawn("script", ["-q", "-e", "-f", "-c", command, "/dev/null"], {
    cwd: opts.cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {}); // typing after exit is not an error worth a crash

  let raw = "";
  let scriptErrors = "";
  let cursor = 0; // index in output() where the next waitFor starts looking
  let done = false;
  let pending: (() => void) | undefined; // re-checks the current waitFor
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    raw += chunk;
    pending?.();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (scriptErrors += chunk));

  const session: TerminalSession = {
    exited: new Promise<TerminalExit>((resolve, reject) => {
      child.on("error", (err) => reject(new Error(`cannot run util-linux script: ${err.message}`)));
      child.on("close", (code, signal) => {
        done = true;
        live.delete(session);
        resolve({ code, signal });
        pending?.();
      });
    }),
    output: () => stripAnsi(raw),
    rawOutput: () => raw,
    type(text) {
      child.stdin.write(text);
    },
    press(key) {
      child.stdin.write(KEYS[key]);
    },
    kill() {
      if (child.pid !== undefined && !done) killTree(child.pid);
    },
    waitFor(pattern, timeoutMs = 10_000) {
      if (pending) throw new Error("waitFor: another waitFor is still pending");
      const regex =
        typeof pattern === "string" ? undefined : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
      const describe = () =>
        `${String(pattern)}\n--- output since last match ---\n${session.output().slice(cursor)}` +
        (scriptErrors ? `\n--- script stderr ---\n${scriptErrors}` : "");
      return new Promise<string>((resolve, reject) => {
        const finish = (err?: Error, text = "") => {
          clearTimeout(timer);
          pending = undefined;
          if (err) reject(err);
          else resolve(text);
        };
        const timer = setTimeout(() => {
          const err = new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${describe()}`);
          session.kill();
          finish(err);
        }, timeoutMs);
        pending = () => {
          const text = session.output();
          const rest = text.slice(cursor);
          let start = -1;
          let matched = "";
          if (regex) {
            const m = regex.exec(rest);
            if (m) [start, matched] = [m.index, m[0]];
          } else {
            start = rest.indexOf(pattern as string);
            matched = pattern as string;
          }
          if (start >= 0) {
            cursor += start + matched.length;
            finish(undefined, matched);
          } else if (done) {
            finish(new Error(`program exited before printing ${describe()}`));
          }
        };
        pending();
      });
    },
  };
  session.exited.catch(() => {}); // surfaced through waitFor / whoever awaits it
  live.add(session);
  return session;
}

/** Single-quote for /bin/sh: 'it'\''s' */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Removes ANSI escape sequences (CSI, OSC, charset, single-char) and "\r". */
export function stripAnsi(text: string): string {
  return (
    text
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "") // CSI: colours, cursor moves, erase
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "") // OSC: titles, hyperlinks
      .replace(/\x1b[()][\w@]/g, "") // character set selection
      // Other two-byte escapes; "[" and "]" are left out so that a CSI/OSC cut in
      // half at the end of a chunk is not half-stripped (it completes later).
      .replace(/\x1b[@-Z\\^_=>78]/g, "")
      .replace(/\r\n/g, "\n")
      .replace(/\r/g, "")
  );
}

/**
 * SIGKILLs `pid` and all its descendants. The program runs in its own session
 * (script calls setsid for the pty), so killing a process group would miss it;
 * instead walk the parent links in /proc, collecting the tree before killing.
 */
function killTree(pid: number): void {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the ")" that closes the command name: state, ppid, ...
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  for (const p of tree) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
