// values.schema.json as Helm reads it: the chart's own objects are closed, so a typo fails
// `helm lint`; the top level and free-form maps stay open, because people extend charts.
import { describe, expect, it } from "vitest";
import { host } from "../../src/input-schema.js";
import { valuesJsonSchema } from "../../src/values-schema.js";

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  anyOf?: Schema[];
  items?: Schema;
};

/** Every object schema that declares its keys, with its path; the top level is "". */
function declaredObjects(schema: Schema, path = ""): [string, Schema][] {
  const found: [string, Schema][] = schema.properties ? [[path, schema]] : [];
  for (const [key, child] of Object.entries(schema.properties ?? {}))
    found.push(...declaredObjects(child, path ? `${path}.${key}` : key));
  for (const option of schema.anyOf ?? []) found.push(...declaredObjects(option, path));
  if (schema.items) found.push(...declaredObjects(schema.items, `${path}[]`));
  return found;
}

describe("values.schema.json", () => {
  const schema = valuesJsonSchema() as Schema;

  it("closes every object the chart defines, and only leaves the top level open", () => {
    const objects = declaredObjects(schema);
    expect(objects.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        "",
        "image",
        "service",
        "blueGreen",
        "autoscaling",
        "ingress",
        "ingress.preview",
        "httpRoute",
        "serviceAccount",
        "migrations",
        "notifications.slack",
      ]),
    );
    for (const [path, object] of objects) {
      if (path === "") expect(object.additionalProperties, "top level").not.toBe(false);
      else expect(object.additionalProperties, path).toBe(false);
    }
  });

  it("keeps free-form maps open", () => {
    for (const key of ["resources", "podAnnotations", "livenessProbe", "startupProbe", "nodeSelector"]) {
      expect(schema.properties![key]!.properties, key).toBeUndefined();
      expect(schema.properties![key]!.additionalProperties, key).not.toBe(false);
    }
  });
});

describe("the --host rule", () => {
  it.each(["shop.example.com", "a.b", "shop", `${"a".repeat(63)}.example.com`])("accepts %s", (name) => {
    expect(host.safeParse(name).success).toBe(true);
  });
  it.each([
    "Shop.example.com",
    "10.0.0.1",
    "-shop.example.com",
    "shop..example.com",
    "shop.example.com.",
    "*.example.com",
    `${"a".repeat(64)}.example.com`,
    "",
  ])("refuses %j", (name) => {
    expect(host.safeParse(name).success).toBe(false);
  });
});
