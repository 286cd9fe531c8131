// Loaded before every test file (vitest.config.ts, setupFiles). Vitest compares two Buffers as
// it compares any object: key by key, one key per byte, which made a "nothing changed" check
// of a chart's files (snapshotTree, repoState) cost seconds of CPU. Buffers are equal when their
// bytes are; Buffer.equals says so at once. A failed comparison still shows Vitest's diff.
import { expect } from "vitest";

expect.addEqualityTesters([
  function bytesEqual(a: unknown, b: unknown): boolean | undefined {
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : undefined;
  },
]);
