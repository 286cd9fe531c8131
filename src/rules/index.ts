// The release rules: every invariant a Blue/Green chart must hold once rendered. Our tests hold
// every generated chart to them, and `bluegreen doctor` reports them on any chart.
import { configRules } from "./config.js";
import { disruptionRules } from "./disruption.js";
import { exposureRules } from "./exposure.js";
import { hookRules } from "./hooks.js";
import { imageRules } from "./images.js";
import { schemaRules } from "./manifest-schemas.js";
import { rolloutRules } from "./rollout.js";
import { scalingRules } from "./scaling.js";
import { secretRules } from "./secrets.js";
import type { Finding, Manifest, RenderContext } from "./types.js";

export type { Finding, Manifest, RenderContext, Severity } from "./types.js";

const RULES = [
  schemaRules,
  rolloutRules,
  scalingRules,
  hookRules,
  imageRules,
  secretRules,
  exposureRules,
  disruptionRules,
  configRules,
];

export function checkRelease(manifests: Manifest[], context: RenderContext = {}): Finding[] {
  return RULES.flatMap((rule) => rule(manifests, context));
}
