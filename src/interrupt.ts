// Ctrl-C (SIGINT), SIGTERM and SIGHUP while bluegreen is changing files: whatever is only
// staged is removed at once, the chart's lock is released, and the process exits with the
// shell's status for the signal (130 for Ctrl-C). A signal that arrives during the few renames
// that commit a change is handled right after them, so a change is never left half done.
import { constants } from "node:os";

const cleanups = new Set<() => void>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // Exiting on a signal: what can be removed has been.
    }
  }
  process.exit(128 + (constants.signals[signal] ?? 2));
}

/** Runs `cleanup` if a signal stops the process before the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  if (cleanups.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}

/** Lets a signal that arrived during synchronous work be handled now, before a commit. */
export const signalsHandled = () => new Promise<void>((resolve) => setImmediate(resolve));
