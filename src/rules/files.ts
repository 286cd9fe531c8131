// Rules about the chart's files rather than what they render: where a webhook URL may live,
// that its Secret is never committed or packaged, and that the values the day-2 commands edit
// are there.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { containsWebhook } from "./secrets.js";
import type { Finding } from "./types.js";

const SECRET_FILE = "slack-webhook-secret.yaml";

/** `values` is values.yaml as data, already read by the caller. */
export function checkChartFiles(dir: string, values: Record<string, any> | null): Finding[] {
  const findings: Finding[] = [];
  const files = listFiles(dir);
  const listed = (ignoreFile: string) => matchesIgnoreFile(ignoreLines(dir, ignoreFile), SECRET_FILE);

  for (const file of files) {
    const full = path.join(dir, file);
    if (statSync(full).size > 1_000_000) continue;
    if (!containsWebhook(readFileSync(full, "utf8"))) continue;
    if (isGitIgnored(dir, file)) {
      if ((statSync(full).mode & 0o077) !== 0) {
        findings.push({
          rule: "secret-file-mode",
          severity: "warning",
          resource: file,
          message: `${file} holds a Slack webhook URL and other users of this machine can read it`,
          fix: `chmod 600 ${file}`,
        });
      }
      continue;
    }
    findings.push({
      rule: "webhook-in-file",
      severity: "error",
      resource: file,
      message: `${file} holds a Slack webhook URL, and git would commit it`,
      fix: `move the URL into ${SECRET_FILE} (git-ignored, applied with kubectl) or Sealed/External Secrets, and read it with secretKeyRef`,
    });
  }
  if (files.includes(SECRET_FILE)) {
    if (!listed(".gitignore") && !isGitIgnored(dir, SECRET_FILE)) {
      findings.push({ rule: "secret-not-ignored", severity: "error", resource: SECRET_FILE, message: `${SECRET_FILE} is not git-ignored`, fix: `add ${SECRET_FILE} to .gitignore` });
    }
    if (!listed(".helmignore")) {
      findings.push({ rule: "secret-packaged", severity: "error", resource: SECRET_FILE, message: `${SECRET_FILE} is not in .helmignore, so helm package would ship it`, fix: `add ${SECRET_FILE} to .helmignore` });
    }
  }
  if (!files.includes("values.schema.json")) {
    findings.push({ rule: "values-schema-missing", severity: "warning", resource: "values.schema.json", message: "the chart has no values.schema.json: a wrong type in a values file reaches the cluster", fix: "add a values.schema.json (bluegreen init writes one)" });
  }
  for (const key of ["repository", "tag"]) {
    if (typeof values?.image?.[key] !== "string") {
      findings.push({ rule: "values-keys", severity: "warning", resource: "values.yaml", message: `values.yaml has no image.${key} string, which bump-image edits`, fix: `set image.${key} in values.yaml` });
    }
  }
  return findings;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((file) => !file.startsWith(".git/") && !file.startsWith("charts/"))
    .sort();
}

function ignoreLines(dir: string, file: string): string[] {
  try {
    return readFileSync(path.join(dir, file), "utf8").split(/\r?\n/).map((line) => line.trim());
  } catch {
    return [];
  }
}

/** Ignored by git: asked of git itself inside a repository, else read from the chart's .gitignore. */
function isGitIgnored(dir: string, file: string): boolean {
  const git = spawnSync("git", ["check-ignore", "-q", "--", file], { cwd: dir, stdio: "ignore" });
  if (git.status === 0) return true;
  if (git.status === 1) return false;
  return matchesIgnoreFile(ignoreLines(dir, ".gitignore"), file);
}

/**
 * Whether ignore-file patterns (.gitignore, .helmignore: globs with *, ** and ?, anchored by a
 * slash, negated by !) cover a file; the last pattern that matches decides.
 */
export function matchesIgnoreFile(lines: string[], file: string): boolean {
  let ignored = false;
  for (const raw of lines) {
    if (raw === "" || raw.startsWith("#")) continue;
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).replace(/\/$/, "");
    const anchored = pattern.includes("/");
    const source = pattern
      .replace(/^\//, "")
      .split("**")
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]"))
      .join(".*");
    const regex = new RegExp(anchored ? `^${source}(/.*)?$` : `(^|/)${source}(/.*)?$`);
    if (regex.test(file)) ignored = !negated;
  }
  return ignored;
}
