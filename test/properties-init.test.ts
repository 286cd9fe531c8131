// Property-based tests of `init` on generated input: every valid input gives a chart that real
// Helm renders into valid manifests holding the release rules, with each input reaching the
// manifests unchanged; every broken input is refused with exit 2, naming the field, and nothing
// is written. Run counts are modest for CI; the seed is fixed and printed on failure.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkRelease } from "../src/rules/index.js";
import { jobContainers, postsToWebhook } from "../src/rules/notifications.js";
import * as arb from "./support/arbitraries.js";
import { makeTempDir, runCli } from "./support/cli.js";
import { helmBinaries, helmTemplate } from "./support/helm.js";
import { byKind, one, validateManifest } from "./support/manifests.js";

const WEBHOOK = "https://hooks.slack.com/services/T0000000/B0000000/abcdefABCDEF123456";

describe("init on generated valid input", () => {
  it("writes a chart that Helm 3 and 4 render into valid manifests carrying the input unchanged", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        arb.appName,
        arb.image,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.uniqueArray(arb.envName, { minLength: 1, maxLength: 3 }),
        async (name, image, replicas, port, envs) => {
          // Each environment deploys to <name>-<env>, a namespace of at most 63 characters.
          fc.pre(envs.every((env) => name.length + 1 + env.length <= 63));
          const cwd = makeTempDir();
          const args = [
            "init",
            "--yes",
            "--name",
            name,
            "--image",
            image.ref,
            "--replicas",
            String(replicas),
            "--port",
            String(port),
          ];
          const result = await runCli([...args, "--envs", envs.join(","), "--slack-webhook", WEBHOOK], { cwd });
          expect(result.stderr).toBe("");
          expect(result.code).toBe(0);
          const chart = join(cwd, name);
          const values = YAML.parse(readFileSync(join(chart, "values.yaml"), "utf8"));
          expect(values.image).toMatchObject({
            repository: image.repository,
            tag: image.tag,
            digest: image.digest ?? "",
          });
          expect(YAML.parse(readFileSync(join(chart, "Chart.yaml"), "utf8")).appVersion).toBe(image.tag);

          // Alternate the Helm versions between runs; every values file on each run.
          const helm = helmBinaries()[run++ % 2]!;
          for (const overlay of [undefined, ...envs.map((env) => `values-${env}.yaml`)]) {
            const files = [join(chart, "values.yaml"), ...(overlay ? [join(chart, overlay)] : [])];
            const manifests = await helmTemplate(helm.bin, chart, files, [], { release: name, namespace: "ns" });
            for (const manifest of manifests) expect(validateManifest(manifest)).toEqual([]);
            expect(checkRelease(manifests)).toEqual([]);
            const container = one(manifests, "Rollout").spec.template.spec.containers[0];
            expect(container.image).toBe(image.ref);
            expect(container.ports[0].containerPort).toBe(port);
            // The SyncFail Job in every render, the PostSync one where promotion is automatic (the
            // analysis says "live" elsewhere), as Argo CD renders them.
            const automatic = one(manifests, "Rollout").spec.strategy.blueGreen.autoPromotionEnabled;
            expect(
              byKind(manifests, "Job")
                .map((job) => job.metadata.annotations!["argocd.argoproj.io/hook"])
                .sort(),
            ).toEqual(automatic ? ["PostSync", "SyncFail"] : ["SyncFail"]);
            // And the post-promotion "live" message and the smoke test where promotion is manual.
            expect(jobContainers(manifests).filter((job) => postsToWebhook(job.container)).length).toBe(
              automatic ? 2 : 3,
            );
            expect(JSON.stringify(manifests)).not.toContain(WEBHOOK);
          }
        },
      ),
      { seed: arb.SEED, numRuns: 6 },
    );
  });
});

// Every generated broken value of every field is refused by the input rules in process, in one
// line naming the field and never repeating a webhook (test/unit/input-properties); these runs
// prove the CLI applies them before it writes anything.
describe("init on broken input", () => {
  it.each([
    ["--name", "Shop"],
    ["--envs", "sandbox,sandbox"],
    ["--slack-webhook", "https://user:pass@hooks.slack.com/x"],
  ])("exits 2 naming %s, never echoes the webhook, and writes nothing", async (flag, value) => {
    const cwd = makeTempDir();
    const given: Record<string, string> = { "--name": "shop", "--image": "ghcr.io/acme/shop:1.0", [flag]: value };
    const result = await runCli(["init", "--yes", ...Object.entries(given).flat()], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: ${flag}[: ]`));
    if (flag === "--slack-webhook") expect(result.stderr).not.toContain(value);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
