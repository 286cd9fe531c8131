// values.yaml with migrate's commented block added, or a refusal; never a file that does not
// parse. Helm reads any YAML: a block mapping gets the block at its end; `{}` is replaced by
// it; a document end marker (`...`) stays last, after it; a mapping written as JSON or
// {flow} cannot hold commented block YAML, so it is refused and left as it was.
import { isDeepStrictEqual } from "node:util";
import { isMap, parseDocument } from "yaml";
import { failure } from "../errors.js";
import type { ParsedYaml } from "../yaml-edit.js";

export function withValuesBlock(values: ParsedYaml, block: string, added: Record<string, unknown>): string {
  const { source, doc } = values;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const text = block.replace(/\r?\n/g, eol);
  const contents = doc.contents;
  let result: string;
  if (isMap(contents) && contents.flow) {
    if (contents.items.length > 0) {
      throw failure(
        "values.yaml is one {flow} mapping (JSON): migrate adds commented block YAML, which it cannot hold; rewrite values.yaml in block style (yq -P -i values.yaml does) and run migrate again",
      );
    }
    const [start, end] = contents.range!;
    if (source.lastIndexOf("\n", start - 1) + 1 !== start)
      throw failure(
        "values.yaml: {} does not start its line; write it as an empty file, or in block style, and run migrate again",
      );
    result = source.slice(0, start) + text.trimEnd() + source.slice(end);
  } else {
    // A document end marker at the start of a line, with only comments after it: the block goes before it.
    const marker = /^\.\.\.[ \t]*(?:#.*)?$/m.exec(source);
    const at = marker ? marker.index : source.length;
    const before = source.slice(0, at);
    const separator =
      before === "" ? "" : before.endsWith(`${eol}${eol}`) ? "" : before.endsWith(eol) ? eol : eol + eol;
    result = before + separator + text + source.slice(at);
  }
  const parsed = parseDocument(result);
  const expected = { ...((doc.toJS() as Record<string, unknown> | null) ?? {}), ...added };
  if (parsed.errors.length > 0 || !isDeepStrictEqual(parsed.toJS(), expected)) {
    throw failure(
      "values.yaml: adding the Blue/Green settings would not leave a file that reads back as intended, so nothing was changed; write it in block style and run migrate again",
    );
  }
  return result;
}
