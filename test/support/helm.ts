// Test-side helpers for running the real Helm binaries that globalSetup
// provided (see global-setup.ts / helm-install.ts).
import { join } from "node:path";
import { inject } from "vitest";
import { parseAllDocuments } from "yaml";
import type { HelmBinary } from "./helm-install.js";
import { CPU_SAVING_ENV, mergeEnv, type ProcessResult, runProcess } from "./process.js";

export type { HelmBinary } from "./helm-install.js";
export type HelmResult = Pick<ProcessResult, "code" | "stdout" | "stderr">;

/** A rendered Kubernetes object; everything below the top level is loosely typed on purpose. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** Documents from `helm template`, plus what Helm said on stderr (Helm 4 prints warnings there). */
export type Rendered = Manifest[] & { readonly stderr: string };

/** Both Helm binaries: [{ version: 3, ... }, { version: 4, ... }]. */
export function helmBinaries(): HelmBinary[] {
  return inject("helmBinaries");
}

export interface RunHelmOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs `helm ...args`; never throws on a non-zero exit. */
export async function runHelm(bin: string, args: string[], opts: RunHelmOptions = {}): Promise<HelmResult> {
  const home = inject("helmHome");
  // Keep the user's repositories, plugins and caches out of the tests.
  const env = mergeEnv(process.env, {
    ...CPU_SAVING_ENV,
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
    ...opts.env,
  });
  const { code, stdout, stderr } = await runProcess(bin, args, {
    cwd: opts.cwd,
    env,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  return { code, stdout, stderr };
}

function valuesArgs(valuesFiles: string[]): string[] {
  return valuesFiles.flatMap((file) => ["-f", file]);
}

/** `helm lint --strict <chartDir> -f ...`; check `code` (0 = clean) and `stdout`. */
export function helmLint(bin: string, chartDir: string, valuesFiles: string[]): Promise<HelmResult> {
  return runHelm(bin, ["lint", "--strict", chartDir, ...valuesArgs(valuesFiles)]);
}

export interface TemplateOptions {
  release?: string; // default "demo"
  namespace?: string; // default "demo-ns"
}

/**
 * `helm template <release> <chartDir> --namespace <ns> -f ... <extraArgs>`,
 * parsed into plain objects (empty documents skipped). Throws with Helm's
 * stderr if Helm fails, or if the output is not valid YAML.
 */
export async function helmTemplate(
  bin: string,
  chartDir: string,
  valuesFiles: string[],
  extraArgs: string[] = [],
  opts: TemplateOptions = {},
): Promise<Rendered> {
  const args = [
    "template",
    opts.release ?? "demo",
    chartDir,
    "--namespace",
    opts.namespace ?? "demo-ns",
    ...valuesArgs(valuesFiles),
    ...extraArgs,
  ];
  const result = await runHelm(bin, args);
  if (result.code !== 0) {
    throw new Error(`helm ${args.join(" ")} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  }
  const docs: Manifest[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) {
      throw new Error(
        `helm template printed invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}\n${result.stdout}`,
      );
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value as Manifest);
  }
  // Non-enumerable so that toEqual() on the array compares only the documents.
  return Object.defineProperty(docs, "stderr", { value: result.stderr, enumerable: false }) as Rendered;
}
