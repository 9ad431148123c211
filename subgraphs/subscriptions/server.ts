/** Builds the subscriptions subgraph (schema, database, catalogue, HTTP server) without listening. */
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import { seedCatalogue } from "./catalogue";
import { createSubscriptionsContext, SubscriptionsDeps } from "./context";
import { SubscriptionsInternalResolver } from "./internal";
import { Offer, Order, Subscription } from "./model";
import { SubscriptionMutations } from "./mutations";
import {
  CustomerSubscriptionsResolver,
  OrderResolver,
  PartnerSubscriptionsResolver,
  SubscriptionResolver,
  visibleSubscription,
} from "./resolvers";

export const SUBSCRIPTIONS_ENTITIES = [Offer, Subscription, Order];

export function buildSubscriptionsSchema() {
  return buildFederatedSchema({
    resolvers: [SubscriptionResolver, CustomerSubscriptionsResolver, PartnerSubscriptionsResolver, OrderResolver, SubscriptionMutations],
    referenceResolvers: {
      Subscription: { __resolveReference: (ref: { id: string }, ctx) => visibleSubscription(ctx, ref.id) },
    },
  });
}

export async function buildSubscriptionsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db, peer } = await prepareSubgraph("subscriptions", SUBSCRIPTIONS_ENTITIES, options);
  await seedCatalogue(db.dataSource);
  const deps: SubscriptionsDeps = { db, partners: peer("partners"), customers: peer("customers") };
  const { schema } = await buildSubscriptionsSchema();
  const internalSchema = await buildCodeFirstSchema([SubscriptionsInternalResolver]);
  return createSubgraphServer({
    name: "subscriptions",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => createSubscriptionsContext(deps, principal, requestId),
    serviceContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource }),
  });
}
