/**
 * Facts the customers subgraph answers for the other subgraphs on `/internal/graphql`
 * (behind the subgraph credential, never in the public API): a customer's cloud and
 * country (P1, NC1, O3), and its active reseller and delegated admin relationships
 * (O1, T5, S1/MC2); and claims on a customer's relationships (X1, common/mutations/claims.ts): while a
 * write elsewhere holds one, none of the customer's reseller or delegated admin relationships ends.
 */
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { EntityManager, In } from "typeorm";
import { BLOCKED, ClaimKind, claimBlocked, insertClaim, liveClaimsOn, lockSubjects, releaseClaim, untilUnblocked } from "../../common/mutations/claims";
import { readAll } from "../../common/storage/db";
import { clock } from "../../common/time/clock";
import { Cloud } from "../../common/graphql/enums";
import { CustomerRelationshipStatus, DelegatedAdminStatus } from "./enums";
import type { CustomersServiceContext } from "./context";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship } from "./model";
import { isActiveDap } from "./rules";

@ObjectType({ description: "An ACTIVE reseller relationship, for another subgraph's rules." })
export class ActiveRelationshipFacts {
  @Field(() => ID, { description: "The reseller (partner of the relationship)." }) partnerId!: string;
  @Field(() => ID, { nullable: true, description: "Its recorded indirect provider." }) indirectProviderId!: string | null;
}

@ObjectType({ description: "A customer's facts for another subgraph's rules." })
export class CustomerFacts {
  @Field(() => ID, { description: "Tenant id." }) id!: string;
  @Field(() => Cloud, { description: "Cloud." }) cloud!: Cloud;
  @Field({ description: "Country." }) country!: string;
  @Field(() => [ActiveRelationshipFacts], { description: "Active reseller relationships." }) activeRelationships!: ActiveRelationshipFacts[];
  @Field(() => [ID], { description: "Partners with an ACTIVE delegated admin relationship now." }) delegatedAdminPartnerIds!: string[];
}

@ObjectType({ description: "A USE claim on a customer's relationships, with the facts it keeps true while live." })
export class CustomerClaim {
  @Field(() => ID, { nullable: true, description: "The claim to release; null when there is no such customer (nothing claimed)." }) claimId!: string | null;
  @Field(() => Int, { description: "The claim's lease in milliseconds: it ends by itself this long after it was taken." }) leaseMs!: number;
  @Field(() => CustomerFacts, { nullable: true, description: "The customer's facts, read under the claim; null when there is no such customer." }) facts!: CustomerFacts | null;
}

/** Customers' facts as `em` sees them (inside a claim's transaction, or on their own). */
async function factsOf(em: EntityManager, ids: string[]): Promise<CustomerFacts[]> {
  const lower = ids.map((i) => i.toLowerCase());
  const [customers, relationships, daps] = await readAll(em, [
    () => em.getRepository(Customer).createQueryBuilder("c").where("c.id IN (:...lower)", { lower }).getMany(),
    () =>
      em
        .getRepository(CustomerPartnerRelationship)
        .createQueryBuilder("r")
        .where("r.customerId IN (:...lower) AND r.status = :active", { lower, active: CustomerRelationshipStatus.ACTIVE })
        .getMany(),
    () =>
      em
        .getRepository(DelegatedAdminRelationship)
        .createQueryBuilder("d")
        .where("d.customerId IN (:...lower) AND d.storedStatus = :active", { lower, active: DelegatedAdminStatus.ACTIVE })
        .getMany(),
  ] as const);
  const now = clock.now();
  return customers.map((c) => ({
    id: c.id,
    cloud: c.cloud,
    country: c.country,
    activeRelationships: relationships
      .filter((r) => r.customerId === c.id)
      .map((r) => ({ partnerId: r.partnerId, indirectProviderId: r.indirectProviderId })),
    delegatedAdminPartnerIds: daps.filter((d) => d.customerId === c.id && isActiveDap(d, now)).map((d) => d.partnerId),
  }));
}

@Resolver()
export class CustomersInternalResolver {
  @Query(() => [CustomerFacts], { description: "The customers among these ids, with their active relationships." })
  async customers(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: CustomersServiceContext): Promise<CustomerFacts[]> {
    if (ids.length === 0) return [];
    return factsOf(ctx.ds.manager, ids);
  }

  @Mutation(() => CustomerClaim, {
    description:
      "X1: claims the customer's relationships for a write that relies on them (an order, a support-partner hire) and answers its facts as they stand under the claim. Waits while a removal holds the customer; release it with releaseClaim.",
  })
  async claimCustomer(
    @Arg("customerId", () => ID) customerIdArg: string,
    @Arg("operation", { description: "The operation that relies on the facts." }) operation: string,
    @Ctx() ctx: CustomersServiceContext,
  ): Promise<CustomerClaim> {
    const customerId = customerIdArg.toLowerCase();
    const { db, claims } = ctx;
    return untilUnblocked(claims, "The customer's relationship", () =>
      db.transaction(async (em) => {
        await lockSubjects(db, em, "customer", [customerId]);
        const [facts] = await factsOf(em, [customerId]);
        if (!facts) return { claimId: null, leaseMs: claims.leaseMs, facts: null };
        if (claimBlocked(ClaimKind.USE, await liveClaimsOn(em, [customerId]))) return BLOCKED;
        const claimId = await insertClaim(em, ClaimKind.USE, [customerId], operation, claims.leaseMs);
        return { claimId, leaseMs: claims.leaseMs, facts };
      }),
    );
  }

  @Mutation(() => Boolean, { description: "Ends a claim taken with claimCustomer (false when it had already expired)." })
  async releaseClaim(@Arg("claimId", () => ID) claimId: string, @Ctx() ctx: CustomersServiceContext): Promise<boolean> {
    return releaseClaim(ctx.db, claimId);
  }

  @Query(() => [ID], { description: "Customers with which the partner has an ACTIVE delegated admin relationship now." })
  async delegatedAdminCustomerIds(
    @Arg("partnerId", () => ID) partnerId: string,
    @Arg("among", () => [ID], { nullable: true, description: "Only these customers (all when absent)." }) among: string[] | null,
    @Ctx() ctx: CustomersServiceContext,
  ): Promise<string[]> {
    if (among && among.length === 0) return [];
    const daps = await ctx.ds.getRepository(DelegatedAdminRelationship).findBy({
      partnerId: partnerId.toLowerCase(),
      storedStatus: DelegatedAdminStatus.ACTIVE,
      ...(among ? { customerId: In(among.map((id) => id.toLowerCase())) } : {}),
    });
    const now = clock.now();
    return [...new Set(daps.filter((d) => isActiveDap(d, now)).map((d) => d.customerId))];
  }
}
