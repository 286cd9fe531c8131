// Reading a person's file by field: absent or null reads as nothing, the wrong type is refused
// with the file, the field and what is allowed (exit 2), and a text value is never repeated.
import { describe, expect, it } from "vitest";
import { listAt, mappingAt, stringAt, stringsAt, valueAt } from "../../src/file-fields.js";

const app = {
  file: "argocd/prod.yaml",
  data: { spec: { destination: { namespace: 123 }, sources: [{ helm: "x" }], syncPolicy: null, valueFiles: ["a", 2] } },
};

const refusal = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return { exitCode: (error as { exitCode: number }).exitCode, message: (error as Error).message };
  }
  throw new Error("not refused");
};

describe("checked fields of a person's file", () => {
  it("reads an absent or null field as undefined", () => {
    expect(stringAt(app, "spec.project")).toBeUndefined();
    expect(stringAt(app, "spec.syncPolicy.syncOptions")).toBeUndefined();
    expect(valueAt(app, "metadata.name")).toBeUndefined();
  });

  it("names the file, the field and what is allowed", () => {
    expect(refusal(() => stringAt(app, "spec.destination.namespace", "a namespace name"))).toEqual({
      exitCode: 2,
      message: "argocd/prod.yaml spec.destination.namespace: must be a namespace name (text), not the number 123",
    });
    expect(refusal(() => stringAt(app, "spec.destination.namespace.x")).message).toBe(
      "argocd/prod.yaml spec.destination.namespace: must be a mapping of keys, not the number 123",
    );
    expect(refusal(() => stringsAt(app, "spec.valueFiles")).message).toBe(
      "argocd/prod.yaml spec.valueFiles[1]: must be text, not the number 2",
    );
  });

  it("names an entry of a list by its place in it", () => {
    const [source] = listAt(app, "spec.sources")!;
    expect(refusal(() => mappingAt(source!, "helm")).message).toBe(
      "argocd/prod.yaml spec.sources[0].helm: must be a mapping of keys, not text",
    );
  });
});
