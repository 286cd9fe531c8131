import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Two tiers, as `npm run test:unit` and `npm test` use them:
// - unit: the pure parts (input rules, image references, YAML edits, release rules) in seconds,
//   with no build, no Helm and no child process;
// - e2e: the built CLI, real Helm 3 and 4, real git and real files, in minutes. A pure rule
//   is proven case by case in the unit tier; e2e runs the CLI only a few times to prove that
//   the command applies it (exit status, message, nothing written). Tests that need strace,
//   unshare, root or a terminal skip, naming it, where it is missing, never with CI set
//   (test/support/facilities.ts). BLUEGREEN_TEST_SPAWN_LOG=<file> logs every process a test
//   starts (test/support/process.ts), to count what a file costs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/support/setup.ts"],
          // Pure functions with no process-wide state: one thread reuses the modules across
          // files instead of starting a process per file, which halves the tier's time.
          pool: "threads",
          isolate: false,
          maxWorkers: 3,
          // Before the e2e tier, so that a broken rule shows in the first seconds of `npm test`.
          // Side by side, the two tiers share one queue of files and the e2e files, named
          // first, took every worker: the unit files ran in the suite's last seconds. The unit
          // tier keeps both cores busy while it runs (beside the type check), so the whole
          // suite takes no longer.
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve: {
          alias: [
            // Rules that e2e tests run in-process check schemas with the validators the build
            // generated, as the CLI does, instead of the models' own, which compile the Argo
            // Rollouts CRDs with Ajv on first use: seconds in every file that checks a release.
            // The unit tier compares the two (test/unit/schema-validators.test.ts).
            {
              find: /^\.\/schema-validators\.js$/,
              replacement: fileURLToPath(new URL("dist/schema-validators.cjs", import.meta.url)),
            },
          ],
        },
        test: {
          name: "e2e",
          // Loaded by Node as the CommonJS it is, as the CLI loads it, not transformed.
          server: { deps: { external: [/[\\/]dist[\\/]schema-validators\.cjs$/] } },
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          // Fetches the real Helm 3 and Helm 4 binaries once per machine.
          globalSetup: ["test/support/global-setup.ts"],
          // After each file, its temporary directories and terminals go; Buffers compare by
          // their bytes (test/support/setup.ts).
          setupFiles: ["test/support/setup.ts"],
          // End-to-end tests run the built CLI and Helm as real processes.
          testTimeout: 60_000,
          hookTimeout: 10 * 60_000,
          // Child processes (Helm, the CLI, `script`) are safest in forked workers. The
          // machines have 2 cores; a third worker runs while the others wait on a child, a
          // lock or a retry back-off (here the suite used 181% of the cores with 2, 191% with 3).
          pool: "forks",
          maxWorkers: 3,
          // A worker runs its files one after another with the modules it has loaded, instead
          // of a new process and fresh imports for each file: a sixth less CPU for the tier
          // (here 229 s against 270 s, and 205 s against 250 s, back to back). So a test file
          // leaves no process-wide state behind (CONTRIBUTING.md).
          isolate: false,
          // After the unit tier (above).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
