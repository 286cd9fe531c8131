// `bluegreen history` on real git repositories: every change of the image each environment
// renders, newest first, checked against the commits that made them; charts made by helm create
// too; a merged branch shows as its merge; the work tree's change first; hundreds of commits in
// a handful of git processes; outside git, exit 1.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, runCli } from "./support/cli.js";
import { ANN, BOB, bluegreen, chartIn, commitAll, day, git, head, newRepo } from "./support/git.js";
import { helmBinaries, helmTemplate, runHelm } from "./support/helm.js";
import { one } from "./support/manifests.js";

const REPO = "ghcr.io/acme/shop";

interface Commits {
  add: string;
  release: string;
  replicas: string;
  promote: string;
  merge: string;
}

/**
 * A platform repository with the chart in charts/shop: added (Ann), 1.1 released to sandbox
 * (Bob), a change that is no release, prod promoted on a branch and merged, and an uncommitted
 * bump of values.yaml in the work tree.
 */
async function releasedChart(): Promise<{ repo: string; commits: Commits }> {
  const repo = await newRepo();
  writeFileSync(join(repo, "README.md"), "platform\n");
  expect(
    (await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`, "charts/shop"])).code,
  ).toBe(0);
  const add = await commitAll(repo, "Add shop", { who: ANN, date: day(1) });

  const released = await bluegreen(repo, ["bump-image", "1.1", "--chart", "charts/shop", "--commit"], {
    who: BOB,
    date: day(2),
  });
  expect(released.code, released.stderr).toBe(0);
  const release = await head(repo);

  // values.yaml changes, the image it renders does not: no entry.
  const values = join(chartIn(repo), "values.yaml");
  writeFileSync(values, readFileSync(values, "utf8").replace("replicaCount: 2\n", "replicaCount: 3\n"));
  writeFileSync(join(repo, "README.md"), "platform, with shop\n");
  const replicas = await commitAll(repo, "Three replicas for shop", { who: ANN, date: day(3) });

  await git(repo, ["switch", "-q", "-c", "promote-shop"]);
  const promoted = await bluegreen(
    repo,
    ["bump-image", "--env", "prod", "--from", "sandbox", "--chart", "charts/shop", "--commit"],
    { who: BOB, date: day(4) },
  );
  expect(promoted.code, promoted.stderr).toBe(0);
  const promote = await head(repo);
  await git(repo, ["switch", "-q", "main"]);
  await git(repo, ["merge", "-q", "--no-ff", "-m", "Merge branch 'promote-shop'", "promote-shop"], {
    who: ANN,
    date: day(5),
  });
  const merge = await head(repo);

  expect((await bluegreen(repo, ["bump-image", "1.2", "--chart", "charts/shop"])).code).toBe(0);
  return { repo, commits: { add, release, replicas, promote, merge } };
}

describe("history of a chart bluegreen made and released", () => {
  let repo: string;
  let commits: Commits;
  const short = async (id: string) => (await git(repo, ["rev-parse", "--short", id])).stdout.trim();

  beforeAll(async () => {
    ({ repo, commits } = await releasedChart());
  });

  it("lists each environment's image changes newest first, the work tree first, with date, commit, author and subject", async () => {
    const result = await runCli(["history", "--chart", "charts/shop"], { cwd: repo });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [sandbox, prod] = result.stdout.split("\n\n");
    const lines = (block: string) =>
      block
        .trim()
        .split("\n")
        .map((line) => line.replace(/ +/g, " ").trim());
    expect(lines(sandbox!)).toEqual([
      `sandbox ${REPO}:1.2 (values.yaml + values-sandbox.yaml)`,
      `working tree ${REPO}:1.1 → 1.2 not committed (values.yaml, Chart.yaml)`,
      `2025-03-02 10:00 ${await short(commits.release)} ${REPO}:1.0 → 1.1 Bob Builder: shop(sandbox): release ${REPO}:1.1 (was 1.0)`,
      `2025-03-01 10:00 ${await short(commits.add)} (none) → ${REPO}:1.0 Ann Example: Add shop`,
    ]);
    // prod pins its image: values.yaml's releases never reach it. The branch it was promoted on
    // shows as its merge: that is the commit the branch, and Argo CD, went to.
    expect(lines(prod!)).toEqual([
      `prod ${REPO}:1.1 (values.yaml + values-prod.yaml)`,
      `2025-03-05 10:00 ${await short(commits.merge)} ${REPO}:1.0 → 1.1 Ann Example: Merge branch 'promote-shop'`,
      `2025-03-01 10:00 ${await short(commits.add)} (none) → ${REPO}:1.0 Ann Example: Add shop`,
    ]);
  });

  it("prints the same as JSON for CI: full commits, ISO 8601 dates, authors, the files that made each change", async () => {
    const result = await runCli(["history", "--chart", "charts/shop", "--env", "prod", "--json"], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    const entry = async (
      id: string,
      date: string,
      who: typeof ANN,
      subject: string,
      before: string | null,
      after: string,
      files: string[],
    ) => ({
      workingTree: false,
      commit: id,
      shortCommit: await short(id),
      date,
      author: who,
      subject,
      before,
      after,
      files,
    });
    expect(JSON.parse(result.stdout)).toEqual({
      chart: chartIn(repo),
      repository: repo,
      path: "charts/shop",
      environments: [
        {
          env: "prod",
          valuesFiles: ["values.yaml", "values-prod.yaml"],
          image: `${REPO}:1.1`,
          entries: [
            await entry(
              commits.merge,
              "2025-03-05T10:00:00+01:00",
              ANN,
              "Merge branch 'promote-shop'",
              `${REPO}:1.0`,
              `${REPO}:1.1`,
              ["values-prod.yaml"],
            ),
            await entry(commits.add, "2025-03-01T10:00:00+01:00", ANN, "Add shop", null, `${REPO}:1.0`, [
              "values.yaml",
              "values-prod.yaml",
              "Chart.yaml",
            ]),
          ],
        },
      ],
    });
  });
});

describe("doctor and history", () => {
  it("agree on the image each environment renders", async () => {
    const { repo } = await releasedChart();
    const history = JSON.parse((await runCli(["history", "--chart", "charts/shop", "--json"], { cwd: repo })).stdout);
    const doctor = await runCli(["doctor", "--chart", "charts/shop", "--json", "--helm", helmBinaries()[0]!.bin], {
      cwd: repo,
    });
    const images = JSON.parse(doctor.stdout).images as { valuesFile: string; image: string }[];
    expect(images.slice(1)).toEqual(
      history.environments.map((e: any) => ({ valuesFile: `values-${e.env}.yaml`, image: e.image })),
    );
    expect(images.map((i) => i.image)).toEqual([`${REPO}:1.2`, `${REPO}:1.2`, `${REPO}:1.1`]);
  });
});

describe("history of a chart made by helm create, where the tag defaults to appVersion", () => {
  it.each(helmBinaries())("follows Chart.yaml appVersion through git, as Helm $version renders it", async ({ bin }) => {
    const repo = await newRepo();
    expect((await runHelm(bin, ["create", "web"], { cwd: repo })).code).toBe(0);
    const chart = join(repo, "web");
    const first = await commitAll(repo, "helm create web", { date: day(1) });
    const chartYaml = join(chart, "Chart.yaml");
    const appVersion = /^appVersion: "?([^"\n]+)"?$/m.exec(readFileSync(chartYaml, "utf8"))![1]!;
    writeFileSync(chartYaml, readFileSync(chartYaml, "utf8").replace(/^appVersion: .*$/m, 'appVersion: "1.27.4"'));
    const bump = await commitAll(repo, "nginx 1.27.4", { who: BOB, date: day(2) });

    const rendered = one(await helmTemplate(bin, chart, []), "Deployment").spec.template.spec.containers[0].image;
    expect(rendered).toBe("nginx:1.27.4");
    const result = await runCli(["history", "--json"], { cwd: chart });
    expect(result.code, result.stderr).toBe(0);
    const [values] = JSON.parse(result.stdout).environments;
    expect(values.env).toBeNull();
    expect(values.image).toBe(rendered);
    expect(values.entries.map((e: any) => [e.commit, e.before, e.after, e.files])).toEqual([
      [bump, `nginx:${appVersion}`, "nginx:1.27.4", ["Chart.yaml"]],
      [first, null, `nginx:${appVersion}`, ["values.yaml", "Chart.yaml"]],
    ]);
  });
});

describe("history with hundreds of releases", () => {
  it("reads 300 commits with a fixed handful of git processes, in seconds", async () => {
    const repo = await newRepo();
    expect((await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`])).code).toBe(0);
    const base = await commitAll(repo, "Add shop");
    // 300 releases of values.yaml in one git fast-import.
    const values = readFileSync(join(repo, "shop", "values.yaml"), "utf8");
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    let stream = "";
    for (let i = 1; i <= 300; i++) {
      const time = 1_740_819_600 + i * 3600;
      stream += `commit refs/heads/main\ncommitter Ann Example <ann@example.com> ${time} +0100\n${data(`Release 1.${i}`)}`;
      if (i === 1) stream += `from ${base}\n`;
      stream += `M 100644 inline shop/values.yaml\n${data(values.replace('tag: "1.0"', `tag: "1.${i}"`))}`;
    }
    await git(repo, ["fast-import", "--quiet"], { input: stream });
    await git(repo, ["reset", "-q", "--hard", "main"]);

    // A git on PATH that notes each time it is run, then runs the real one.
    const shim = makeTempDir("bluegreen-git-shim-");
    const log = join(shim, "calls");
    const realGit = (await git(repo, ["--exec-path"])).stdout.trim();
    mkdirSync(join(shim, "bin"));
    writeFileSync(join(shim, "bin", "git"), `#!/bin/sh\necho "$1" >> '${log}'\nexec '${realGit}/git' "$@"\n`);
    chmodSync(join(shim, "bin", "git"), 0o755);
    writeFileSync(log, "");

    const started = Date.now();
    const result = await runCli(["history", "--env", "sandbox", "--json"], {
      cwd: join(repo, "shop"),
      env: { PATH: `${join(shim, "bin")}:${process.env.PATH}` },
    });
    const elapsed = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    const entries = JSON.parse(result.stdout).environments[0].entries;
    expect(entries).toHaveLength(301);
    expect(entries[0].after).toBe(`${REPO}:1.300`);
    expect(entries[0].subject).toBe("Release 1.300");
    expect(entries[299].before).toBe(`${REPO}:1.0`);
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["rev-parse", "--literal-pathspecs", "cat-file"]);
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe("history refuses what it cannot do", () => {
  it("exits 1 outside a git repository, saying so, also as JSON", async () => {
    const dir = makeTempDir();
    expect((await runCli(["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`], { cwd: dir })).code).toBe(0);
    const result = await runCli(["history", "--chart", "shop"], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: dir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "error: shop is not in a git repository: bluegreen history reads the chart's history from git\n",
    );
    const json = await runCli(["history", "--chart", "shop", "--json"], {
      cwd: dir,
      env: { GIT_CEILING_DIRECTORIES: dir },
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        exitCode: 1,
        messages: ["shop is not in a git repository: bluegreen history reads the chart's history from git"],
      },
    });
  });

  it("exits 2 for an --env that is no environment name, and 1 for one the chart does not have", async () => {
    const repo = await newRepo();
    expect((await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`])).code).toBe(0);
    const bad = await runCli(["history", "--chart", "shop", "--env", "Prod"], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --env: must be 1-20 characters/);
    const missing = await runCli(["history", "--chart", "shop", "--env", "qa"], { cwd: repo });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: --env: no values-qa\.yaml in the chart/);
  });

  it("shows an uncommitted chart, in a repository with no commit yet, as the work tree", async () => {
    const repo = await newRepo();
    expect((await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", `${REPO}:1.0`])).code).toBe(0);
    const result = await runCli(["history", "--chart", "shop", "--env", "prod", "--json"], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).environments[0].entries).toEqual([
      expect.objectContaining({
        workingTree: true,
        commit: null,
        before: null,
        after: `${REPO}:1.0`,
        files: ["values.yaml", "values-prod.yaml", "Chart.yaml"],
      }),
    ]);
  });
});
