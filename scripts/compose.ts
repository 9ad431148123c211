/**
 * `npm run compose`: builds each subgraph's schema (code-first), composes the supergraph
 * with @apollo/composition, and writes schema/<subgraph>.graphql, schema/supergraph.graphql
 * (what the gateway and Apollo Router load) and schema/api.graphql (what clients see).
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse, printSchema } from "graphql";
import { SUBGRAPH_REGISTRY, SubgraphName } from "../subgraphs/registry";
import { SUBGRAPH_CODE } from "../subgraphs/servers";

export interface ComposedSchemas {
  subgraphs: Record<SubgraphName, string>;
  supergraph: string;
  api: string;
}

export async function composeSchemas(): Promise<ComposedSchemas> {
  const subgraphs = {} as Record<SubgraphName, string>;
  for (const { name } of SUBGRAPH_REGISTRY) subgraphs[name] = printSubgraphSchema((await SUBGRAPH_CODE[name].buildSchema()).schema);
  // The URLs are where Apollo Router and the gateway find each subgraph unless configured otherwise.
  const result = composeServices(
    SUBGRAPH_REGISTRY.map(({ name, port }) => ({ name, url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(subgraphs[name]) })),
  );
  if (result.errors?.length) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join("\n")}`);
  }
  return { subgraphs, supergraph: result.supergraphSdl!, api: printSchema(result.schema!.toAPISchema().toGraphQLJSSchema()) };
}

/** The files `npm run compose` writes, keyed by path relative to the schema folder. */
export function schemaFiles(schemas: ComposedSchemas): Record<string, string> {
  const files: Record<string, string> = {
    "supergraph.graphql": schemas.supergraph.endsWith("\n") ? schemas.supergraph : `${schemas.supergraph}\n`,
    "api.graphql": `${schemas.api}\n`,
  };
  for (const [name, sdl] of Object.entries(schemas.subgraphs)) files[`${name}.graphql`] = `${sdl}\n`;
  return files;
}

async function main() {
  const dir = process.argv[2] ?? path.resolve(process.cwd(), "schema");
  const files = schemaFiles(await composeSchemas());
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  console.log(`composed ${Object.keys(files).length} files into ${dir}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
