/** Builds the partners subgraph (schema, database, HTTP server) without listening. */
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import { createPartnersContext, PartnersDeps } from "./context";
import { PartnersInternalResolver } from "./internal";
import { Partner, ResellerRelationship } from "./model";
import { canSeeRelationship } from "./rules";
import { PartnerResolver, ResellerRelationshipResolver, ViewerResolver, visiblePartner } from "./resolvers";

export const PARTNERS_ENTITIES = [Partner, ResellerRelationship];

export function buildPartnersSchema() {
  return buildFederatedSchema({
    resolvers: [PartnerResolver, ResellerRelationshipResolver, ViewerResolver],
    referenceResolvers: {
      Partner: { __resolveReference: (ref: { id: unknown }, ctx) => (typeof ref.id === "string" ? visiblePartner(ctx, ref.id) : null) },
      ResellerRelationship: {
        __resolveReference: async (ref: { id: unknown }, ctx) => {
          // Ids match case-insensitively, as in the public look-ups (stored lower-case).
          if (typeof ref.id !== "string") return null;
          const rel = await ctx.loaders.relationship.load(ref.id.toLowerCase());
          return rel && canSeeRelationship(ctx.principal, rel) ? rel : null;
        },
      },
    },
  });
}

export async function buildPartnersServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("partners", PARTNERS_ENTITIES, options);
  const deps: PartnersDeps = { db, customers: peer("customers") };
  const { schema } = await buildPartnersSchema();
  const internalSchema = await buildCodeFirstSchema([PartnersInternalResolver]);
  return createSubgraphServer({
    name: "partners",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createPartnersContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource }),
  });
}
