/**
 * The subscriptions subgraph's entity as the gateway asks for it by key (`_entities`), and the
 * look-up the queries and mutations share with it: a subscription the viewer may not see (S1)
 * resolves to null.
 */
import type { ReferenceResolvers } from "../../common/graphql/federation";
import type { SubscriptionsContext } from "./context";
import type { CloudSubscription } from "./model";

/** A subscription by id, or null when S1 hides it from the viewer. Used by look-ups and `_entities`. */
export async function visibleSubscription(ctx: SubscriptionsContext, id: string): Promise<CloudSubscription | null> {
  const sub = await ctx.loaders.subscription.load(id.toLowerCase());
  return sub && (await ctx.canSee(sub)) ? sub : null;
}

export const SUBSCRIPTIONS_REFERENCES: ReferenceResolvers = {
  CloudSubscription: { __resolveReference: (ref: { id: string }, ctx: SubscriptionsContext) => visibleSubscription(ctx, ref.id) },
};
