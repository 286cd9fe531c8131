// `--json`: what a command did, as one JSON document on standard output, for CI. An error is a
// document too, printed by the CLI's one error reporter (src/cli.ts).

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
