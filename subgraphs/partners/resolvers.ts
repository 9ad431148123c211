/** GraphQL entry points of the partners subgraph: thin, they load rows and apply rules.ts. */
import { randomUUID } from "node:crypto";
import type { GraphQLResolveInfo } from "graphql";
import type { EntityManager } from "typeorm";
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { recordActivity } from "../../common/activity";
import { recordEvents } from "../../common/outbox";
import { requireRole } from "../../common/authorization";
import { BLOCKED, ClaimKind, claimBlocked, liveClaimsOn, lockSubjects, untilUnblocked } from "../../common/claims";
import { clock } from "../../common/clock";
import { isUniqueViolation } from "../../common/db";
import { OrganizationKind, ResellerRelationshipStatus } from "../../common/enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors";
import { PageArgsType } from "../../common/graphql-types";
import { idempotencyKeyArg } from "../../common/idempotency";
import { ClaimKey, idempotentCreate } from "../../common/idempotency-record";
import { emptyConnection, toPageRequest } from "../../common/keyset";
import { selectsTotalCount } from "../../common/selection";
import { uuidArg } from "../../common/validation";
import type { PartnersContext } from "./context";
import { relationshipEvent } from "./events";
import {
  CustomerRef,
  EnrollPartnerInput,
  EnrollPartnerPayload,
  InviteResellerInput,
  Partner,
  ResellerRelationship,
  ResellerRelationshipConnection,
  ResellerRelationshipPayload,
  Viewer,
} from "./model";
import {
  canSeePartner,
  canSeeRelationship,
  checkAcceptance,
  checkInvitation,
  checkTermination,
  mpnIdArg,
  pairKeyOf,
  ROLES,
  validateEnrollment,
} from "./rules";

/** A partner by id, or null when the viewer may not see it (P1). Used by look-ups and `_entities`. */
export async function visiblePartner(ctx: PartnersContext, id: string): Promise<Partner | null> {
  // Both at once: the viewer's own partner row (its directory scope) joins the same batch as the ones asked for.
  const [partner, scope] = await Promise.all([ctx.loaders.partner.load(id.toLowerCase()), ctx.directory()]);
  return partner && canSeePartner(scope, partner) ? partner : null;
}

/** A relationship by id, or NOT_FOUND when it does not exist for the viewer. */
async function visibleRelationship(ctx: PartnersContext, id: string): Promise<ResellerRelationship> {
  const rel = await ctx.loaders.relationship.load(uuidArg(id, "relationshipId"));
  if (!rel || !canSeeRelationship(ctx.principal, rel)) throw notFound("Reseller relationship");
  return rel;
}


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

  @Mutation(() => EnrollPartnerPayload, { description: "Enrols a partner in the program (operator only)." })
  async enrollPartner(@Arg("input", () => EnrollPartnerInput, { description: "The partner to enrol." }) input: EnrollPartnerInput, @Ctx() ctx: PartnersContext) {
    requireRole(ctx.principal, "operator", ROLES.enrollPartner);
    const fields = validateEnrollment(input);
    const repo = ctx.ds.getRepository(Partner);
    if (await repo.existsBy({ id: fields.id })) throw badInput("input.id", "a partner with this tenant id is already enrolled.");
    if (await repo.existsBy({ mpnId: fields.mpnId })) throw badInput("input.mpnId", "this MPN ID is already enrolled.");
    try {
      const partner = await ctx.deps.db.transaction(async (em) => {
        const enrolled = await em.save(em.create(Partner, { ...fields, enrolledAt: clock.now() }));
        await recordActivity(em, ctx, "enrollPartner", [enrolled.id]);
        return enrolled;
      });
      return { partner };
    } catch (error) {
      if (isUniqueViolation(error)) throw badInput("input.mpnId", "this MPN ID or tenant id is already enrolled.");
      throw error;
    }
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

  @Mutation(() => ResellerRelationshipPayload, {
    description: "An indirect provider invites an indirect reseller, found by MPN ID (T1). The relationship starts PENDING.",
  })
  async inviteReseller(@Arg("input", () => InviteResellerInput, { description: "The reseller to invite." }) input: InviteResellerInput, @Ctx() ctx: PartnersContext) {
    requireRole(ctx.principal, "partner", ROLES.inviteReseller);
    const provider = await ctx.loaders.partner.load(ctx.principal.tid!);
    if (!provider) throw forbidden("Your organisation is not an enrolled partner.");
    const mpnId = mpnIdArg(input.resellerMpnId, "input.resellerMpnId");
    const keyed = { organisationId: ctx.principal.tid!, operation: "inviteReseller", key: idempotencyKeyArg(input.idempotencyKey), input: { mpnId }, what: "invitation" };
    const loadInvitation = async (id: string) => {
      const relationship = await ctx.ds.getRepository(ResellerRelationship).findOneBy({ id });
      return relationship && { relationship };
    };
    return idempotentCreate(ctx.ds, keyed, loadInvitation, (claim) => this.inviteResellerOnce(ctx, provider, mpnId, claim));
  }

  private async inviteResellerOnce(ctx: PartnersContext, provider: Partner, mpnId: string, claim: ClaimKey) {
    const reseller = await ctx.ds.getRepository(Partner).findOneBy({ mpnId });
    if (!reseller) throw notFound("Partner");
    const now = clock.now();
    try {
      const relationship = await ctx.deps.db.transaction(async (em) => {
        // "Between the same two partners": a link the other way round counts too.
        const existing = await em.findBy(ResellerRelationship, [
          { providerId: provider.id, resellerId: reseller.id },
          { providerId: reseller.id, resellerId: provider.id },
        ]);
        checkInvitation(provider, reseller, existing);
        const id = randomUUID();
        await claim(em, id);
        const invited = await em.save(
          em.create(ResellerRelationship, {
            id,
            providerId: provider.id,
            resellerId: reseller.id,
            pairKey: pairKeyOf(provider.id, reseller.id),
            status: ResellerRelationshipStatus.PENDING,
            invitedAt: now,
            acceptedAt: null,
            terminatedAt: null,
          }),
        );
        await recordActivity(em, ctx, "inviteReseller", [invited.id, provider.id, reseller.id]);
        await recordEvents(em, ctx.principal, [relationshipEvent("inviteReseller", invited)]);
        return invited;
      });
      return { relationship };
    } catch (error) {
      if (isUniqueViolation(error)) throw fail("RELATIONSHIP_EXISTS", "A pending or active relationship with this reseller already exists.");
      throw error;
    }
  }

  @Mutation(() => ResellerRelationshipPayload, { description: "The invited reseller accepts a pending invitation (T2): ACTIVE." })
  async acceptResellerInvitation(
    @Arg("relationshipId", () => ID, { description: "The invitation's relationship id." }) relationshipId: string,
    @Ctx() ctx: PartnersContext,
  ) {
    requireRole(ctx.principal, "partner", ROLES.acceptResellerInvitation);
    const rel = await visibleRelationship(ctx, relationshipId);
    checkAcceptance(ctx.principal, rel);
    return {
      relationship: await transition(ctx, "acceptResellerInvitation", rel, ResellerRelationshipStatus.PENDING, {
        status: ResellerRelationshipStatus.ACTIVE,
        acceptedAt: clock.now(),
      }),
    };
  }

  @Mutation(() => ResellerRelationshipPayload, {
    description: "Either side ends a pending or active relationship (T3): TERMINATED, final. Customers and subscriptions stay as they were.",
  })
  async terminateResellerRelationship(
    @Arg("relationshipId", () => ID, { description: "The relationship to end." }) relationshipId: string,
    @Ctx() ctx: PartnersContext,
  ) {
    requireRole(ctx.principal, "partner", [...new Set([...ROLES.terminateAsProvider, ...ROLES.terminateAsReseller])]);
    const rel = await visibleRelationship(ctx, relationshipId);
    checkTermination(ctx.principal, rel);
    // X1: a customer created for this reseller, or an order naming it, that has claimed the
    // relationship commits first; the termination then follows it (T3 after T4/T5).
    return {
      relationship: await untilUnblocked(ctx.deps.claims, "The reseller relationship", () =>
        transition(ctx, "terminateResellerRelationship", rel, rel.status, { status: ResellerRelationshipStatus.TERMINATED }, async (em) => {
          await lockSubjects(ctx.deps.db, em, "reseller_relationship", [rel.id]);
          return claimBlocked(ClaimKind.END, await liveClaimsOn(em, [rel.id]));
        }),
      ),
    };
  }
}

/** Applies a status change only if the row is still in `from`: a concurrent change makes it INVALID_STATE. */
async function transition(
  ctx: PartnersContext,
  operation: string,
  rel: ResellerRelationship,
  from: ResellerRelationshipStatus,
  change: Partial<ResellerRelationship>,
  blocked?: (em: EntityManager) => Promise<boolean>,
): Promise<ResellerRelationship> {
  return ctx.deps.db.transaction(async (em) => {
    // Only a caller that passes `blocked` sees BLOCKED, and it retries (untilUnblocked).
    if (blocked && (await blocked(em))) return BLOCKED as never;
    // The instant is taken after any wait, so a termination is never dated before what it waited for.
    if (change.status === ResellerRelationshipStatus.TERMINATED) change = { ...change, terminatedAt: clock.now() };
    const result = await em
      .createQueryBuilder()
      .update(ResellerRelationship)
      .set(change)
      .where("id = :id AND status = :from", { id: rel.id, from })
      .execute();
    if (!result.affected) throw fail("INVALID_STATE", "The relationship changed meanwhile; read it again.");
    await recordActivity(em, ctx, operation, [rel.id, rel.providerId, rel.resellerId]);
    await recordEvents(em, ctx.principal, [relationshipEvent(operation, rel)]);
    return (await em.findOneByOrFail(ResellerRelationship, { id: rel.id }))!;
  });
}
