// `--json`: what a command did, as one JSON document on standard output, for CI. An error is a
// document too, printed by the CLI's one error reporter (src/cli.ts).
import { print } from "./output.js";

export function printJson(value: unknown): void {
  print(`${JSON.stringify(value, null, 2)}\n`);
}
