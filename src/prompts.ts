// Questions for what the flags did not give: the four a chart needs, then the optional
// repository for Argo CD. Each answer is checked at the prompt by the same
// schema that checks the flags, so a refused answer is explained and asked again. Answers are
// trimmed: a space pasted before or after a value is never part of it. Loaded only when a person
// is at a terminal.
import input from "@inquirer/input";
import password from "@inquirer/password";
import type { ZodMiniType } from "zod/mini";
import {
  appName,
  fieldError,
  type InitAnswers,
  imageWithTag,
  replicas,
  repoPath,
  repoUrl,
  slackWebhook,
} from "./input-schema.js";

const validateWith = (schema: ZodMiniType) => (value: string) => fieldError(schema, value.trim()) ?? true;

export interface InitQuestionHooks {
  /** Called with the name as soon as it is answered; throws to refuse it (a non-empty target). */
  afterName?(name: string): void;
  /** Whether the chart's path in the repository must be asked (the chart is not inside git). */
  needsRepoPath?(name: string): boolean;
}

export async function askInitQuestions(given: InitAnswers, hooks: InitQuestionHooks = {}): Promise<InitAnswers> {
  const answers = { ...given };
  if (answers.name === undefined) {
    answers.name = (await input({ message: "App name", validate: validateWith(appName) })).trim();
    hooks.afterName?.(answers.name);
  }
  answers.image ??= (
    await input({
      message: "Container image (with a tag, e.g. ghcr.io/acme/shop:1.4.2)",
      validate: validateWith(imageWithTag),
    })
  ).trim();
  answers.replicas ??= (await input({ message: "Replicas", default: "2", validate: validateWith(replicas) })).trim();
  answers.slackWebhook ??= (
    await password({
      message: "Slack webhook URL (empty: no notifications)",
      mask: "*",
      validate: validateWith(slackWebhook),
    })
  ).trim();
  answers.repoUrl ??= (
    await input({
      message: "Git repository URL for Argo CD (empty: write no Applications)",
      validate: validateWith(repoUrl),
    })
  ).trim();
  if (answers.repoUrl !== "" && answers.repoPath === undefined && hooks.needsRepoPath?.(answers.name)) {
    answers.repoPath = (
      await input({
        // No default: outside git any guess (such as the app's name) would send Argo CD to the
        // wrong folder, so the person says where the chart will be.
        message: `Path of the chart in that repository, from its root (such as charts/${answers.name}; this directory is not in git, so bluegreen cannot tell)`,
        validate: validateWith(repoPath),
      })
    ).trim();
  }
  return answers;
}
