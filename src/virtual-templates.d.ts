// Built by scripts/build.mjs: templates/ ready to fill in (Helm templates rendered with their
// partials, the READMEs and ignore files precompiled by Handlebars), and the chart's
// values.schema.json produced from src/values-schema.ts.
declare module "virtual:templates" {
  const templates: Record<string, (context: object) => string>;
  export default templates;
  export const valuesSchemaJson: string;
}
