// Each command is its own CommonJS bundle in dist/ (built by scripts/build.mjs), loaded only
// when the command runs: `bluegreen --help` never reads the code of init, and init without a
// terminal never reads the prompt library. CommonJS, because Node 20 loads one CommonJS file
// much faster than a graph of ES module chunks.
import { createRequire } from "node:module";

declare const __filename: string;

export interface Bundles {
  init: typeof import("./commands/init.js");
  "add-env": typeof import("./commands/add-env.js");
  "bump-image": typeof import("./commands/bump-image.js");
  doctor: typeof import("./commands/doctor.js");
  history: typeof import("./commands/history.js");
  rollback: typeof import("./commands/rollback.js");
  migrate: typeof import("./commands/migrate.js");
  prompts: typeof import("./prompts.js");
}

// A require of the running bundle's own (dist/): esbuild leaves it alone, and it reads
// dist/<name>.cjs when called.
const requireFromDist = createRequire(__filename);

export function loadBundle<Name extends keyof Bundles>(name: Name): Bundles[Name] {
  return requireFromDist(`./${name}.cjs`) as Bundles[Name];
}
