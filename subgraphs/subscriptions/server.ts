/** Builds the subscriptions subgraph (schema, database, catalogue, HTTP server) without listening. */
import { ActivityRecord, ActivityResolver } from "../../common/mutations/activity";
import { devClockResolvers } from "../../common/time/dev-clock";
import type { Config } from "../../common/service/config";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/graphql/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/service/subgraph-server";
import type { SubgraphStorage } from "../../common/storage/migrations";
import { OutboxEvent, withOutboxRelay } from "../../common/events/outbox";
import { eventsIngest } from "../events/client";
import { loadCatalogue } from "./catalogue";
import { createSubscriptionsContext, SubscriptionsDeps } from "./context";
import { SUBSCRIPTIONS_MIGRATIONS } from "./migrations";
import { SubscriptionsInternalResolver } from "./internal";
import { Offer, Order, CloudSubscription, SubscriptionCount } from "./model";
import { SubscriptionMutations } from "./mutations";
import { SUBSCRIPTIONS_REFERENCES } from "./references";
import { CustomerSubscriptionsResolver, OrderResolver, PartnerSubscriptionsResolver, SubscriptionResolver } from "./resolvers";

const SubscriptionsActivityResolver = ActivityResolver("subscriptionsActivity", "subscriptions subgraph's mutations (placeOrder, subscription changes, recordExternalSubscription, hireSupportPartner)");

export const SUBSCRIPTIONS_ENTITIES = [Offer, CloudSubscription, SubscriptionCount, Order, ActivityRecord, OutboxEvent];
export const SUBSCRIPTIONS_STORAGE: SubgraphStorage = { entities: SUBSCRIPTIONS_ENTITIES, migrations: SUBSCRIPTIONS_MIGRATIONS };

export function buildSubscriptionsSchema() {
  return buildFederatedSchema({
    resolvers: [SubscriptionResolver, CustomerSubscriptionsResolver, PartnerSubscriptionsResolver, OrderResolver, SubscriptionMutations, SubscriptionsActivityResolver],
    referenceResolvers: SUBSCRIPTIONS_REFERENCES,
  });
}

/** The schema of `/internal/graphql`: what the other subgraphs may ask (their documents are in client.ts). */
export function buildSubscriptionsInternalSchema(config: Config) {
  return buildCodeFirstSchema([SubscriptionsInternalResolver, ...devClockResolvers(config)]);
}

export async function buildSubscriptionsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("subscriptions", SUBSCRIPTIONS_STORAGE, options);
  const catalogue = await loadCatalogue(db.dataSource);
  const deps: SubscriptionsDeps = { db, catalogue, partners: peer("partners"), customers: peer("customers") };
  const { schema } = await buildSubscriptionsSchema();
  const internalSchema = await buildSubscriptionsInternalSchema(config);
  const server = createSubgraphServer({
    name: "subscriptions",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createSubscriptionsContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource }),
  });
  return withOutboxRelay(server, db, eventsIngest(peer("events")), config);
}
