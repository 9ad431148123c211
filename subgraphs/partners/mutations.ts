/**
 * The partners subgraph's mutations: enrolment and the two-tier relationships (T1–T3). Each
 * loads the rows its rule needs, applies rules.ts, and writes in one transaction with its
 * activity record.
 */
import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { recordActivity } from "../../common/mutations/activity";
import { recordEvents } from "../../common/events/outbox";
import { requireRole } from "../../common/identity/authorization";
import { BLOCKED, ClaimKind, claimBlocked, liveClaimsOn, lockSubjects, untilUnblocked } from "../../common/mutations/claims";
import { clock } from "../../common/time/clock";
import { isUniqueViolation } from "../../common/storage/db";
import { ResellerRelationshipStatus } from "./enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors/errors";
import { idempotencyKeyArg } from "../../common/mutations/idempotency";
import { ClaimKey, idempotentCreate } from "../../common/mutations/idempotency-record";
import { uuidArg } from "../../common/graphql/validation";
import type { PartnersContext } from "./context";
import { relationshipEvent } from "./events";
import { EnrollPartnerInput, EnrollPartnerPayload, InviteResellerInput, Partner, ResellerRelationship, ResellerRelationshipPayload } from "./model";
import { visibleRelationship } from "./references";
import { checkAcceptance, checkInvitation, checkNoOpenRelationship, checkTermination, mpnIdArg, pairKeyOf, ROLES, validateEnrollment } from "./rules";

/** The relationship a mutation names, or NOT_FOUND when it does not exist for the viewer. */
async function relationshipToChange(ctx: PartnersContext, id: string): Promise<ResellerRelationship> {
  const rel = await visibleRelationship(ctx, uuidArg(id, "relationshipId"));
  if (!rel) throw notFound("Reseller relationship");
  return rel;
}

@Resolver()
export class PartnerMutations {
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
      // The pair's unique index saw a concurrent invitation that the check above could not.
      if (isUniqueViolation(error)) checkNoOpenRelationship(true);
      throw error;
    }
  }

  @Mutation(() => ResellerRelationshipPayload, { description: "The invited reseller accepts a pending invitation (T2): ACTIVE." })
  async acceptResellerInvitation(
    @Arg("relationshipId", () => ID, { description: "The invitation's relationship id." }) relationshipId: string,
    @Ctx() ctx: PartnersContext,
  ) {
    requireRole(ctx.principal, "partner", ROLES.acceptResellerInvitation);
    const rel = await relationshipToChange(ctx, relationshipId);
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
    const rel = await relationshipToChange(ctx, relationshipId);
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
