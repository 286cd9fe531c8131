// Schema validation of rendered manifests (the same check `bluegreen doctor` makes), plus small
// lookup helpers over the documents helmTemplate returns.
import { schemaErrors } from "../../src/rules/manifest-schemas.js";
import type { Manifest } from "../../src/rules/types.js";

/** Schema errors of one manifest, e.g. ["/spec/maxReplicas must be integer"]; [] when valid. */
export function validateManifest(obj: unknown): string[] {
  if (typeof obj !== "object" || obj === null) return ["not an object"];
  const manifest = obj as Manifest;
  return (
    schemaErrors(manifest) ?? [`no schema for apiVersion ${String(manifest.apiVersion)} kind ${String(manifest.kind)}`]
  );
}

interface HasKind {
  kind?: unknown;
}

/** All documents of the given kind, in order. */
export function byKind<T extends HasKind>(docs: readonly T[], kind: string): T[] {
  return docs.filter((doc) => doc.kind === kind);
}

/** The only document of the given kind; throws if there are none or several. */
export function one<T extends HasKind>(docs: readonly T[], kind: string): T {
  const found = byKind(docs, kind);
  if (found.length !== 1) {
    const kinds = docs.map((doc) => String(doc.kind)).join(", ");
    throw new Error(`expected exactly one ${kind}, found ${found.length} (documents: ${kinds || "none"})`);
  }
  return found[0]!;
}
