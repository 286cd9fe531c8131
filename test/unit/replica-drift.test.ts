// Which replica counts an Argo CD Application leaves alone, read the way Argo CD reads them
// (argo-cd util/argo/normalizers/diff_normalizer.go: group and kind are globs, a missing name
// matches every name), and the surgical edit that adds what one lacks. Also the values.yaml
// edit migrate makes, which must leave a file that parses, or refuse.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  deploymentWorkload,
  ignoresReplicas,
  missingIgnore,
  releaseNameOf,
  respectsIgnores,
  rolloutWorkload,
  valuesFileOf,
  withReplicaIgnores,
} from "../../src/chart/replica-drift.js";
import { withValuesBlock } from "../../src/migrate/values-text.js";
import { parseOwnedYaml } from "../../src/yaml-edit.js";

const PERSONS_APPLICATION = `# prod, owned by the platform team
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-prod
spec:
  source:
    repoURL: https://github.com/acme/platform.git
    path: charts/web
    helm:
      valueFiles:
        - values.yaml
        - values-prod.yaml # the production overlay
  syncPolicy:
    automated: {prune: true}
    syncOptions:
      - CreateNamespace=true   # keep
  destination:
    namespace: web
`;

const application = (source: string) => ({ file: "argocd/prod.yaml", source, data: parse(source) });
/** An Application as doctor reads one: its file and what it says. */
const read = (data: unknown) => ({ file: "argocd/prod.yaml", data });

describe("what an Application ignores", () => {
  it("matches group and kind as globs and a missing name as any name, on /spec/replicas only", () => {
    const app = (entry: object) => read({ spec: { ignoreDifferences: [entry] } });
    const rollout = rolloutWorkload("web");
    expect(
      ignoresReplicas(app({ group: "argoproj.io", kind: "Rollout", jsonPointers: ["/spec/replicas"] }), rollout),
    ).toBe(true);
    expect(ignoresReplicas(app({ group: "*", kind: "*", jsonPointers: ["/spec/replicas"] }), rollout)).toBe(true);
    expect(
      ignoresReplicas(
        app({ group: "argoproj.io", kind: "Rollout", name: "web", jqPathExpressions: [".spec.replicas"] }),
        rollout,
      ),
    ).toBe(true);
    expect(
      ignoresReplicas(
        app({ group: "argoproj.io", kind: "Rollout", name: "api", jsonPointers: ["/spec/replicas"] }),
        rollout,
      ),
    ).toBe(false);
    expect(ignoresReplicas(app({ kind: "Rollout", jsonPointers: ["/spec/replicas"] }), rollout)).toBe(false); // no group: the core group only
    expect(ignoresReplicas(app({ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }), rollout)).toBe(
      false,
    );
    expect(
      ignoresReplicas(app({ group: "argoproj.io", kind: "Rollout", jsonPointers: ["/spec/template"] }), rollout),
    ).toBe(false);
    expect(respectsIgnores(read({ spec: { syncPolicy: { syncOptions: ["RespectIgnoreDifferences=true"] } } }))).toBe(
      true,
    );
    expect(respectsIgnores(read({ spec: { syncPolicy: { syncOptions: ["RespectIgnoreDifferences=false"] } } }))).toBe(
      false,
    );
  });

  it("names the values file and the release name Argo CD renders with", () => {
    const prod = read(parse(PERSONS_APPLICATION));
    expect(valuesFileOf(prod)).toBe("values-prod.yaml");
    expect(releaseNameOf(prod)).toBe("web-prod");
    expect(valuesFileOf(read({ spec: { source: { helm: {} } } }))).toBe("values.yaml");
    expect(
      releaseNameOf(
        read({
          metadata: { name: "x" },
          spec: { sources: [{ helm: { releaseName: "web", valueFiles: ["$values/charts/web/values-eu.yaml"] } }] },
        }),
      ),
    ).toBe("web");
    expect(
      valuesFileOf(read({ spec: { sources: [{ helm: { valueFiles: ["$values/charts/web/values-eu.yaml"] } }] } })),
    ).toBe("values-eu.yaml");
  });

  it("says exactly what to add, as an edit of the file", () => {
    expect(missingIgnore(application(PERSONS_APPLICATION), rolloutWorkload("web-prod"))).toBe(
      "in argocd/prod.yaml, add {group: argoproj.io, kind: Rollout, name: web-prod, jsonPointers: [/spec/replicas]} to spec.ignoreDifferences and add RespectIgnoreDifferences=true to spec.syncPolicy.syncOptions, then kubectl apply -f argocd/prod.yaml",
    );
  });
});

describe("adding what an Application lacks", () => {
  it("appends the entries and the sync option, keeping every other byte", () => {
    const edited = withReplicaIgnores(application(PERSONS_APPLICATION), [
      deploymentWorkload("web-prod"),
      rolloutWorkload("web-prod"),
    ]);
    expect(edited).toBe(
      PERSONS_APPLICATION.replace(
        "      - CreateNamespace=true   # keep\n",
        "      - CreateNamespace=true   # keep\n      - RespectIgnoreDifferences=true\n",
      ).replace(
        "    namespace: web\n",
        [
          "    namespace: web",
          "  ignoreDifferences:",
          "    - group: apps",
          "      kind: Deployment",
          "      name: web-prod",
          "      jsonPointers:",
          "        - /spec/replicas",
          "    - group: argoproj.io",
          "      kind: Rollout",
          "      name: web-prod",
          "      jsonPointers:",
          "        - /spec/replicas",
          "",
        ].join("\n"),
      ),
    );
    const app = read(parse(edited));
    expect(
      ignoresReplicas(app, deploymentWorkload("web-prod")) &&
        ignoresReplicas(app, rolloutWorkload("web-prod")) &&
        respectsIgnores(app),
    ).toBe(true);
    // Nothing left to add: the text stays as it is.
    expect(withReplicaIgnores(application(edited), [deploymentWorkload("web-prod")])).toBe(edited);
  });

  it("creates syncPolicy.syncOptions where the Application has none, indented like the file", () => {
    const source = "kind: Application\nspec:\n    project: default\n    destination:\n        namespace: web\n";
    const edited = withReplicaIgnores(application(source), [deploymentWorkload("web")]);
    expect(parse(edited).spec.syncPolicy).toEqual({ syncOptions: ["RespectIgnoreDifferences=true"] });
    expect(edited.startsWith(source)).toBe(true);
    expect(edited).toContain("\n    syncPolicy:\n        syncOptions:\n            - RespectIgnoreDifferences=true\n");
  });

  it("refuses a list it cannot extend without rewriting it, naming the file", () => {
    const source = "kind: Application\nspec:\n  ignoreDifferences: []\n  project: default\n";
    expect(() => withReplicaIgnores(application(source), [deploymentWorkload("web")])).toThrow(
      /argocd\/prod\.yaml: cannot set spec\.ignoreDifferences .*\[flow\]/,
    );
  });
});

describe("migrate's values.yaml edit", () => {
  const BLOCK = "# Blue/Green settings\nblueGreen:\n  # -- Promote by hand.\n  autoPromotionEnabled: true\n";
  const ADDED = { blueGreen: { autoPromotionEnabled: true } };
  const edit = (source: string) => withValuesBlock(parseOwnedYaml("values.yaml", source), BLOCK, ADDED);

  it("adds the block at the end of a block mapping, after a blank line", () => {
    expect(edit("replicaCount: 1\n")).toBe(`replicaCount: 1\n\n${BLOCK}`);
    expect(edit("replicaCount: 1")).toBe(`replicaCount: 1\n\n${BLOCK}`);
    expect(edit("replicaCount: 1\r\n")).toBe(`replicaCount: 1\r\n\r\n${BLOCK.replace(/\n/g, "\r\n")}`);
  });

  it("keeps a document end marker last", () => {
    expect(edit("replicaCount: 1\n...\n# the end\n")).toBe(`replicaCount: 1\n\n${BLOCK}...\n# the end\n`);
  });

  it("replaces {} with the block, keeping the comments around it", () => {
    const edited = edit("# nothing yet\n{}\n");
    expect(edited).toBe(`# nothing yet\n${BLOCK}`);
    expect(parse(edited)).toEqual(ADDED);
  });

  it("refuses a mapping written as JSON, which cannot hold commented block YAML", () => {
    expect(() => edit('{\n  "replicaCount": 1\n}\n')).toThrow(/values\.yaml is one \{flow\} mapping \(JSON\)/);
  });
});
