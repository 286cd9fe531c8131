// Built by scripts/build.mjs: the precompiled Handlebars templates of templates/, and the
// chart's values.schema.json produced from src/values-schema.ts.
declare module "virtual:templates" {
  const templates: Record<string, (context: object) => string>;
  export default templates;
  export const valuesSchemaJson: string;
}
