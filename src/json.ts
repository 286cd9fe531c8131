// `--json`: what a command did, as one JSON document on standard output, for CI. An error is a
// document too, {"error": {"exitCode", "messages"}}, so a pipeline that parses the output
// never has to parse people's text; the same lines still go to stderr for the log.
import { isCliError } from "./errors.js";
import { redact } from "./rules/secrets.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The JSON form of an error (the stderr lines stay as they are). */
export function jsonError(error: unknown): { error: { exitCode: number; messages: string[] } } {
  if (isCliError(error)) return { error: { exitCode: error.exitCode, messages: error.lines.map(redact) } };
  const message = error instanceof Error ? error.message.split("\n", 1)[0]! : String(error);
  return { error: { exitCode: 1, messages: [redact(message)] } };
}

/** Runs a command; with `json`, an error is also printed as JSON before it is reported. */
export async function withJsonErrors<T>(json: boolean | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (json && !(error instanceof Error && error.name === "ExitPromptError")) printJson(jsonError(error));
    throw error;
  }
}
