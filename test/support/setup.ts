// Loaded before every test file of both tiers (vitest.config.ts, setupFiles). A worker runs
// many files with the same modules (isolate: false), so what one file leaves behind is
// cleaned up here, after each file, also when its tests failed.
import { afterAll, expect } from "vitest";
import { removeTempDirs } from "./cli.js";
import { killTerminals } from "./terminal.js";

afterAll(() => {
  killTerminals();
  removeTempDirs();
});

// Vitest compares two Buffers as it compares any object: key by key, one key per byte, which
// made a "nothing changed" check of a chart's files (snapshotTree, repoState) cost seconds of
// CPU. Buffers are equal when their bytes are; Buffer.equals says so at once. A failed
// comparison still shows Vitest's diff. Added once per worker: this file runs once per file.
const BYTES_EQUAL = Symbol.for("bluegreen.test.bytesEqual");
const registry = globalThis as { [BYTES_EQUAL]?: true };
if (!registry[BYTES_EQUAL]) {
  registry[BYTES_EQUAL] = true;
  expect.addEqualityTesters([
    function bytesEqual(a: unknown, b: unknown): boolean | undefined {
      return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : undefined;
    },
  ]);
}
