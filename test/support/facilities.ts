// Linux facilities some end-to-end tests need beyond Node, git and Helm: strace (to kill or hold
// the CLI at a given system call), unshare (a private mount namespace with a small tmpfs, for a
// disk that fills up), root with setpriv (to run the CLI as uid 65534, whom permissions stop) and
// util-linux script (a real terminal) and perl (to hand the CLI a non-blocking pipe, which no
// shell can). Each is probed by using it, once per test file.
//
// CI runs as root on Linux, where all of them work: there (CI set) nothing is skipped, and a
// missing facility fails its tests. Elsewhere a test that needs a missing one is skipped, and its
// name says which facility is missing, so a green run on a laptop never hides what it left out.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";

const runs = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: "ignore", timeout: 10_000 }).status === 0;

const PROBES = {
  strace: {
    what: "strace (ptrace of the CLI)",
    works: () => runs("strace", ["-f", "-qq", "-o", "/dev/null", "true"]),
  },
  unshare: {
    what: "unshare -rm with a tmpfs mount (user and mount namespaces)",
    works: () => {
      const dir = mkdtempSync(join(tmpdir(), "bluegreen-probe-"));
      try {
        return runs("unshare", ["-rm", "sh", "-c", 'mount -t tmpfs -o size=4096 tmpfs "$1"', "sh", dir]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  root: {
    what: "root (to give a file to another owner)",
    works: () => process.getuid?.() === 0,
  },
  nobody: {
    what: "root and setpriv (to run the CLI as uid 65534)",
    works: () =>
      process.getuid?.() === 0 && runs("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]),
  },
  script: {
    what: "util-linux script (a pseudo-terminal)",
    works: () => runs("script", ["-q", "-e", "-c", "true", "/dev/null"]),
  },
  perl: {
    what: "perl with Fcntl (to set O_NONBLOCK on a pipe)",
    works: () => runs("perl", ["-MFcntl", "-e", "exit 0"]),
  },
} as const;

export type Facility = keyof typeof PROBES;

const known = new Map<Facility, boolean>();
const works = (facility: Facility) => {
  if (!known.has(facility)) known.set(facility, PROBES[facility].works());
  return known.get(facility)!;
};

/** Why tests needing `facilities` cannot run here, or undefined when they can (always in CI). */
export function missing(facilities: Facility[]): string | undefined {
  if (process.env.CI) return undefined;
  const absent = facilities.filter((f) => !works(f));
  return absent.length === 0
    ? undefined
    : `skipped here: needs ${absent.map((f) => PROBES[f].what).join(" and ")}, which does not work on this machine`;
}

type Body = () => unknown;

/** `it`, skipped where one of `facilities` is missing, with the reason in the test's name. */
export function itNeeds(facilities: Facility[]): (name: string, fn: Body, timeout?: number) => void {
  const why = missing(facilities);
  return why === undefined
    ? (name, fn, timeout) => it(name, fn, timeout)
    : (name, fn, timeout) => it.skip(`${name} (${why})`, fn, timeout);
}

/** `describe`, skipped where one of `facilities` is missing, with the reason in its name. */
export function describeNeeds(facilities: Facility[]): (name: string, fn: () => void) => void {
  const why = missing(facilities);
  return why === undefined ? (name, fn) => describe(name, fn) : (name, fn) => describe.skip(`${name} (${why})`, fn);
}
