/**
 * The subscriptions subgraph's entity as the gateway asks for it by key (`_entities`), and the
 * look-up the queries and mutations share with it: a subscription the viewer may not see (S1)
 * resolves to null.
 */
import type { ReferenceResolvers } from "../../common/graphql/federation";
import type { SubscriptionsContext } from "./context";
import type { CloudSubscription } from "./model";
import DataLoader from "dataloader";
import { byIdLoader } from "../../common/storage/by-id-loader";
import { Order } from "./model";
import { canSeeOrder } from "./rules";

/** A subscription by id, or null when S1 hides it from the viewer. Used by look-ups and `_entities`. */
export async function visibleSubscription(ctx: SubscriptionsContext, id: string): Promise<CloudSubscription | null> {
  const sub = await ctx.loaders.subscription.load(id.toLowerCase());
  return sub && (await ctx.canSee(sub)) ? sub : null;
}

/**
 * Orders as entities, for an event's subject (EV9): `_entities` resolves an Order here, with
 * its visibility (canSeeOrder): null, without an error, for a viewer who may not see it.
 * One `WHERE id IN (…)` per request tick, whatever the number of events on the page.
 */
const orderLoaders = new WeakMap<SubscriptionsContext, DataLoader<string, Order | null>>();

function orderLoader(ctx: SubscriptionsContext) {
  let loader = orderLoaders.get(ctx);
  if (!loader) {
    loader = byIdLoader((ids) => ctx.ds.getRepository(Order).createQueryBuilder("o").where("o.id IN (:...ids)", { ids }).getMany());
    orderLoaders.set(ctx, loader);
  }
  return loader;
}

export const orderReference = {
  __resolveReference: async (ref: { id: unknown }, ctx: SubscriptionsContext) => {
    if (typeof ref.id !== "string") return null;
    const order = await orderLoader(ctx).load(ref.id.toLowerCase());
    return order && canSeeOrder(ctx.principal, order) ? order : null;
  },
};

export const SUBSCRIPTIONS_REFERENCES: ReferenceResolvers = {
  CloudSubscription: { __resolveReference: (ref: { id: string }, ctx: SubscriptionsContext) => visibleSubscription(ctx, ref.id) },
  Order: orderReference,
};
