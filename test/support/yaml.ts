/**
 * YAML for tests that read deployment files. js-yaml 3.15.2 is the version jest already
 * installs (declared as a devDependency, pinned to it); its types are in js-yaml.d.ts.
 */
import { safeLoad } from "js-yaml";

/** Parses YAML (merge keys `<<: *anchor` resolved, as Docker Compose does). */
export const parseYaml = <T = any>(text: string): T => safeLoad(text) as T;
