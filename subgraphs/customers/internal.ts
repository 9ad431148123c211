/**
 * Facts the customers subgraph answers for the other subgraphs on `/internal/graphql`
 * (behind the subgraph credential, never in the public API): a customer's cloud and
 * country (P1, NC1, O3), and its active reseller and delegated admin relationships
 * (O1, T5, S1/MC2).
 */
import { Arg, Ctx, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { In } from "typeorm";
import { clock } from "../../common/clock";
import { Cloud, CustomerRelationshipStatus, DelegatedAdminStatus } from "../../common/enums";
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

@Resolver()
export class CustomersInternalResolver {
  @Query(() => [CustomerFacts], { description: "The customers among these ids, with their active relationships." })
  async customers(@Arg("ids", () => [ID]) ids: string[], @Ctx() ctx: CustomersServiceContext): Promise<CustomerFacts[]> {
    if (ids.length === 0) return [];
    const lower = ids.map((i) => i.toLowerCase());
    const [customers, relationships, daps] = await Promise.all([
      ctx.ds.getRepository(Customer).createQueryBuilder("c").where("c.id IN (:...lower)", { lower }).getMany(),
      ctx.ds
        .getRepository(CustomerPartnerRelationship)
        .createQueryBuilder("r")
        .where("r.customerId IN (:...lower) AND r.status = :active", { lower, active: CustomerRelationshipStatus.ACTIVE })
        .getMany(),
      ctx.ds
        .getRepository(DelegatedAdminRelationship)
        .createQueryBuilder("d")
        .where("d.customerId IN (:...lower) AND d.storedStatus = :active", { lower, active: DelegatedAdminStatus.ACTIVE })
        .getMany(),
    ]);
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
