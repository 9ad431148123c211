/** Builds the customers subgraph (schema, database, HTTP server) without listening. */
import { ActivityRecord, ActivityResolver } from "../../common/activity";
import { devClockResolvers } from "../../common/dev-clock";
import { IdempotencyRecord } from "../../common/idempotency-record";
import { purgeExpiredClaims, RelationshipClaim } from "../../common/claims";
import { OutboxEvent, withOutboxRelay } from "../../common/outbox";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import type { SubgraphStorage } from "../../common/migrations";
import { createCustomersContext, CustomersDeps } from "./context";
import { DelegatedAdminAnnounced, withDelegatedAdminSweep } from "./delegated-admin-sweep";
import { customerRelationshipReference, delegatedAdminReference } from "./event-subjects";
import { CUSTOMERS_MIGRATIONS } from "./migrations";
import { CustomersInternalResolver } from "./internal";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship, RelationshipRequest } from "./model";
import { CustomerMutations } from "./mutations";
import {
  CustomerPartnerRelationshipResolver,
  CustomerResolver,
  DelegatedAdminRelationshipResolver,
  PartnerCustomersResolver,
  RelationshipRequestResolver,
  visibleCustomer,
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
    referenceResolvers: {
      Customer: { __resolveReference: (ref: { id: string }, ctx) => visibleCustomer(ctx, ref.id) },
      CustomerPartnerRelationship: customerRelationshipReference,
      DelegatedAdminRelationship: delegatedAdminReference,
    },
  });
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
  const internalSchema = await buildCodeFirstSchema([CustomersInternalResolver, ...devClockResolvers(config)]);
  const server = createSubgraphServer({
    name: "customers",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createCustomersContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db, claims: deps.claims }),
  });
  return withDelegatedAdminSweep(withOutboxRelay(server, db, peer("events"), config), db, config.delegatedAdminSweepMs);
}
