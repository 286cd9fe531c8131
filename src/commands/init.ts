// `bluegreen init`: gather answers (flags, then prompts) → one schema parse → build the chart
// in memory → write it atomically → say what was written and what to do next.
import path from "node:path";
import { loadBundle } from "../bundles.js";
import { type ArgoSettings, IN_CLUSTER, pathInRepository } from "../chart/argocd.js";
import { namespaceFor, overlayFile, SLACK_SECRET_FILE } from "../chart/names.js";
import { promotesByHand } from "../chart/readme.js";
import { type ChartFile, renderChart } from "../chart/render.js";
import { type ChartSettings, initialOverlay } from "../chart/values.js";
import { failure, inputError, usageError } from "../errors.js";
import { fieldNames, INIT_FLAGS, type OptionsOf } from "../flags.js";
import { directoryState, writeDirectory } from "../fs-atomic.js";
import { fieldError, type InitAnswers, initInput, parseInput } from "../input-schema.js";
import { isTerminal, out, print } from "../output.js";
import { shownPath } from "../paths.js";
import { sectionData } from "../yaml-doc.js";

export type InitOptions = OptionsOf<typeof INIT_FLAGS>;

/** How each field is named in messages: the flag that sets it. --yes, --force and --dry-run decide how, not what. */
export const INIT_FIELDS = fieldNames(INIT_FLAGS, initInput, { directory: "<directory>" }, ["yes", "force", "dryRun"]);

export async function runInit(directory: string | undefined, options: InitOptions): Promise<void> {
  const { yes, force, dryRun, ...flags } = options;
  const given: InitAnswers = { ...flags, directory };
  refuseInvalidFlags(given);
  // A target that cannot be written is refused as soon as it is known (a dry run too): before
  // any question when a flag names it, right after the name otherwise.
  const targetOf = (name: string) => path.resolve(directory ?? name);
  const knownTarget = directory ?? options.name;
  if (knownTarget !== undefined) refuseNonEmpty(path.resolve(knownTarget), force);

  const interactive = !yes && isTerminal(0);
  const answers = interactive
    ? await loadBundle("prompts").askInitQuestions(given, {
        afterName: (name) => refuseNonEmpty(targetOf(name), force),
        needsRepoPath: (name) => pathInRepository(targetOf(name)) === undefined,
      })
    : given;
  const input = parseInput(initInput, answers, INIT_FIELDS);

  const target = targetOf(input.name);
  const settings: ChartSettings = {
    name: input.name,
    image: input.image,
    replicas: input.replicas,
    port: input.port,
    envs: input.envs,
    namespace: input.namespace ?? input.name,
    slackEnabled: input.slackWebhook !== undefined,
    rolloutNotifications: input.rolloutNotifications === true,
    host: input.host,
    previewHost: input.previewHost,
  };
  const argo: ArgoSettings | undefined = input.repoUrl
    ? {
        repoUrl: input.repoUrl,
        repoPath: input.repoPath ?? repoPathOf(target, input.name),
        revision: input.revision,
        argocdNamespace: input.argocdNamespace,
        project: input.project,
        server: IN_CLUSTER,
        namespace: settings.namespace,
      }
    : undefined;
  const files = renderChart(settings, { slackWebhook: input.slackWebhook, argo });
  if (dryRun) return printDryRun(target, files);
  const { replaced } = await writeDirectory(target, files, { replace: force === true });
  printWritten(target, files, settings, argo, replaced);
}

/** A flag that was given and is wrong fails before any question is asked. */
function refuseInvalidFlags(given: InitAnswers): void {
  const issues = Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .flatMap(([key, value]) => {
      const message = fieldError(initInput.shape[key as keyof InitAnswers], value);
      return message === undefined ? [] : [{ path: [key], message }];
    });
  if (issues.length > 0) throw inputError(issues, given, INIT_FIELDS);
}

function refuseNonEmpty(target: string, force: boolean | undefined): void {
  if (!force && directoryState(target) === "non-empty") {
    throw failure(`${shownPath(target)} is not empty (use --force to replace the files bluegreen generates)`);
  }
}

/** Where Argo CD finds the chart in its repository: only git knows, so outside one it must be given. */
function repoPathOf(target: string, name: string): string {
  const inRepository = pathInRepository(target);
  if (inRepository !== undefined) return inRepository;
  throw usageError(
    `--repo-path is required with --repo-url here: ${shownPath(target)} is not inside a git repository, so bluegreen cannot tell where the chart will be in it (give its path from the repository's root, such as --repo-path charts/${name})`,
  );
}

function printDryRun(target: string, files: ChartFile[]): void {
  const lines = [out.bold(`Dry run: would write ${files.length} files to ${shownPath(target)} (nothing written)`), ""];
  for (const file of files) {
    if (file.secret) {
      lines.push(out.cyan(`--- ${file.path}`) + out.dim(" (holds the Slack webhook: not shown)"), "");
      continue;
    }
    lines.push(out.cyan(`--- ${file.path}`), file.content.trimEnd(), "");
  }
  print(lines.join("\n"));
}

function printWritten(
  target: string,
  files: ChartFile[],
  settings: ChartSettings,
  argo: ArgoSettings | undefined,
  replaced: string[],
): void {
  const dir = shownPath(target);
  // Only environments that wait for a person are promoted by one.
  const manual = settings.envs.filter((env) =>
    promotesByHand({ file: overlayFile(env), data: sectionData(initialOverlay(env, settings)) }),
  );
  const namespaces = settings.envs.map((env) => namespaceFor(settings.namespace, env));
  const lines = [
    out.green(`Wrote a Blue/Green chart for ${settings.name} to ${dir}:`),
    ...files.map((file) => `  ${file.path}${file.secret ? out.dim("  (mode 0600, git-ignored)") : ""}`),
    ...(replaced.length > 0
      ? [
          out.yellow(
            `Replaced ${replaced.length === 1 ? "a file that was" : `${replaced.length} files that were`} there (--force): ${replaced.join(", ")}`,
          ),
        ]
      : []),
    "",
    out.bold("Next steps:"),
    "  1. Install Argo Rollouts once per cluster (its CRDs need server-side apply):",
    "       kubectl create namespace argo-rollouts",
    "       kubectl apply --server-side -n argo-rollouts -f https://github.com/argoproj/argo-rollouts/releases/latest/download/install.yaml",
  ];
  let step = 2;
  if (settings.rolloutNotifications) {
    lines.push(
      `  ${step++}. Start the Argo Rollouts controller with --self-service-notification-enabled (see ${path.join(dir, "README.md")}).`,
    );
  }
  if (settings.slackEnabled) {
    lines.push(
      `  ${step++}. Create each namespace and apply the Slack Secret there once, before the first sync (never commit it):`,
      ...namespaces.flatMap((ns) => [
        `       kubectl create namespace ${ns}`,
        `       kubectl apply -n ${ns} -f ${path.join(dir, SLACK_SECRET_FILE)}`,
      ]),
    );
  }
  if (argo) {
    lines.push(
      `  ${step++}. Commit and push ${dir} to ${argo.repoUrl} (${argo.revision}, path ${argo.repoPath}), then hand it to Argo CD:`,
      `       kubectl apply -f ${path.join(dir, "argocd")}/`,
    );
  } else {
    lines.push(
      `  ${step++}. Commit ${dir} and point Argo CD at it: one Application per environment, releaseName ${settings.name},`,
      `     valueFiles [values.yaml, values-<env>.yaml], namespace ${namespaceFor(settings.namespace, "<env>")} (see ${path.join(dir, "README.md")};`,
      "     init --repo-url writes them for you).",
    );
  }
  if (settings.host || settings.previewHost) {
    lines.push(`  ${step++}. Point DNS at your ingress controller for the hosts of the Ingresses:`);
    if (settings.host)
      lines.push(`       production:                 http://${settings.host}/  (add ingress.tls for HTTPS)`);
    if (settings.previewHost)
      lines.push(`       green, before promotion:    http://${settings.previewHost}/  (keep this host internal)`);
  }
  // The release flow: bump where promotion is automatic, watch it there, promote the tested image
  // into the environments that pin theirs (manual promotion), roll back through git.
  const tested = settings.envs.find((env) => !manual.includes(env));
  const rollout = (env: string) => `${settings.name} -n ${namespaceFor(settings.namespace, env)}`;
  if (tested) {
    lines.push(
      `  ${step++}. Release a new image to ${tested}${settings.envs.length - manual.length > 1 ? " (and every environment that follows values.yaml)" : ""}, and watch it there:`,
      `       bluegreen bump-image <tag> --chart ${dir} --commit && git push`,
      `       kubectl argo rollouts get rollout ${rollout(tested)} --watch`,
    );
  }
  for (const env of manual) {
    lines.push(
      `  ${step++}. ${tested ? `Promote the image tested in ${tested} into ${env}` : `Release a new image to ${env}`} (it pins its own), then switch its traffic:`,
      `       bluegreen bump-image ${tested ? `--env ${env} --from ${tested}` : `<tag> --env ${env}`} --chart ${dir} --commit && git push`,
      `       kubectl argo rollouts promote ${rollout(env)}`,
    );
  }
  lines.push(
    `  ${step++}. Roll back through git (kubectl argo rollouts undo is reverted by self-heal):`,
    `       bluegreen rollback --env ${manual[0] ?? settings.envs.at(-1)!} --chart ${dir} --commit && git push`,
    "",
  );
  print(lines.join("\n"));
}
