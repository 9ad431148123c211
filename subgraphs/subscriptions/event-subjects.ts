/**
 * Orders as entities, for an event's subject (EV9): `_entities` resolves an Order here, with
 * its visibility (canSeeOrder): null, without an error, for a viewer who may not see it.
 * One `WHERE id IN (…)` per request tick, whatever the number of events on the page.
 */
import DataLoader from "dataloader";
import { byIdLoader } from "../../common/by-id-loader";
import type { SubscriptionsContext } from "./context";
import { Order } from "./model";
import { canSeeOrder } from "./rules";

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
