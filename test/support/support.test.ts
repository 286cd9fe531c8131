// Proves the test support itself works: real Helm 3 and 4, manifest schema
// validation, temp-dir helpers, and the pseudo-terminal driver.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, listFiles, makeTempDir, REPO_ROOT, snapshotTree } from "./cli.js";
import { helmBinaries, helmLint, helmTemplate, runHelm } from "./helm.js";
import { byKind, one, validateManifest } from "./manifests.js";
import { startCommandInTerminal, stripAnsi } from "./terminal.js";

describe("helm", () => {
  it("provides Helm 3 and Helm 4", () => {
    expect(helmBinaries().map((h) => h.version)).toEqual([3, 4]);
  });

  describe.each(helmBinaries())("Helm $version", ({ version, bin }) => {
    it("runs and reports its major version", async () => {
      const result = await runHelm(bin, ["version", "--short"]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toMatch(new RegExp(`^v${version}\\.\\d+\\.\\d+`));
    });

    it("creates, lints and renders a chart", async () => {
      const dir = makeTempDir();
      const created = await runHelm(bin, ["create", "demo"], { cwd: dir });
      expect(created.code, created.stderr).toBe(0);
      const chart = join(dir, "demo");
      const values = join(dir, "extra.yaml");
      writeFileSync(values, "replicaCount: 3\n");
      // The stock chart leaves the namespace out; this shows --namespace arrives.
      writeFileSync(
        join(chart, "templates", "where.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-where\n" +
          "  namespace: {{ .Release.Namespace }}\ndata:\n  replicas: {{ .Values.replicaCount | quote }}\n",
      );

      const lint = await helmLint(bin, chart, [values]);
      expect(lint.code, lint.stdout + lint.stderr).toBe(0);

      const docs = await helmTemplate(bin, chart, [values]);
      expect(docs.map((d) => d.kind).sort()).toEqual(["ConfigMap", "Deployment", "Pod", "Service", "ServiceAccount"]);
      expect(one(docs, "Deployment").spec.replicas).toBe(3);
      expect(one(docs, "ConfigMap").metadata).toMatchObject({ name: "demo-where", namespace: "demo-ns" });
      expect(one(docs, "Service").metadata.name).toBe("demo");
      for (const doc of [...byKind(docs, "Service"), ...byKind(docs, "ServiceAccount"), ...byKind(docs, "ConfigMap")]) {
        expect(validateManifest(doc)).toEqual([]);
      }
      expect(typeof docs.stderr).toBe("string");

      const other = await helmTemplate(bin, chart, [], ["--set", "service.port=8080"], {
        release: "x",
        namespace: "y",
      });
      expect(one(other, "ConfigMap").metadata).toMatchObject({ name: "x-where", namespace: "y" });
      expect(one(other, "Service").spec.ports[0].port).toBe(8080);
    });

    it("reports Helm's error when rendering fails", async () => {
      await expect(helmTemplate(bin, makeTempDir(), [])).rejects.toThrow(/helm template .* failed/);
    });
  });
});

describe("validateManifest", () => {
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
  };

  it("accepts a valid Service", () => {
    expect(validateManifest(service)).toEqual([]);
  });

  it("rejects an HPA whose maxReplicas is a string", () => {
    const hpa = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web" },
      spec: { scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "web" }, maxReplicas: "5" },
    };
    const errors = validateManifest(hpa);
    expect(errors.join("\n")).toMatch(/maxReplicas/);
    expect(validateManifest({ ...hpa, spec: { ...hpa.spec, maxReplicas: 5 } })).toEqual([]);
  });

  it("reports kinds it has no schema for", () => {
    expect(validateManifest({ apiVersion: "example.com/v1", kind: "Widget" })).toEqual([
      "no schema for apiVersion example.com/v1 kind Widget",
    ]);
  });

  it("one() insists on exactly one", () => {
    expect(() => one([service, service], "Service")).toThrow(/exactly one Service, found 2/);
    expect(() => one([], "Rollout")).toThrow(/found 0/);
  });
});

describe("cli helpers", () => {
  it("points at the repository's bin/bluegreen.cjs", () => {
    expect(existsSync(join(REPO_ROOT, "package.json"))).toBe(true);
    expect(CLI).toBe(join(REPO_ROOT, "bin", "bluegreen.cjs"));
  });

  it("lists and snapshots every file, dotfiles included", () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "b", ".hidden"), { recursive: true });
    writeFileSync(join(dir, "a.txt"), "a");
    writeFileSync(join(dir, ".env"), "x");
    writeFileSync(join(dir, "b", ".hidden", "c.yaml"), "c");
    expect(listFiles(dir)).toEqual([".env", "a.txt", "b/.hidden/c.yaml"]);
    const before = snapshotTree(dir);
    expect(snapshotTree(dir)).toEqual(before);
    writeFileSync(join(dir, "a.txt"), "A");
    expect(snapshotTree(dir)).not.toEqual(before);
  });

  it("compares Buffers by their bytes, alone and inside a Map (test/support/setup.ts)", () => {
    const bytes = Buffer.from("replicaCount: 2\r\n\ufeff");
    expect(Buffer.from(bytes)).toEqual(bytes);
    expect(new Map([["values.yaml", Buffer.from(bytes)]])).toEqual(new Map([["values.yaml", bytes]]));
    const changed = Buffer.from(bytes);
    changed[changed.length - 1]! ^= 1;
    expect(changed).not.toEqual(bytes);
    expect(bytes.subarray(1)).not.toEqual(bytes);
    expect(new Map([["values.yaml", changed]])).not.toEqual(new Map([["values.yaml", bytes]]));
    expect(bytes).not.toEqual(bytes.toString());
    expect(() => expect(changed).toEqual(bytes)).toThrow(/expected/);
  });
});

describe("terminal", () => {
  // A raw-mode prompt, like inquirer's: reads keypresses, echoes them itself.
  const PROMPT = `
import readline from "node:readline";
readline.emitKeypressEvents(process.stdin);
process.stdin.setRawMode(true);
process.stdout.write("\\x1b[1mName?\\x1b[0m ");
let name = "";
process.stdin.on("keypress", (text, key) => {
  if (key.ctrl && key.name === "c") { process.stdin.setRawMode(false); process.kill(process.pid, "SIGINT"); }
  else if (key.name === "return") { console.log("\\nHello " + name + ", tty=" + process.stdout.isTTY + " cols=" + process.stdout.columns); process.exit(7); }
  else if (key.name === "backspace") { name = name.slice(0, -1); process.stdout.write("\\b \\b"); }
  else { name += text; process.stdout.write(text); }
});
`;
  // A cooked-mode reader: Ctrl-C is turned into SIGINT by the terminal itself.
  const COOKED = `process.stdout.write("ready> "); process.stdin.on("data", (d) => { console.log("got " + d.toString().trim()); process.exit(0); });`;

  function script(source: string): string {
    const file = join(makeTempDir(), "prompt.mjs");
    writeFileSync(file, source);
    return file;
  }

  it("answers a raw-mode prompt and reports the exit code", async () => {
    const term = startCommandInTerminal([process.execPath, script(PROMPT)], { cwd: makeTempDir() });
    await term.waitFor("Name?");
    term.type("bobx");
    term.press("backspace");
    term.press("enter");
    await term.waitFor(/Hello (\w+)/);
    expect(await term.exited).toEqual({ code: 7, signal: null });
    expect(term.output()).toContain("Hello bob, tty=true cols=200");
    expect(term.rawOutput()).toContain("\x1b[1m");
    expect(stripAnsi(term.rawOutput())).toBe(term.output());
  });

  it("turns Ctrl-C in raw mode into exit code 130", async () => {
    const term = startCommandInTerminal([process.execPath, script(PROMPT)], { cwd: makeTempDir() });
    await term.waitFor("Name?");
    term.press("ctrl-c");
    expect((await term.exited).code).toBe(130);
  });

  it("turns Ctrl-C in cooked mode into SIGINT (exit code 130)", async () => {
    const term = startCommandInTerminal([process.execPath, script(COOKED)], { cwd: makeTempDir() });
    await term.waitFor("ready>");
    term.press("ctrl-c");
    expect((await term.exited).code).toBe(130);
  });

  it("fails a waitFor on timeout with the output so far, and kills the program", async () => {
    const term = startCommandInTerminal([process.execPath, script(COOKED)], { cwd: makeTempDir() });
    await expect(term.waitFor("never printed", 1500)).rejects.toThrow(/timed out after 1500 ms[\s\S]*ready>/);
    expect((await term.exited).signal).toBe("SIGKILL");
  });

  it("fails a waitFor at once when the program exits first", async () => {
    const term = startCommandInTerminal([process.execPath, "-e", "console.log('bye')"], { cwd: makeTempDir() });
    await expect(term.waitFor("never printed")).rejects.toThrow(/exited before printing[\s\S]*bye/);
    expect((await term.exited).code).toBe(0);
  });
});
