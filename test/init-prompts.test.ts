// `bluegreen init` at a real terminal: a person answering questions. The CLI runs in a
// pseudo-terminal (util-linux `script`); keystrokes go in, the screen comes out.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import YAML from "yaml";
import { listFiles, makeTempDir } from "./support/cli.js";
import { describeNeeds } from "./support/facilities.js";
import { startInTerminal, type TerminalSession } from "./support/terminal.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";
const SECRET_FILE = "slack-webhook-secret.yaml";

// Text unique to each question (inquirer redraws the line on every keystroke).
const ASK_NAME = "App name";
const ASK_IMAGE = "Container image";
const ASK_REPLICAS = "Replicas";
const ASK_WEBHOOK = "Slack webhook URL";
const NAME_RULE = /must be 1-53 characters of lowercase letters/;
const ASK_REPOSITORY = "Git repository URL for Argo CD";
const ASK_REPO_PATH = "Path of the chart in that repository";
const DONE = /Next steps:[\s\S]*Release a new image/;

const WAIT_MS = 8_000;

/** The webhook URL(s) held by the chart's Secret, exactly as stored. */
function secretUrls(chart: string): unknown[] {
  return Object.values(YAML.parse(readFileSync(join(chart, SECRET_FILE), "utf8")).stringData ?? {});
}

function readValues(chart: string): any {
  return YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8"));
}

async function expectExit(term: TerminalSession, code: number): Promise<void> {
  const exit = await term.exited;
  expect(exit, term.output()).toEqual({ code, signal: null });
}

/** The last, optional question: no repository, so no Argo CD Applications. */
async function finishWithoutRepository(term: TerminalSession): Promise<void> {
  await term.waitFor(ASK_REPOSITORY, WAIT_MS);
  term.press("enter");
  await term.waitFor(DONE, WAIT_MS);
}

function answer(term: TerminalSession, text: string): void {
  term.type(text);
  term.press("enter");
}

describeNeeds(["script"])("init at a terminal", () => {
  it("asks the four questions and the optional repository, takes the replicas default on enter, and writes what was typed", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init"], { cwd: dir });

    await term.waitFor(ASK_NAME, WAIT_MS);
    answer(term, "shop");
    await term.waitFor(ASK_IMAGE, WAIT_MS);
    answer(term, "ghcr.io/acme/shop:1.4.2");
    await term.waitFor(ASK_REPLICAS, WAIT_MS);
    // The default is offered on screen and taken by pressing enter alone.
    expect(term.output()).toMatch(/Replicas \(2\)/);
    term.press("enter");
    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    term.press("enter"); // empty: no notifications
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    const chart = join(dir, "shop");
    const values = readValues(chart);
    expect(values.replicaCount).toBe(2);
    expect(values.image).toMatchObject({ repository: "ghcr.io/acme/shop", tag: "1.4.2", digest: "" });
    expect(values.notifications.slack.enabled).toBe(false);
    expect(listFiles(chart)).not.toContain(SECRET_FILE);
    expect(listFiles(chart)).toContain("templates/rollout.yaml");
  });

  it("explains a refused name and asks again until it is fixed", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--image", "nginx:1.27"], { cwd: dir });

    await term.waitFor(ASK_NAME, WAIT_MS);
    answer(term, "Shop");
    await term.waitFor(NAME_RULE, WAIT_MS);
    // The refused text stays in the line: erase it and type a good one.
    for (let i = 0; i < "Shop".length; i++) term.press("backspace");
    answer(term, "shop");
    await term.waitFor(ASK_REPLICAS, WAIT_MS);
    answer(term, "3");
    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    term.press("enter");
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    expect(listFiles(dir).every((file) => file.startsWith("shop/"))).toBe(true);
    const values = readValues(join(dir, "shop"));
    expect(values.replicaCount).toBe(3);
    expect(values.image).toMatchObject({ repository: "nginx", tag: "1.27" });
  });

  it("refuses an image without a tag at the prompt, saying why, then accepts a tagged one", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--name", "shop"], { cwd: dir });

    await term.waitFor(ASK_IMAGE, WAIT_MS);
    answer(term, "ghcr.io/acme/shop");
    await term.waitFor(/needs a tag/, WAIT_MS);
    answer(term, ":2.0.1"); // the refused text is kept: complete it
    await term.waitFor(ASK_REPLICAS, WAIT_MS);
    term.press("enter");
    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    term.press("enter");
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    expect(readValues(join(dir, "shop")).image).toMatchObject({ repository: "ghcr.io/acme/shop", tag: "2.0.1" });
  });

  it("masks the webhook as it is typed and keeps it only in the Secret file", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--name", "shop", "--image", "nginx:1.27", "--replicas", "2"], { cwd: dir });

    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    term.type(WEBHOOK);
    await term.waitFor("*".repeat(WEBHOOK.length), WAIT_MS);
    term.press("enter");
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    const screen = term.rawOutput();
    expect(screen).not.toContain("hooks.slack.com");
    expect(screen).not.toContain("abcdefABCDEF123456");
    expect(screen).not.toMatch(/https:\/\/h/);

    const secret = join(dir, "shop", SECRET_FILE);
    expect(secretUrls(join(dir, "shop"))).toEqual([WEBHOOK]);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(readValues(join(dir, "shop")).notifications.slack.enabled).toBe(true);
  });

  it("refuses a non-https webhook at the prompt without ever showing it", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--name", "shop", "--image", "nginx:1.27", "--replicas", "2"], { cwd: dir });
    const insecure = WEBHOOK.replace("https:", "http:");

    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    answer(term, insecure);
    await term.waitFor(/must be an https:\/\/ URL/, WAIT_MS);
    // The refused value is kept (masked): change "http" to "https" after erasing it.
    for (let i = 0; i < insecure.length; i++) term.press("backspace");
    await term.waitFor(/\(empty: no notifications\)\s*$/, WAIT_MS);
    answer(term, WEBHOOK);
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    expect(term.rawOutput()).not.toContain("hooks.slack.com");
    expect(term.rawOutput()).not.toContain("abcdefABCDEF123456");
    expect(secretUrls(join(dir, "shop"))).toEqual([WEBHOOK]);
  });

  it("asks for the repository last, refuses one with a credential without showing it, and writes the Applications", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(
      ["init", "--name", "shop", "--image", "nginx:1.27", "--replicas", "2", "--slack-webhook", WEBHOOK],
      { cwd: dir },
    );
    await term.waitFor(ASK_REPOSITORY, WAIT_MS);
    const secretToken = "ghp_S3cr3tT0kenValue0123456789";
    answer(term, `https://${secretToken}@github.com/acme/platform.git`);
    await term.waitFor(/without a password or token/, WAIT_MS);
    // The refused text stays in the line to be edited: clear it, then give a clean URL.
    for (let i = 0; i < 80; i++) term.press("backspace");
    answer(term, "https://github.com/acme/platform.git");
    // Outside git, bluegreen cannot tell where the chart will be in the repository: it asks.
    await term.waitFor(ASK_REPO_PATH, WAIT_MS);
    answer(term, "charts/shop");
    await term.waitFor(DONE, WAIT_MS);
    await expectExit(term, 0);
    expect(listFiles(join(dir, "shop")).filter((f) => f.startsWith("argocd/"))).toEqual([
      "argocd/prod.yaml",
      "argocd/sandbox.yaml",
    ]);
    const app = YAML.parse(readFileSync(join(dir, "shop", "argocd", "prod.yaml"), "utf8"));
    expect(app.spec.source.repoURL).toBe("https://github.com/acme/platform.git");
    expect(app.spec.source.path).toBe("charts/shop");
    for (const file of listFiles(dir)) expect(readFileSync(join(dir, file), "utf8")).not.toContain(secretToken);
  });

  it("does not ask again for what a flag gave: the first question is Replicas", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--name", "shop", "--image", "nginx:1.27"], { cwd: dir });

    await term.waitFor(ASK_REPLICAS, WAIT_MS);
    expect(term.output()).not.toContain(ASK_NAME);
    expect(term.output()).not.toContain(ASK_IMAGE);
    answer(term, "4");
    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    term.press("enter");
    await finishWithoutRepository(term);
    await expectExit(term, 0);
    expect(term.output()).not.toContain(ASK_NAME);
    expect(readValues(join(dir, "shop")).replicaCount).toBe(4);
  });

  it("refuses a non-empty target right after the name, before any other question, and changes nothing", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "shop"));
    writeFileSync(join(dir, "shop", "notes.txt"), "mine\n");
    const term = startInTerminal(["init"], { cwd: dir });

    await term.waitFor(ASK_NAME, WAIT_MS);
    answer(term, "shop");
    await expectExit(term, 1);
    expect(term.output()).toMatch(/error: shop is not empty \(use --force/);
    expect(term.output()).not.toContain(ASK_IMAGE);
    expect(listFiles(dir)).toEqual(["shop/notes.txt"]);
  });

  it("trims spaces around every answer", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init"], { cwd: dir });

    await term.waitFor(ASK_NAME, WAIT_MS);
    answer(term, "  shop ");
    await term.waitFor(ASK_IMAGE, WAIT_MS);
    answer(term, " nginx:1.27  ");
    await term.waitFor(ASK_REPLICAS, WAIT_MS);
    answer(term, " 3 ");
    await term.waitFor(ASK_WEBHOOK, WAIT_MS);
    answer(term, ` ${WEBHOOK} `);
    await finishWithoutRepository(term);
    await expectExit(term, 0);

    const values = readValues(join(dir, "shop"));
    expect(values.image).toMatchObject({ repository: "nginx", tag: "1.27" });
    expect(values.replicaCount).toBe(3);
    expect(secretUrls(join(dir, "shop"))).toEqual([WEBHOOK]);
  });

  it("leaves quietly with status 130 on Ctrl-C and writes nothing", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--name", "shop"], { cwd: dir });

    await term.waitFor(ASK_IMAGE, WAIT_MS);
    term.type("nginx:1.2");
    term.press("ctrl-c");
    await expectExit(term, 130);
    expect(term.output()).not.toMatch(/^\s+at /m);
    expect(term.output()).not.toMatch(/ExitPromptError|error:/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("never prompts with --yes, even at a terminal: a missing --image is exit 2", async () => {
    const dir = makeTempDir();
    const term = startInTerminal(["init", "--yes", "--name", "shop"], { cwd: dir });

    await expectExit(term, 2);
    expect(term.output().trim()).toBe("error: --image is required");
    expect(readdirSync(dir)).toEqual([]);
  });
});
