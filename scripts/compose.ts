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
import { SubgraphName } from "../common/config";
import { buildCustomersSchema } from "../subgraphs/customers/server";
import { buildPartnersSchema } from "../subgraphs/partners/server";
import { buildSubscriptionsSchema } from "../subgraphs/subscriptions/server";


/** Where Apollo Router and the gateway find each subgraph unless configured otherwise. */
const DEFAULT_URLS: Record<SubgraphName, string> = {
  partners: "http://127.0.0.1:4001/graphql",
  customers: "http://127.0.0.1:4002/graphql",
  subscriptions: "http://127.0.0.1:4003/graphql",
};

export interface ComposedSchemas {
  subgraphs: Record<SubgraphName, string>;
  supergraph: string;
  api: string;
}

export async function composeSchemas(): Promise<ComposedSchemas> {
  const built = {
    partners: await buildPartnersSchema(),
    customers: await buildCustomersSchema(),
    subscriptions: await buildSubscriptionsSchema(),
  };
  const subgraphs = Object.fromEntries(
    Object.entries(built).map(([name, b]) => [name, printSubgraphSchema(b.schema)]),
  ) as Record<SubgraphName, string>;
  const result = composeServices(
    (Object.keys(subgraphs) as SubgraphName[]).map((name) => ({ name, url: DEFAULT_URLS[name], typeDefs: parse(subgraphs[name]) })),
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
