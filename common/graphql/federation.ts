/**
 * Turns a type-graphql (code-first) schema into an Apollo Federation 2 subgraph schema.
 * Three traps of this tool pair: print with directives (graphql's printSchema drops @key),
 * prepend the @link, and give buildSubgraphSchema the resolver map *with* the reference
 * resolvers — resolvers attached afterwards silently never run.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { GraphQLSchema, parse } from "graphql";
import { buildSchema, createResolversMap, NonEmptyArray } from "type-graphql";
import { DateTimeScalar } from "./graphql-types";

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (reference: any, context: any, info: any) => unknown }>;

export interface SubgraphSchemaOptions {
  resolvers: NonEmptyArray<Function>;
  /** Entity types reachable only through `_entities` (not from a root field). */
  orphanedTypes?: Function[];
  referenceResolvers?: ReferenceResolvers;
}

export interface BuiltSubgraphSchema {
  schema: GraphQLSchema;
  /** The subgraph SDL as composition sees it. */
  sdl: string;
}

/** Code-first schema for internal endpoints and plain (non-federated) use. */
export function buildCodeFirstSchema(resolvers: NonEmptyArray<Function>, orphanedTypes: Function[] = []) {
  return buildSchema({
    resolvers,
    orphanedTypes,
    skipCheck: true,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  });
}

/** type-graphql cannot describe the root types; frontend developers see these in Sandbox. */
function describeRoots(sdl: string): string {
  return sdl
    .replace(/^type Query \{/m, '"""Reads: who you are, partners, customers, subscriptions and offers, as far as you may see them."""\ntype Query {')
    .replace(/^type Mutation \{/m, '"""Changes, each allowed to the roles the role table names; a refused mutation changes nothing."""\ntype Mutation {');
}

export async function buildFederatedSchema(options: SubgraphSchemaOptions): Promise<BuiltSubgraphSchema> {
  const codeFirst = await buildCodeFirstSchema(options.resolvers, options.orphanedTypes);
  const sdl = `${FEDERATION_LINK}\n\n${describeRoots(printSchemaWithDirectives(codeFirst))}`;
  const resolvers: Record<string, any> = createResolversMap(codeFirst);
  for (const [typeName, reference] of Object.entries(options.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...reference };
  }
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers });
  return { schema, sdl };
}
