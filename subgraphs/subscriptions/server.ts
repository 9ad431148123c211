/** Builds the subscriptions subgraph (schema, database, catalogue, HTTP server) without listening. */
import { ActivityRecord, ActivityResolver } from "../../common/activity";
import { devClockResolvers } from "../../common/dev-clock";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import { OutboxEvent, withOutboxRelay } from "../../common/outbox";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import type { SubgraphStorage } from "../../common/migrations";
import { loadCatalogue } from "./catalogue";
import { createSubscriptionsContext, SubscriptionsDeps } from "./context";
import { orderReference } from "./event-subjects";
import { SUBSCRIPTIONS_MIGRATIONS } from "./migrations";
import { SubscriptionsInternalResolver } from "./internal";
import { Offer, Order, CloudSubscription, SubscriptionCount } from "./model";
import { SubscriptionMutations } from "./mutations";
import {
  CustomerSubscriptionsResolver,
  OrderResolver,
  PartnerSubscriptionsResolver,
  SubscriptionResolver,
  visibleSubscription,
} from "./resolvers";

const SubscriptionsActivityResolver = ActivityResolver("subscriptionsActivity", "subscriptions subgraph's mutations (placeOrder, subscription changes, recordExternalSubscription, hireSupportPartner)");

export const SUBSCRIPTIONS_ENTITIES = [Offer, CloudSubscription, SubscriptionCount, Order, ActivityRecord, OutboxEvent];
export const SUBSCRIPTIONS_STORAGE: SubgraphStorage = { entities: SUBSCRIPTIONS_ENTITIES, migrations: SUBSCRIPTIONS_MIGRATIONS };

export function buildSubscriptionsSchema() {
  return buildFederatedSchema({
    resolvers: [SubscriptionResolver, CustomerSubscriptionsResolver, PartnerSubscriptionsResolver, OrderResolver, SubscriptionMutations, SubscriptionsActivityResolver],
    referenceResolvers: {
      CloudSubscription: { __resolveReference: (ref: { id: string }, ctx) => visibleSubscription(ctx, ref.id) },
      Order: orderReference,
    },
  });
}

export async function buildSubscriptionsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("subscriptions", SUBSCRIPTIONS_STORAGE, options);
  const catalogue = await loadCatalogue(db.dataSource);
  const deps: SubscriptionsDeps = { db, catalogue, partners: peer("partners"), customers: peer("customers") };
  const { schema } = await buildSubscriptionsSchema();
  const internalSchema = await buildCodeFirstSchema([SubscriptionsInternalResolver, ...devClockResolvers(config)]);
  const server = createSubgraphServer({
    name: "subscriptions",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createSubscriptionsContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource }),
  });
  return withOutboxRelay(server, db, peer("events"), config);
}
