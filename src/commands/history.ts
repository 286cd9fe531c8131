// `bluegreen history`: what each environment ran, release by release, from git. Newest first:
// when, which commit, who, its subject, and the image before → after; an uncommitted change
// comes first as "working tree". Under Argo CD, git is the record of what was deployed: this is
// what `rollback` goes back through.
import { type ChartDir, findChart } from "../chart/find.js";
import { type EnvironmentHistory, type HistoryEntry, readHistory } from "../chart/history.js";
import { shortImage } from "../chart/image-edit.js";
import { fieldNames, HISTORY_FLAGS, type OptionsOf } from "../flags.js";
import type { Repo } from "../git.js";
import { historyInput, parseInput } from "../input-schema.js";
import { printJson } from "../json.js";
import { out, print } from "../output.js";

export type HistoryOptions = OptionsOf<typeof HISTORY_FLAGS>;

export async function runHistory(options: HistoryOptions): Promise<void> {
  const input = parseInput(historyInput, { ...options }, fieldNames(HISTORY_FLAGS, historyInput, {}));
  const chart = await findChart(input.chart);
  const { repo, histories } = await readHistory(
    chart,
    input.chart,
    input.env,
    "bluegreen history reads the chart's history from git",
  );
  if (input.json) return printJson(historyJson(chart, repo, histories));
  print(historyText(histories));
}

/** `2024-05-03 10:00` from `2024-05-03T10:00:00+02:00`: the committer's own clock. */
const shortDate = (iso: string) => iso.replace("T", " ").slice(0, 16);

export const describeChange = (entry: HistoryEntry) =>
  `${entry.before ?? "(none)"} → ${entry.before === undefined ? (entry.after ?? "(none)") : shortImage(entry.after, entry.before)}`;

function historyText(histories: EnvironmentHistory[]): string {
  const lines: string[] = [];
  for (const history of histories) {
    const name = history.env ?? "values.yaml";
    lines.push(
      `${out.bold(name)}  ${history.current ?? "renders no image"}  ${out.dim(`(${history.valuesFiles.join(" + ")})`)}`,
    );
    if (history.entries.length === 0) lines.push(out.dim("  no change of its image in git"));
    const changes = history.entries.map(describeChange);
    const width = Math.max(0, ...changes.map((c) => c.length));
    history.entries.forEach((entry, i) => {
      const change = changes[i]!.padEnd(width);
      if (entry.commit === undefined) {
        lines.push(
          `  ${out.yellow("working tree".padEnd(16))}  ${" ".repeat(7)}  ${change}  ${out.dim(`not committed (${entry.files.join(", ")})`)}`,
        );
      } else {
        const { commit } = entry;
        lines.push(
          `  ${shortDate(commit.date)}  ${out.yellow(commit.short.padEnd(7))}  ${change}  ${commit.author}: ${commit.subject}`,
        );
      }
    });
    lines.push("");
  }
  return `${lines.join("\n")}`;
}

/** For CI: every entry with its full commit, ISO 8601 date, author and the images as the pods see them. */
function historyJson(chart: ChartDir, repo: Repo, histories: EnvironmentHistory[]) {
  return {
    chart: chart.dir,
    repository: repo.top,
    path: repo.prefix.replace(/\/$/, "") || ".",
    environments: histories.map((history) => ({
      env: history.env ?? null,
      valuesFiles: history.valuesFiles,
      image: history.current ?? null,
      entries: history.entries.map((entry) => ({
        workingTree: entry.commit === undefined,
        commit: entry.commit?.id ?? null,
        shortCommit: entry.commit?.short ?? null,
        date: entry.commit?.date ?? null,
        author: entry.commit ? { name: entry.commit.author, email: entry.commit.email } : null,
        subject: entry.commit?.subject ?? null,
        before: entry.before ?? null,
        after: entry.after ?? null,
        files: entry.files,
      })),
    })),
  };
}
