// Run the real built CLI as a child process, and the temp-dir / file-tree
// helpers end-to-end tests need around it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CPU_SAVING_ENV, mergeEnv, type ProcessResult, runProcess } from "./process.js";

/** Absolute path of the repository (this file is test/support/cli.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/[\\/]$/, "");
export const CLI = join(REPO_ROOT, "bin", "bluegreen.cjs");

export type CliResult = ProcessResult;

export interface RunCliOptions {
  cwd?: string;
  /** Merged over process.env; `undefined` removes a variable. NO_COLOR=1 unless overridden. */
  env?: Record<string, string | undefined>;
  /** Sent on stdin. Without it stdin is an empty, closed pipe (so never a terminal). */
  input?: string;
  timeoutMs?: number; // default 30 s; a timeout rejects with the output so far
}

/** The environment the CLI sees: ours, minus FORCE_COLOR, plus NO_COLOR, CPU_SAVING_ENV and the caller's overrides. */
export function cliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // FORCE_COLOR (vitest may set it) would beat NO_COLOR in most colour libraries.
  return mergeEnv(process.env, { NO_COLOR: "1", FORCE_COLOR: undefined, ...CPU_SAVING_ENV, ...overrides });
}

/** `node bin/bluegreen.cjs ...args`; resolves whatever the exit code. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: cliEnv(opts.env),
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
}

// Temp dirs made by makeTempDir since the current test file started. Removed after it
// (test/support/setup.ts registers this for every file, even when its tests failed).
const tempDirs: string[] = [];

export function removeTempDirs(): void {
  if (process.env.BLUEGREEN_KEEP_TMP) return; // keep them for debugging
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh empty directory under os.tmpdir(), removed after the current test file. */
export function makeTempDir(prefix = "bluegreen-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Every file below `dir` (dotfiles too), as sorted '/'-separated relative paths. */
export function listFiles(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
  return files.sort();
}

/** Relative path -> contents, for byte-for-byte "nothing changed" comparisons. */
export function snapshotTree(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((file) => [file, readFileSync(join(dir, file))]));
}
