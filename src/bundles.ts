// Each command is its own CommonJS bundle in dist/ (built by scripts/build.mjs), loaded only
// when the command runs: `bluegreen --help` never reads the code of init, and init without a
// terminal never reads the prompt library. CommonJS, because Node 20 loads one CommonJS file
// much faster than a graph of ES module chunks. dist/load.cjs does the loading (load.ts).
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

export function loadBundle<Name extends keyof Bundles>(name: Name): Bundles[Name] {
  const { load } = createRequire(__filename)("./load.cjs") as typeof import("./load.js");
  return load(name) as Bundles[Name];
}
