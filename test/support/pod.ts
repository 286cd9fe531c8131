// A rendered container, started here the way the kubelet would start it: env resolved in order
// (Secrets by secretKeyRef, an optional one that is missing leaves its variable unset), $(VAR)
// expanded in env values, command and args, then command + args run as a process. The image's
// shell becomes this machine's /bin/sh (dash here: POSIX, like the busybox sh of the curl image).
import { type ProcessResult, runProcess } from "./process.js";

/**
 * Kubernetes' $(VAR) expansion, as kubernetes/kubernetes third_party/forked/golang/expansion/expand.go
 * does it: `$$` is `$`; `$(NAME)` is the variable's value when it is defined and stays `$(NAME)`
 * when not; `$(` with no `)` stays; a `$` before anything else stays as it is.
 */
export function expandLikeKubernetes(input: string, vars: Record<string, string>): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== "$" || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let read: string;
    let advance: number;
    if (rest[0] === "$") {
      [read, advance] = ["$", 1];
    } else if (rest[0] === "(") {
      const close = rest.indexOf(")", 1);
      if (close === -1) {
        [read, advance] = ["$(", 1];
      } else {
        const name = rest.slice(1, close);
        [read, advance] = [Object.hasOwn(vars, name) ? vars[name]! : `$(${name})`, close + 1];
      }
    } else {
      // One code point, as the Go code decodes one rune.
      const rune = String.fromCodePoint(rest.codePointAt(0)!);
      [read, advance] = [`$${rune}`, rune.length];
    }
    out += read;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

export interface StartedContainer {
  argv: string[];
  env: Record<string, string>;
}

/**
 * What the kubelet hands the container runtime (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables,
 * ExpandContainerCommandAndArgs): each env value expanded with the variables before it, then
 * command and args with all of them. `secrets` maps a Secret's name to its data.
 */
export function startContainer(container: any, secrets: Record<string, Record<string, string>> = {}): StartedContainer {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.secretKeyRef) {
      const { name, key, optional } = variable.valueFrom.secretKeyRef;
      const value = secrets[name]?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new Error(`CreateContainerConfigError: secret ${name} key ${key} not found`);
      }
      env[variable.name] = value;
    } else if (variable.valueFrom) {
      throw new Error(`${variable.name}: valueFrom other than secretKeyRef is not emulated`);
    } else {
      env[variable.name] = expandLikeKubernetes(String(variable.value ?? ""), env);
    }
  }
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((part: unknown) =>
    expandLikeKubernetes(String(part), env),
  );
  if (argv.length === 0) throw new Error("the container has no command: it would run its image's entrypoint");
  return { argv, env };
}

/** Runs a started container here: its own environment only, plus PATH to find sh and curl. */
export async function runContainer(started: StartedContainer, timeoutMs = 90_000): Promise<ProcessResult> {
  const [program, ...args] = started.argv;
  const local = program === "/bin/sh" || program === "sh" ? "/bin/sh" : program!;
  return runProcess(local, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...started.env }, timeoutMs });
}
