/**
 * Facts the subscriptions subgraph answers for the customers subgraph on
 * `/internal/graphql` (behind the subgraph credential, never in the public API): active
 * subscriptions of a partner for a customer (CR3), and customers of which a partner sees a
 * subscription (CV1).
 */
import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { SubscriptionStatus } from "./enums";
import type { SubscriptionsServiceContext } from "./context";
import { CloudSubscription } from "./model";

@Resolver()
export class SubscriptionsInternalResolver {
  @Query(() => Int, { description: "ACTIVE subscriptions of the customer whose partner of record or billing partner is the partner (CR3)." })
  async activeSubscriptionCount(
    @Arg("partnerId", () => ID) partnerId: string,
    @Arg("customerId", () => ID) customerId: string,
    @Ctx() ctx: SubscriptionsServiceContext,
  ): Promise<number> {
    return ctx.ds
      .getRepository(CloudSubscription)
      .createQueryBuilder("s")
      .where("s.customerId = :c AND s.status = :active AND (s.partnerOfRecordId = :p OR s.billingPartnerId = :p)", {
        c: customerId.toLowerCase(),
        p: partnerId.toLowerCase(),
        active: SubscriptionStatus.ACTIVE,
      })
      .getCount();
  }

  @Query(() => [ID], { description: "Of these customers, those with a subscription whose partner of record, billing or support partner is the partner." })
  async customersWithPartnerSubscriptions(
    @Arg("partnerId", () => ID) partnerId: string,
    @Arg("customerIds", () => [ID]) customerIds: string[],
    @Ctx() ctx: SubscriptionsServiceContext,
  ): Promise<string[]> {
    if (customerIds.length === 0) return [];
    const rows = await ctx.ds
      .getRepository(CloudSubscription)
      .createQueryBuilder("s")
      .select("DISTINCT s.customerId", "customerId")
      .where("s.customerId IN (:...ids) AND (s.partnerOfRecordId = :p OR s.billingPartnerId = :p OR s.supportPartnerId = :p)", {
        ids: customerIds.map((c) => c.toLowerCase()),
        p: partnerId.toLowerCase(),
      })
      .getRawMany<{ customerId: string }>();
    return rows.map((r) => r.customerId);
  }
}
