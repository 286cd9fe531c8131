// Start-up benchmark: whole processes, measured against `node -e 0` on the same machine in the
// same run, alternating so that both see the same load. Prints medians and ratios, then the time
// of one large edit, then the packed size and the installed size of the package with its
// production dependencies, then doctor on a chart with many environments.
//   npm run bench            (RUNS=40 npm run bench for more samples)
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, "bin", "bluegreen.cjs");
const runs = Number(process.env.RUNS ?? 25);
const work = mkdtempSync(path.join(tmpdir(), "bluegreen-bench-"));
const env = { ...process.env, NO_COLOR: "1" };

let chartCount = 0;
const commands = [
  { label: "node -e 0", argv: () => ["-e", "0"] },
  { label: "bluegreen --help", argv: () => [cli, "--help"] },
  {
    label: "bluegreen init --yes",
    argv: () => [
      cli,
      "init",
      "--yes",
      "--name",
      "shop",
      "--image",
      "ghcr.io/acme/shop:1.4.2",
      path.join(work, `chart-${chartCount++}`),
    ],
  },
];

/** Milliseconds of one whole `node ...argv` process. @param {string[]} argv */
function time(argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, stdio: ["ignore", "ignore", "pipe"] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr}`);
  return elapsed;
}

/** @param {number[]} values @returns {number} */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ index) => sorted[index] ?? Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
};

try {
  for (const command of commands) time(command.argv()); // warm the file cache
  const samples = commands.map((command) => ({ command, times: /** @type {number[]} */ ([]) }));
  for (let i = 0; i < runs; i++) for (const { command, times } of samples) times.push(time(command.argv()));
  const baseline = median(samples[0]?.times ?? []);
  console.log(`Start-up, median of ${runs} alternating runs (node ${process.version}):`);
  for (const { command, times } of samples) {
    const value = median(times);
    console.log(`  ${command.label.padEnd(22)} ${value.toFixed(1).padStart(7)} ms  ${(value / baseline).toFixed(2)}x`);
  }
  console.log(`Edit: ${largeEdit()}`);
  console.log(`Package: ${packageSizes()}`);
  console.log(doctorOverManyEnvironments());
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * `bluegreen bump-image` on a chart whose values.yaml holds one flat mapping of ~10 MB, as a
 * whole process: an edit costs time in proportion to the file (the median of 3 runs).
 */
function largeEdit() {
  const chart = path.join(work, "large");
  const made = spawnSync(
    process.execPath,
    [cli, "init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.4.2", chart],
    { env },
  );
  if (made.status !== 0) throw new Error(`init failed: ${made.stderr}`);
  const lines = ["", "# Feature flags, one per line.", "flags:"];
  let size = 0;
  for (let i = 0; size < 10 * 1024 * 1024; i++) {
    const line = `  flag-${String(i).padStart(7, "0")}: "on for cohort ${i}"`;
    lines.push(line);
    size += line.length + 1;
  }
  appendFileSync(path.join(chart, "values.yaml"), `${lines.join("\n")}\n`);
  const bytes = statSync(path.join(chart, "values.yaml")).size;
  const samples = [1, 2, 3].map((i) => time([cli, "bump-image", `2.${i}`, "--chart", chart]));
  return `bump-image on a ${(bytes / 1024 / 1024).toFixed(1)} MB values.yaml (${(lines.length - 3).toLocaleString("en")} keys in one mapping): ${(median(samples) / 1000).toFixed(2)} s`;
}

/** Size of `npm pack`, and of a real install of the tarball with production dependencies. */
function packageSizes() {
  const dir = mkdtempSync(path.join(tmpdir(), "bluegreen-pack-"));
  try {
    const packed = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
    if (packed.status !== 0) throw new Error(packed.stderr);
    const [{ filename, size }] = JSON.parse(packed.stdout);
    const install = spawnSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", path.join(dir, filename)], {
      cwd: dir,
      encoding: "utf8",
    });
    if (install.status !== 0) throw new Error(install.stderr);
    return `packed ${kb(size)}, installed ${kb(directorySize(path.join(dir, "node_modules")))} with production dependencies`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string} dir */
function directorySize(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** @param {number} bytes */
function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} kB`;
}

/**
 * `bluegreen doctor` on a chart with 12 environments: 13 renders with real Helm, which doctor
 * runs side by side. Helm comes from HELM_BIN, else from the tests' cache.
 */
function doctorOverManyEnvironments() {
  const cache = path.join(homedir(), ".cache", "bluegreen-test");
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .sort()
        .map((dir) => path.join(cache, dir, "helm"))
        .filter((file) => existsSync(file))
    : [];
  const helm = process.env.HELM_BIN || cached.at(-1);
  if (!helm)
    return "Doctor: skipped, no Helm (set HELM_BIN, or run npm test once to cache Helm in ~/.cache/bluegreen-test)";
  const envs = Array.from({ length: 12 }, (_, i) => `env${i + 1}`).join(",");
  const chart = path.join(work, "many");
  const init = spawnSync(
    process.execPath,
    [cli, "init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.4.2", "--envs", envs, chart],
    { env },
  );
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  const version = spawnSync(helm, ["version", "--short"], { encoding: "utf8" }).stdout.trim();
  const argv = [cli, "doctor", "--chart", chart, "--helm", helm];
  time(argv); // warm
  const samples = Array.from({ length: 3 }, () => time(argv));
  return `Doctor: values.yaml and 12 environments, 13 renders with helm ${version}, median of 3 runs: ${median(samples).toFixed(0)} ms`;
}
