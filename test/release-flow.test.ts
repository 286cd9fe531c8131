// The release flow as people are taught it: init's next steps, the chart's README and its NOTES
// say bump, watch, promote the tested image with --from, and roll back through git. Every
// bluegreen command they print runs here, in a real git repository, and does what they say.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { bluegreen, commitAll, day, newRepo } from "./support/git.js";
import { helmBinaries, runHelm } from "./support/helm.js";

const IMAGE = "ghcr.io/acme/shop:1.4.2";

/** The bluegreen commands in a text, as a person would type them (placeholders filled in). */
function commandsIn(text: string): string[][] {
  return text
    .split("\n")
    .map((line) => /^\s*(bluegreen [^#\n]*?)\s*(?:&& git push)?\s*(?:#.*)?$/.exec(line)?.[1])
    .filter((command): command is string => command !== undefined)
    .map((command) => command.replace("<tag>", "1.4.3").replace("<tested-env>", "sandbox").split(/\s+/).slice(1));
}

async function prodImage(cwd: string, chart: string): Promise<string> {
  const history = JSON.parse((await runCli(["history", "--chart", chart, "--env", "prod", "--json"], { cwd })).stdout);
  return history.environments[0].image;
}

describe("the release flow init, the README and NOTES teach", () => {
  let repo: string;
  let nextSteps: string;

  beforeAll(async () => {
    repo = await newRepo();
    const init = await bluegreen(repo, ["init", "--yes", "--name", "shop", "--image", IMAGE]);
    expect(init.code, init.stderr).toBe(0);
    nextSteps = init.stdout.slice(init.stdout.indexOf("Next steps:"));
    await commitAll(repo, "Add shop", { date: day(1) });
  });

  it("init's next steps release to sandbox, promote the tested image into prod and roll it back, each as one commit", async () => {
    const commands = commandsIn(nextSteps);
    expect(commands).toEqual([
      ["bump-image", "1.4.3", "--chart", "shop", "--commit"],
      ["bump-image", "--env", "prod", "--from", "sandbox", "--chart", "shop", "--commit"],
      ["rollback", "--env", "prod", "--chart", "shop", "--commit"],
    ]);
    const prodAfter: string[] = [];
    for (const [i, command] of commands.entries()) {
      const result = await bluegreen(repo, command, { date: day(2 + i) });
      expect(result.code, `${command.join(" ")}: ${result.stderr}`).toBe(0);
      prodAfter.push(await prodImage(repo, "shop"));
    }
    // Prod stays on what it ran until the tested image is promoted, and goes back on rollback.
    expect(prodAfter).toEqual([IMAGE, "ghcr.io/acme/shop:1.4.3", IMAGE]);
  });

  it("NOTES teach prod to promote with --from and roll back, and the commands run (Helm 4 install --dry-run)", async () => {
    // Helm 3's install asks a cluster for its version even with --dry-run=client.
    const { bin } = helmBinaries().find((helm) => helm.version === 4)!;
    const chart = join(repo, "shop");
    const install = await runHelm(bin, [
      "install",
      "shop",
      chart,
      "-n",
      "shop-prod",
      "-f",
      join(chart, "values.yaml"),
      "-f",
      join(chart, "values-prod.yaml"),
      "--dry-run=client",
    ]);
    expect(install.code, install.stderr).toBe(0);
    const notes = install.stdout.slice(install.stdout.indexOf("NOTES:"));
    const commands = commandsIn(notes);
    expect(commands).toEqual([
      ["bump-image", "--env", "prod", "--from", "sandbox", "--commit"],
      ["history", "--env", "prod"],
      ["rollback", "--env", "prod", "--commit"],
    ]);
    for (const command of commands) {
      const result = await bluegreen(chart, command, { date: day(9) });
      expect(result.code, `${command.join(" ")}: ${result.stderr}`).toBe(0);
    }
  });

  it("the chart's README teaches the same flow, and its commands run in the chart's directory", async () => {
    const readme = readFileSync(join(repo, "shop", "README.md"), "utf8");
    const release = readme.slice(readme.indexOf("## Release a new version"), readme.indexOf("## The smoke test"));
    const rollback = readme.slice(
      readme.indexOf("## Roll back through git"),
      readme.indexOf("## Things that surprise people"),
    );
    expect(commandsIn(release)).toEqual([
      ["bump-image", "1.4.3", "--commit"],
      ["bump-image", "--env", "prod", "--from", "sandbox", "--commit"],
    ]);
    expect(commandsIn(rollback)).toEqual([
      ["history", "--env", "prod"],
      ["rollback", "--env", "prod", "--commit"],
    ]);
    expect(rollback).toContain("refuses a rollback of its own while automated sync is on");
    for (const command of [...commandsIn(release), ...commandsIn(rollback)]) {
      const result = await bluegreen(
        join(repo, "shop"),
        command.map((word) => (word === "1.4.3" ? "1.4.4" : word)),
        { date: day(10) },
      );
      expect(result.code, `${command.join(" ")}: ${result.stderr}`).toBe(0);
    }
  });
});
