/**
 * How the other subgraphs ask the subscriptions subgraph (its `/internal/graphql`, internal.ts):
 * a partner's active subscriptions for a customer (CR3), and the customers of which a partner sees
 * a subscription (CV1). Every document is declared here once, with the types its resolvers answer.
 */
import { InternalClient, InternalDocument } from "../../common/service/internal-client";

/** Every question other subgraphs ask of the subscriptions subgraph (test/unit/internal-documents.test.ts validates each). */
export const SUBSCRIPTIONS_DOCUMENTS = {
  activeSubscriptionCount: new InternalDocument<{ activeSubscriptionCount: number }, { p: string; c: string }>(
    "query($p: ID!, $c: ID!) { activeSubscriptionCount(partnerId: $p, customerId: $c) }",
  ),
  customersWithPartnerSubscriptions: new InternalDocument<{ customersWithPartnerSubscriptions: string[] }, { partnerId: string; customerIds: readonly string[] }>(
    "query($partnerId: ID!, $customerIds: [ID!]!) { customersWithPartnerSubscriptions(partnerId: $partnerId, customerIds: $customerIds) }",
  ),
};

/** ACTIVE subscriptions of the customer whose partner of record or billing partner is `partnerId` (CR3). */
export async function activeSubscriptionCount(subscriptions: InternalClient, partnerId: string, customerId: string): Promise<number> {
  const answer = await subscriptions.request(SUBSCRIPTIONS_DOCUMENTS.activeSubscriptionCount, { p: partnerId, c: customerId }, "the partner's active subscriptions");
  return answer.activeSubscriptionCount;
}

/** Of `customerIds`, those with a subscription `partnerId` is a party to (CV1). */
export async function customersWithPartnerSubscriptions(subscriptions: InternalClient, partnerId: string, customerIds: readonly string[]): Promise<string[]> {
  const answer = await subscriptions.request(
    SUBSCRIPTIONS_DOCUMENTS.customersWithPartnerSubscriptions,
    { partnerId, customerIds },
    "the partner's subscriptions",
  );
  return answer.customersWithPartnerSubscriptions;
}
