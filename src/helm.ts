// The Helm that doctor and migrate render with, found the same way for both: --helm, else
// HELM_BIN, else helm on PATH, proven by running it. And one render of a chart, parsed as the
// cluster will read it.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { systemErrorWords, usageError } from "./errors.js";
import type { Finding, Manifest } from "./rules/index.js";
import { resourceName } from "./rules/types.js";

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
  const candidates = given
    ? [given]
    : (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, "helm"));
  let notHelm = false;
  for (const bin of candidates) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      continue;
    }
    const version = spawnSync(bin, ["version", "--short"], { encoding: "utf8", timeout: 30_000 });
    // Helm 3 and 4 print v3.17.3+g..., v4.0.0+g...; anything else that exits 0 is another program.
    const printed = version.status === 0 ? version.stdout.trim() : "";
    if (/^v[0-9]+\.[0-9]+\.[0-9]+\S*$/.test(printed)) return { bin, version: printed };
    if (version.status === 0) notHelm = true;
  }
  if (given && notHelm) {
    throw usageError(
      `${source}: ${given} is not Helm: \`${given} version --short\` prints no Helm version (point ${source} at the helm binary)`,
    );
  }
  throw usageError(
    given
      ? `${source}: ${given} is not a Helm that runs (point ${source} at the helm binary)`
      : "no helm found on PATH: install Helm 3 or 4, or point --helm or HELM_BIN at one",
  );
}

/** A render: the manifests, and the template that rendered each (`Kind/name` → templates/x.yaml). */
export type RenderResult = { manifests: Manifest[]; sources: Map<string, string> } | { failed: Finding };

/** How much a render may print before it counts as failed. */
const RENDER_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 120;

const templateArgs = (dir: string, release: string, files: string[], namespace: string, extraArgs: string[]) => [
  "template",
  release,
  dir,
  "--namespace",
  namespace,
  ...files.flatMap((file) => ["-f", path.join(dir, file)]),
  ...extraArgs,
];

const renderFailure = (message: string): { failed: Finding } => ({
  failed: {
    rule: "helm-render",
    severity: "error",
    resource: "chart",
    message,
    fix: "fix the template or the values Helm names",
  },
});

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
): RenderResult {
  const result = spawnSync(helm, templateArgs(dir, release, files, namespace, extraArgs), {
    encoding: "utf8",
    maxBuffer: RENDER_MAX_BYTES,
    timeout: DEFAULT_TIMEOUT_SECONDS * 1000,
  });
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOBUFS") return renderFailure(tooMuchOutput);
  if (code === "ETIMEDOUT") return renderFailure(tooSlow(DEFAULT_TIMEOUT_SECONDS));
  if (result.error)
    return renderFailure(`helm template could not be started: ${systemErrorWords(code) ?? result.error.message}`);
  if (result.status !== 0) return renderFailure(failedWith(result.stderr, result.status));
  return parseRendered(result.stdout);
}

/** The same render without blocking, so that several can run side by side, within `timeoutSeconds`. */
export function renderChartAsync(
  helm: string,
  dir: string,
  release: string,
  files: string[],
  namespace: string,
  { extraArgs = [], timeoutSeconds = DEFAULT_TIMEOUT_SECONDS }: { extraArgs?: string[]; timeoutSeconds?: number } = {},
): Promise<RenderResult> {
  return new Promise((resolve) => {
    const child = spawn(helm, templateArgs(dir, release, files, namespace, extraArgs), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let problem: string | undefined;
    const stop = (why: string) => {
      problem ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => stop(`${tooSlow(timeoutSeconds)} (--timeout gives it longer)`),
      timeoutSeconds * 1000,
    );
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > RENDER_MAX_BYTES) stop(tooMuchOutput);
      else into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.on("error", (error: NodeJS.ErrnoException) => {
      problem ??= `helm template could not be started: ${systemErrorWords(error.code) ?? error.message}`;
    });
    let settled = false;
    const done = (status: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (problem !== undefined) return resolve(renderFailure(problem));
      if (status !== 0) return resolve(renderFailure(failedWith(Buffer.concat(stderr).toString("utf8"), status)));
      resolve(parseRendered(Buffer.concat(stdout).toString("utf8")));
    };
    child.on("close", done);
    // A stopped Helm may leave a child of its own holding the pipes open: do not wait for them.
    child.on("exit", (status) => {
      if (problem === undefined) return;
      child.stdout.destroy();
      child.stderr.destroy();
      done(status);
    });
  });
}

const tooMuchOutput = `helm template printed more than ${RENDER_MAX_BYTES / 1024 / 1024} MB, more than a chart's manifests should be`;
const tooSlow = (seconds: number) => `helm template did not finish within ${seconds} s`;
const failedWith = (stderr: string, status: number | null) =>
  `helm template fails: ${stderr.trim().split("\n").slice(0, 3).join(" ") || `it exited with status ${status} and said nothing`}`;

/**
 * What Helm printed, read as the cluster reads it: YAML 1.1 (sigs.k8s.io/yaml over yaml.v2),
 * where `yes`, `on` or `0755` written plain are a boolean and a number, not strings.
 */
function parseRendered(stdout: string): RenderResult {
  const manifests: Manifest[] = [];
  const sources = new Map<string, string>();
  for (const doc of parseAllDocuments(stdout, { version: "1.1" })) {
    // Helm names the template of each document: `# Source: <chart>/templates/x.yaml`.
    const source = /^# Source: [^/\n]+\/(.+)$/m.exec(stdout.slice(doc.range[0], doc.range[2]))?.[1];
    if (doc.errors.length > 0) {
      const reason = doc.errors[0]!.message.split("\n", 1)[0]!.replace(/ at line \d+, column \d+:?$/, "");
      return {
        failed: {
          rule: "helm-output",
          severity: "error",
          resource: "chart",
          message: `Helm renders YAML that does not parse${source ? ` in ${source}` : ""}: ${reason}`,
          fix: "fix the indentation or quoting of the template that renders it",
        },
      };
    }
    const value = doc.toJS();
    if (value && typeof value === "object") {
      manifests.push(value as Manifest);
      if (source) sources.set(resourceName(value as Manifest), source);
    }
  }
  return { manifests, sources };
}
