/**
 * Reseller relationships with customers and delegated admin relationships as entities, for
 * an event's subject (EV9): `_entities` resolves them here, with their visibility (MP2 for
 * the first, its two parties for the second): null, without an error, for a viewer who may
 * not see one. One `WHERE id IN (…)` per kind and request tick.
 */
import DataLoader from "dataloader";
import { byIdLoader } from "../../common/by-id-loader";
import type { CustomersContext } from "./context";
import { CustomerPartnerRelationship, DelegatedAdminRelationship } from "./model";
import { canSeeCustomerRelationship, canSeeDelegatedAdmin } from "./rules";

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
