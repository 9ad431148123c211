/** The part of js-yaml 3 the tests use: the package ships no types. */
declare module "js-yaml" {
  /** Parses one YAML document with the default safe schema. */
  export function safeLoad(text: string): unknown;
}
