/**
 * The subscriptions subgraph's events (EV1, EV2, EV9), with their audience as S1 gives it at
 * the moment: a subscription is seen by its customer, its partner of record and its billing
 * partner; one bought outside the program by its support partner and the partners with an
 * active delegated admin relationship with the customer (MC2). An order by its customer, its
 * billing partner and its partner of record. No other partner of the customer (MP4).
 */
import { customerAudience, EventType, partnerAudience } from "../../common/event-types";
import type { NewEvent } from "../../common/outbox";
import type { CloudSubscription, Order } from "./model";
import { isExternal } from "./rules";

/** The event each subscription change records. */
const CHANGE_EVENT: Record<string, EventType> = {
  updateSubscription: EventType.SUBSCRIPTION_UPDATED,
  suspendSubscription: EventType.SUBSCRIPTION_SUSPENDED,
  reactivateSubscription: EventType.SUBSCRIPTION_REACTIVATED,
  cancelSubscription: EventType.SUBSCRIPTION_CANCELLED,
  hireSupportPartner: EventType.SUPPORT_PARTNER_HIRED,
};

type Parties = Pick<CloudSubscription, "customerId" | "channel" | "partnerOfRecordId" | "billingPartnerId" | "supportPartnerId">;

/** S1: who sees the subscription in this state; `delegatedAdminPartnerIds` matter only for one bought outside the program. */
export function subscriptionAudience(sub: Parties, delegatedAdminPartnerIds: string[] = []) {
  const partners = isExternal(sub) ? [sub.supportPartnerId, ...delegatedAdminPartnerIds] : [sub.partnerOfRecordId, sub.billingPartnerId];
  return [customerAudience(sub.customerId), ...partners.map((p) => (p ? partnerAudience(p) : null))];
}

/**
 * A change's event goes to who saw the subscription just before and who sees it just after:
 * a partner of record replaced (S6), or a support partner replaced (MC2), learns that it no
 * longer has it, and its successor that it now does.
 */
export function subscriptionChanged(operation: string, before: CloudSubscription, change: Partial<CloudSubscription>, delegatedAdminPartnerIds: string[] = []): NewEvent {
  const type = CHANGE_EVENT[operation];
  if (!type) throw new Error(`no event for ${operation}`);
  const after = { ...before, ...change };
  return {
    type,
    subjectId: before.id,
    audience: [...subscriptionAudience(before, delegatedAdminPartnerIds), ...subscriptionAudience(after, delegatedAdminPartnerIds)],
  };
}

export const orderPlaced = (order: Pick<Order, "id" | "customerId" | "billingPartnerId" | "partnerOfRecordId">): NewEvent => ({
  type: EventType.ORDER_PLACED,
  subjectId: order.id,
  audience: [customerAudience(order.customerId), partnerAudience(order.billingPartnerId), partnerAudience(order.partnerOfRecordId)],
});
