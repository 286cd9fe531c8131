import { describe, expect, it } from "vitest";
import { shortImage } from "../../src/chart/image-edit.js";
import { imageText, pinsImage, renderedImage } from "../../src/chart/rendered-image.js";
import { parseLog } from "../../src/git.js";
import { rollbackInput } from "../../src/input-schema.js";

describe("the image an environment renders", () => {
  const base = { image: { repository: "ghcr.io/acme/shop", tag: "1.0", digest: "" } };

  it("is values.yaml's, with the overlay's keys on top", () => {
    expect(imageText(renderedImage(base, undefined, "1.0"))).toBe("ghcr.io/acme/shop:1.0");
    expect(imageText(renderedImage(base, { replicaCount: 3 }, "1.0"))).toBe("ghcr.io/acme/shop:1.0");
    expect(imageText(renderedImage(base, { image: { tag: "2.0" } }, "1.0"))).toBe("ghcr.io/acme/shop:2.0");
    expect(imageText(renderedImage(base, { image: { digest: `sha256:${"a".repeat(64)}` } }, "1.0"))).toBe(
      `ghcr.io/acme/shop:1.0@sha256:${"a".repeat(64)}`,
    );
  });

  it("takes Chart.yaml's appVersion where the tag is empty, as helm create's charts do", () => {
    const created = { image: { repository: "nginx", tag: "" } };
    expect(imageText(renderedImage(created, undefined, "1.16.0"))).toBe("nginx:1.16.0");
    // A number, as YAML reads `tag: 1.10` unquoted, prints as Helm prints it.
    expect(imageText(renderedImage({ image: { repository: "nginx", tag: 1.1 } }, undefined, "1.16.0"))).toBe(
      "nginx:1.1",
    );
  });

  it("is none where Helm's image helper would fail: no repository, or neither tag nor digest", () => {
    expect(renderedImage({ image: { tag: "1.0" } }, undefined, "1.0")).toBeUndefined();
    expect(renderedImage({ image: { repository: "nginx", tag: "" } }, undefined, "")).toBeUndefined();
    expect(renderedImage(base, { image: null }, "1.0")).toBeUndefined();
    expect(renderedImage({}, undefined, "1.0")).toBeUndefined();
  });

  it("counts an overlay as pinning once it sets any image key of its own", () => {
    expect(pinsImage({ image: { pullPolicy: "Always" } })).toBe(false);
    expect(pinsImage({ image: { digest: "" } })).toBe(true);
    expect(pinsImage({})).toBe(false);
  });

  it("is shown short beside an image of the same repository", () => {
    expect(shortImage("ghcr.io/acme/shop:1.0", "ghcr.io/acme/shop:1.1")).toBe("1.0");
    expect(shortImage("registry.example.com:5000/shop:1.0", "registry.example.com:5000/shop:2.0")).toBe("1.0");
    expect(shortImage("ghcr.io/acme/shop:1.0", "registry.example.com/shop:1.0")).toBe("ghcr.io/acme/shop:1.0");
    expect(shortImage(undefined, "x:1")).toBe("none");
  });
});

describe("git log -z --raw output", () => {
  it("reads each commit's fields and the blob each path was changed to, whatever the path or subject", () => {
    const a = "a".repeat(40);
    const b = "b".repeat(40);
    const output = [
      `${a}\0aaaaaaa\x002025-03-02T10:00:00+01:00\0Bob\0bob@example.com\0shop: release\0`,
      "\n:100644 100644 1111111 2222222 M\0charts/shop/values.yaml\0",
      ":100644 000000 3333333 0000000 D\0charts/shop/values-qa.yaml\0",
      `${b}\0bbbbbbb\x002025-03-01T10:00:00+01:00\0Ann\0ann@example.com\0Add ${b}\0`,
      // A path that looks like a commit id is still a path.
      `\n:000000 100644 0000000 4444444 A\0${a}\0`,
    ].join("");
    const commits = parseLog(output);
    expect(commits.map((c) => [c.id, c.short, c.date, c.author, c.email, c.subject, [...c.changes]])).toEqual([
      [
        a,
        "aaaaaaa",
        "2025-03-02T10:00:00+01:00",
        "Bob",
        "bob@example.com",
        "shop: release",
        [
          ["charts/shop/values.yaml", "2222222"],
          ["charts/shop/values-qa.yaml", null],
        ],
      ],
      [b, "bbbbbbb", "2025-03-01T10:00:00+01:00", "Ann", "ann@example.com", `Add ${b}`, [[a, "4444444"]]],
    ]);
  });
});

describe("rollback --to", () => {
  const to = (value: string) => rollbackInput.safeParse({ env: "prod", to: value });

  it("keeps the word, and the image when it reads as one", () => {
    expect(to("1.4.2").data?.to).toEqual({ word: "1.4.2", image: { kind: "tag", tag: "1.4.2" } });
    expect(to("HEAD~1").data?.to).toEqual({ word: "HEAD~1", image: undefined });
    expect(to("latest").data?.to).toEqual({ word: "latest", image: undefined });
  });

  it("refuses what is neither a commit nor an image", () => {
    for (const value of ["", "-x", "a b", "x:y:z", "a".repeat(256)]) expect(to(value).success, value).toBe(false);
  });
});
