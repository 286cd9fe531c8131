// `bluegreen rollback` and `--commit` on real git repositories: the image an environment ran
// before comes back (rendered by Helm 3 and 4), only that environment's file changes, a second
// rollback returns, a release commit holds exactly the files the command changed (never anyone's
// other staged or unstaged work), the person's hooks and identity apply, and every refusal
// leaves the work tree, the index and HEAD as they were.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { makeTempDir, runCli, snapshotTree } from "./support/cli.js";
import {
  ANN,
  BOB,
  bluegreen,
  chartIn,
  commitAll,
  day,
  git,
  gitEnv,
  head,
  newRepo,
  repoState,
  status,
} from "./support/git.js";
import { helmBinaries, helmTemplate } from "./support/helm.js";
import { one } from "./support/manifests.js";

const REPO = "ghcr.io/acme/shop";
const DIGEST = `sha256:${"5eed".repeat(16)}`;

interface Released {
  repo: string;
  /** Commits by name: added, 1.1 released and promoted, 1.2@digest released and promoted. */
  commits: Record<"add" | "release11" | "promote11" | "release12" | "promote12", string>;
}

/** sandbox and staging follow values.yaml; prod pins its image and is promoted from sandbox. */
async function release(): Promise<Released> {
  const repo = await newRepo();
  const chart = "charts/shop";
  expect((await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`, chart])).code).toBe(0);
  expect((await bluegreen(repo, ["add-env", "staging", "--chart", chart])).code).toBe(0);
  const add = await commitAll(repo, "Add shop", { date: day(1) });
  const step = async (args: string[], date: string) => {
    const result = await bluegreen(repo, [...args, "--chart", chart, "--commit"], { who: BOB, date });
    expect(result.code, result.stderr).toBe(0);
    return head(repo);
  };
  const release11 = await step(["bump-image", "1.1"], day(2));
  const promote11 = await step(["bump-image", "--env", "prod", "--from", "sandbox"], day(3));
  const release12 = await step(["bump-image", `${REPO}:1.2@${DIGEST}`], day(4));
  const promote12 = await step(["bump-image", "--env", "prod", "--from", "sandbox"], day(5));
  return { repo, commits: { add, release11, promote11, release12, promote12 } };
}

let released: Released;
beforeAll(async () => {
  released = await release();
});

/** A copy of the released repository, so every case starts from the same history. */
function copy(): string {
  const dir = join(makeTempDir("bluegreen-git-"), "platform");
  cpSync(released.repo, dir, { recursive: true });
  return dir;
}

const chart = (repo: string) => chartIn(repo);
const rollback = (repo: string, args: string[], date = day(6)) =>
  bluegreen(repo, ["rollback", "--chart", "charts/shop", ...args], { who: ANN, date });
const imageOf = async (bin: string, repo: string, env: string) =>
  one(
    await helmTemplate(
      bin,
      chart(repo),
      [join(chart(repo), "values.yaml"), join(chart(repo), `values-${env}.yaml`)],
      [],
      { release: "shop" },
    ),
    "Rollout",
  ).spec.template.spec.containers[0].image;
const committedFiles = async (repo: string) =>
  (await git(repo, ["show", "--name-only", "--format=", "HEAD"])).stdout.trim().split("\n");
const subject = async (repo: string) => (await git(repo, ["log", "-1", "--format=%s"])).stdout.trim();
const short = async (repo: string, id: string) => (await git(repo, ["rev-parse", "--short", id])).stdout.trim();

describe("rollback of an environment that pins its image", () => {
  it("puts back the image prod ran before, in values-prod.yaml alone, digest and all; Helm 3 and 4 render it", async () => {
    const repo = copy();
    const sandboxBefore = readFileSync(join(chart(repo), "values-sandbox.yaml"));
    const result = await rollback(repo, ["--env", "prod", "--commit"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const undone = await short(repo, released.commits.promote12);
    expect(result.stdout.split("\n").slice(0, 5)).toEqual([
      `Rolling back prod: ${REPO}:1.2@${DIGEST} → ${REPO}:1.1`,
      `  undoes ${undone} (2025-03-05, Bob Builder: shop(prod): release ${REPO}:1.2@${DIGEST} (was 1.1))`,
      `image.tag 1.2 → 1.1 (values-prod.yaml)`,
      `image.digest ${DIGEST} → (none) (values-prod.yaml)`,
      `Committed ${await short(repo, "HEAD")}: shop(prod): roll back to ${REPO}:1.1 (was 1.2@${DIGEST})`,
    ]);
    expect(await committedFiles(repo)).toEqual(["charts/shop/values-prod.yaml"]);
    expect(await status(repo)).toBe("");
    expect(YAML.parse(readFileSync(join(chart(repo), "values-prod.yaml"), "utf8")).image).toEqual({
      repository: REPO,
      tag: "1.1",
      digest: "",
    });
    expect(readFileSync(join(chart(repo), "values-sandbox.yaml")).equals(sandboxBefore)).toBe(true);
    for (const { bin } of helmBinaries()) {
      expect(await imageOf(bin, repo, "prod")).toBe(`${REPO}:1.1`);
      expect(await imageOf(bin, repo, "sandbox")).toBe(`${REPO}:1.2@${DIGEST}`);
    }
    const message = (await git(repo, ["log", "-1", "--format=%B"])).stdout;
    expect(message).toContain(
      `Rolls back ${undone} (2025-03-05, Bob Builder: shop(prod): release ${REPO}:1.2@${DIGEST} (was 1.1)).`,
    );
  });

  it("comes back with a second rollback, as cd - does, and history shows both", async () => {
    const repo = copy();
    expect((await rollback(repo, ["--env", "prod", "--commit"], day(6))).code).toBe(0);
    const second = await rollback(repo, ["--env", "prod", "--commit", "--json"], day(7));
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report).toMatchObject({
      env: "prod",
      image: { before: `${REPO}:1.1`, after: `${REPO}:1.2@${DIGEST}` },
      changes: [
        { file: "values-prod.yaml", key: "image.tag", old: "1.1", new: "1.2" },
        { file: "values-prod.yaml", key: "image.digest", old: "", new: DIGEST },
      ],
      files: ["values-prod.yaml"],
      environments: [{ env: "prod", before: `${REPO}:1.1`, after: `${REPO}:1.2@${DIGEST}` }],
      rollsBack: { workingTree: false, subject: `shop(prod): roll back to ${REPO}:1.1 (was 1.2@${DIGEST})` },
      dryRun: false,
      commit: { id: await head(repo), short: await short(repo, "HEAD") },
    });
    const history = JSON.parse(
      (await runCli(["history", "--chart", "charts/shop", "--env", "prod", "--json"], { cwd: repo })).stdout,
    );
    expect(history.environments[0].entries.slice(0, 3).map((e: any) => `${e.date} ${e.before} → ${e.after}`)).toEqual([
      `2025-03-07T10:00:00+01:00 ${REPO}:1.1 → ${REPO}:1.2@${DIGEST}`,
      `2025-03-06T10:00:00+01:00 ${REPO}:1.2@${DIGEST} → ${REPO}:1.1`,
      `2025-03-05T10:00:00+01:00 ${REPO}:1.1 → ${REPO}:1.2@${DIGEST}`,
    ]);
  });

  it.each([
    ["a tag", "1.0", `${REPO}:1.0`],
    ["an image reference", `registry.example.com/shop:0.9@${DIGEST}`, `registry.example.com/shop:0.9@${DIGEST}`],
    ["a commit: the image prod rendered there", "HEAD~3", `${REPO}:1.0`],
  ])("goes --to %s", async (_label, to, image) => {
    const repo = copy();
    const result = await rollback(repo, ["--env", "prod", "--to", to]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Rolling back prod: ${REPO}:1.2@${DIGEST} → ${image}`);
    expect(await imageOf(helmBinaries()[0]!.bin, repo, "prod")).toBe(image);
    expect((await status(repo)).trim()).toBe("M charts/shop/values-prod.yaml");
  });
});

describe("rollback --dry-run", () => {
  it("shows the diff and the commit it would make, and changes nothing", async () => {
    const repo = copy();
    const before = await repoState(repo);
    const result = await rollback(repo, ["--env", "prod", "--commit", "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`-  tag: "1.2"\n-  digest: "${DIGEST}"\n+  tag: "1.1"\n+  digest: ""\n`);
    expect(
      result.stdout.endsWith(
        `Dry run: nothing written.\nWould commit: shop(prod): roll back to ${REPO}:1.1 (was 1.2@${DIGEST})\n`,
      ),
    ).toBe(true);
    expect(await repoState(repo)).toEqual(before);
  });
});

describe("rollback of an environment that follows values.yaml", () => {
  it("rolls back values.yaml and appVersion, and names the environments that go back with it", async () => {
    const repo = copy();
    const result = await rollback(repo, ["--env", "staging", "--commit"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Rolling back staging: ${REPO}:1.2@${DIGEST} → ${REPO}:1.1\n`);
    expect(result.stdout).toContain(
      "staging takes its image from values.yaml, so sandbox goes back with it (it follows values.yaml too).\n",
    );
    expect(result.stdout).toContain(`prod keeps ${REPO}:1.2@${DIGEST} (values-prod.yaml pins its image).\n`);
    expect(await subject(repo)).toBe(`shop(sandbox,staging): roll back to ${REPO}:1.1 (was 1.2@${DIGEST})`);
    expect(await committedFiles(repo)).toEqual(["charts/shop/Chart.yaml", "charts/shop/values.yaml"]);
    for (const { bin } of helmBinaries()) {
      for (const env of ["sandbox", "staging"]) expect(await imageOf(bin, repo, env)).toBe(`${REPO}:1.1`);
      expect(await imageOf(bin, repo, "prod")).toBe(`${REPO}:1.2@${DIGEST}`);
    }
  });
});

describe("rollback and --commit refuse, and change nothing", () => {
  it("exits 1 when the environment has no earlier release", async () => {
    const repo = await newRepo();
    expect(
      (await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`, "charts/shop"])).code,
    ).toBe(0);
    const add = await commitAll(repo, "Add shop", { date: day(1) });
    const before = await repoState(repo);
    const result = await rollback(repo, ["--env", "prod"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: prod has no earlier release: it has rendered ${REPO}:1.0 since ${await short(repo, add)} (2025-03-01, Ann Example: Add shop)\n`,
    );
    expect(await repoState(repo)).toEqual(before);
  });

  it("exits 1 outside a git repository, with and without --commit", async () => {
    const dir = makeTempDir();
    expect((await runCli(["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`], { cwd: dir })).code).toBe(0);
    const env = { ...gitEnv(), GIT_CEILING_DIRECTORIES: dir };
    for (const args of [
      ["rollback", "--env", "prod", "--to", "0.9"],
      ["bump-image", "1.1", "--commit"],
      ["add-env", "qa", "--commit"],
    ]) {
      const before = snapshotTree(dir);
      const result = await runCli([...args, "--chart", "shop"], { cwd: dir, env });
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(/^error: (shop is not in a git repository: .*)\n$/);
      expect(snapshotTree(dir)).toEqual(before);
    }
  });

  it.each([
    ["unstaged", false],
    ["staged", true],
  ])("refuses --commit when the file it would change has %s changes", async (_label, stage) => {
    const repo = copy();
    const prod = join(chart(repo), "values-prod.yaml");
    writeFileSync(prod, `${readFileSync(prod, "utf8")}# a note of mine\n`);
    if (stage) await git(repo, ["add", "charts/shop/values-prod.yaml"]);
    const before = await repoState(repo);
    for (const args of [
      ["rollback", "--env", "prod", "--commit"],
      ["bump-image", "9.9", "--env", "prod", "--commit"],
      ["rollback", "--env", "prod", "--commit", "--dry-run"],
    ]) {
      const result = await bluegreen(repo, [...args, "--chart", "charts/shop"]);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toBe(
        "error: --commit: values-prod.yaml has uncommitted changes; commit or stash them first, so that the release commit holds only the release\n",
      );
      expect(await repoState(repo)).toEqual(before);
    }
  });

  it("exits 2 for a --to that is neither a commit of the chart's history nor an image", async () => {
    const repo = copy();
    const before = await repoState(repo);
    for (const to of ["HEAD~40", "no-such-branch!", "latest"]) {
      const result = await rollback(repo, ["--env", "prod", "--to", to, "--json"]);
      expect(result.code, to).toBe(2);
      expect(JSON.parse(result.stdout).error.messages[0]).toMatch(/^--to: /);
    }
    expect(await repoState(repo)).toEqual(before);
  });
});

describe("--commit commits exactly what the command changed, with the person's own git", () => {
  it("leaves other staged, unstaged and untracked work as it was, and out of the commit", async () => {
    const repo = copy();
    writeFileSync(join(repo, "README.md"), "staged work\n");
    await git(repo, ["add", "README.md"]);
    const sandbox = join(chart(repo), "values-sandbox.yaml");
    writeFileSync(sandbox, `${readFileSync(sandbox, "utf8")}# unstaged work\n`);
    writeFileSync(join(repo, "notes.txt"), "untracked\n");
    const statusBefore = await status(repo);
    const staged = (await git(repo, ["diff", "--cached"])).stdout;
    const unstaged = (await git(repo, ["diff"])).stdout;
    expect(statusBefore).toBe("A  README.md\n M charts/shop/values-sandbox.yaml\n?? notes.txt\n");

    const result = await rollback(repo, ["--env", "prod", "--commit"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await committedFiles(repo)).toEqual(["charts/shop/values-prod.yaml"]);
    expect(await status(repo)).toBe(statusBefore);
    expect((await git(repo, ["diff", "--cached"])).stdout).toBe(staged);
    expect((await git(repo, ["diff"])).stdout).toBe(unstaged);
  });

  it("runs the person's hooks and commits as their git config says; a hook that refuses leaves everything as it was", async () => {
    const repo = copy();
    await git(repo, ["config", "user.name", "Config Person"]);
    await git(repo, ["config", "user.email", "config@example.com"]);
    const ran = join(makeTempDir(), "hooks");
    // The commit happens while bluegreen holds the chart's lock (in the git directory): no other
    // bluegreen can change the files between the write and the commit.
    writeFileSync(
      join(repo, ".git/hooks/pre-commit"),
      `#!/bin/sh\nif ls .git/bluegreen/*/lock >/dev/null 2>&1; then echo "pre-commit, chart locked" >> '${ran}'; else echo pre-commit >> '${ran}'; fi\n`,
      { mode: 0o755 },
    );
    writeFileSync(
      join(repo, ".git/hooks/commit-msg"),
      `#!/bin/sh\nhead -1 "$1" >> '${ran}'\ngrep -q '^shop(prod): ' "$1"\n`,
      { mode: 0o755 },
    );
    const noIdentity = {
      ...gitEnv(),
      GIT_AUTHOR_NAME: undefined,
      GIT_AUTHOR_EMAIL: undefined,
      GIT_COMMITTER_NAME: undefined,
      GIT_COMMITTER_EMAIL: undefined,
    };

    const result = await runCli(["rollback", "--chart", "charts/shop", "--env", "prod", "--commit"], {
      cwd: repo,
      env: noIdentity,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(ran, "utf8")).toBe(
      `pre-commit, chart locked\nshop(prod): roll back to ${REPO}:1.1 (was 1.2@${DIGEST})\n`,
    );
    expect((await git(repo, ["log", "-1", "--format=%an <%ae> %cn"])).stdout.trim()).toBe(
      "Config Person <config@example.com> Config Person",
    );

    // The commit-msg hook refuses a message for sandbox: the files are put back, the index too.
    const before = await repoState(repo);
    const refused = await runCli(["bump-image", "1.3", "--chart", "charts/shop", "--commit"], {
      cwd: repo,
      env: noIdentity,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: --commit: git commit failed, so nothing was changed: /);
    expect(await repoState(repo)).toEqual(before);
  });

  it("add-env --commit commits the new overlay, its Application and the README, pinning what values.yaml renders", async () => {
    const repo = await newRepo();
    const init = await bluegreen(repo, [
      "init",
      "--yes",
      "--name",
      "shop",
      "--image",
      `${REPO}:1.0`,
      "--repo-url",
      "https://git.example.com/platform.git",
      "charts/shop",
    ]);
    expect(init.code, init.stderr).toBe(0);
    await commitAll(repo, "Add shop", { date: day(1) });
    expect(
      (await bluegreen(repo, ["bump-image", "1.1", "--chart", "charts/shop", "--commit"], { date: day(2) })).code,
    ).toBe(0);
    writeFileSync(join(repo, "README.md"), "staged, not part of it\n");
    await git(repo, ["add", "README.md"]);

    const result = await bluegreen(
      repo,
      ["add-env", "qa", "--no-auto-promote", "--chart", "charts/shop", "--commit", "--json"],
      { date: day(3) },
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual({
      chart: chart(repo),
      env: "qa",
      files: [
        { file: "values-qa.yaml", created: true },
        { file: "argocd/qa.yaml", created: true },
        { file: "README.md", created: false },
      ],
      promotion: "manual",
      image: `${REPO}:1.1`,
      pinned: true,
      dryRun: false,
      commit: {
        id: await head(repo),
        short: await short(repo, "HEAD"),
        message: expect.stringMatching(
          new RegExp(`^shop\\(qa\\): add environment, pinned to ${REPO.replace(/\./g, "\\.")}:1\\.1\n`),
        ),
      },
    });
    expect(await committedFiles(repo)).toEqual([
      "charts/shop/README.md",
      "charts/shop/argocd/qa.yaml",
      "charts/shop/values-qa.yaml",
    ]);
    expect(await status(repo)).toBe("A  README.md\n");
    expect(YAML.parse(readFileSync(join(chart(repo), "values-qa.yaml"), "utf8")).image).toEqual({
      repository: REPO,
      tag: "1.1",
      digest: "",
    });
  });
});
