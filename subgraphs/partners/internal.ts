/**
 * Facts the partners subgraph answers for the other subgraphs, on `/internal/graphql`
 * only (behind the subgraph credential, never composed into the public API):
 * a partner's cloud, country, programs and agreement (NC1, NC4, T6, T4/T5), whether a
 * tenant is any partner's CSP tenant (O2), and which resellers are ACTIVE with a provider
 * (T4, T5, CR2); and claims on those relationships (X1, common/mutations/claims.ts): while a write
 * elsewhere holds one, the relationship cannot be terminated (T3).
 */
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { ClaimKind, insertClaim, lockSubjects, releaseClaim } from "../../common/mutations/claims";
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { ResellerRelationshipStatus } from "./enums";
import type { PartnersServiceContext } from "./context";
import { Partner, ResellerRelationship } from "./model";

@ObjectType({ description: "A partner's facts for another subgraph's rules." })
export class PartnerFacts {
  @Field(() => ID, { description: "CSP tenant id." }) id!: string;
  @Field(() => Cloud, { description: "Cloud." }) cloud!: Cloud;
  @Field({ description: "Country." }) country!: string;
  @Field(() => [CspProgram], { description: "Programs." }) programs!: CspProgram[];
  @Field({ description: "Agreement signed." }) agreementSigned!: boolean;
}

@ObjectType({ description: "A USE claim on a provider's ACTIVE reseller relationships." })
export class ResellerClaim {
  @Field(() => ID, { nullable: true, description: "The claim to release; null when none of the resellers is ACTIVE (nothing claimed)." }) claimId!: string | null;
  @Field(() => Int, { description: "The claim's lease in milliseconds." }) leaseMs!: number;
  @Field(() => [ID], { description: "Which of the resellers are ACTIVE with the provider: those the claim holds." }) activeResellerIds!: string[];
}

@Resolver()
export class PartnersInternalResolver {
  @Mutation(() => ResellerClaim, {
    description: "X1: which of these resellers are ACTIVE with the provider, claimed for a write that relies on it (T4, T5, CR2) until released with releaseClaim.",
  })
  async claimActiveResellers(
    @Arg("providerId", () => ID) providerId: string,
    @Arg("resellerIds", () => [ID]) resellerIds: string[],
    @Arg("operation", { description: "The operation that relies on the relationships." }) operation: string,
    @Ctx() ctx: PartnersServiceContext,
  ): Promise<ResellerClaim> {
    const { db, claims } = ctx;
    if (resellerIds.length === 0) return { claimId: null, leaseMs: claims.leaseMs, activeResellerIds: [] };
    // A termination checks for claims under the same row lock: it either committed first (the
    // relationship is not ACTIVE here) or waits for this claim to go.
    return db.transaction(async (em) => {
      const active = await em
        .getRepository(ResellerRelationship)
        .createQueryBuilder("r")
        .where("r.providerId = :providerId AND r.status = :active AND r.resellerId IN (:...resellerIds)", {
          providerId: providerId.toLowerCase(),
          active: ResellerRelationshipStatus.ACTIVE,
          resellerIds: resellerIds.map((i) => i.toLowerCase()),
        })
        .getMany();
      await lockSubjects(db, em, "reseller_relationship", active.map((r) => r.id));
      // Re-read under the lock: a termination may have committed while this waited for it.
      const locked = active.length ? await em.getRepository(ResellerRelationship).findBy(active.map((r) => ({ id: r.id, status: ResellerRelationshipStatus.ACTIVE }))) : [];
      if (locked.length === 0) return { claimId: null, leaseMs: claims.leaseMs, activeResellerIds: [] };
      const claimId = await insertClaim(em, ClaimKind.USE, locked.map((r) => r.id), operation, claims.leaseMs);
      return { claimId, leaseMs: claims.leaseMs, activeResellerIds: locked.map((r) => r.resellerId) };
    });
  }

  @Mutation(() => Boolean, { description: "Ends a claim taken with claimActiveResellers (false when it had already expired)." })
  async releaseClaim(@Arg("claimId", () => ID) claimId: string, @Ctx() ctx: PartnersServiceContext): Promise<boolean> {
    return releaseClaim(ctx.db, claimId);
  }

  @Query(() => [PartnerFacts], { description: "The enrolled partners among these tenant ids (absent ids are not partners' CSP tenants)." })
  async partners(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: PartnersServiceContext): Promise<PartnerFacts[]> {
    if (ids.length === 0) return [];
    return ctx.ds
      .getRepository(Partner)
      .createQueryBuilder("p")
      .where("p.id IN (:...ids)", { ids: ids.map((i) => i.toLowerCase()) })
      .getMany();
  }

  @Query(() => [ID], { description: "Which of these resellers have an ACTIVE relationship with the provider right now." })
  async activeResellerIds(
    @Arg("providerId", () => ID) providerId: string,
    @Arg("resellerIds", () => [ID]) resellerIds: string[],
    @Ctx() ctx: PartnersServiceContext,
  ): Promise<string[]> {
    if (resellerIds.length === 0) return [];
    const rows = await ctx.ds
      .getRepository(ResellerRelationship)
      .createQueryBuilder("r")
      .select("r.resellerId", "resellerId")
      .where("r.providerId = :providerId AND r.status = :active AND r.resellerId IN (:...resellerIds)", {
        providerId: providerId.toLowerCase(),
        active: ResellerRelationshipStatus.ACTIVE,
        resellerIds: resellerIds.map((i) => i.toLowerCase()),
      })
      .getRawMany<{ resellerId: string }>();
    return rows.map((r) => r.resellerId);
  }
}
