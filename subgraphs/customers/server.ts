/** Builds the customers subgraph (schema, database, HTTP server) without listening. */
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
import { createCustomersContext, CustomersDeps } from "./context";
import { DelegatedAdminAnnounced, withDelegatedAdminSweep } from "./delegated-admin-sweep";
import { CUSTOMERS_MIGRATIONS } from "./migrations";
import { CustomersInternalResolver } from "./internal";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship, RelationshipRequest } from "./model";
import { CustomerMutations } from "./mutations";
import { CUSTOMERS_REFERENCES } from "./references";
import {
  CustomerPartnerRelationshipResolver,
  CustomerResolver,
  DelegatedAdminRelationshipResolver,
  PartnerCustomersResolver,
  RelationshipRequestResolver,
} from "./resolvers";

const CustomersActivityResolver = ActivityResolver("customersActivity", "customers subgraph's mutations (registerCustomerTenant, createCustomer, relationship requests, reseller relationship removal, delegated admin relationships)");

export const CUSTOMERS_ENTITIES = [Customer, CustomerPartnerRelationship, RelationshipRequest, DelegatedAdminRelationship, ActivityRecord, IdempotencyRecord, RelationshipClaim, OutboxEvent, DelegatedAdminAnnounced];
export const CUSTOMERS_STORAGE: SubgraphStorage = { entities: CUSTOMERS_ENTITIES, migrations: CUSTOMERS_MIGRATIONS };

export function buildCustomersSchema() {
  return buildFederatedSchema({
    resolvers: [
      CustomerResolver,
      PartnerCustomersResolver,
      CustomerPartnerRelationshipResolver,
      RelationshipRequestResolver,
      DelegatedAdminRelationshipResolver,
      CustomerMutations,
      CustomersActivityResolver,
    ],
    referenceResolvers: CUSTOMERS_REFERENCES,
  });
}

/** The schema of `/internal/graphql`: what the other subgraphs may ask (their documents are in client.ts). */
export function buildCustomersInternalSchema(config: Config) {
  return buildCodeFirstSchema([CustomersInternalResolver, ...devClockResolvers(config)]);
}

export async function buildCustomersServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("customers", CUSTOMERS_STORAGE, options);
  const deps: CustomersDeps = {
    db,
    partners: peer("partners"),
    subscriptions: peer("subscriptions"),
    claims: { leaseMs: config.claimLeaseMs, waitMs: config.claimWaitMs },
    acceptUrlBase: config.relationshipRequestUrl,
  };
  // Recovery at start: claims that expired while no process was running to see them go.
  await purgeExpiredClaims(db);
  const { schema } = await buildCustomersSchema();
  const internalSchema = await buildCustomersInternalSchema(config);
  const server = createSubgraphServer({
    name: "customers",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createCustomersContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db, claims: deps.claims }),
  });
  return withDelegatedAdminSweep(withOutboxRelay(server, db, eventsIngest(peer("events")), config), db, config.delegatedAdminSweepMs);
}
