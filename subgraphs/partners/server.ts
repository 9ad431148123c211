/** Builds the partners subgraph (schema, database, HTTP server) without listening. */
import { ActivityRecord, ActivityResolver } from "../../common/mutations/activity";
import { devClockResolvers } from "../../common/time/dev-clock";
import { IdempotencyRecord } from "../../common/mutations/idempotency-record";
import { purgeExpiredClaims, RelationshipClaim } from "../../common/mutations/claims";
import type { Config } from "../../common/service/config";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/graphql/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/service/subgraph-server";
import type { SubgraphStorage } from "../../common/storage/migrations";
import { OutboxEvent, withOutboxRelay } from "../../common/events/outbox";
import { eventsIngest } from "../events/client";
import { createPartnersContext, PartnersDeps } from "./context";
import { PARTNERS_MIGRATIONS } from "./migrations";
import { PartnersInternalResolver } from "./internal";
import { Partner, ResellerRelationship } from "./model";
import { PartnerMutations } from "./mutations";
import { PARTNERS_REFERENCES } from "./references";
import { PartnerResolver, ResellerRelationshipResolver, ViewerResolver } from "./resolvers";

const PartnersActivityResolver = ActivityResolver("partnersActivity", "partners subgraph's mutations (enrollPartner, inviteReseller, acceptResellerInvitation, terminateResellerRelationship)");

export const PARTNERS_ENTITIES = [Partner, ResellerRelationship, ActivityRecord, IdempotencyRecord, RelationshipClaim, OutboxEvent];
export const PARTNERS_STORAGE: SubgraphStorage = { entities: PARTNERS_ENTITIES, migrations: PARTNERS_MIGRATIONS };

export function buildPartnersSchema() {
  return buildFederatedSchema({
    resolvers: [PartnerResolver, ResellerRelationshipResolver, ViewerResolver, PartnerMutations, PartnersActivityResolver],
    referenceResolvers: PARTNERS_REFERENCES,
  });
}

/** The schema of `/internal/graphql`: what the other subgraphs may ask (their documents are in client.ts). */
export function buildPartnersInternalSchema(config: Config) {
  return buildCodeFirstSchema([PartnersInternalResolver, ...devClockResolvers(config)]);
}

export async function buildPartnersServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("partners", PARTNERS_STORAGE, options);
  const deps: PartnersDeps = { db, customers: peer("customers"), claims: { leaseMs: config.claimLeaseMs, waitMs: config.claimWaitMs } };
  // Recovery at start: claims that expired while no process was running to see them go.
  await purgeExpiredClaims(db);
  const { schema } = await buildPartnersSchema();
  const internalSchema = await buildPartnersInternalSchema(config);
  const server = createSubgraphServer({
    name: "partners",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createPartnersContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db, claims: deps.claims }),
  });
  return withOutboxRelay(server, db, eventsIngest(peer("events")), config);
}
