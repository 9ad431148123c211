/**
 * Schema governance for frontend teams.
 *
 * `npm run schema:check`: the subgraphs compose; schema/api.graphql is what they compose to;
 * every type, field, argument and enum value is described and every deprecation gives a
 * reason; and, compared with the last released API (schema/released/api.graphql) by
 * graphql-inspector, every BREAKING change is recorded under `## Unreleased` in
 * schema/CHANGELOG.md. Dangerous and safe changes are printed, never refused.
 *
 * `npm run schema:release -- <version>`: after a passing check, copies the API to
 * schema/released/api.graphql and turns `## Unreleased` into `## <version> (<date>)`.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { Change, CriticalityLevel, diff } from "@graphql-inspector/core";
import {
  buildSchema,
  ConstDirectiveNode,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLSchema,
  isIntrospectionType,
  isSpecifiedScalarType,
  Kind,
} from "graphql";
import { projectRoot } from "../common/service/config";
import { composeSchemas, schemaFiles } from "./compose";

export const SCHEMA_DIR = path.join(projectRoot(), "schema");
export const GOVERNED_FILES = {
  api: path.join(SCHEMA_DIR, "api.graphql"),
  released: path.join(SCHEMA_DIR, "released", "api.graphql"),
  changelog: path.join(SCHEMA_DIR, "CHANGELOG.md"),
};

const UNRELEASED_HEADING = "## Unreleased";
/** `- BREAKING \`Coordinate\`: what changed and what clients do instead` */
const BREAKING_ENTRY = /^- BREAKING `([^`]+)`: \S/;

export interface SchemaCheckInput {
  /** The API schema as now composed (SDL). */
  current: string;
  /** The last released API schema (SDL); undefined before the first release. */
  released?: string;
  /** schema/CHANGELOG.md. */
  changelog: string;
}

export interface SchemaCheckReport {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
  /** Breaking changes whose coordinate has no entry under `## Unreleased`. */
  unrecorded: Change[];
  /** Everything that fails the check, one sentence each (empty when it passes). */
  problems: string[];
}

/** Where a change happened, as the changelog names it: `Type`, `Type.field`, `Type.field.arg`, `Enum.VALUE`. */
export const coordinateOf = (change: Change) => change.path ?? "schema";

/** The lines of the `## Unreleased` section, or undefined when there is none. */
function unreleasedSection(changelog: string): string[] | undefined {
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === UNRELEASED_HEADING);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The coordinates recorded as breaking under `## Unreleased`, and the malformed entries. */
export function recordedBreakingChanges(changelog: string): { coordinates: Set<string>; problems: string[] } {
  const section = unreleasedSection(changelog);
  if (!section) return { coordinates: new Set(), problems: [`schema/CHANGELOG.md has no "${UNRELEASED_HEADING}" section.`] };
  const coordinates = new Set<string>();
  const problems: string[] = [];
  for (const line of section) {
    if (!/^- BREAKING\b/.test(line)) continue;
    const match = BREAKING_ENTRY.exec(line);
    if (match) coordinates.add(match[1]);
    else problems.push(`Malformed changelog entry (expected "- BREAKING \`Coordinate\`: description"): ${line}`);
  }
  return { coordinates, problems };
}

/** The schema's own types: not introspection's, not the built-in scalars. */
export const userTypes = (schema: GraphQLSchema) =>
  Object.values(schema.getTypeMap()).filter((t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t));

/** graphql-js fills in "No longer supported" for a bare @deprecated, so the reason is read from the SDL itself. */
function deprecationWithoutReason(directives: readonly ConstDirectiveNode[] | undefined): boolean {
  const deprecated = directives?.find((d) => d.name.value === "deprecated");
  if (!deprecated) return false;
  const reason = deprecated.arguments?.find((a) => a.name.value === "reason")?.value;
  return !(reason?.kind === Kind.STRING && reason.value.trim() !== "");
}

/**
 * What a frontend developer would miss: types, fields, input fields, arguments and enum values
 * without a description, and deprecations without a reason. One coordinate per finding.
 */
export function documentationProblems(sdl: string): { undescribed: string[]; deprecatedWithoutReason: string[] } {
  const schema = buildSchema(sdl);
  const undescribed: string[] = [];
  const deprecatedWithoutReason: string[] = [];
  const visit = (coordinate: string, element: { description?: string | null; astNode?: { directives?: readonly ConstDirectiveNode[] } | null }) => {
    if (!element.description?.trim()) undescribed.push(coordinate);
    if (deprecationWithoutReason(element.astNode?.directives)) deprecatedWithoutReason.push(coordinate);
  };
  for (const type of userTypes(schema)) {
    visit(type.name, type);
    if (type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType || type instanceof GraphQLInputObjectType) {
      for (const field of Object.values(type.getFields())) {
        visit(`${type.name}.${field.name}`, field);
        for (const arg of "args" in field ? field.args : []) visit(`${type.name}.${field.name}(${arg.name}:)`, arg);
      }
    }
    if (type instanceof GraphQLEnumType) for (const value of type.getValues()) visit(`${type.name}.${value.name}`, value);
  }
  return { undescribed, deprecatedWithoutReason };
}

export async function checkSchema(input: SchemaCheckInput): Promise<SchemaCheckReport> {
  const current = buildSchema(input.current);
  const changes = input.released === undefined ? [] : await diff(buildSchema(input.released), current);
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  const breaking = of(CriticalityLevel.Breaking);
  const recorded = recordedBreakingChanges(input.changelog);
  const unrecorded = breaking.filter((c) => !recorded.coordinates.has(coordinateOf(c)));
  const breakingCoordinates = new Set(breaking.map(coordinateOf));
  const docs = documentationProblems(input.current);
  const problems = [
    ...recorded.problems,
    ...unrecorded.map((c) => `BREAKING ${c.message} — not recorded: add "- BREAKING \`${coordinateOf(c)}\`: <what clients do instead>" under "${UNRELEASED_HEADING}" in schema/CHANGELOG.md.`),
    // A recorded breaking change that is not one would tell clients to migrate for nothing.
    ...[...recorded.coordinates]
      .filter((c) => !breakingCoordinates.has(c))
      .map((c) => `schema/CHANGELOG.md records a breaking change at \`${c}\`, but the API has none there since the last release.`),
    ...docs.undescribed.map((c) => `${c} has no description.`),
    ...docs.deprecatedWithoutReason.map((c) => `${c} is deprecated without a reason.`),
  ];
  return { breaking, dangerous: of(CriticalityLevel.Dangerous), safe: of(CriticalityLevel.NonBreaking), unrecorded, problems };
}

/** The changelog with `## Unreleased` renamed to the release and a fresh empty `## Unreleased` above it. */
export function releaseChangelog(changelog: string, version: string, date: string): string {
  if (!unreleasedSection(changelog)) throw new Error(`schema/CHANGELOG.md has no "${UNRELEASED_HEADING}" section.`);
  if (new RegExp(`^## ${version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m").test(changelog)) {
    throw new Error(`schema/CHANGELOG.md already has a release ${version}.`);
  }
  return changelog.replace(/^## Unreleased[ \t]*$/m, `${UNRELEASED_HEADING}\n\n## ${version} (${date})`);
}

function printReport(report: SchemaCheckReport, firstRelease: boolean) {
  if (firstRelease) console.log("No released API yet (schema/released/api.graphql): run npm run schema:release -- <version>.");
  const list = (title: string, changes: Change[]) => {
    if (!changes.length) return;
    console.log(`\n${title} (${changes.length}):`);
    for (const c of changes) console.log(`  - [${coordinateOf(c)}] ${c.message}`);
  };
  list("Breaking changes", report.breaking);
  list("Dangerous changes", report.dangerous);
  list("Safe changes", report.safe);
  if (!report.breaking.length && !report.dangerous.length && !report.safe.length && !firstRelease) {
    console.log("The API is the released one.");
  }
  if (report.problems.length) {
    console.error(`\nschema:check failed:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`);
  } else {
    console.log("\nschema:check passed.");
  }
}

/** Composes the subgraphs and checks the result; the composed API must be the committed one. */
async function runCheck(): Promise<{ report: SchemaCheckReport; api: string }> {
  const api = schemaFiles(await composeSchemas())["api.graphql"];
  const released = fs.existsSync(GOVERNED_FILES.released) ? fs.readFileSync(GOVERNED_FILES.released, "utf8") : undefined;
  const report = await checkSchema({ current: api, released, changelog: fs.readFileSync(GOVERNED_FILES.changelog, "utf8") });
  if (fs.readFileSync(GOVERNED_FILES.api, "utf8") !== api) report.problems.unshift("schema/api.graphql is not what the subgraphs compose to: run npm run compose.");
  printReport(report, released === undefined);
  return { report, api };
}

async function main(command: string | undefined, version: string | undefined) {
  if (command === "check") {
    const { report } = await runCheck();
    process.exit(report.problems.length ? 1 : 0);
  }
  if (command === "release") {
    if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error("Usage: npm run schema:release -- <version>, e.g. 1.2.0");
    const { report, api } = await runCheck();
    if (report.problems.length) process.exit(1);
    const changelog = releaseChangelog(fs.readFileSync(GOVERNED_FILES.changelog, "utf8"), version, new Date().toISOString().slice(0, 10));
    fs.mkdirSync(path.dirname(GOVERNED_FILES.released), { recursive: true });
    fs.writeFileSync(GOVERNED_FILES.released, api);
    fs.writeFileSync(GOVERNED_FILES.changelog, changelog);
    console.log(`Released API ${version}: schema/released/api.graphql and schema/CHANGELOG.md updated.`);
    return;
  }
  throw new Error("Usage: schema-governance check | release <version>");
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
