/**
 * The customers subgraph's entity as the gateway asks for it by key (`_entities`), and the
 * look-up the queries and mutations share with it: a customer the viewer may not see (CV1)
 * resolves to null.
 */
import type { ReferenceResolvers } from "../../common/graphql/federation";
import type { CustomersContext } from "./context";
import type { Customer } from "./model";
import DataLoader from "dataloader";
import { byIdLoader } from "../../common/storage/by-id-loader";
import { CustomerPartnerRelationship, DelegatedAdminRelationship } from "./model";
import { canSeeCustomerRelationship, canSeeDelegatedAdmin } from "./rules";

/** A customer by id, or null when CV1 hides it from the viewer. Used by look-ups and `_entities`. */
export async function visibleCustomer(ctx: CustomersContext, id: string): Promise<Customer | null> {
  const customer = await ctx.loaders.customer.load(id.toLowerCase());
  return customer && (await ctx.canSeeCustomer(customer)) ? customer : null;
}

/**
 * Reseller relationships with customers and delegated admin relationships as entities, for
 * an event's subject (EV9): `_entities` resolves them here, with their visibility (MP2 for
 * the first, its two parties for the second): null, without an error, for a viewer who may
 * not see one. One `WHERE id IN (…)` per kind and request tick.
 */
interface SubjectLoaders {
  relationship: DataLoader<string, CustomerPartnerRelationship | null>;
  delegatedAdmin: DataLoader<string, DelegatedAdminRelationship | null>;
}
const subjectLoaders = new WeakMap<CustomersContext, SubjectLoaders>();

function loadersOf(ctx: CustomersContext): SubjectLoaders {
  let loaders = subjectLoaders.get(ctx);
  if (!loaders) {
    loaders = {
      relationship: byIdLoader((ids) => ctx.ds.getRepository(CustomerPartnerRelationship).createQueryBuilder("r").where("r.id IN (:...ids)", { ids }).getMany()),
      delegatedAdmin: byIdLoader((ids) => ctx.ds.getRepository(DelegatedAdminRelationship).createQueryBuilder("d").where("d.id IN (:...ids)", { ids }).getMany()),
    };
    subjectLoaders.set(ctx, loaders);
  }
  return loaders;
}

export const customerRelationshipReference = {
  __resolveReference: async (ref: { id: unknown }, ctx: CustomersContext) => {
    if (typeof ref.id !== "string") return null;
    const rel = await loadersOf(ctx).relationship.load(ref.id.toLowerCase());
    return rel && canSeeCustomerRelationship(ctx.principal, rel) ? rel : null;
  },
};

export const delegatedAdminReference = {
  __resolveReference: async (ref: { id: unknown }, ctx: CustomersContext) => {
    if (typeof ref.id !== "string") return null;
    const dap = await loadersOf(ctx).delegatedAdmin.load(ref.id.toLowerCase());
    return dap && canSeeDelegatedAdmin(ctx.principal, dap) ? dap : null;
  },
};

export const CUSTOMERS_REFERENCES: ReferenceResolvers = {
  Customer: { __resolveReference: (ref: { id: string }, ctx: CustomersContext) => visibleCustomer(ctx, ref.id) },
  CustomerPartnerRelationship: customerRelationshipReference,
  DelegatedAdminRelationship: delegatedAdminReference,
};
