/**
 * The partners subgraph's entities as the gateway asks for them by key (`_entities`), and the
 * look-ups the queries and mutations share with them: a reference to something the viewer
 * may not see resolves to null (P1; a reseller relationship only for its two sides).
 */
import type { ReferenceResolvers } from "../../common/graphql/federation";
import type { PartnersContext } from "./context";
import type { Partner, ResellerRelationship } from "./model";
import { canSeePartner, canSeeRelationship } from "./rules";

/** A partner by id, or null when the viewer may not see it (P1). Used by look-ups and `_entities`. */
export async function visiblePartner(ctx: PartnersContext, id: string): Promise<Partner | null> {
  // Both at once: the viewer's own partner row (its directory scope) joins the same batch as the ones asked for.
  const [partner, scope] = await Promise.all([ctx.loaders.partner.load(id.toLowerCase()), ctx.directory()]);
  return partner && canSeePartner(scope, partner) ? partner : null;
}

/** A reseller relationship by id, or null when the viewer is neither of its sides nor the operator. */
export async function visibleRelationship(ctx: PartnersContext, id: string): Promise<ResellerRelationship | null> {
  // Ids match case-insensitively, as in the public look-ups (stored lower-case).
  const rel = await ctx.loaders.relationship.load(id.toLowerCase());
  return rel && canSeeRelationship(ctx.principal, rel) ? rel : null;
}

export const PARTNERS_REFERENCES: ReferenceResolvers = {
  Partner: { __resolveReference: (ref: { id: unknown }, ctx: PartnersContext) => (typeof ref.id === "string" ? visiblePartner(ctx, ref.id) : null) },
  ResellerRelationship: {
    __resolveReference: (ref: { id: unknown }, ctx: PartnersContext) => (typeof ref.id === "string" ? visibleRelationship(ctx, ref.id) : null),
  },
};
