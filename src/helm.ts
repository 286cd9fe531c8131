// The Helm that doctor and migrate render with, found the same way for both: --helm, else
// HELM_BIN, else helm on PATH, proven by running it. And one render of a chart, parsed.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { usageError } from "./errors.js";
import type { Finding, Manifest } from "./rules/index.js";

export interface Helm {
  bin: string;
  version: string;
}

/** Helm from the flag (`--helm`), else HELM_BIN, else PATH; no Helm that runs is a usage error. */
export function locateHelm(flag: string | undefined): Helm {
  if (flag !== undefined) return findHelm(flag, "--helm");
  if (process.env.HELM_BIN) return findHelm(process.env.HELM_BIN, "HELM_BIN");
  return findHelm();
}

/** Helm from --helm, HELM_BIN or PATH (`source` says which, for the message), proven by running it. */
function findHelm(given?: string, source?: string): Helm {
  const candidates = given ? [given] : (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "helm"));
  for (const bin of candidates) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      continue;
    }
    const version = spawnSync(bin, ["version", "--short"], { encoding: "utf8", timeout: 30_000 });
    if (version.status === 0) return { bin, version: version.stdout.trim() };
  }
  throw usageError(
    given
      ? `${source}: ${given} is not a Helm that runs (point ${source} at the helm binary)`
      : "no helm found on PATH: install Helm 3 or 4, or point --helm or HELM_BIN at one",
  );
}

/**
 * `helm template` of one values combination, with any further arguments (an Application's
 * parameters): the manifests, or the finding that says why there are none.
 */
export function renderChart(
  helm: string,
  dir: string,
  release: string,
  files: string[],
  namespace: string,
  extraArgs: string[] = [],
): { manifests: Manifest[] } | { failed: Finding } {
  const args = ["template", release, dir, "--namespace", namespace, ...files.flatMap((file) => ["-f", path.join(dir, file)]), ...extraArgs];
  const result = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (result.status !== 0) {
    const reason = (result.stderr || result.error?.message || "helm failed").trim().split("\n").slice(0, 3).join(" ");
    return { failed: { rule: "helm-render", severity: "error", resource: "chart", message: `helm template fails: ${reason}`, fix: "fix the template or the values Helm names" } };
  }
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) {
      return {
        failed: { rule: "helm-output", severity: "error", resource: "chart", message: `Helm renders invalid YAML: ${doc.errors[0]!.message.split("\n", 1)[0]}`, fix: "fix the indentation of the template that renders it" },
      };
    }
    const value = doc.toJS();
    if (value && typeof value === "object") manifests.push(value as Manifest);
  }
  return { manifests };
}
