// The one order in which bluegreen lists names: environments, files, templates.

/**
 * Case aside, in the order of the characters, as a listing reads; two names that differ only
 * in case, in the order of their characters. Not localeCompare: its first call loads ICU's
 * collation data, about 10 ms of a command's start. For the names bluegreen makes (lowercase
 * letters, digits and '-') the two orders are the same.
 */
export function byName(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
