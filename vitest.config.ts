import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fetches the real Helm 3 and Helm 4 binaries once per machine.
    globalSetup: ["test/support/global-setup.ts"],
    // End-to-end tests run the built CLI and Helm as real processes.
    testTimeout: 60_000,
    hookTimeout: 10 * 60_000,
    // Child processes (Helm, the CLI, `script`) are safest in forked workers;
    // the machines have 2 cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
