// Container image references as Kubernetes and the container runtimes read them:
//   [registry[:port]/]path[:tag][@sha256:<64 hex>]
// The grammar follows the distribution reference format, restricted to what a chart should
// carry: a lowercase path, an explicit tag of at most 128 characters, sha256 digests only.

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?`;
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
