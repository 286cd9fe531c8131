// How messages name a path: as the person would type it from where they are.
import path from "node:path";

/** A path relative to the current directory, `.` for the directory itself (`../shop`, `shop/values.yaml`). */
export const relativePath = (target: string) => path.relative(process.cwd(), target) || ".";

/** A path as the person gave it: relative to the current directory, absolute where that would climb out. */
export function shownPath(target: string): string {
  const relative = path.relative(process.cwd(), target);
  if (relative === "") return ".";
  return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)
    ? path.resolve(target)
    : relative;
}
