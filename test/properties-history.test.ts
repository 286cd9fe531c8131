// Property: after any sequence of releases, promotions and rollbacks, each committed with
// --commit, `history` lists exactly the images each environment rendered at each commit. What
// was rendered is known two ways that share no code with bluegreen: a model of what each step
// does (values.yaml's image for the environments that follow it, their own for those that pin
// it), and, in the first runs, real Helm rendering every commit of the branch.
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SEED } from "./support/arbitraries.js";
import { makeTempDir, runCli } from "./support/cli.js";
import { ANN, BOB, bluegreen, commitAll, day, git, newRepo } from "./support/git.js";
import { helmBinaries, helmTemplate } from "./support/helm.js";
import { one } from "./support/manifests.js";
import { runProcess } from "./support/process.js";

const REPO = "ghcr.io/acme/shop";
const DIGEST = `sha256:${"ab12".repeat(16)}`;
const ENVS = ["sandbox", "staging", "prod"] as const;
type Env = (typeof ENVS)[number];

interface Image {
  repository: string;
  tag: string;
  digest?: string;
}
const text = (image: Image) => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ""}`;

type Step =
  | { kind: "bump"; image: string }
  | { kind: "bump-env"; env: "staging" | "prod"; image: string }
  | { kind: "promote"; env: "staging" | "prod" }
  | { kind: "rollback"; env: Env };

// Rollbacks weigh most: two in a row must come back, and one with no earlier release must fail.
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bump" as const),
      image: fc.constantFrom("1.1", "1.2", "1.10", `${REPO}:2.0@${DIGEST}`, "registry.example.com/shop:3.0"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("bump-env" as const),
      env: fc.constantFrom("staging" as const, "prod" as const),
      image: fc.constantFrom("1.1", "2.5"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("promote" as const),
      env: fc.constantFrom("staging" as const, "prod" as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("rollback" as const), env: fc.constantFrom(...ENVS) }) },
);

/** A few steps, then two rollbacks of one environment: the second must come back (or both fail). */
const steps = fc
  .tuple(fc.array(step, { minLength: 1, maxLength: 3 }), fc.constantFrom(...ENVS))
  .map(([some, env]): Step[] => [...some, { kind: "rollback", env }, { kind: "rollback", env }]);

/** What the chart holds, as the contract describes it: values.yaml's image, and the pins. */
class Model {
  base: Image = { repository: REPO, tag: "1.0" };
  pins: Partial<Record<Env, Image>> = { prod: { repository: REPO, tag: "1.0" } };
  /** Each environment's images, commit by commit, as [commit, image] where it changed. */
  seen: Record<Env, { commit: string; image: Image }[]> = { sandbox: [], staging: [], prod: [] };

  render(env: Env): Image {
    return this.pins[env] ?? this.base;
  }

  /** bump-image's rules: a tag replaces the tag and drops a digest; a reference replaces all it names. */
  static apply(current: Image, change: string): Image {
    if (!/[/:@]/.test(change)) return { repository: current.repository, tag: change };
    const [, repository, tag, digest] = /^(.*?)(?::([^:@/]+))?(?:@(.*))?$/.exec(change)!;
    return { repository: repository!, tag: tag ?? current.tag, ...(digest ? { digest } : {}) };
  }

  /** What a step should do: the edit, or undefined when there is nothing to do; "refused" when it must fail. */
  plan(step: Step): (() => void) | undefined | "refused" {
    const same = (a: Image, b: Image) => text(a) === text(b);
    switch (step.kind) {
      case "bump": {
        const next = Model.apply(this.base, step.image);
        return same(next, this.base) ? undefined : () => (this.base = next);
      }
      case "bump-env": {
        const next = Model.apply(this.render(step.env), step.image);
        return same(next, this.render(step.env)) ? undefined : () => (this.pins[step.env] = next);
      }
      case "promote": {
        const next = this.render("sandbox");
        return same(next, this.render(step.env)) ? undefined : () => (this.pins[step.env] = { ...next });
      }
      case "rollback": {
        const seen = this.seen[step.env];
        if (seen.length < 2) return "refused";
        const target = seen.at(-2)!.image;
        return this.pins[step.env] ? () => (this.pins[step.env] = { ...target }) : () => (this.base = { ...target });
      }
    }
  }

  committed(commit: string): void {
    for (const env of ENVS) {
      const image = this.render(env);
      const last = this.seen[env].at(-1);
      if (!last || text(last.image) !== text(image)) this.seen[env].push({ commit, image: { ...image } });
    }
  }
}

const args = (step: Step): string[] => {
  switch (step.kind) {
    case "bump":
      return ["bump-image", step.image];
    case "bump-env":
      return ["bump-image", step.image, "--env", step.env];
    case "promote":
      return ["bump-image", "--env", step.env, "--from", "sandbox"];
    case "rollback":
      return ["rollback", "--env", step.env];
  }
};

let template: string;
let added: string;
beforeAll(async () => {
  template = await newRepo();
  expect(
    (await bluegreen(template, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`, "charts/shop"])).code,
  ).toBe(0);
  expect((await bluegreen(template, ["add-env", "staging", "--chart", "charts/shop"])).code).toBe(0);
  added = await commitAll(template, "Add shop", { date: day(1) });
});

/** The image each environment renders at a commit, by real Helm, from the commit's own files. */
async function renderedAt(repo: string, commit: string, bin: string): Promise<Record<Env, string>> {
  const dir = makeTempDir("bluegreen-at-");
  mkdirSync(dir, { recursive: true });
  const archive = await runProcess("sh", [
    "-c",
    `git -C '${repo}' archive --format=tar ${commit} charts/shop | tar -x -C '${dir}'`,
  ]);
  expect(archive.code, archive.stderr).toBe(0);
  const chart = join(dir, "charts/shop");
  const images = {} as Record<Env, string>;
  for (const env of ENVS) {
    const manifests = await helmTemplate(
      bin,
      chart,
      [join(chart, "values.yaml"), join(chart, `values-${env}.yaml`)],
      [],
      { release: "shop" },
    );
    images[env] = one(manifests, "Rollout").spec.template.spec.containers[0].image;
  }
  return images;
}

describe("history after random releases, promotions and rollbacks", () => {
  it("lists exactly the images each environment rendered at each commit", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(steps, async (steps) => {
        const repo = join(makeTempDir("bluegreen-git-"), "platform");
        cpSync(template, repo, { recursive: true });
        const model = new Model();
        model.committed(added);
        for (const [i, s] of steps.entries()) {
          const expected = model.plan(s);
          const result = await bluegreen(repo, [...args(s), "--chart", "charts/shop", "--commit", "--json"], {
            who: i % 2 ? ANN : BOB,
            date: day(2 + i),
          });
          const report = JSON.parse(result.stdout);
          if (expected === "refused") {
            expect(result.code, `${args(s).join(" ")}: ${result.stderr}`).toBe(1);
            expect(report.error.exitCode).toBe(1);
            continue;
          }
          expect(result.code, `${args(s).join(" ")}: ${result.stderr}`).toBe(0);
          if (expected === undefined) {
            expect(report.commit, args(s).join(" ")).toBeNull();
            continue;
          }
          expected();
          expect(report.commit.id).toBe((await git(repo, ["rev-parse", "HEAD"])).stdout.trim());
          model.committed(report.commit.id);
        }
        expect((await git(repo, ["status", "--porcelain"])).stdout).toBe("");

        const history = JSON.parse(
          (await runCli(["history", "--chart", "charts/shop", "--json"], { cwd: repo })).stdout,
        );
        for (const env of ENVS) {
          const listed = history.environments.find((e: { env: string }) => e.env === env).entries;
          const seen = model.seen[env];
          expect(
            listed.map((e: any) => [e.commit, e.before, e.after]),
            `${env} after ${steps.map((s) => args(s).join(" ")).join("; ")}`,
          ).toEqual(
            seen
              .map((entry, i) => [entry.commit, i === 0 ? null : text(seen[i - 1]!.image), text(entry.image)])
              .reverse(),
          );
        }

        // Real Helm, commit by commit, in the first runs: what history says each rendered there.
        if (run < 2) {
          const bin = helmBinaries()[run % 2]!.bin;
          const commits = (await git(repo, ["rev-list", "--first-parent", "HEAD"])).stdout.trim().split("\n");
          for (const commit of commits) {
            const byHelm = await renderedAt(repo, commit, bin);
            for (const env of ENVS) {
              // The image of the newest entry at or before this commit.
              const entries = history.environments.find((e: { env: string }) => e.env === env).entries as {
                commit: string;
                after: string;
              }[];
              const at = entries.find((e) => commits.indexOf(e.commit) >= commits.indexOf(commit));
              expect(byHelm[env], `${env} at ${commit}`).toBe(at?.after);
            }
          }
        }
        run++;
      }),
      { seed: SEED, numRuns: 5 },
    );
  });
});
