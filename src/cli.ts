// The command surface. This module only wires commands: each action loads its command module
// on demand, so `bluegreen --help` never pays for prompts, schemas, YAML or templates.
import { Command, CommanderError, Option } from "commander";
import { loadBundle } from "./bundles.js";
import { isCliError, unexpectedErrorLine } from "./errors.js";
import { err } from "./output.js";
import { redact } from "./redact.js";

declare const __BLUEGREEN_VERSION__: string;

const EXAMPLES = `
Examples:
  $ bluegreen init                          # asks four questions
  $ bluegreen init --yes --name shop --image ghcr.io/acme/shop:1.4.2
  $ bluegreen add-env staging --chart shop
  $ bluegreen bump-image 1.4.3 --chart shop --env sandbox
  $ bluegreen bump-image --chart shop --env prod --from sandbox --commit
  $ bluegreen history --chart shop --env prod
  $ bluegreen rollback --chart shop --env prod --commit
  $ bluegreen doctor --chart shop`;

const CHART_HELP = "the chart's directory (default: the current directory)";
const DIFF_HELP = "print the changes as a unified diff, and write nothing";
const COMMIT_HELP = "commit exactly the files this changes, with a message naming the app, environments and images (never pushes)";
const JSON_HELP = "print what changed as JSON, for CI (errors too)";

function buildProgram(): Command {
  const program = new Command("bluegreen")
    .description("Blue/Green releases on Kubernetes: writes and edits a Helm chart that Argo CD deploys and Argo Rollouts switches.")
    .version(__BLUEGREEN_VERSION__, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--no-color", "never colour the output (NO_COLOR works too)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => {
        // Commander repeats what was typed (an unknown command may be a URL with a token in it).
        commanderMessage = redact(message.trimEnd());
        write(err.red(commanderMessage) + "\n");
      },
    })
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", EXAMPLES);
  program.helpCommand("help [command]", "show help for a command");

  program
    .command("init")
    .description("write a new Blue/Green chart (asks for what the flags don't give)")
    .argument("[directory]", "where to write the chart (default: ./<name>)")
    .option("--name <name>", "app name: lowercase letters, digits and '-', 1-53 characters")
    .option("--image <ref>", "container image with a tag or a digest: [registry[:port]/]path[:tag][@sha256:digest]")
    .option("--replicas <n>", "replicas, 1-1000 (default: 2)")
    .addOption(
      new Option("--slack-webhook <url>", "Slack incoming webhook URL; kept only in slack-webhook-secret.yaml (default: none)").env(
        "BLUEGREEN_SLACK_WEBHOOK",
      ),
    )
    .option("--port <n>", "container port, 1-65535 (default: 8080; the Services expose port 80)")
    .option("--envs <list>", "environments, comma-separated (default: sandbox,prod)")
    .option("--repo-url <git-url>", "git repository Argo CD deploys from; writes argocd/<env>.yaml (https://, ssh:// or git@host:path)")
    .option("--repo-path <path>", "the chart's path in that repository (default: its path in the git repository around it; required outside one)")
    .option("--revision <ref>", "branch, tag or commit Argo CD follows (default: HEAD)")
    .option("--namespace <ns>", "namespace prefix: each environment deploys to <ns>-<env> (default: <name>)")
    .option("--argocd-namespace <ns>", "namespace of Argo CD and its Applications (default: argocd)")
    .option("--project <name>", "Argo CD project of the Applications (default: default)")
    .option("--rollout-notifications", "also post Argo Rollouts events (paused, aborted, completed) to the Slack webhook")
    .option("--host <fqdn>", "serve production traffic at this host: turns on the Ingress to the active Service")
    .option("--preview-host <fqdn>", "try green at this host before promotion: turns on an Ingress to the preview Service")
    .option("-y, --yes", "never prompt: take the flags and the defaults")
    .option("--force", "write into a non-empty directory, replacing only the files bluegreen generates")
    .option("--dry-run", "print what would be written, and write nothing")
    .action(async (directory: string | undefined, options) => {
      await loadBundle("init").runInit(directory, options);
    });

  // Commander keeps whichever of --auto-promote and --no-auto-promote came last; given both,
  // the person asked for two things, which is a usage error (see addEnvInput).
  const promotionFlags = new Set<string>();
  const addEnv = program
    .command("add-env")
    .description("add an environment: writes values-<env>.yaml from a preset (named like production: manual promotion, autoscaling)")
    .argument("<env>", "environment name: lowercase letters, digits and '-', 1-20 characters")
    .option("--chart <dir>", CHART_HELP)
    .option("--replicas <n>", "replicas, 1-1000 (prod: the HPA's minimum)")
    .option("--auto-promote", "switch traffic as soon as green is ready (default except prod)")
    .option("--no-auto-promote", "wait for kubectl argo rollouts promote (default for prod)")
    .option("--force", "replace an existing values-<env>.yaml")
    .option("--dry-run", DIFF_HELP)
    .option("--commit", COMMIT_HELP)
    .option("--json", JSON_HELP)
    .action(async (env: string, options) => {
      await loadBundle("add-env").runAddEnv(env, promotionFlags.size > 1 ? { ...options, autoPromote: "both" } : options);
    });
  for (const flag of ["auto-promote", "no-auto-promote"]) addEnv.on(`option:${flag}`, () => promotionFlags.add(flag));

  program
    .command("bump-image")
    .description("set the image of every environment, or of one with --env; only the changed values change")
    .argument("[tag|image-ref]", "a tag (v2), a reference (ghcr.io/acme/app:v2, also sets the repository) or a digest (app@sha256:...)")
    .option("--chart <dir>", CHART_HELP)
    .option("--env <env>", "change only values-<env>.yaml (default: values.yaml and Chart.yaml appVersion)")
    .option("--from <env>", "with --env: copy the image that <env> renders (repository, tag, digest) instead of giving one")
    .option("--dry-run", DIFF_HELP)
    .option("--commit", COMMIT_HELP)
    .option("--json", JSON_HELP)
    .action(async (image: string | undefined, options) => {
      await loadBundle("bump-image").runBumpImage(image, options);
    });

  program
    .command("history")
    .description("list, from git, every change of the image each environment renders, newest first")
    .option("--chart <dir>", CHART_HELP)
    .option("--env <env>", "only this environment (default: every one)")
    .option("--json", "print the history as JSON, for CI")
    .action(async (options) => {
      await loadBundle("history").runHistory(options);
    });

  program
    .command("rollback")
    .description("put back the image an environment ran before its current one (or --to another), through git")
    .option("--env <env>", "the environment to roll back (required)")
    .option("--to <tag|image-ref|commit>", "the image to go to, or a commit whose image to go to (default: the one before the current)")
    .option("--chart <dir>", CHART_HELP)
    .option("--dry-run", DIFF_HELP)
    .option("--commit", COMMIT_HELP)
    .option("--json", JSON_HELP)
    .action(async (options) => {
      await loadBundle("rollback").runRollback(options);
    });

  program
    .command("doctor")
    .description("render the chart with real Helm for every environment and report what would break a Blue/Green release")
    .option("--chart <dir>", CHART_HELP)
    .option("--json", "print the findings as JSON, for CI")
    .option("--helm <path>", "the helm binary to render with (default: HELM_BIN, else helm on PATH)")
    .option("--timeout <seconds>", "longest one helm template may take, 1-3600 (default: 120)")
    .action(async (options) => {
      status = await loadBundle("doctor").runDoctor(options);
    });

  program
    .command("migrate")
    .description("turn a chart with a Deployment (such as helm create's) into a Blue/Green chart")
    .option("--chart <dir>", CHART_HELP)
    .option("--dry-run", DIFF_HELP)
    .option("--helm <path>", "the helm binary that proves the result (default: HELM_BIN, else helm on PATH)")
    .action(async (options) => {
      await loadBundle("migrate").runMigrate(options);
    });

  return program;
}

/** The exit status a command asks for (doctor: 1 when it found errors). */
let status = 0;
/** What commander said about a usage error, redacted, for --json. */
let commanderMessage: string | undefined;

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    return reportError(error, wantsJson(argv));
  }
}

/** --json before any `--`: the caller reads standard output as JSON, errors included. */
const wantsJson = (argv: string[]) => argv.slice(0, argv.includes("--") ? argv.indexOf("--") : undefined).includes("--json");

/**
 * The one place errors reach people: each line redacted (it may repeat Helm's, git's or the
 * person's text), on stderr; with --json, also as {"error": {"exitCode", "messages"}} on stdout.
 */
function reportError(error: unknown, json: boolean): number {
  const report = (exitCode: number, lines: string[], printed = false) => {
    const messages = lines.map(redact);
    if (!printed) for (const line of messages) process.stderr.write(err.red(`error: ${line}`) + "\n");
    if (json) process.stdout.write(`${JSON.stringify({ error: { exitCode, messages } }, null, 2)}\n`);
    return exitCode;
  };
  if (error instanceof CommanderError) {
    // Help and version exit 0; anything else commander refused is usage. It has printed its
    // message already.
    if (error.exitCode === 0) return 0;
    return report(2, [(commanderMessage ?? error.message).replace(/^error: /, "")], true);
  }
  if (isCliError(error)) return report(error.exitCode, error.lines);
  if (error instanceof Error && error.name === "ExitPromptError") {
    // Ctrl-C at a prompt: leave quietly, as a shell would.
    process.stderr.write("\n");
    return 130;
  }
  if (process.env.DEBUG && error instanceof Error) process.stderr.write(`${redact(error.stack ?? "")}\n`);
  return report(1, [unexpectedErrorLine(error)]);
}

// Output piped into a program that stops reading (`| head`) ends the run quietly, as in git.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
