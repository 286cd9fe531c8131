// node:crypto, loaded on first use. Loading it costs every process a few milliseconds, and most
// runs of init and --help never hash: a static import would load it with the bundle.
import { createRequire } from "node:module";

let loaded: typeof import("node:crypto") | undefined;

/** The node:crypto module (a built-in: it resolves the same from any base path). */
const crypto = () => {
  loaded ??= createRequire("/")("node:crypto") as typeof import("node:crypto");
  return loaded;
};

export const sha256Hex = (data: string | Buffer): string => crypto().createHash("sha256").update(data).digest("hex");
