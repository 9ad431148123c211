/** Builds the partners subgraph (schema, database, HTTP server) without listening. */
import { ActivityRecord, ActivityResolver } from "../../common/activity";
import { devClockResolvers } from "../../common/dev-clock";
import { IdempotencyRecord } from "../../common/idempotency-record";
import { purgeExpiredClaims, RelationshipClaim } from "../../common/claims";
import { OutboxEvent, withOutboxRelay } from "../../common/outbox";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import type { SubgraphStorage } from "../../common/migrations";
import { createPartnersContext, PartnersDeps } from "./context";
import { PARTNERS_MIGRATIONS } from "./migrations";
import { PartnersInternalResolver } from "./internal";
import { Partner, ResellerRelationship } from "./model";
import { canSeeRelationship } from "./rules";
import { PartnerResolver, ResellerRelationshipResolver, ViewerResolver, visiblePartner } from "./resolvers";

const PartnersActivityResolver = ActivityResolver("partnersActivity", "partners subgraph's mutations (enrollPartner, inviteReseller, acceptResellerInvitation, terminateResellerRelationship)");

export const PARTNERS_ENTITIES = [Partner, ResellerRelationship, ActivityRecord, IdempotencyRecord, RelationshipClaim, OutboxEvent];
export const PARTNERS_STORAGE: SubgraphStorage = { entities: PARTNERS_ENTITIES, migrations: PARTNERS_MIGRATIONS };

export function buildPartnersSchema() {
  return buildFederatedSchema({
    resolvers: [PartnerResolver, ResellerRelationshipResolver, ViewerResolver, PartnersActivityResolver],
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
  const { config, db, peer } = await prepareSubgraph("partners", PARTNERS_STORAGE, options);
  const deps: PartnersDeps = { db, customers: peer("customers"), claims: { leaseMs: config.claimLeaseMs, waitMs: config.claimWaitMs } };
  // Recovery at start: claims that expired while no process was running to see them go.
  await purgeExpiredClaims(db);
  const { schema } = await buildPartnersSchema();
  const internalSchema = await buildCodeFirstSchema([PartnersInternalResolver, ...devClockResolvers(config)]);
  const server = createSubgraphServer({
    name: "partners",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createPartnersContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db, claims: deps.claims }),
  });
  return withOutboxRelay(server, db, peer("events"), config);
}
