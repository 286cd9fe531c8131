// A newcomer's first hour: the project README's setup, sample session and file tree are what the
// tool does, and the first mistakes a person makes (a chart outside git, a `latest` tag in an
// environment, a note beside the chart README's table) end well. Each case runs the built CLI,
// at a real terminal where a person would be at one.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { listFiles, makeTempDir, REPO_ROOT, runCli } from "./support/cli.js";
import { helmBinaries } from "./support/helm.js";
import { startInTerminal, type TerminalSession } from "./support/terminal.js";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const IMAGE = "ghcr.io/acme/shop:1.4.2";
const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const REPO = "https://github.com/acme/platform.git";
const WAIT_MS = 8_000;

/** The body of the first fenced block of `lang` after `heading` in the README. */
function readmeBlock(heading: string, lang: string): string {
  const section = README.indexOf(`\n${heading}\n`);
  expect(section, heading).toBeGreaterThan(-1);
  const open = README.indexOf(`\`\`\`${lang}\n`, section);
  return README.slice(open + lang.length + 4, README.indexOf("\n```", open));
}

function answer(term: TerminalSession, text: string): void {
  term.type(text);
  term.press("enter");
}

/**
 * What a person sees once a session is over: inquirer redraws a question's line on every
 * keystroke and finally replaces it with `✔ question answer`, so each line keeps what follows its
 * last ✔. A masked answer is as many `*` as the webhook has characters, which differs per person.
 */
function finalScreen(output: string): string[] {
  return output
    .split("\n")
    .map((line) => (line.includes("✔") ? line.slice(line.lastIndexOf("✔")) : line))
    .map((line) => line.replace(/\*{4,}/g, "****").trimEnd());
}

const applicationPath = (chart: string, env: string) =>
  YAML.parse(readFileSync(join(chart, "argocd", `${env}.yaml`), "utf8")).spec.source.path;
const commitLine = (stdout: string) => stdout.split("\n").find((line) => line.includes("Commit and push"));

describe("the README's setup", () => {
  it("is two commands, npm install then npx bluegreen init, npm link for everyday use, and npm test for the tests", () => {
    const commands = (block: string) =>
      block
        .split("\n")
        .map((line) => line.replace(/#.*/, "").trim())
        .filter(Boolean);
    expect(commands(readmeBlock("## Setup", "sh"))).toEqual(["npm install", "npx bluegreen init"]);
    const setup = README.slice(README.indexOf("## Setup"), README.indexOf("## A session"));
    expect(setup).toMatch(/put `bluegreen` on your `PATH` from the clone with `npm link`/);
    expect(commands(setup.slice(setup.indexOf("To run the tests")))).toContain("npm test");
  });

  it("names the Node versions package.json supports, and every dependency supports all of them", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));
    const supported: string = pkg.engines.node;
    expect(lock.packages[""].engines.node).toBe(supported);
    // The ends of each supported range: a dependency that refuses one of them makes
    // `npm install` warn (EBADENGINE) on that Node.
    const ends = supported.split("||").flatMap((range) => {
      const [low, high] = bounds(range.trim());
      return [low, high === undefined ? [low[0]! + 50, 0, 0] : [high[0]! - 1, 999, 999]];
    });
    const refused = Object.entries<any>(lock.packages)
      .filter(([name, entry]) => name !== "" && entry.engines?.node)
      .flatMap(([name, entry]) =>
        ends
          .filter((version) => !satisfies(version, entry.engines.node))
          .map((version) => `${name} (${entry.engines.node}) refuses ${version.join(".")}`),
      );
    expect(refused).toEqual([]);
    const setup = README.slice(README.indexOf("## Setup"), README.indexOf("## A session"));
    const named = supported.split("||").map((range) => {
      const [major, minor] = bounds(range.trim())[0];
      return minor === 0 ? `${major}+` : `${major}.${minor}+`;
    });
    expect(setup).toContain(`Node.js ${named.slice(0, -1).join(", ")} or ${named.at(-1)}`);
  });
});

describe("the README's sample session", () => {
  let session: { output: string; code: number | null; dir: string };

  beforeAll(async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init"], { cwd: dir });
    await term.waitFor("App name", WAIT_MS);
    answer(term, "shop");
    await term.waitFor("Container image", WAIT_MS);
    answer(term, IMAGE);
    await term.waitFor("Replicas", WAIT_MS);
    term.press("enter");
    await term.waitFor("Slack webhook URL", WAIT_MS);
    answer(term, WEBHOOK);
    await term.waitFor("Git repository URL", WAIT_MS);
    term.press("enter");
    const { code } = await term.exited;
    session = { output: term.output(), code, dir };
  }, 30_000);

  it("is what init prints, question for question, file for file and step for step", () => {
    expect(session.code, session.output).toBe(0);
    const [command, ...shown] = readmeBlock("## A session", "text").split("\n");
    expect(command).toBe("$ npx bluegreen init");
    const screen = finalScreen(session.output);
    const start = screen.findIndex((line) => line.startsWith("✔ App name"));
    expect(screen.slice(start, screen.findLastIndex((line) => line !== "") + 1)).toEqual(finalScreen(shown.join("\n")));
  });

  it("says answers are checked when Enter is pressed, not as they are typed", () => {
    const text = README.replace(/\s+/g, " ");
    expect(text).toContain("Each answer is checked when you press Enter");
    expect(text).not.toMatch(/as you type it/);
  });

  it("lists in its file tree what init writes, where it writes it (argocd/ beside templates/, NOTES.txt in it)", async () => {
    const lines = readmeBlock("## What the chart contains", "text").split("\n");
    expect(lines[0]).toBe("shop/");
    const tree: string[] = [];
    const parents: string[] = [];
    for (const line of lines.slice(1)) {
      const indent = line.length - line.trimStart().length;
      if (indent > 8) continue; // the second line of a description
      parents.length = indent / 2 - 1;
      const name = line.trim().split(/\s+/)[0]!;
      if (name.endsWith("/")) parents.push(name);
      else tree.push([...parents, name].join(""));
    }
    // The pty session wrote the chart with a webhook; add the Applications a --repo-url writes.
    const withArgo = makeTempDir();
    const made = await runCli(
      [
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        IMAGE,
        "--slack-webhook",
        WEBHOOK,
        "--repo-url",
        REPO,
        "--repo-path",
        "shop",
      ],
      { cwd: withArgo },
    );
    expect(made.code, made.stderr).toBe(0);
    expect(tree.sort()).toEqual(listFiles(join(withArgo, "shop")));
    expect(listFiles(join(session.dir, "shop"))).toEqual(tree.filter((file) => !file.startsWith("argocd/")));
  });
});

describe("a target that is not empty", () => {
  it("is refused at a terminal before the first question the flags leave, the masked webhook too, and by a dry run after the name", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "shop"));
    writeFileSync(join(dir, "shop", "notes.txt"), "mine\n");
    const flagged = startInTerminal(["init", "--name", "shop", "--image", IMAGE, "--replicas", "2"], { cwd: dir });
    expect((await flagged.exited).code, flagged.output()).toBe(1);
    expect(flagged.output()).toContain("error: shop is not empty (use --force");
    expect(flagged.output()).not.toContain("Slack webhook URL");

    const dry = startInTerminal(["init", "--dry-run"], { cwd: dir });
    await dry.waitFor("App name", WAIT_MS);
    answer(dry, "shop");
    expect((await dry.exited).code, dry.output()).toBe(1);
    expect(dry.output()).toContain("error: shop is not empty (use --force");
    expect(dry.output()).not.toContain("Container image");
    expect(listFiles(dir)).toEqual(["shop/notes.txt"]);
  });
});

describe("the Argo CD path init writes is where the chart is", () => {
  it("outside git, asks for it at a terminal with no default: Enter alone is refused, never `path: shop`", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(
      [
        "init",
        "charts/shop",
        "--name",
        "shop",
        "--image",
        IMAGE,
        "--replicas",
        "2",
        "--slack-webhook",
        "",
        "--repo-url",
        REPO,
      ],
      { cwd: dir },
    );
    await term.waitFor("Path of the chart in that repository", WAIT_MS);
    term.press("enter");
    await term.waitFor("must be a path inside the repository", WAIT_MS);
    answer(term, " platform/charts/shop ");
    const { code } = await term.exited;
    expect(code, term.output()).toBe(0);
    const chart = join(dir, "charts", "shop");
    expect([applicationPath(chart, "sandbox"), applicationPath(chart, "prod")]).toEqual([
      "platform/charts/shop",
      "platform/charts/shop",
    ]);
    expect(term.output()).toContain(
      "Commit and push charts/shop to https://github.com/acme/platform.git (HEAD, path platform/charts/shop)",
    );
  });

  it("in a git repository, at its root and in a subdirectory, and the Commit and push step names that path", async () => {
    const repository = () => {
      const repo = makeTempDir();
      execFileSync("git", ["init", "-q", repo]);
      return repo;
    };
    const root = repository();
    const nested = repository();
    mkdirSync(join(nested, "deploy"));
    const cases: [cwd: string, target: string, chart: string, path: string][] = [
      [root, ".", root, "."], // a directory holding only .git counts as empty
      [join(nested, "deploy"), "charts/shop", join(nested, "deploy", "charts", "shop"), "deploy/charts/shop"],
    ];
    for (const [cwd, target, chart, path] of cases) {
      const result = await runCli(["init", target, "--yes", "--name", "shop", "--image", IMAGE, "--repo-url", REPO], {
        cwd,
      });
      expect(result.code, result.stderr).toBe(0);
      expect([applicationPath(chart, "sandbox"), applicationPath(chart, "prod")]).toEqual([path, path]);
      expect(commitLine(result.stdout)).toBe(
        `  2. Commit and push ${target} to ${REPO} (HEAD, path ${path}), then hand it to Argo CD:`,
      );
    }
  });
});

describe("first edits of a chart", () => {
  it("doctor's fix for a `latest` tag in values-sandbox.yaml names --env sandbox, and running it clears the finding", async () => {
    const cwd = makeTempDir();
    const made = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE], { cwd });
    expect(made.code, made.stderr).toBe(0);
    appendFileSync(join(cwd, "shop", "values-sandbox.yaml"), "\nimage:\n  tag: latest\n");
    const env = { HELM_BIN: helmBinaries()[0]!.bin };
    const doctor = async () => {
      const result = await runCli(["doctor", "--chart", "shop", "--json"], { cwd, env });
      return { code: result.code, report: JSON.parse(result.stdout) };
    };
    const before = await doctor();
    expect(before.code).toBe(1);
    const findings = before.report.findings.filter((f: any) => f.severity === "error");
    expect(findings.map((f: any) => [f.rule, f.valuesFile, f.fix])).toEqual([
      [
        "image-unpinned",
        "values-sandbox.yaml",
        "set a version tag: bluegreen bump-image <tag> --env sandbox --chart shop",
      ],
    ]);
    const command = findings[0].fix
      .replace(/^.*: bluegreen /, "")
      .replace("<tag>", "1.4.3")
      .split(" ");
    const fixed = await runCli(command, { cwd });
    expect(fixed.code, fixed.stderr).toBe(0);
    const after = await doctor();
    expect(after.code).toBe(0);
    expect(after.report.errors).toBe(0);
  });

  it("history, rollback, migrate and doctor find the chart from a directory inside it, and say so on stderr", async () => {
    const repo = makeTempDir();
    execFileSync("git", ["init", "-q", repo]);
    const made = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE], { cwd: repo });
    expect(made.code, made.stderr).toBe(0);
    const cwd = join(repo, "shop", "templates");
    const note = "note: using the chart in .. (the nearest Chart.yaml above the current directory)\n";
    const history = await runCli(["history"], { cwd });
    expect([history.code, history.stderr]).toEqual([0, note]);
    for (const args of [
      ["rollback", "--env", "prod", "--dry-run"],
      ["migrate", "--dry-run"],
      ["doctor", "--helm", "/bin/true"],
    ]) {
      const result = await runCli(args, { cwd, env: { HELM_BIN: helmBinaries()[0]!.bin } });
      expect(result.stderr.startsWith(note), result.stderr).toBe(true);
      expect(result.stderr).not.toMatch(/no chart found|rollout-missing/);
    }
  });

  it("add-env keeps a person's notes in and beside the README's environment table, whose markers say it is generated", async () => {
    const cwd = makeTempDir();
    const made = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE], { cwd });
    expect(made.code, made.stderr).toBe(0);
    const file = join(cwd, "shop", "README.md");
    const readme = readFileSync(file, "utf8");
    expect(readme).toContain(
      "<!-- bluegreen:environments (generated by bluegreen; add-env updates the lines it wrote here and keeps yours) -->",
    );
    const prodRow = readme.split("\n").find((line) => line.startsWith("| `values-prod.yaml` |"))!;
    // A note in prod's row, a row for a file of the person's own, and a note after the table.
    const edited = `${prodRow.slice(0, -2)} Ask #releases before promoting. |`;
    const ownRow = "| `values-local.yaml` | Ours: for kind on a laptop, never deployed by Argo CD. |";
    const beside = "\nAsk #platform for a new namespace.";
    const withNotes = readme
      .replace(prodRow, `${edited}\n${ownRow}`)
      .replace("\n<!-- /bluegreen:environments -->\n", `\n${beside}\n<!-- /bluegreen:environments -->\n${beside}\n`);
    writeFileSync(file, withNotes);

    const added = await runCli(["add-env", "staging", "--chart", "shop"], { cwd });
    expect(added.code, added.stderr).toBe(0);
    const once = readFileSync(file, "utf8").split("\n");
    const staging = once.filter((line) => line.startsWith("| `values-staging.yaml` |"));
    expect(staging).toEqual([
      "| `values-staging.yaml` | The **staging** environment: automatic promotion, 1 replica, no autoscaling. Namespace `shop-staging`. |",
    ]);
    // Only the new row went in: every line the person wrote is where it was.
    expect(once.filter((line) => line !== staging[0])).toEqual(withNotes.split("\n"));

    const replaced = await runCli(["add-env", "staging", "--force", "--replicas", "2", "--chart", "shop"], { cwd });
    expect(replaced.code, replaced.stderr).toBe(0);
    const twice = readFileSync(file, "utf8").split("\n");
    expect(twice.filter((line) => line.startsWith("| `values-staging.yaml` |"))).toEqual([
      "| `values-staging.yaml` | The **staging** environment: automatic promotion, 2 replicas, no autoscaling. Namespace `shop-staging`. |",
    ]);
    expect(twice.filter((line) => !line.startsWith("| `values-staging.yaml` |"))).toEqual(withNotes.split("\n"));
  });
});

/** [major, minor, patch] lower bound and exclusive upper bound (undefined: none) of `>=x` or `^x`. */
function bounds(range: string): [number[], number[] | undefined] {
  const match = /^(>=|\^)\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  if (!match) throw new Error(`engines range this test cannot read: ${range}`);
  const low = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
  if (match[1] === ">=") return [low, undefined];
  if (low[0]! > 0) return [low, [low[0]! + 1, 0, 0]];
  throw new Error(`engines range this test cannot read: ${range}`);
}

const compare = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/** Whether `version` is in an npm engines range made of `||`-joined `>=x`, `^x` and `>=x <y`. */
function satisfies(version: number[], range: string): boolean {
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<|\^)\s+/g, "$1")
      .split(/\s+/)
      .every((comparator) => {
        if (comparator.startsWith("<")) return compare(version, bounds(`>=${comparator.slice(1)}`)[0]) < 0;
        const [low, high] = bounds(comparator);
        return compare(version, low) >= 0 && (high === undefined || compare(version, high) < 0);
      }),
  );
}
