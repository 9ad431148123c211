/**
 * The customers subgraph's entity as the gateway asks for it by key (`_entities`), and the
 * look-up the queries and mutations share with it: a customer the viewer may not see (CV1)
 * resolves to null.
 */
import type { ReferenceResolvers } from "../../common/graphql/federation";
import type { CustomersContext } from "./context";
import type { Customer } from "./model";

/** A customer by id, or null when CV1 hides it from the viewer. Used by look-ups and `_entities`. */
export async function visibleCustomer(ctx: CustomersContext, id: string): Promise<Customer | null> {
  const customer = await ctx.loaders.customer.load(id.toLowerCase());
  return customer && (await ctx.canSeeCustomer(customer)) ? customer : null;
}

export const CUSTOMERS_REFERENCES: ReferenceResolvers = {
  Customer: { __resolveReference: (ref: { id: string }, ctx: CustomersContext) => visibleCustomer(ctx, ref.id) },
};
