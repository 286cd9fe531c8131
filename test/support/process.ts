// Run a child process to completion and collect its output. Shared by the
// Helm and CLI helpers; never throws for a non-zero exit, only on a timeout
// or when the program cannot be started at all.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { basename } from "node:path";
import { expect } from "vitest";

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** The complete environment of the child (callers merge process.env themselves). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is an empty, closed pipe. */
  input?: string;
  timeoutMs?: number;
}

/**
 * Settings for the programs the tests start that change how much CPU they take, never what they
 * do (the suite starts about 2,000 of them):
 * - NODE_EXTRA_CA_CERTS is dropped: Node reads and parses that bundle of certificates at every
 *   start (80 ms of a 120 ms start on a machine that sets it), for TLS connections that
 *   bluegreen never opens: it runs git and Helm, and nothing in src/ uses http, https or tls.
 * - GOGC=off for Helm, which is Go: a render lasts a tenth of a second, in which the garbage
 *   collector only costs time (a fifth of Helm's CPU here); the memory goes when Helm exits.
 *   The CLI passes it on to the Helm it runs.
 */
export const CPU_SAVING_ENV = { NODE_EXTRA_CA_CERTS: undefined, GOGC: "off" };

/** `env` merged over process.env; a value of `undefined` removes the variable. */
export function mergeEnv(
  base: NodeJS.ProcessEnv,
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * With BLUEGREEN_TEST_SPAWN_LOG=<file>, every process a test starts here is logged there as
 * "<test file>\t<program> <first argument>" (node: the script and the command), so that the cost
 * of a test file can be counted in processes: `cut -f2 <file> | sort | uniq -c`.
 */
function logSpawn(command: string, args: string[]): void {
  const log = process.env.BLUEGREEN_TEST_SPAWN_LOG;
  if (!log) return;
  const what =
    command === process.execPath
      ? `node ${basename(args[0] ?? "")} ${args[1] ?? ""}`
      : `${basename(command)} ${args[0] ?? ""}`;
  appendFileSync(log, `${expect.getState().testPath ?? ""}\t${what}\n`);
}

export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  logSpawn(command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // The child may exit without reading stdin; an EPIPE there is not our failure.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);

    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    // "close" (not "exit") so that all output has been read.
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new Error(
            `${command} ${args.join(" ")} timed out after ${timeoutMs} ms\n` +
              `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          ),
        );
      } else {
        resolve({ code, signal, stdout, stderr });
      }
    });
  });
}
