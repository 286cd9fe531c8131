// Container image references as Kubernetes and the container runtimes read them:
//   [registry[:port]/]path[:tag][@sha256:<64 hex>]
// The grammar follows the distribution reference format, restricted to what a chart should
// carry: a lowercase path, an explicit tag of at most 128 characters, sha256 digests only.

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
// A registry port is a TCP port: 1-65535.
const PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::${PORT})?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";

/** Repository without tag or digest, e.g. `registry.example.com:5000/team/app`. */
export const REPOSITORY_PATTERN = `^(?:${DOMAIN}/)?${PATH}$`;
export const TAG_PATTERN = `^${TAG}$`;
export const DIGEST_PATTERN = `^${DIGEST}$`;

const IMAGE_REF = new RegExp(`^((?:${DOMAIN}/)?${PATH})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const TAG_ONLY = new RegExp(TAG_PATTERN);

/** Longest repository name the distribution spec allows. */
export const REPOSITORY_MAX = 255;

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

// Digest algorithms of the OCI image spec and of the hashes people paste. Written bare
// (`sha512:<hex>`), one of these is a digest, never an image called sha512 with a tag.
const DIGEST_ALGORITHM =
  /^(?:sha(?:1|224|256|384|512)|sha512[-_]256|sha3-(?:224|256|384|512)|blake2[bs](?:-?[0-9]+)?|blake3|md5|sm3|shake(?:128|256)|xxh(?:3|32|64|128))$/i;

/**
 * The algorithm of a digest that is not sha256 (`app@sha512:...`, `sha512:...`), which nothing
 * here pulls; undefined when the text carries no such digest.
 */
export function unsupportedDigestAlgorithm(text: string): string | undefined {
  const inReference = /@([^@:/]*):/.exec(text)?.[1];
  if (inReference !== undefined) return inReference === "sha256" ? undefined : inReference || "(none)";
  const bare = /^([A-Za-z0-9+._-]+):[A-Za-z0-9=_-]+$/.exec(text)?.[1];
  return bare !== undefined && bare !== "sha256" && DIGEST_ALGORITHM.test(bare) ? bare : undefined;
}

/**
 * The parts of any image text, split by position as a container runtime splits a reference
 * before it checks one: the digest after '@', the tag after the last ':' past the last '/'. For
 * judging what a chart renders, which may be any text; parseImageRef says whether it is valid.
 */
export function splitImageRef(text: string): { repository: string; tag?: string; digest?: string } {
  const at = text.indexOf("@");
  const name = at === -1 ? text : text.slice(0, at);
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  return {
    repository: colon === -1 ? name : name.slice(0, colon),
    ...(colon === -1 ? {} : { tag: name.slice(colon + 1) }),
    ...(at === -1 ? {} : { digest: text.slice(at + 1) }),
  };
}

/** Whether the text pins a sha256 digest (`app@sha256:<64 hex>`). */
export const hasDigest = (text: string) => new RegExp(`@${DIGEST}$`).test(text);

/** Parses a full reference; undefined when it is not one. */
export function parseImageRef(text: string): ImageRef | undefined {
  const match = IMAGE_REF.exec(text);
  if (!match || match[1]!.length > REPOSITORY_MAX) return undefined;
  const ref: ImageRef = { repository: match[1]! };
  if (match[2] !== undefined) ref.tag = match[2];
  if (match[3] !== undefined) ref.digest = match[3];
  return ref;
}

export function isTag(text: string): boolean {
  return TAG_ONLY.test(text);
}

/** The reference a pod spec carries: `repo:tag`, `repo@digest` or `repo:tag@digest`. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
