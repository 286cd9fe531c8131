// `bluegreen init` driven by flags, with standard input that is not a terminal: what a script,
// a CI job or a person pasting one command relies on. Runs the built CLI (bin/bluegreen.cjs).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, type ExpectStatic, expect, it } from "vitest";
import YAML from "yaml";
import { expectNoFindings, lintAndRenderAll } from "./support/chart.js";
import { CLI, type CliResult, cliEnv, listFiles, makeTempDir, REPO_ROOT, runCli, snapshotTree } from "./support/cli.js";
import { itNeeds } from "./support/facilities.js";
import { mergeEnv, runProcess } from "./support/process.js";
import { startInTerminal } from "./support/terminal.js";

const IMAGE = "ghcr.io/acme/shop:1.4.2";
const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const WEBHOOK_TOKEN = "abcdefABCDEF123456";
const SECRET_FILE = "slack-webhook-secret.yaml";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** PRODUCT §2: the chart without a webhook. */
const CHART_FILES = [
  ".gitignore",
  ".helmignore",
  "Chart.yaml",
  "README.md",
  "templates/NOTES.txt",
  "templates/_helpers.tpl",
  "templates/configmap.yaml",
  "templates/hooks.yaml",
  "templates/hpa.yaml",
  "templates/httproute.yaml",
  "templates/ingress.yaml",
  "templates/migrations.yaml",
  "templates/pdb.yaml",
  "templates/rollout.yaml",
  "templates/serviceaccount.yaml",
  "templates/services.yaml",
  "values-prod.yaml",
  "values-sandbox.yaml",
  "values.schema.json",
  "values.yaml",
].sort();

const ANSI = /\x1b\[/;

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** What every refused run shares: exit 2, one `error: --<flag>:` line, no stack, nothing written. */
function expectUsageError(expect: ExpectStatic, result: CliResult, flag: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(lines(result.stderr)).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^error: ${flag}: \\S`));
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toMatch(/Error:|\.js:\d+/);
}

async function initIn(dir: string, args: string[], env?: Record<string, string | undefined>): Promise<CliResult> {
  return runCli(["init", ...args], { cwd: dir, env });
}

/** One `init --yes --name shop --image IMAGE`, shared by the tests that only read it. */
let shopRun: Promise<{ dir: string; result: CliResult }> | undefined;
function shopChart(): Promise<{ dir: string; result: CliResult }> {
  shopRun ??= (async () => {
    const dir = makeTempDir();
    return { dir, result: await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE]) };
  })();
  return shopRun;
}

function readValues(chart: string): any {
  return YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8"));
}

function readChartYaml(chart: string): any {
  return YAML.parse(readFileSync(join(chart, "Chart.yaml"), "utf8"));
}

describe("init --yes writes a whole chart", () => {
  it("writes exactly the chart files into ./<name> and says what to do next", async () => {
    const { dir, result } = await shopChart();

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    expect(listFiles(dir)).toEqual(CHART_FILES.map((file) => `shop/${file}`));
    expect(readdirSync(dir)).toEqual(["shop"]); // no staging directory left beside it

    const stdout = lines(result.stdout).map((line) => line.trim());
    for (const file of CHART_FILES) expect(stdout).toContain(file);
    expect(result.stdout).not.toContain(SECRET_FILE);
    expect(result.stdout).toMatch(/kubectl apply --server-side .*argo-rollouts/);
    expect(result.stdout).toMatch(/kubectl argo rollouts promote shop\b/);
  });

  it("lists the webhook Secret in both .gitignore and .helmignore", async () => {
    const { dir, result } = await shopChart();
    expect(result.code).toBe(0);
    for (const file of [".gitignore", ".helmignore"]) {
      expect(lines(readFileSync(join(dir, "shop", file), "utf8"))).toContain(SECRET_FILE);
    }
  });

  it("writes into the [directory] argument instead of ./<name>", async () => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "deploy/charts/web"]);
    expect(result.code, result.stderr).toBe(0);
    expect(listFiles(dir)).toEqual(CHART_FILES.map((file) => `deploy/charts/web/${file}`));
    expect(readChartYaml(join(dir, "deploy/charts/web")).name).toBe("shop");
  });

  it("uses an existing empty directory (and takes -y for --yes)", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "chart"));
    const result = await initIn(dir, ["-y", "--name", "shop", "--image", IMAGE, "chart"]);
    expect(result.code, result.stderr).toBe(0);
    expect(listFiles(dir)).toEqual(CHART_FILES.map((file) => `chart/${file}`));
  });
});

describe("without a terminal it never prompts", () => {
  it("fails with exactly `error: --image is required` when only the image is missing", async () => {
    const dir = makeTempDir();
    // No --yes: stdin being a pipe must be enough. Input that looks like an answer is not read.
    const result = await runCli(["init", "--name", "shop"], { cwd: dir, input: "nginx:1.27\n2\n\n" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: --image is required\n");
    expect(result.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("names each missing required flag on its own line", async () => {
    const dir = makeTempDir();
    const result = await runCli(["init"], { cwd: dir, input: "shop\nnginx:1.27\n" });
    expect(result.code).toBe(2);
    expect(lines(result.stderr).sort()).toEqual(["error: --image is required", "error: --name is required"]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

// Independent processes: run them side by side.
describe.concurrent("refuses bad input with exit 2, naming the flag, and writes nothing", () => {
  const valid: Record<string, string> = { "--name": "shop", "--image": IMAGE };

  // Every case of the input rules is in test/unit/flag-tables.test.ts; these prove that init
  // applies them before it writes anything, for a value of each kind of rule.
  const cases: [flag: string, label: string, value: string][] = [
    ["--name", "a newline", "shop\nevil"],
    ["--image", "Helm delimiters", "ghcr.io/acme/shop:{{tag}}"],
    ["--replicas", "2.5", "2.5"],
    ["--envs", "a repeated name", "sandbox,prod,sandbox"],
    ["--revision", "a hidden part", ".hidden"],
  ];

  it.for(cases)("%s with %s", async ([flag, _label, value], { expect }) => {
    const dir = makeTempDir();
    const args = Object.entries({ ...valid, [flag]: value }).flat();
    const result = await initIn(dir, ["--yes", ...args]);
    expectUsageError(expect, result, flag);
    expect(result.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("checks the tag limit exactly: 128 characters are accepted", async ({ expect }) => {
    const dir = makeTempDir();
    const tag = `v${"1".repeat(127)}`;
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", `ghcr.io/acme/shop:${tag}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(readValues(join(dir, "shop")).image.tag).toBe(tag);
  });

  const webhooks: [label: string, value: string][] = [
    ["plain http", "http://hooks.slack.com/services/T0000000/B0000000/httpSECRETtoken"],
    ["not a URL", "not a url SECRETtoken"],
    ["a newline", "https://hooks.slack.com/services/T0000000/B0000000/nlSECRET\ntoken"],
  ];

  it.for(webhooks)("--slack-webhook with %s, never repeating the value", async ([_label, value], { expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "--slack-webhook", value]);
    expectUsageError(expect, result, "--slack-webhook");
    const output = result.stdout + result.stderr;
    expect(output).not.toContain(value);
    for (const part of value.split(/[\s/]+/).filter((p) => p.includes("SECRET"))) expect(output).not.toContain(part);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("says why a name YAML reads as a boolean is refused", async ({ expect }) => {
    const result = await initIn(makeTempDir(), ["--yes", "--name", "yes", "--image", IMAGE]);
    expect(result.stderr).toMatch(/^error: --name: reads as a boolean, a number or null in YAML .* choose another\n$/);
  });

  const TOKEN = "ghp_S3cr3tT0kenValue0123456789";
  const repoUrls: [label: string, value: string][] = [
    ["a token in the query", `https://github.com/acme/platform.git?access_token=${TOKEN}`],
    ["a token in the fragment", `https://github.com/acme/platform.git#${TOKEN}`],
    ["a look-alike Cyrillic host", `https://g\u0456thub.com/acme/${TOKEN}.git`],
  ];

  it.for(repoUrls)("--repo-url with %s, never repeating it", async ([_label, value], { expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--repo-url",
      value,
      "--repo-path",
      "shop",
    ]);
    expectUsageError(expect, result, "--repo-url");
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("reports every bad flag, one line each", async ({ expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, [
      "--yes",
      "--name",
      "Shop",
      "--image",
      "shop",
      "--replicas",
      "0",
      "--port",
      "http",
    ]);
    expect(result.code).toBe(2);
    expect(lines(result.stderr).map((line) => line.split(":")[1])).toEqual([
      " --name",
      " --image",
      " --replicas",
      " --port",
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("usage", () => {
  it("refuses an unknown option with exit 2", async () => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "--replica", "3"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown option '--replica'/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses an unknown command with exit 2", async () => {
    const dir = makeTempDir();
    const result = await runCli(["inti", "--name", "shop"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown command 'inti'/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("shows help with exit 0", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: bluegreen /);
    expect(top.stdout).toContain("init");

    // As git does: `help` and `help <command>` are help, not mistakes.
    const help = await runCli(["help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toBe(top.stdout);
    const helpInit = await runCli(["help", "init"]);
    expect(helpInit.code, helpInit.stderr).toBe(0);
    expect(helpInit.stdout).toMatch(/^Usage: bluegreen init /);

    const init = await runCli(["init", "--help"]);
    expect(init.code).toBe(0);
    for (const flag of [
      "--name",
      "--image",
      "--replicas",
      "--slack-webhook",
      "--port",
      "--envs",
      "--yes",
      "--force",
      "--dry-run",
    ]) {
      expect(init.stdout).toContain(flag);
    }
  });

  // `bluegreen <command> ...` registers only that command; `help <command>` registers them all.
  it("gives each command the same help and the same suggestions whichever way it is asked", async () => {
    const commands = ["init", "add-env", "bump-image", "history", "rollback", "doctor", "migrate"];
    const top = await runCli(["--help"]);
    for (const command of commands) expect(top.stdout).toContain(`  ${command} `);
    const helps = await Promise.all(
      commands.map(async (command) => [await runCli(["help", command]), await runCli([command, "--help"])] as const),
    );
    helps.forEach(([asked, flag], i) => {
      expect(flag.code, flag.stderr).toBe(0);
      expect(flag.stdout).toMatch(new RegExp(`^Usage: bluegreen ${commands[i]} `));
      expect(flag.stdout).toContain("--no-color");
      expect(flag.stdout).toBe(asked.stdout);
    });
    const typo = await runCli(["init", "--nmae", "shop"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("error: unknown option '--nmae'\n(Did you mean --name?)\n");
    const global = await runCli(["doctor", "--no-colr"]);
    expect(global.stderr).toBe("error: unknown option '--no-colr'\n(Did you mean --no-color?)\n");
  });

  it("prints the version from package.json with exit 0", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });
});

describe("an existing directory", () => {
  function personalChart(dir: string): string {
    const chart = join(dir, "shop");
    mkdirSync(join(chart, "templates"), { recursive: true });
    writeFileSync(join(chart, "notes.txt"), "my own notes\n");
    writeFileSync(join(chart, "values.yaml"), "replicaCount: 7 # hand-edited\n");
    writeFileSync(join(chart, "templates", "rollout.yaml"), "# old rollout\n");
    return chart;
  }

  it("refuses a non-empty directory, hints at --force, and changes nothing", async () => {
    const dir = makeTempDir();
    personalChart(dir);
    const before = snapshotTree(dir);

    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*shop.*--force/);
    expect(snapshotTree(dir)).toEqual(before);
    expect(readdirSync(dir)).toEqual(["shop"]); // no staging directory left beside it
  });

  it("refuses a non-empty [directory] argument too", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "target"));
    writeFileSync(join(dir, "target", ".keep"), "");
    const before = snapshotTree(dir);
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "target"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--force");
    expect(snapshotTree(dir)).toEqual(before);
  });

  it("with --force replaces the generated files and keeps the person's own", async () => {
    const { dir: reference, result: made } = await shopChart();
    expect(made.code).toBe(0);
    const fresh = snapshotTree(join(reference, "shop"));

    const dir = makeTempDir();
    const chart = personalChart(dir);
    const result = await initIn(dir, ["--yes", "--force", "--name", "shop", "--image", IMAGE]);
    expect(result.code, result.stderr).toBe(0);

    const after = snapshotTree(chart);
    expect(after.get("notes.txt")?.toString()).toBe("my own notes\n");
    after.delete("notes.txt");
    expect(after).toEqual(fresh);
    expect(listFiles(dir)).toEqual([...CHART_FILES, "notes.txt"].sort().map((file) => `shop/${file}`));
    expect(readdirSync(dir)).toEqual(["shop"]);
  });
});

describe("--dry-run", () => {
  it("refuses a non-empty directory as the real run would, and changes nothing", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "shop"));
    writeFileSync(join(dir, "shop", "notes.txt"), "mine\n");
    const before = snapshotTree(dir);
    const result = await initIn(dir, ["--yes", "--dry-run", "--name", "shop", "--image", IMAGE]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: shop is not empty \(use --force/);
    expect(result.stdout).toBe("");
    expect(snapshotTree(dir)).toEqual(before);
  });

  it("prints every file with its contents and writes nothing", async () => {
    const { dir: reference, result: made } = await shopChart();
    expect(made.code).toBe(0);

    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--dry-run", "--name", "shop", "--image", IMAGE]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    for (const file of CHART_FILES) {
      expect(result.stdout).toContain(file);
      expect(result.stdout).toContain(readFileSync(join(reference, "shop", file), "utf8").trimEnd());
    }
  });

  it("never shows the webhook URL", async () => {
    const dir = makeTempDir();
    const result = await initIn(dir, [
      "--yes",
      "--dry-run",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--slack-webhook",
      WEBHOOK,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(result.stdout).toContain(SECRET_FILE);
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toContain(WEBHOOK_TOKEN);
      expect(output).not.toContain("hooks.slack.com/services");
    }
  });
});

describe.concurrent("inputs reach the files unchanged", () => {
  const refs: [ref: string, image: { repository: string; tag: string; digest: string }][] = [
    [
      "registry.example.com:5000/team/app:1.0",
      { repository: "registry.example.com:5000/team/app", tag: "1.0", digest: "" },
    ],
    [
      "ghcr.io/acme/platform/payments/api:2.3.4",
      { repository: "ghcr.io/acme/platform/payments/api", tag: "2.3.4", digest: "" },
    ],
    ["ghcr.io/acme/app:1.10", { repository: "ghcr.io/acme/app", tag: "1.10", digest: "" }],
    [`ghcr.io/acme/app:1.0@${DIGEST}`, { repository: "ghcr.io/acme/app", tag: "1.0", digest: DIGEST }],
  ];

  it.for(refs)("keeps %s as repository, tag and digest", async ([ref, image], { expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "app", "--image", ref]);
    expect(result.code, result.stderr).toBe(0);
    const chart = join(dir, "app");
    expect(readValues(chart).image).toMatchObject(image);
    expect(readChartYaml(chart).appVersion).toBe(image.tag);
  });

  it("quotes a numeric-looking tag so YAML 1.1 readers keep 1.10 a string", async ({ expect }) => {
    const dir = makeTempDir();
    expect((await initIn(dir, ["--yes", "--name", "app", "--image", "ghcr.io/acme/app:1.10"])).code).toBe(0);
    const values = readFileSync(join(dir, "app", "values.yaml"), "utf8");
    expect(values).toMatch(/^ {2}tag: (["'])1\.10\1$/m);
    expect(readFileSync(join(dir, "app", "Chart.yaml"), "utf8")).toMatch(/^appVersion: (["'])1\.10\1$/m);
    // A YAML 1.1 reader (Helm's) would turn an unquoted 1.10 into the number 1.1.
    expect(YAML.parse(values, { version: "1.1" }).image.tag).toBe("1.10");
  });

  it("writes the replicas, port and environments it was given", async ({ expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--replicas",
      "5",
      "--port",
      "8080",
      "--envs",
      "dev,staging,production",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const values = readValues(join(dir, "shop"));
    expect(values.replicaCount).toBe(5);
    expect(values.containerPort).toBe(8080);
    expect(listFiles(join(dir, "shop")).filter((f) => f.startsWith("values-"))).toEqual([
      "values-dev.yaml",
      "values-production.yaml",
      "values-staging.yaml",
    ]);
  });
});

describe("the Slack webhook is a credential", () => {
  it("is written only to slack-webhook-secret.yaml, mode 0600, and never printed", async () => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "--slack-webhook", WEBHOOK]);
    expect(result.code, result.stderr).toBe(0);

    const chart = join(dir, "shop");
    expect(listFiles(chart)).toEqual([...CHART_FILES, SECRET_FILE].sort());
    for (const [file, bytes] of snapshotTree(dir)) {
      const holdsIt = bytes.includes(WEBHOOK_TOKEN);
      expect(holdsIt, file).toBe(file === `shop/${SECRET_FILE}`);
    }
    const secret = YAML.parse(readFileSync(join(chart, SECRET_FILE), "utf8"));
    expect(secret).toMatchObject({ apiVersion: "v1", kind: "Secret" });
    expect(Object.values(secret.stringData ?? {})).toEqual([WEBHOOK]);
    expect(statSync(join(chart, SECRET_FILE)).mode & 0o777).toBe(0o600);

    expect(result.stdout).toContain(SECRET_FILE);
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toContain(WEBHOOK_TOKEN);
      expect(output).not.toContain("hooks.slack.com");
    }
  });

  it("keeps the Secret at mode 0600 under umask 000", async () => {
    const dir = makeTempDir();
    const result = await runProcess(
      "sh",
      [
        "-c",
        'umask 000; exec "$@"',
        "sh",
        process.execPath,
        CLI,
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        IMAGE,
        "--slack-webhook",
        WEBHOOK,
      ],
      { cwd: dir, env: cliEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(join(dir, "shop", SECRET_FILE)).mode & 0o777).toBe(0o600);
  });

  it("is taken from BLUEGREEN_SLACK_WEBHOOK, and never shown by --help or --dry-run", async () => {
    const dir = makeTempDir();
    const env = { BLUEGREEN_SLACK_WEBHOOK: WEBHOOK };
    for (const args of [
      ["--help"],
      ["init", "--help"],
      ["init", "--yes", "--name", "shop", "--image", IMAGE, "--dry-run"],
    ]) {
      const result = await runCli(args, { cwd: dir, env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(WEBHOOK_TOKEN);
    }
    expect(readdirSync(dir)).toEqual([]);
    const result = await runCli(["init", "--yes", "--name", "shop", "--image", IMAGE], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(YAML.parse(readFileSync(join(dir, "shop", SECRET_FILE), "utf8")).stringData.url).toBe(WEBHOOK);
  });

  it("is ignored by git and never staged", async () => {
    const repo = makeTempDir();
    // A repository of its own: no outer GIT_DIR (a git hook running the tests) may leak in.
    const env = mergeEnv(process.env, {
      GIT_DIR: undefined,
      GIT_WORK_TREE: undefined,
      GIT_INDEX_FILE: undefined,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    });
    const git = (...args: string[]) =>
      runProcess("git", ["-c", "init.defaultBranch=main", ...args], { cwd: repo, env });
    expect((await git("init", "-q")).code).toBe(0);
    writeFileSync(join(repo, "README.md"), "platform repo\n");
    const result = await runCli(
      ["init", "--yes", "--name", "shop", "--image", IMAGE, "--slack-webhook", WEBHOOK, "charts/shop"],
      {
        cwd: repo,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect((await git("add", "-A")).code).toBe(0);

    const ignored = await git("check-ignore", "-v", `charts/shop/${SECRET_FILE}`);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stdout).toContain(SECRET_FILE);

    const staged = (await git("ls-files", "--cached")).stdout;
    expect(lines(staged)).toEqual(["README.md", ...CHART_FILES.map((file) => `charts/shop/${file}`)].sort());
    expect(staged).not.toContain(SECRET_FILE);

    const grep = await git("grep", "--cached", "-F", "-e", WEBHOOK_TOKEN);
    expect(grep.code, grep.stdout).toBe(1); // 1: no staged file holds it
    const diff = await git("diff", "--cached");
    expect(diff.stdout).toContain("charts/shop/values.yaml");
    expect(diff.stdout).not.toContain(WEBHOOK_TOKEN);
  });
});

describe("no colour where it does not belong", () => {
  it("prints no ANSI codes when stdout and stderr are pipes, even without NO_COLOR", async () => {
    const dir = makeTempDir();
    const env = { NO_COLOR: undefined, TERM: "xterm-256color" };
    const ok = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toMatch(ANSI);
    const bad = await initIn(dir, ["--yes", "--name", "Shop", "--image", IMAGE], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(ANSI);
  });

  itNeeds(["script"])(
    "prints no ANSI codes in a terminal when NO_COLOR is set (and does colour without it)",
    async () => {
      const withColour = startInTerminal(["init", "--yes", "--name", "shop", "--image", IMAGE], {
        cwd: makeTempDir(),
        env: { NO_COLOR: undefined },
      });
      expect((await withColour.exited).code).toBe(0);
      expect(withColour.rawOutput()).toMatch(/\x1b\[3\dm/);

      const plain = startInTerminal(["init", "--yes", "--name", "shop", "--image", IMAGE], {
        cwd: makeTempDir(),
        env: { NO_COLOR: "1" },
      });
      expect((await plain.exited).code).toBe(0);
      expect(plain.output()).toContain("kubectl argo rollouts promote shop");
      expect(plain.rawOutput()).not.toMatch(ANSI);
    },
  );

  itNeeds(["script"])("prints no ANSI codes in a terminal with --no-color, on success and on error", async () => {
    const ok = startInTerminal(["--no-color", "init", "--yes", "--name", "shop", "--image", IMAGE], {
      cwd: makeTempDir(),
      env: { NO_COLOR: undefined },
    });
    expect((await ok.exited).code).toBe(0);
    expect(ok.output()).toContain("Next steps:");
    expect(ok.rawOutput()).not.toMatch(ANSI);

    const bad = startInTerminal(["init", "--no-color", "--yes", "--name", "Shop", "--image", IMAGE], {
      cwd: makeTempDir(),
      env: { NO_COLOR: undefined },
    });
    expect((await bad.exited).code).toBe(2);
    expect(bad.output()).toContain("error: --name:");
    expect(bad.rawOutput()).not.toMatch(ANSI);
  });
});

describe("standard output reaches its reader, or the run ends quietly", () => {
  // init --dry-run prints every file, more than a pipe holds (64 kB on Linux).
  const DRY_RUN = ["init", "--dry-run", "--yes", "--name", "shop", "--image", IMAGE];
  /** `sh -c` with the CLI as "$@", its exit status echoed to stderr (the pipeline's is the reader's). */
  const inShell = (pipeline: string, wrapper: string[] = []) =>
    runProcess(
      "sh",
      ["-c", `{ "$@"; echo "status $?" >&2; } | ${pipeline}`, "sh", ...wrapper, process.execPath, CLI, ...DRY_RUN],
      {
        cwd: makeTempDir(),
        env: cliEnv(),
      },
    );

  it("ends with the status so far and says nothing when the reader stops early (| head)", async () => {
    const result = await inShell("head -c 10");
    expect(result.stdout).toBe("Dry run: w");
    expect(result.stderr).toBe("status 0\n");
  });

  // A pipe that another program left non-blocking refuses a write with EAGAIN when it is full.
  const NON_BLOCKING = ["perl", "-MFcntl", "-e", "fcntl(STDOUT, F_SETFL, O_NONBLOCK) or die $!; exec @ARGV or die $!"];

  itNeeds(["perl"])("arrives whole through a non-blocking pipe whose reader is slow", async () => {
    const whole = await runCli(DRY_RUN, { cwd: makeTempDir() });
    expect(whole.code, whole.stderr).toBe(0);
    expect(Buffer.byteLength(whole.stdout)).toBeGreaterThan(65_536);

    // The pipe is really non-blocking: a plain write of more than it holds is refused.
    const probe = await runProcess(
      "sh",
      [
        "-c",
        '"$@" | { sleep 0.5; cat >/dev/null; }',
        "sh",
        ...NON_BLOCKING,
        process.execPath,
        "-e",
        'const b = Buffer.alloc(100000); try { for (let i = 0; i < 2; i++) require("fs").writeSync(1, b); } catch (e) { process.stderr.write(e.code); }',
      ],
      { env: cliEnv() },
    );
    expect(probe.stderr).toBe("EAGAIN");

    const slow = await inShell("{ sleep 0.5; cat; }", NON_BLOCKING);
    expect(slow.stderr).toBe("status 0\n");
    expect(slow.stdout).toBe(whole.stdout);
  });
});

/** A git repository of its own: no outer GIT_DIR (a git hook running the tests) may leak in. */
async function gitRepository(dir: string): Promise<void> {
  const env = mergeEnv(process.env, {
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  });
  const result = await runProcess("git", ["-c", "init.defaultBranch=main", "init", "-q", dir], { env });
  expect(result.code, result.stderr).toBe(0);
}

const applicationPath = (chart: string, env = "prod") =>
  YAML.parse(readFileSync(join(chart, "argocd", `${env}.yaml`), "utf8")).spec.source.path;

describe("the Argo CD path is where the chart is in its repository", () => {
  const REPO = "https://github.com/acme/platform.git";

  it("is . at the repository's root", async () => {
    const repo = makeTempDir();
    await gitRepository(repo);
    // --force: the root already holds .git.
    const result = await initIn(repo, [
      "--yes",
      "--force",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--repo-url",
      REPO,
      ".",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(applicationPath(repo)).toBe(".");
    expect(result.stdout).toContain("path .)");
  });

  it("is the path from the root when run in a subdirectory", async () => {
    const repo = makeTempDir();
    await gitRepository(repo);
    mkdirSync(join(repo, "deploy"));
    const result = await initIn(join(repo, "deploy"), [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--repo-url",
      REPO,
      "charts/shop",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(applicationPath(join(repo, "deploy/charts/shop"))).toBe("deploy/charts/shop");
  });

  it("is right when the chart's parent directories do not exist yet", async () => {
    const repo = makeTempDir();
    await gitRepository(repo);
    const result = await initIn(repo, [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--repo-url",
      REPO,
      "apps/payments/shop",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(applicationPath(join(repo, "apps/payments/shop"), "sandbox")).toBe("apps/payments/shop");
  });

  it("must be given outside git: --repo-url alone is refused with a hint, and nothing is written (a dry run too)", async () => {
    const dir = makeTempDir();
    for (const extra of [[], ["--dry-run"]]) {
      const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "--repo-url", REPO, ...extra]);
      expect(result.code).toBe(2);
      expect(lines(result.stderr)).toEqual([
        expect.stringMatching(
          /^error: --repo-path is required .*not inside a git repository.*--repo-path charts\/shop/,
        ),
      ]);
      expect(result.stdout).toBe("");
      expect(readdirSync(dir)).toEqual([]);
    }
    const given = await initIn(dir, [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--repo-url",
      REPO,
      "--repo-path",
      "charts/shop",
    ]);
    expect(given.code, given.stderr).toBe(0);
    expect(applicationPath(join(dir, "shop"))).toBe("charts/shop");
  });
});

describe.concurrent("environments and what the next steps say about them", () => {
  it("checks <name>-<env> against the namespace limit without --repo-url too", async ({ expect }) => {
    const dir = makeTempDir();
    const name = `a${"b".repeat(52)}`; // 53 characters, the most a name has: 53 + "-production" is 64
    const result = await initIn(dir, ["--yes", "--name", name, "--image", IMAGE, "--envs", "sandbox,production"]);
    expectUsageError(expect, result, "--name");
    expect(result.stderr).toContain(`${name}-production would be 64 characters`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("gives environments named like production the production preset, and names only them in the promotion advice", async ({
    expect,
  }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, [
      "--yes",
      "--name",
      "shop",
      "--image",
      IMAGE,
      "--envs",
      "dev,pre-prod,prod-eu,us-prod",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const promotion = (env: string) =>
      YAML.parse(readFileSync(join(dir, "shop", `values-${env}.yaml`), "utf8")).blueGreen.autoPromotionEnabled;
    expect(["dev", "pre-prod", "prod-eu", "us-prod"].map(promotion)).toEqual([true, true, false, false]);
    const promotions = lines(result.stdout)
      .filter((line) => line.includes("--from"))
      .map((line) => line.trim());
    expect(promotions).toEqual([
      "bluegreen bump-image --env prod-eu --from dev --chart shop --commit && git push",
      "bluegreen bump-image --env us-prod --from dev --chart shop --commit && git push",
    ]);
    const promotes = lines(result.stdout)
      .filter((line) => line.includes("kubectl argo rollouts promote"))
      .map((line) => line.trim());
    expect(promotes).toEqual([
      "kubectl argo rollouts promote shop -n shop-prod-eu",
      "kubectl argo rollouts promote shop -n shop-us-prod",
    ]);
  });

  it("has no promote step when every environment promotes itself", async ({ expect }) => {
    const dir = makeTempDir();
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", IMAGE, "--envs", "dev,staging"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("kubectl argo rollouts promote");
    expect(result.stdout).toContain("kubectl argo rollouts get rollout shop -n shop-dev --watch");
  });
});

describe("a digest-only image", () => {
  it("is accepted: the pods run repository@digest, with no version label or appVersion to claim a tag", async () => {
    const dir = makeTempDir();
    const ref = `ghcr.io/acme/shop@${DIGEST}`;
    const result = await initIn(dir, ["--yes", "--name", "shop", "--image", ref]);
    expect(result.code, result.stderr).toBe(0);
    const chart = join(dir, "shop");
    expect(readValues(chart).image).toMatchObject({ repository: "ghcr.io/acme/shop", tag: "", digest: DIGEST });
    expect(readChartYaml(chart).appVersion).toBe("");
    for (const release of await lintAndRenderAll(chart)) {
      const rollout = release.manifests.find((m) => m.kind === "Rollout")!;
      expect(rollout.spec.template.spec.containers[0].image).toBe(ref);
      expect(rollout.spec.template.metadata.labels["app.kubernetes.io/version"]).toBeUndefined();
      expectNoFindings(release);
    }
  });
});
