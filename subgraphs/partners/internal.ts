/**
 * Facts the partners subgraph answers for the other subgraphs, on `/internal/graphql`
 * only (behind the subgraph credential, never composed into the public API):
 * a partner's cloud, country, programs and agreement (NC1, NC4, T6, T4/T5), whether a
 * tenant is any partner's CSP tenant (O2), and which resellers are ACTIVE with a provider
 * (T4, T5, CR2).
 */
import { Arg, Ctx, Field, ID, ObjectType, Query, Resolver } from "type-graphql";
import { Cloud, CspProgram, ResellerRelationshipStatus } from "../../common/enums";
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

@Resolver()
export class PartnersInternalResolver {
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
