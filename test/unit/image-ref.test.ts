import { describe, expect, it } from "vitest";
import { formatImageRef, isTag, parseImageRef } from "../../src/image-ref.js";

describe("image references", () => {
  it("reads registry, port, path, tag and digest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(parseImageRef(`registry.example.com:5000/team/app:1.10@${digest}`)).toEqual({
      repository: "registry.example.com:5000/team/app",
      tag: "1.10",
      digest,
    });
    expect(parseImageRef("ghcr.io/acme/shop:1.4.2")).toEqual({ repository: "ghcr.io/acme/shop", tag: "1.4.2" });
  });

  it("refuses an uppercase path and a tag that starts with a dot", () => {
    expect(parseImageRef("ghcr.io/Acme/shop:1")).toBeUndefined();
    expect(parseImageRef("ghcr.io/acme/shop:.1")).toBeUndefined();
    expect(isTag("-x")).toBe(false);
  });

  it("reads a first component with a capital letter as a registry host, as the distribution grammar does", () => {
    expect(parseImageRef("Shop/app:1")).toEqual({ repository: "Shop/app", tag: "1" });
    expect(parseImageRef("shop/App:1")).toBeUndefined();
  });

  it("writes a reference back the way a pod spec carries it", () => {
    expect(formatImageRef({ repository: "app", digest: `sha256:${"b".repeat(64)}` })).toBe(
      `app@sha256:${"b".repeat(64)}`,
    );
    expect(formatImageRef({ repository: "app", tag: "v2" })).toBe("app:v2");
  });
});
