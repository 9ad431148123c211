/** GraphQL reads of the partners subgraph (P1 on every path) and the fields of its types: thin, they load rows and apply rules.ts. */
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import { OrganizationKind } from "../../common/graphql/enums";
import { ResellerRelationshipStatus } from "./enums";
import { notFound } from "../../common/errors/errors";
import { PageArgsType } from "../../common/graphql/graphql-types";
import { emptyConnection, toPageRequest } from "../../common/storage/keyset";
import { selectsTotalCount } from "../../common/graphql/selection";
import { uuidArg } from "../../common/graphql/validation";
import type { PartnersContext } from "./context";
import { CustomerRef, Partner, ResellerRelationship, ResellerRelationshipConnection, Viewer } from "./model";
import { visiblePartner } from "./references";
import { canSeePartner, mpnIdArg } from "./rules";

/** The arguments `Partner.resellers` and `Partner.providers` share. */
@ArgsType()
export class RelationshipPageArgs extends PageArgsType {
  @Field(() => ResellerRelationshipStatus, { nullable: true, description: "Only relationships in this status." })
  status?: ResellerRelationshipStatus | null;
}

@Resolver(() => Partner)
export class PartnerResolver {
  @Query(() => Viewer, { nullable: true, description: "The signed-in user and their organisation." })
  viewer(@Ctx() ctx: PartnersContext): Viewer {
    const p = ctx.principal;
    return {
      userId: p.userId,
      kind: p.org.toUpperCase() as OrganizationKind,
      roles: p.roles,
      partner: null,
      customer: p.org === "customer" ? ({ id: p.tid! } as CustomerRef) : null,
    };
  }

  @Query(() => Partner, { nullable: true, description: "A partner of the viewer's cloud by its id (P1); NOT_FOUND otherwise." })
  async partner(@Arg("id", () => ID, { description: "The partner's CSP tenant id." }) id: string, @Ctx() ctx: PartnersContext) {
    const partner = await visiblePartner(ctx, uuidArg(id, "id"));
    if (!partner) throw notFound("Partner");
    return partner;
  }

  @Query(() => Partner, { nullable: true, description: "A partner of the viewer's cloud by MPN ID (how a provider finds a reseller to invite)." })
  async partnerByMpnId(@Arg("mpnId", { description: "The partner's MPN ID." }) mpnId: string, @Ctx() ctx: PartnersContext) {
    const partner = await ctx.ds.getRepository(Partner).findOneBy({ mpnId: mpnIdArg(mpnId, "mpnId") });
    if (!partner || !canSeePartner(await ctx.directory(), partner)) throw notFound("Partner");
    return partner;
  }

  @FieldResolver(() => ResellerRelationshipConnection, {
    description: "This partner's resellers (as indirect provider), as far as the viewer may see them: a reseller sees only its own link.",
  })
  resellers(@Root() partner: Partner, @Ctx() ctx: PartnersContext, @Info() info: GraphQLResolveInfo, @Args(() => RelationshipPageArgs) args: RelationshipPageArgs) {
    return relationshipList(ctx, "resellersOf", partner, args, info);
  }

  @FieldResolver(() => ResellerRelationshipConnection, {
    description: "This partner's indirect providers (as indirect reseller), as far as the viewer may see them.",
  })
  providers(@Root() partner: Partner, @Ctx() ctx: PartnersContext, @Info() info: GraphQLResolveInfo, @Args(() => RelationshipPageArgs) args: RelationshipPageArgs) {
    return relationshipList(ctx, "providersOf", partner, args, info);
  }
}

async function relationshipList(ctx: PartnersContext, loader: "resellersOf" | "providersOf", partner: Partner, args: RelationshipPageArgs, info: GraphQLResolveInfo) {
  const page = toPageRequest(args);
  const viewer = ctx.principal;
  if (viewer.org === "customer") return emptyConnection<ResellerRelationship>();
  // Intersection of the field's meaning and the viewer's sight: another partner sees only its own link.
  const onlyWith = viewer.org === "partner" && viewer.tid !== partner.id ? viewer.tid : undefined;
  return ctx.loaders[loader].load({ parentId: partner.id, args: { status: args.status ?? null, onlyWith }, page, withTotal: selectsTotalCount(info) });
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @FieldResolver(() => Partner, { nullable: true, description: "The user's partner organisation; null unless the user is a partner's." })
  async partner(@Ctx() ctx: PartnersContext) {
    return ctx.principal.org === "partner" ? ctx.loaders.partner.load(ctx.principal.tid!) : null;
  }
}

@Resolver(() => ResellerRelationship)
export class ResellerRelationshipResolver {
  @FieldResolver(() => Partner, { description: "The indirect provider." })
  async provider(@Root() rel: ResellerRelationship, @Ctx() ctx: PartnersContext) {
    return ctx.loaders.partner.load(rel.providerId);
  }

  @FieldResolver(() => Partner, { description: "The indirect reseller." })
  async reseller(@Root() rel: ResellerRelationship, @Ctx() ctx: PartnersContext) {
    return ctx.loaders.partner.load(rel.resellerId);
  }
}
