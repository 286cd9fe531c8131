// Questions for what the flags did not give: the four a chart needs, then the optional
// repository for Argo CD. Each answer is checked at the prompt by the same
// schema that checks the flags, so a refused answer is explained and asked again. Loaded only
// when a person is at a terminal.
import input from "@inquirer/input";
import password from "@inquirer/password";
import { appName, fieldError, imageWithTag, replicas, repoUrl, slackWebhook, type InitAnswers } from "./schema.js";
import type { ZodMiniType } from "zod/mini";

const validateWith = (schema: ZodMiniType) => (value: string) => fieldError(schema, value) ?? true;

export async function askInitQuestions(given: InitAnswers): Promise<InitAnswers> {
  const answers = { ...given };
  answers.name ??= await input({ message: "App name", validate: validateWith(appName) });
  answers.image ??= await input({
    message: "Container image (with a tag, e.g. ghcr.io/acme/shop:1.4.2)",
    validate: validateWith(imageWithTag),
  });
  answers.replicas ??= await input({ message: "Replicas", default: "2", validate: validateWith(replicas) });
  answers.slackWebhook ??= await password({
    message: "Slack webhook URL (empty: no notifications)",
    mask: "*",
    validate: validateWith(slackWebhook),
  });
  answers.repoUrl ??= await input({
    message: "Git repository URL for Argo CD (empty: write no Applications)",
    validate: validateWith(repoUrl),
  });
  return answers;
}
