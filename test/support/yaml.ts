/**
 * YAML for tests that read deployment files. js-yaml 3.15.2 is the version jest already
 * installs (declared as a devDependency, pinned to it); it ships no types, hence this wrapper.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsYaml = require("js-yaml") as { safeLoad(text: string): unknown };

/** Parses YAML (merge keys `<<: *anchor` resolved, as Docker Compose does). */
export const parseYaml = <T = any>(text: string): T => jsYaml.safeLoad(text) as T;
