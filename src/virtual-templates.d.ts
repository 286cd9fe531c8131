// Built by scripts/build.mjs: the files of templates/chart/ and templates/migrate/ ready to
// fill in (Helm templates rendered with their partials, the READMEs and ignore files precompiled
// by Handlebars), each keyed by its path in templates/; and, with the chart's, the
// values.schema.json produced from src/values-schema.ts. One module per folder, so that a
// command's bundle holds only the templates it writes.
declare module "virtual:templates/chart" {
  const templates: Record<string, (context: object) => string>;
  export default templates;
  export const valuesSchemaJson: string;
}

declare module "virtual:templates/migrate" {
  const templates: Record<string, (context: object) => string>;
  export default templates;
}
