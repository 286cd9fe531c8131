// Precompiled Handlebars templates from templates/, provided by scripts/build.mjs.
declare module "virtual:templates" {
  const templates: Record<string, (context: object) => string>;
  export default templates;
}
