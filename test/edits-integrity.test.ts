// The day-2 edits cannot be broken by what a chart's files are or by what runs beside them: two
// commands at once never lose an update, edits through YAML anchors and merge keys change what
// Helm renders as intended or are refused, block scalars, CRLF and byte-order marks survive,
// text that is not UTF-8 is refused, a symlinked file is edited at its target, modes and owners
// are kept, and a FIFO or other special file is refused at once. Every refusal changes no byte.
// Runs the built CLI (bin/bluegreen.cjs) as real processes, and real Helm 3 and 4.
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { initChart } from "./support/chart.js";
import { CLI, type CliResult, cliEnv, listFiles, makeTempDir, runCli } from "./support/cli.js";
import { itNeeds } from "./support/facilities.js";
import { helmBinaries, helmTemplate } from "./support/helm.js";
import { one } from "./support/manifests.js";
import { runProcess } from "./support/process.js";

const REPO = "ghcr.io/acme/shop";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const OLD_DIGEST = `sha256:${"a".repeat(64)}`;

let base: string;
beforeAll(async () => {
  base = await initChart(["--image", `${REPO}:1.4.2`]);
});

/** A private copy of the chart at <temp>/shop. */
function copy(): string {
  const dir = join(makeTempDir(), "shop");
  cpSync(base, dir, { recursive: true });
  return dir;
}

const bump = (chart: string, ...args: string[]) =>
  runCli(["bump-image", ...args], { cwd: chart, env: { DEBUG: undefined } });
const read = (chart: string, file: string) => readFileSync(join(chart, file), "utf8");
/**
 * The data of a file, which must be YAML with no key twice in a mapping. Duplicates are looked
 * for here in one pass: the library's own check compares each key with every earlier one, a
 * second of CPU on each parse of the 4000 flags below.
 */
function parse(chart: string, file: string) {
  const doc = YAML.parseDocument(read(chart, file), { uniqueKeys: false });
  expect(doc.errors, file).toEqual([]);
  YAML.visit(doc, {
    Map(_, map) {
      const keys = map.items.map((pair) => String(YAML.isScalar(pair.key) ? pair.key.value : pair.key));
      expect(new Set(keys).size, `${file} holds a key twice`).toBe(keys.length);
    },
  });
  return doc.toJS();
}
const shown = (result: CliResult) =>
  `exit ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;

function expectSuccess(result: CliResult): void {
  expect(result.code, shown(result)).toBe(0);
  expect(result.stderr, shown(result)).toBe("");
}

/**
 * Every entry below `dir` with what it is: a file's mode and bytes, a link's target, and for a
 * FIFO or device only its kind and inode (reading one would block or never end).
 */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    listFiles(dir).map((file) => {
      const info = lstatSync(join(dir, file));
      const what = info.isSymbolicLink()
        ? `-> ${readlinkSync(join(dir, file))}`
        : info.isFile()
          ? createHash("sha256")
              .update(readFileSync(join(dir, file)))
              .digest("hex")
          : `special ${info.ino}`;
      return [file, `${(info.mode & 0o7777).toString(8)} ${info.uid} ${what}`];
    }),
  );
}

/** Exit 1, one `error: ` line saying `reason`, and not one byte changed below `dir`. */
function expectRefused(result: CliResult, dir: string, before: Map<string, string>, reason: RegExp): void {
  expect(result.code, shown(result)).toBe(1);
  expect(result.stderr, shown(result)).toMatch(/^error: [^\n]+\n$/);
  expect(result.stderr).toMatch(reason);
  expect(snapshot(dir)).toEqual(before);
}

/** The image the Rollout runs, as each Helm renders it with these values files. */
async function renderedImages(chart: string, ...files: string[]): Promise<string[]> {
  const images = [];
  for (const { bin } of helmBinaries()) {
    const manifests = await helmTemplate(
      bin,
      chart,
      files.map((file) => join(chart, file)),
      [],
      { release: "shop" },
    );
    images.push(one(manifests, "Rollout").spec.template.spec.containers[0].image);
  }
  return images;
}

// Every test works on its own copy of the chart, so the suites run side by side: the lock test
// spends most of its time waiting, and the others use that time.
describe.concurrent("two commands at once", () => {
  it("never lose an update: a tag bump and a digest pin on one chart both land, one after the other", async () => {
    // A values file large enough that reading, editing and writing it takes a while.
    const padded = copy();
    const flags = Array.from({ length: 4000 }, (_, i) => `  flag-${i}: "on for the ${i}th cohort"`).join("\n");
    writeFileSync(join(padded, "values.yaml"), `${read(padded, "values.yaml")}\nflags:\n${flags}\n`);
    for (let round = 0; round < 5; round++) {
      const chart = join(makeTempDir(), "shop");
      cpSync(padded, chart, { recursive: true });
      const [tagBump, digestPin] = await Promise.all([bump(chart, "5.0"), bump(chart, DIGEST)]);
      for (const result of [tagBump, digestPin]) expect(result.code, shown(result)).toBe(0);
      const image = parse(chart, "values.yaml").image;
      // Either order is a correct history: the pin then the bump (which clears a digest), or
      // the bump then the pin. Anything else lost one of them.
      const pinLast = image.digest === DIGEST;
      expect({ tag: image.tag, digest: image.digest }, `round ${round}`).toEqual({
        tag: "5.0",
        digest: pinLast ? DIGEST : "",
      });
      expect(parse(chart, "Chart.yaml").appVersion).toBe("5.0");
      // The second saw what the first wrote: a bump after the pin clears the pinned digest.
      if (pinLast) expect(tagBump.stdout).not.toContain("image.digest");
      else expect(tagBump.stdout).toContain(`image.digest ${DIGEST} → (none)`);
      expect(listFiles(chart), "no lock or staging left").toEqual(listFiles(padded));
    }
  });

  itNeeds(["strace"])("refuses with exit 1, after waiting, while another command keeps the chart", async () => {
    const chart = copy();
    const before = snapshot(chart);
    // The first command is held for 13 s at its first rename (after it took the lock and
    // staged its files): longer than the 10 s a second command waits.
    const first = runProcess(
      "strace",
      [
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        "trace=rename",
        "-e",
        "inject=rename:delay_enter=13000000:when=1",
        process.execPath,
        CLI,
        "bump-image",
        "7.0",
      ],
      {
        cwd: chart,
        env: cliEnv(),
        timeoutMs: 60_000,
      },
    );
    const lock = join(chart, ".bluegreen", "lock");
    for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(lock), "the first command holds the lock").toBe(true);
    const second = await bump(chart, "8.0");
    expect(second.code, shown(second)).toBe(1);
    expect(second.stderr).toMatch(
      /^waiting for another bluegreen command \(bump-image, pid \d+\) to finish changing this chart…\nerror: another bluegreen command \(bump-image, pid \d+\) is changing this chart; try again when it has finished\n$/,
    );
    const withoutWorkspace = (tree: Map<string, string>) =>
      new Map([...tree].filter(([file]) => !file.startsWith(".bluegreen/")));
    expect(withoutWorkspace(snapshot(chart)), "the second command changed nothing").toEqual(before);
    const done = await first;
    expect(done.code, shown(done)).toBe(0);
    expect(parse(chart, "values.yaml").image.tag).toBe("7.0");
    expect(listFiles(chart)).toEqual([...before.keys()]);
  });
});

describe.concurrent("edits through anchors, aliases and merge keys", () => {
  /** values.yaml with its image block taken from an anchored mapping through a merge key. */
  function merged(image: string): string {
    const chart = copy();
    const values = read(chart, "values.yaml");
    const start = values.indexOf("\nimage:\n");
    const end = values.indexOf("\n\n", start + 1);
    expect(start).toBeGreaterThan(0);
    writeFileSync(
      join(chart, "values.yaml"),
      `${values.slice(0, start)}\ndefaults: &img {repository: ${REPO}, tag: "1.4.2", digest: "${OLD_DIGEST}", pullPolicy: IfNotPresent}\n${image}${values.slice(end)}`,
    );
    return chart;
  }

  it("a tag bump through `<<: *img` sets the tag and clears the merged digest, and Helm renders exactly that", async () => {
    const chart = merged("image:\n  <<: *img");
    expect(await renderedImages(chart, "values.yaml")).toEqual([
      `${REPO}:1.4.2@${OLD_DIGEST}`,
      `${REPO}:1.4.2@${OLD_DIGEST}`,
    ]);
    const result = await bump(chart, "1.5.0");
    expectSuccess(result);
    expect(result.stdout).toBe(
      [
        "image.tag 1.4.2 → 1.5.0 (values.yaml)",
        `image.digest ${OLD_DIGEST} → (none) (values.yaml)`,
        "appVersion 1.4.2 → 1.5.0 (Chart.yaml)",
        `Releases ${REPO}:1.5.0 to sandbox.`,
        // prod pins its own image, as init wrote it.
        `prod keeps ${REPO}:1.4.2 (values-prod.yaml pins its image); once sandbox runs 1.5.0 well, promote it:`,
        "  bluegreen bump-image --env prod --from sandbox",
        "",
      ].join("\n"),
    );
    expect(await renderedImages(chart, "values.yaml")).toEqual([`${REPO}:1.5.0`, `${REPO}:1.5.0`]);
    expect(parse(chart, "values.yaml").defaults.tag, "the anchor's own values stay").toBe("1.4.2");
  });

  it("--from copies the image an environment renders through a merge key", async () => {
    const chart = merged("image:\n  <<: *img");
    // prod's image through a merge key of its own, in place of the image block init pinned.
    const prod = read(chart, "values-prod.yaml").replace(/\n# prod runs its own image[\s\S]*?\n {2}digest: ""\n/, "\n");
    expect(YAML.parse(prod).image).toBeUndefined();
    writeFileSync(join(chart, "values-prod.yaml"), `${prod}\nrelease: &rel {tag: "2.0"}\nimage:\n  <<: *rel\n`);
    const result = await bump(chart, "--env", "sandbox", "--from", "prod");
    expectSuccess(result);
    expect(await renderedImages(chart, "values.yaml", "values-sandbox.yaml")).toEqual([
      `${REPO}:2.0@${OLD_DIGEST}`,
      `${REPO}:2.0@${OLD_DIGEST}`,
    ]);
  });

  it("refuses an edit that would change another key through a shared anchor, and one a later merge key overrides", async () => {
    const shared = copy();
    const values = read(shared, "values.yaml").replace('  tag: "1.4.2"', '  tag: &release "1.4.2"');
    writeFileSync(join(shared, "values.yaml"), `${values}\nsidecar:\n  tag: *release\n`);
    let before = snapshot(shared);
    expectRefused(
      await bump(shared, "1.5.0"),
      shared,
      before,
      /values\.yaml: cannot set image\.tag .*sidecar\.tag would change too/,
    );

    const overridden = merged('image:\n  tag: "1.4.2"\n  <<: *img');
    before = snapshot(overridden);
    expectRefused(await bump(overridden, "1.5.0"), overridden, before, /Helm would still read "1\.4\.2" there/);
  });
});

describe.concurrent("block scalars, line ends and encodings", () => {
  it("bumps a |- tag followed by a comment in a CRLF file with a byte-order mark, keeping all three, and Helm renders it", async () => {
    const chart = copy();
    const values =
      `\uFEFF${read(chart, "values.yaml").replace('  tag: "1.4.2"\n', "  tag: |-\n    1.4.2\n  # pinned by the release train\n")}`.replace(
        /\n/g,
        "\r\n",
      );
    writeFileSync(join(chart, "values.yaml"), values);
    expectSuccess(await bump(chart, "1.5.0"));
    expect(read(chart, "values.yaml")).toBe(values.replace("    1.4.2\r\n", "    1.5.0\r\n"));
    expect(await renderedImages(chart, "values.yaml")).toEqual([`${REPO}:1.5.0`, `${REPO}:1.5.0`]);
  });

  it("refuses a values file that is not UTF-8, naming it and the line, and changes no byte", async () => {
    const chart = copy();
    const bytes = Buffer.concat([
      readFileSync(join(chart, "values.yaml")),
      Buffer.from("# caf\xe9 au lait\n", "latin1"),
    ]);
    writeFileSync(join(chart, "values.yaml"), bytes);
    const line = bytes.toString("latin1").split("\n").length - 1;
    const before = snapshot(chart);
    expectRefused(
      await bump(chart, "1.5.0"),
      chart,
      before,
      new RegExp(`^error: values\\.yaml is not UTF-8 text \\(line ${line} has the byte 0xE9\\)`),
    );
  });
});

describe.concurrent("links, modes and special files", () => {
  it("edits a symlinked overlay at its target: the link stays a link, the shared file keeps its mode", async () => {
    const chart = copy();
    const shared = join(chart, "..", "team-values");
    mkdirSync(shared);
    cpSync(join(chart, "values-prod.yaml"), join(shared, "values-prod.yaml"));
    chmodSync(join(shared, "values-prod.yaml"), 0o640);
    const prodBefore = read(shared, "values-prod.yaml");
    const link = join(chart, "values-prod.yaml");
    rmSync(link);
    symlinkSync("../team-values/values-prod.yaml", link);

    expectSuccess(await bump(chart, "3.0", "--env", "prod"));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("../team-values/values-prod.yaml");
    const target = read(shared, "values-prod.yaml");
    // Only the tag of the image prod pins changed.
    expect(target).toBe(prodBefore.replace('  tag: "1.4.2"\n', '  tag: "3.0"\n'));
    expect(YAML.parse(target).image.tag).toBe("3.0");
    expect(lstatSync(join(shared, "values-prod.yaml")).mode & 0o7777).toBe(0o640);
    expect(await renderedImages(chart, "values.yaml", "values-prod.yaml")).toEqual([`${REPO}:3.0`, `${REPO}:3.0`]);
  });

  itNeeds(["root"])("keeps every mode exactly (0444, 0640) and the owner of a file it rewrites", async () => {
    const chart = copy();
    chmodSync(join(chart, "values.yaml"), 0o444);
    chmodSync(join(chart, "Chart.yaml"), 0o640);
    chownSync(join(chart, "Chart.yaml"), 65534, 65534);
    expectSuccess(await bump(chart, "2.0"));
    expect(lstatSync(join(chart, "values.yaml")).mode & 0o7777).toBe(0o444);
    const chartYaml = lstatSync(join(chart, "Chart.yaml"));
    expect([chartYaml.mode & 0o7777, chartYaml.uid, chartYaml.gid]).toEqual([0o640, 65534, 65534]);
    expect(parse(chart, "Chart.yaml").appVersion).toBe("2.0");

    chmodSync(join(chart, "values-prod.yaml"), 0o600);
    const added = await runCli(["add-env", "prod", "--force"], { cwd: chart });
    expect(added.code, shown(added)).toBe(0);
    expect(lstatSync(join(chart, "values-prod.yaml")).mode & 0o7777).toBe(0o600);
  });

  it("refuses a file with another hard link, which a rename would split from it", async () => {
    const chart = copy();
    linkSync(join(chart, "values.yaml"), join(chart, "..", "values-copy.yaml"));
    const before = snapshot(join(chart, ".."));
    const result = await bump(chart, "2.0");
    expectRefused(result, join(chart, ".."), before, /^error: values\.yaml has 1 other hard link/);
  });

  it("refuses at once a FIFO, a directory or a device where an overlay should be, in bump-image and add-env", async () => {
    for (const make of ["fifo", "directory", "device"] as const) {
      const chart = copy();
      const overlay = join(chart, "values-prod.yaml");
      rmSync(overlay);
      if (make === "fifo") expect((await runProcess("mkfifo", [overlay])).code).toBe(0);
      if (make === "directory") mkdirSync(overlay);
      if (make === "device") symlinkSync("/dev/zero", overlay);
      const kind = { fifo: "a named pipe \\(FIFO\\)", directory: "a directory", device: "a character device" }[make];
      const before = snapshot(chart);
      for (const args of [
        ["bump-image", "2.0", "--env", "prod"],
        ["bump-image", "2.0"],
        ["add-env", "staging"],
      ]) {
        const started = Date.now();
        const result = await runCli(args, { cwd: chart, timeoutMs: 20_000 });
        expectRefused(result, chart, before, new RegExp(`^error: values-prod\\.yaml is ${kind}, not a file`));
        expect(Date.now() - started, `${args.join(" ")} answers at once`).toBeLessThan(10_000);
      }
      if (make === "fifo") expect(statSync(overlay).isFIFO()).toBe(true);
    }
  });
});
