// Rules about the chart's files rather than what they render: where a webhook URL may live,
// that its Secret is never committed or packaged, and that the values the day-2 commands edit
// are there.
import { spawnSync } from "node:child_process";
import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { SLACK_SECRET_FILE } from "../chart/names.js";
import { systemErrorWords } from "../errors.js";
import { type FileData, valueAt } from "../file-fields.js";
import { byName } from "../order.js";
import { relativePath } from "../paths.js";
import { containsWebhook } from "./secrets.js";
import type { Finding } from "./types.js";

/** `values` is values.yaml as data, already read by the caller. */
export function checkChartFiles(dir: string, values: FileData): Finding[] {
  const findings: Finding[] = [];
  const helmignore = ignoreLines(dir, ".helmignore");
  const { files, unreadable } = listFiles(dir, helmignore);
  const listed = (ignoreFile: string) => matchesIgnoreFile(ignoreLines(dir, ignoreFile), SLACK_SECRET_FILE);
  // Fixes are commands and edits to run from where doctor was run.
  const shown = (file: string) => relativePath(path.join(dir, file));

  for (const file of files) {
    const full = path.join(dir, file);
    let text: string;
    try {
      if (statSync(full).size > 1_000_000) continue;
      text = readFileSync(full, "utf8");
    } catch (error) {
      if (!matchesIgnoreFile(helmignore, file)) unreadable.push({ file, error });
      continue;
    }
    if (!containsWebhook(text)) continue;
    if (isGitIgnored(dir, file)) {
      if ((statSync(full).mode & 0o077) !== 0) {
        findings.push({
          rule: "secret-file-mode",
          severity: "warning",
          resource: file,
          message: `${file} holds a Slack webhook URL and other users of this machine can read it`,
          fix: `chmod 600 ${shown(file)}`,
        });
      }
      continue;
    }
    findings.push({
      rule: "webhook-in-file",
      severity: "error",
      resource: file,
      message: `${file} holds a Slack webhook URL, and git would commit it`,
      fix: `move the URL into ${SLACK_SECRET_FILE} (git-ignored, applied with kubectl) or Sealed/External Secrets, and read it with secretKeyRef`,
    });
  }
  for (const { file, error } of unreadable) {
    const why = systemErrorWords((error as NodeJS.ErrnoException).code) ?? "it cannot be read";
    findings.push({
      rule: "unreadable-file",
      severity: "warning",
      resource: file,
      message: `${file} cannot be read (${why}), so doctor could not check it for webhook URLs, and Helm cannot read it either`,
      fix: `make it readable (chmod u+rX ${shown(file)}), or list it in ${shown(".helmignore")} if it is not part of the chart`,
    });
  }
  if (files.includes(SLACK_SECRET_FILE)) {
    if (!listed(".gitignore") && !isGitIgnored(dir, SLACK_SECRET_FILE)) {
      findings.push({
        rule: "secret-not-ignored",
        severity: "error",
        resource: SLACK_SECRET_FILE,
        message: `${SLACK_SECRET_FILE} is not git-ignored`,
        fix: `add ${SLACK_SECRET_FILE} to ${shown(".gitignore")}`,
      });
    }
    if (!listed(".helmignore")) {
      findings.push({
        rule: "secret-packaged",
        severity: "error",
        resource: SLACK_SECRET_FILE,
        message: `${SLACK_SECRET_FILE} is not in .helmignore, so helm package would ship it`,
        fix: `add ${SLACK_SECRET_FILE} to ${shown(".helmignore")}`,
      });
    }
  }
  if (!files.includes("values.schema.json")) {
    findings.push({
      rule: "values-schema-missing",
      severity: "warning",
      resource: "values.schema.json",
      message: "the chart has no values.schema.json: a wrong type in a values file reaches the cluster",
      fix: "add a values.schema.json (bluegreen init writes one)",
    });
  }
  for (const key of ["repository", "tag"]) {
    if (typeof valueAt(values, ["image", key]) !== "string") {
      findings.push({
        rule: "values-keys",
        severity: "warning",
        resource: "values.yaml",
        message: `values.yaml has no image.${key} string, which bump-image edits`,
        fix: `set image.${key} in ${shown("values.yaml")}`,
      });
    }
  }
  return findings;
}

/**
 * The chart's regular files (not .git/ or charts/). What cannot be read is listed apart, unless
 * .helmignore excludes it: Helm never reads that, and a directory there that git ignores too is
 * not entered at all (a virtualenv, a cache).
 */
function listFiles(
  dir: string,
  helmignore: string[],
): { files: string[]; unreadable: { file: string; error: unknown }[] } {
  const files: string[] = [];
  const unreadable: { file: string; error: unknown }[] = [];
  const walk = (relative: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch (error) {
      if (!matchesIgnoreFile(helmignore, relative)) unreadable.push({ file: `${relative}/`, error });
      return;
    }
    for (const entry of entries.sort((a, b) => byName(a.name, b.name))) {
      const file = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (file === ".git" || file === "charts") continue;
      if (entry.isDirectory()) {
        if (!(matchesIgnoreFile(helmignore, file) && isGitIgnored(dir, file))) walk(file);
      } else if (entry.isFile()) {
        files.push(file);
      }
    }
  };
  walk("");
  return { files: files.sort(), unreadable };
}

function ignoreLines(dir: string, file: string): string[] {
  try {
    return readFileSync(path.join(dir, file), "utf8")
      .split(/\r?\n/)
      .map((line) => line.trim());
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
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]"),
      )
      .join(".*");
    const regex = new RegExp(anchored ? `^${source}(/.*)?$` : `(^|/)${source}(/.*)?$`);
    if (regex.test(file)) ignored = !negated;
  }
  return ignored;
}
