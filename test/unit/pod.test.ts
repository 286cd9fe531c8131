// The test support that starts rendered containers here must do what the kubelet does, or the
// notification tests would prove nothing: Kubernetes' $(VAR) expansion, as in kubernetes
// third_party/forked/golang/expansion/expand_test.go.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../src/rules/notifications.js";
import { expandLikeKubernetes, startContainer } from "../support/pod.js";

describe("Kubernetes' $(VAR) expansion", () => {
  const vars = { VAR_A: "A", VAR_B: "B", VAR_EMPTY: "", "a b": "spaced" };

  it.each([
    ["$(VAR_A)", "A"],
    ["___$(VAR_A)___", "___A___"],
    ["$(VAR_A)$(VAR_B)", "AB"],
    ["$(VAR_EMPTY)", ""],
    ["$(UNKNOWN)", "$(UNKNOWN)"],
    ["$$(VAR_A)", "$(VAR_A)"],
    ["$$$(VAR_A)", "$A"],
    ["$$$$", "$$"],
    ["$VAR_A", "$VAR_A"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${VAR} form, which the kubelet leaves as it is
    ["${VAR_A}", "${VAR_A}"],
    ["$(VAR_A", "$(VAR_A"],
    ["$", "$"],
    ["$(a b)", "spaced"],
    ["$?", "$?"],
    ["$é", "$é"],
    ["$(VAR_A$$)", "$(VAR_A$$)"],
  ])("expands %j to %j", (input, output) => {
    expect(expandLikeKubernetes(input, vars)).toBe(output);
  });

  it("expands an env value with the variables before it, and command and args with all of them", () => {
    const started = startContainer(
      {
        env: [
          { name: "FIRST", value: "1 $(LATER)" },
          { name: "LATER", value: "2 $(FIRST) $$(FIRST)" },
          { name: "HOOK", valueFrom: { secretKeyRef: { name: "s", key: "url" } } },
          { name: "MISSING", valueFrom: { secretKeyRef: { name: "gone", key: "url", optional: true } } },
        ],
        command: ["/bin/sh", "-c"],
        args: ["$(LATER) $(HOOK) $(MISSING) $HOOK"],
      },
      { s: { url: "http://127.0.0.1:9/x" } },
    );
    expect(started.env).toEqual({ FIRST: "1 $(LATER)", LATER: "2 1 $(LATER) $(FIRST)", HOOK: "http://127.0.0.1:9/x" });
    expect(started.argv).toEqual(["/bin/sh", "-c", "2 1 $(LATER) $(FIRST) http://127.0.0.1:9/x $(MISSING) $HOOK"]);
    expect(() =>
      startContainer({
        command: ["x"],
        env: [{ name: "H", valueFrom: { secretKeyRef: { name: "gone", key: "url" } } }],
      }),
    ).toThrow(/CreateContainerConfigError/);
  });
});

describe("Argo Rollouts' {{args.x}} substitution", () => {
  it("inserts each argument once, as it is, and leaves what it does not know", () => {
    const metric = {
      env: [
        { name: "P", value: "{{args.payload}}" },
        { name: "U", value: "{{ args.url }}/{{args.other}}" },
      ],
    };
    expect(resolveArgs(metric, { payload: '{"text":"{{args.url}} $$"}', url: "http://x" })).toEqual({
      env: [
        { name: "P", value: '{"text":"{{args.url}} $$"}' },
        { name: "U", value: "http://x/{{args.other}}" },
      ],
    });
  });
});
