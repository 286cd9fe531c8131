// Text that came from elsewhere (Helm's and git's messages, a path or URL a person typed) may
// carry a credential. Everything printed that repeats such text goes through redact() first:
// the top-level error reporter and doctor's report do it, in one place each.

/**
 * A Slack incoming-webhook URL, whatever the case of its host, with or without a port or the
 * root dot: the path is the credential.
 */
export const SLACK_WEBHOOK_SOURCE = String.raw`https?://hooks\.slack(?:-gov)?\.com\.?(?::[0-9]{1,5})?/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+`;

const WEBHOOK = new RegExp(SLACK_WEBHOOK_SOURCE, "gi");
// What ends a URL inside a message: white space, quotes and brackets.
const END = String.raw`\s"'\`<>()\[\]{}`;
// scheme://user:password@host: everything up to the last @ of the authority.
const USERINFO = new RegExp(String.raw`\b([a-z][a-z0-9+.-]*://)[^${END}/?#]*@`, "gi");
// A password that holds a '/' ends the authority early for a parser, not for a person.
const USERINFO_WITH_SLASH = new RegExp(String.raw`\b([a-z][a-z0-9+.-]*://)[^${END}/?#@:]*:[^${END}@]*@`, "gi");
// A token in a query (?access_token=...) or a fragment (#...).
const QUERY = new RegExp(String.raw`\b([a-z][a-z0-9+.-]*://[^${END}?#]*)[?#][^${END}]*`, "gi");

/**
 * Text safe to print: webhook URLs, and credentials, queries and fragments of URLs, cut out.
 * (In this order: each replacement ends the URL it was in for the patterns after it.)
 */
export function redact(text: string): string {
  return text
    .replace(WEBHOOK, "https://hooks.slack.com/…(redacted)")
    .replace(QUERY, "$1?…(redacted)")
    .replace(USERINFO, "$1…(redacted)@")
    .replace(USERINFO_WITH_SLASH, "$1…(redacted)@");
}
