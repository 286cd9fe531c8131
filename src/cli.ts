// The command surface. This module only wires commands: each action loads its command module
// on demand, so `bluegreen --help` never pays for prompts, schemas, YAML or templates.
import { Command, CommanderError, Option } from "commander";
import { loadBundle } from "./bundles.js";
import { isCliError, unexpectedErrorLine } from "./errors.js";
import {
  ADD_ENV_FLAGS,
  BUMP_IMAGE_FLAGS,
  DOCTOR_FLAGS,
  type FlagSpec,
  HISTORY_FLAGS,
  INIT_FLAGS,
  MIGRATE_FLAGS,
  type OptionsOf,
  ROLLBACK_FLAGS,
} from "./flags.js";
import { colored, err, isTerminal, print, printError } from "./output.js";
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

/** Adds a command's flags from its table (flags.ts), in the table's order, which is the help's. */
function withFlags(command: Command, flags: Record<string, FlagSpec>): Command {
  for (const spec of Object.values(flags)) {
    const option = new Option(spec.flags, spec.help);
    command.addOption(spec.env === undefined ? option : option.env(spec.env));
    if (spec.negate !== undefined) command.addOption(new Option(spec.flags.replace("--", "--no-"), spec.negate));
  }
  return command;
}

/**
 * Each command with its flags (from flags.ts), arguments and action, which loads the command's
 * bundle; in this order in the help.
 */
const COMMANDS: Record<string, (program: Command) => void> = {
  init: (program) => {
    withFlags(program.command("init"), INIT_FLAGS)
      .description("write a new Blue/Green chart (asks for what the flags don't give)")
      .argument("[directory]", "where to write the chart (default: ./<name>)")
      .action(async (directory: string | undefined, options: OptionsOf<typeof INIT_FLAGS>) => {
        await loadBundle("init").runInit(directory, options);
      });
  },
  "add-env": (program) => {
    // Commander keeps whichever of --auto-promote and --no-auto-promote came last; given both,
    // the person asked for two things, which is a usage error (see addEnvInput).
    const promotionFlags = new Set<string>();
    const addEnv = withFlags(program.command("add-env"), ADD_ENV_FLAGS)
      .description(
        "add an environment: writes values-<env>.yaml from a preset (named like production: manual promotion, autoscaling)",
      )
      .argument("<env>", "environment name: lowercase letters, digits and '-', 1-20 characters")
      .action(async (env: string, options: OptionsOf<typeof ADD_ENV_FLAGS>) => {
        await loadBundle("add-env").runAddEnv(
          env,
          promotionFlags.size > 1 ? { ...options, autoPromote: "both" } : options,
        );
      });
    for (const flag of ["auto-promote", "no-auto-promote"]) addEnv.on(`option:${flag}`, () => promotionFlags.add(flag));
  },
  "bump-image": (program) => {
    withFlags(program.command("bump-image"), BUMP_IMAGE_FLAGS)
      .description("set the image of every environment, or of one with --env; only the changed values change")
      .argument(
        "[tag|image-ref]",
        "a tag (v2), a reference (ghcr.io/acme/app:v2, also sets the repository) or a digest (app@sha256:...)",
      )
      .action(async (image: string | undefined, options: OptionsOf<typeof BUMP_IMAGE_FLAGS>) => {
        await loadBundle("bump-image").runBumpImage(image, options);
      });
  },
  history: (program) => {
    withFlags(program.command("history"), HISTORY_FLAGS)
      .description("list, from git, every change of the image each environment renders, newest first")
      .action(async (options: OptionsOf<typeof HISTORY_FLAGS>) => {
        await loadBundle("history").runHistory(options);
      });
  },
  rollback: (program) => {
    withFlags(program.command("rollback"), ROLLBACK_FLAGS)
      .description("put back the image an environment ran before its current one (or --to another), through git")
      .action(async (options: OptionsOf<typeof ROLLBACK_FLAGS>) => {
        await loadBundle("rollback").runRollback(options);
      });
  },
  doctor: (program) => {
    withFlags(program.command("doctor"), DOCTOR_FLAGS)
      .description(
        "render the chart with real Helm for every environment and report what would break a Blue/Green release",
      )
      .action(async (options: OptionsOf<typeof DOCTOR_FLAGS>) => {
        status = await loadBundle("doctor").runDoctor(options);
      });
  },
  migrate: (program) => {
    withFlags(program.command("migrate"), MIGRATE_FLAGS)
      .description("turn a chart with a Deployment (such as helm create's) into a Blue/Green chart")
      .action(async (options: OptionsOf<typeof MIGRATE_FLAGS>) => {
        await loadBundle("migrate").runMigrate(options);
      });
  },
};

function buildProgram(argv: string[]): Command {
  const program = new Command("bluegreen")
    .description(
      "Blue/Green releases on Kubernetes: writes and edits a Helm chart that Argo CD deploys and Argo Rollouts switches.",
    )
    .version(__BLUEGREEN_VERSION__, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--no-color", "never colour the output (NO_COLOR works too)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: print,
      writeErr: printError,
      // Off a terminal, help is 80 columns wide, as commander makes it.
      getOutHelpWidth: () => (isTerminal(1) ? process.stdout.columns : 80),
      getErrHelpWidth: () => (isTerminal(2) ? process.stderr.columns : 80),
      getOutHasColors: () => colored(1),
      getErrHasColors: () => colored(2),
      outputError: (message, write) => {
        // Commander repeats what was typed (an unknown command may be a URL with a token in it).
        commanderMessage = redact(message.trimEnd());
        write(`${err.red(commanderMessage)}\n`);
      },
    })
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", EXAMPLES);
  program.helpCommand("help [command]", "show help for a command");

  // A run of one command (`bluegreen init ...`) registers only that command: the others' flags
  // are never read there, and building them was a twentieth of what init adds to Node's start.
  // The program's help, `help <command>` and a mistyped command get every command.
  const only = Object.hasOwn(COMMANDS, argv[0] ?? "") ? argv[0] : undefined;
  for (const [name, register] of Object.entries(COMMANDS)) if (only === undefined || name === only) register(program);
  return program;
}

/** The exit status a command asks for (doctor: 1 when it found errors). */
let status = 0;
/** What commander said about a usage error, redacted, for --json. */
let commanderMessage: string | undefined;

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv);
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
const wantsJson = (argv: string[]) =>
  argv.slice(0, argv.includes("--") ? argv.indexOf("--") : undefined).includes("--json");

/**
 * The one place errors reach people: each line redacted (it may repeat Helm's, git's or the
 * person's text), on stderr; with --json, also as {"error": {"exitCode", "messages"}} on stdout.
 */
function reportError(error: unknown, json: boolean): number {
  const report = (exitCode: number, lines: string[], printed = false) => {
    const messages = lines.map(redact);
    if (!printed) for (const line of messages) printError(`${err.red(`error: ${line}`)}\n`);
    if (json) print(`${JSON.stringify({ error: { exitCode, messages } }, null, 2)}\n`);
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
    printError("\n");
    return 130;
  }
  if (process.env.DEBUG && error instanceof Error) printError(`${redact(error.stack ?? "")}\n`);
  return report(1, [unexpectedErrorLine(error)]);
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
