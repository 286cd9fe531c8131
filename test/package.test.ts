// The package as npm ships it: `npm pack`, installed into an empty directory far from this
// repository, must work on its own, and carry nothing but what it needs.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { makeTempDir, REPO_ROOT, runCli } from "./support/cli.js";
import { commitAll, newRepo } from "./support/git.js";
import { helmBinaries, helmLint, helmTemplate, runHelm } from "./support/helm.js";
import { mergeEnv, runProcess } from "./support/process.js";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
let tarball: string;
let npmEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  const dir = makeTempDir();
  // A cache of its own and no registry: the package must install from the tarball alone.
  npmEnv = mergeEnv(process.env, {
    npm_config_cache: join(dir, "npm-cache"),
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    NO_COLOR: "1",
  });
  // dist/ is already built by `npm test`; rebuilding here would pull it from under other tests.
  const packed = await runProcess("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: REPO_ROOT,
    env: npmEnv,
  });
  expect(packed.code, packed.stderr).toBe(0);
  tarball = join(dir, JSON.parse(packed.stdout)[0].filename);
}, 120_000);

describe("installing the project", () => {
  it("`npm ci` prints no warning on this Node: every dependency supports it", async () => {
    // A copy of the manifest and lock file: the dependencies exactly as a clone installs them,
    // without the build (the repository's own dist/ is not rebuilt under the other tests).
    const clone = makeTempDir();
    for (const file of ["package.json", "package-lock.json"])
      writeFileSync(join(clone, file), readFileSync(join(REPO_ROOT, file)));
    const env = mergeEnv(process.env, {
      npm_config_loglevel: "warn",
      npm_config_update_notifier: "false",
      NO_COLOR: "1",
    });
    const install = await runProcess("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], {
      cwd: clone,
      env,
      timeoutMs: 180_000,
    });
    expect(install.code, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/npm warn/i);
  }, 180_000);
});

describe("the commands on a newer Node", () => {
  // Node 22 and later print some deprecation warnings that Node 20 prints only with
  // --pending-deprecation (DEP0040, Node's own punycode module, which a schema format of doctor's
  // once loaded): run so here, every command says nothing on stderr.
  it("print no deprecation warning, also those Node 20 keeps for --pending-deprecation", async () => {
    const env = { NODE_OPTIONS: "--pending-deprecation" };
    const helm = helmBinaries().at(-1)!.bin;
    const repo = await newRepo();
    const run = async (args: string[]) => {
      const result = await runCli(args, { cwd: repo, env });
      expect(result.stderr, `bluegreen ${args.join(" ")}`).not.toMatch(/Warning/);
      expect(result.code, `bluegreen ${args.join(" ")}: ${result.stderr}`).toBe(0);
    };
    await run(["init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.4.2"]);
    await commitAll(repo, "init");
    const chart = join(repo, "shop");
    await run(["doctor", "--chart", chart, "--helm", helm]);
    await run(["doctor", "--chart", chart, "--helm", helm, "--json"]);
    await run(["bump-image", "1.4.3", "--chart", chart, "--commit"]);
    await run(["add-env", "staging", "--chart", chart, "--dry-run"]);
    await run(["history", "--chart", chart]);
    await run(["rollback", "--env", "sandbox", "--chart", chart, "--dry-run"]);
    expect((await runHelm(helm, ["create", "web"], { cwd: repo })).code).toBe(0);
    await run(["migrate", "--chart", join(repo, "web"), "--helm", helm]);
  });
});

describe("the npm package", () => {
  it("packs only the CLI, its bundles and their licenses: no sources, tests or CI scripts", async () => {
    const listed = await runProcess("tar", ["-tzf", tarball], {});
    const files = listed.stdout
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""))
      .sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "bin/bluegreen.cjs",
        "dist/THIRD-PARTY-LICENSES.txt",
        "dist/cli.cjs",
        "dist/init.cjs",
        "package.json",
      ]),
    );
    for (const file of files)
      expect(file).toMatch(/^(LICENSE|README\.md|package\.json|bin\/bluegreen\.cjs|dist\/[^/]+\.(cjs|cjs\.map|txt))$/);
    // Every bundle has its source map (read only under DEBUG); no compile cache ships, Node keeps its own.
    for (const bundle of files.filter((file) => file.endsWith(".cjs") && file.startsWith("dist/")))
      expect(files).toContain(`${bundle}.map`);
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it("installs into an empty directory without a registry and writes a chart that Helm renders", async () => {
    const project = makeTempDir();
    const install = await runProcess("npm", ["install", "--offline", tarball], {
      cwd: project,
      env: npmEnv,
      timeoutMs: 120_000,
    });
    expect(install.code, install.stderr).toBe(0);
    // Everything it runs is bundled: no other package is installed with it.
    expect(readdirSync(join(project, "node_modules")).filter((f) => !f.startsWith("."))).toEqual(["bluegreen"]);

    const work = makeTempDir();
    const bin = join(project, "node_modules", ".bin", "bluegreen");
    const version = await runProcess(bin, ["--version"], { cwd: work, env: npmEnv });
    expect(version.stdout.trim()).toBe(pkg.version);
    const init = await runProcess(bin, ["init", "--yes", "--name", "shop", "--image", "ghcr.io/acme/shop:1.10"], {
      cwd: work,
      env: npmEnv,
    });
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);

    const chart = join(work, "shop");
    const helm = helmBinaries().at(-1)!;
    for (const overlay of ["values-sandbox.yaml", "values-prod.yaml"]) {
      const files = [join(chart, "values.yaml"), join(chart, overlay)];
      expect((await helmLint(helm.bin, chart, files)).code).toBe(0);
      const manifests = await helmTemplate(helm.bin, chart, files, [], { release: "shop" });
      expect(checkRelease(manifests)).toEqual([]);
    }
    expect(YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8")).image.tag).toBe("1.10");
  });

  it("runs straight from the tarball with npx", async () => {
    const work = makeTempDir();
    const result = await runProcess(
      "npx",
      [
        "--yes",
        "--offline",
        `--package=${tarball}`,
        "--",
        "bluegreen",
        "init",
        "--yes",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:2.0",
      ],
      { cwd: work, env: npmEnv, timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(work, "shop"))).toContain("values-prod.yaml");
  });
});
