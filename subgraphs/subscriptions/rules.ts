/**
 * The subscriptions subgraph's rules, in one place: who sees a subscription (S1, MC2), who
 * changes it and how (S2–S6, MC3), and what an order must satisfy (O1–O3, T5, T6, NC1).
 * Pure functions over rows, other subgraphs' facts, the caller and the clock.
 */
import { addMs, HOUR_MS } from "../../common/clock";
import { BillingCycle, Cloud, CspProgram, SalesChannel, SubscriptionStatus } from "../../common/enums";
import { badInput, fail } from "../../common/errors";
import { requestFingerprint } from "../../common/idempotency";
import { UserPrincipal } from "../../common/identity";
import type { PartnerFacts } from "../../common/partner-facts";
import { integerInRange, optionalText, optionalUuidArg, text, uuidArg } from "../../common/validation";
import type { Offer, Order, PlaceOrderInput, CloudSubscription } from "./model";

export const ROLES = {
  placeOrder: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
  change: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT", "HELPDESK_AGENT"],
  cancel: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
  hireSupportPartner: ["GLOBAL_ADMIN"],
  recordExternalSubscription: ["OPERATOR"],
} as const;

export const CANCELLATION_WINDOW_MS = 168 * HOUR_MS;

export type { PartnerFacts };

export interface CustomerFacts {
  id: string;
  cloud: Cloud;
  country: string;
  activeRelationships: { partnerId: string; indirectProviderId: string | null }[];
  delegatedAdminPartnerIds: string[];
}

// ---- S1: who sees a subscription ----

export const isExternal = (s: Pick<CloudSubscription, "channel">) => s.channel !== SalesChannel.CSP;

/** EV9: an order is seen by its customer, its billing partner, its partner of record and the operator. */
export function canSeeOrder(viewer: UserPrincipal, order: Pick<Order, "customerId" | "billingPartnerId" | "partnerOfRecordId">): boolean {
  if (viewer.org === "operator") return true;
  if (viewer.org === "customer") return order.customerId === viewer.tid;
  return order.billingPartnerId === viewer.tid || order.partnerOfRecordId === viewer.tid;
}

/** `delegatedAdmin`: whether the viewing partner has an active delegated admin relationship with the customer. */
export function canSeeSubscription(viewer: UserPrincipal, sub: CloudSubscription, delegatedAdmin: boolean): boolean {
  if (viewer.org === "operator") return true;
  if (viewer.org === "customer") return sub.customerId === viewer.tid;
  const p = viewer.tid;
  if (sub.partnerOfRecordId === p || sub.billingPartnerId === p) return true;
  return isExternal(sub) && (sub.supportPartnerId === p || delegatedAdmin);
}

/** Whether S1 for this viewer and subscription depends on delegated admin facts (so they are asked only then). */
export function needsDelegatedAdminFact(viewer: UserPrincipal, sub: CloudSubscription): boolean {
  return viewer.org === "partner" && isExternal(sub) && sub.partnerOfRecordId !== viewer.tid && sub.billingPartnerId !== viewer.tid && sub.supportPartnerId !== viewer.tid;
}

// ---- S2–S5: changes ----

/** S2, MC3: only the partner of record or the billing partner changes a subscription. */
export function checkMayChange(viewer: UserPrincipal, sub: CloudSubscription): void {
  if (sub.partnerOfRecordId !== viewer.tid && sub.billingPartnerId !== viewer.tid) {
    throw fail(
      "NOT_PARTNER_OF_RECORD",
      isExternal(sub)
        ? "This subscription was bought outside the program; no partner can change it."
        : "Only the partner of record or the billing partner can change this subscription.",
    );
  }
}

export function checkVersion(sub: CloudSubscription, expectedVersion: number | null | undefined): void {
  if (expectedVersion === undefined || expectedVersion === null) return;
  // Versions start at 1: anything below names no version at all, which is bad input, not a conflict.
  integerInRange(expectedVersion, "input.expectedVersion", 1, Number.MAX_SAFE_INTEGER);
  if (expectedVersion !== sub.version) {
    throw fail("VERSION_CONFLICT", `The subscription is at version ${sub.version}, not ${expectedVersion}; read it again.`);
  }
}

export function checkNotCancelled(sub: CloudSubscription): void {
  if (sub.status === SubscriptionStatus.CANCELLED) throw fail("INVALID_STATE", "The subscription is CANCELLED; it changes no more.");
}

const withinWindow = (sub: CloudSubscription, now: Date) => now.getTime() <= sub.createdAt.getTime() + CANCELLATION_WINDOW_MS;

/** S3, S4 and the offer's bounds for a new quantity. */
export function checkQuantityChange(sub: CloudSubscription, offer: Offer, quantity: number, now: Date): void {
  integerInRange(quantity, "input.quantity", offer.minQuantity, offer.maxQuantity);
  if (sub.status === SubscriptionStatus.SUSPENDED) throw fail("INVALID_STATE", "A suspended subscription takes no quantity change.");
  if (quantity < sub.quantity && !withinWindow(sub, now)) {
    throw fail("QUANTITY_DECREASE_NOT_ALLOWED", "The quantity can be lowered only within 168 hours of purchase.");
  }
}

export function checkTransition(sub: CloudSubscription, to: SubscriptionStatus, now: Date): void {
  checkNotCancelled(sub);
  if (to === SubscriptionStatus.SUSPENDED && sub.status !== SubscriptionStatus.ACTIVE) throw fail("INVALID_STATE", "Only an ACTIVE subscription can be suspended.");
  if (to === SubscriptionStatus.ACTIVE && sub.status !== SubscriptionStatus.SUSPENDED) throw fail("INVALID_STATE", "Only a SUSPENDED subscription can be reactivated.");
  if (to === SubscriptionStatus.CANCELLED && !withinWindow(sub, now)) {
    throw fail("CANCELLATION_WINDOW_CLOSED", "A subscription can be cancelled only within 168 hours of purchase.");
  }
}

// ---- orders ----

const TERM = /^P(\d+)([MY])$/;

/**
 * The end of a commitment term (P1M, P1Y, P3Y) started at `start`: the same day and time
 * `n` calendar months or years later, or the last day of that month when it is shorter
 * (31 January + P1M = 28/29 February, 29 February + P1Y = 28 February), never spilling
 * into the month after.
 */
export function termEnd(start: Date, term: string): Date {
  const match = TERM.exec(term);
  if (!match) return new Date(start);
  const months = Number(match[1]) * (match[2] === "M" ? 1 : 12);
  const target = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(target / 12);
  const month = target % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = new Date(start);
  end.setUTCFullYear(year, month, Math.min(start.getUTCDate(), lastDay));
  return end;
}

export function purchaseDates(now: Date, term: string) {
  return { createdAt: now, commitmentEndsAt: termEnd(now, term), cancellationAllowedUntil: addMs(now, CANCELLATION_WINDOW_MS) };
}

export interface LineItemLike {
  offerId: string;
  quantity: number;
  billingCycle: BillingCycle;
  termDuration: string;
  friendlyName?: string | null;
}

const OFFER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const NOT_AN_OFFER = "is not an offer available in the customer's cloud.";

/** An offer id that could name an offer; anything else is refused before it reaches SQL (PostgreSQL rejects NUL in text). */
export function offerIdArg(value: string, field: string): string {
  if (!OFFER_ID.test(value ?? "")) throw badInput(field, NOT_AN_OFFER);
  return value;
}

/** O3: the offer exists in the customer's cloud, and quantity, cycle and term are the offer's. */
export function checkLineItem(item: LineItemLike, offer: Offer | null, cloud: Cloud, path: string) {
  if (!offer || !offer.clouds.includes(cloud)) throw badInput(`${path}.offerId`, NOT_AN_OFFER);
  integerInRange(item.quantity, `${path}.quantity`, offer.minQuantity, offer.maxQuantity);
  if (!offer.billingCycles.includes(item.billingCycle)) throw badInput(`${path}.billingCycle`, `must be one of ${offer.billingCycles.join(", ")}.`);
  if (!offer.termDurations.includes(item.termDuration)) throw badInput(`${path}.termDuration`, `must be one of ${offer.termDurations.join(", ")}.`);
  return {
    offerId: offer.id,
    quantity: item.quantity,
    billingCycle: item.billingCycle,
    termDuration: item.termDuration,
    friendlyName: optionalText(item.friendlyName, `${path}.friendlyName`, 100) ?? offer.name,
  };
}

export const MAX_LINE_ITEMS = 50;

/** Shape checks of an order before any fact is asked. */
export function validateOrderShape(input: PlaceOrderInput) {
  const customerId = uuidArg(input.customerId, "input.customerId");
  const resellerId = optionalUuidArg(input.resellerId, "input.resellerId");
  const idempotencyKey = text(input.idempotencyKey, "input.idempotencyKey", 100);
  const items = input.lineItems ?? [];
  if (items.length === 0 || items.length > MAX_LINE_ITEMS) throw badInput("input.lineItems", `must hold 1 to ${MAX_LINE_ITEMS} line items.`);
  items.forEach((item, i) => offerIdArg(item.offerId, `input.lineItems.${i}.offerId`));
  return { customerId, resellerId, idempotencyKey, lineItems: items };
}

/** O4: the fingerprint of an order's input, to tell a retry from a different order under the same key. */
export function orderFingerprint(input: { customerId: string; resellerId: string | null; lineItems: LineItemLike[] }): string {
  return requestFingerprint({
    customerId: input.customerId,
    resellerId: input.resellerId,
    lineItems: input.lineItems.map((l) => [l.offerId, l.quantity, l.billingCycle, l.termDuration, l.friendlyName ?? null]),
  });
}

/** T6, O2, NC1, O1, T5: who is billing partner and partner of record, or why the order is refused. */
export function decideOrderParties(args: {
  buyer: PartnerFacts;
  customer: CustomerFacts;
  customerIsPartnerTenant: boolean;
  reseller: PartnerFacts | null;
  resellerId: string | null;
  resellerActiveWithBuyer: boolean;
}): { billingPartnerId: string; partnerOfRecordId: string } {
  const { buyer, customer, reseller, resellerId } = args;
  const programs = buyer.programs;
  if (!programs.includes(CspProgram.DIRECT_BILL) && !programs.includes(CspProgram.INDIRECT_PROVIDER)) {
    throw fail("INDIRECT_RESELLER_CANNOT_TRANSACT", "An indirect reseller cannot place orders; its providers order for it.");
  }
  if (args.customerIsPartnerTenant) throw fail("CSP_TENANT_PURCHASE_FORBIDDEN", "The customer is a partner's CSP tenant; it cannot buy in the program.");
  if (buyer.cloud !== customer.cloud) throw fail("CLOUD_MISMATCH", "The customer is in another cloud.");
  const related = customer.activeRelationships.some((r) => r.partnerId === buyer.id || r.indirectProviderId === buyer.id);
  if (!related) throw fail("CUSTOMER_RELATIONSHIP_REQUIRED", "You have no active reseller relationship with this customer.");
  if (!resellerId) return { billingPartnerId: buyer.id, partnerOfRecordId: buyer.id };
  const resellerServes = customer.activeRelationships.some((r) => r.partnerId === resellerId);
  if (!programs.includes(CspProgram.INDIRECT_PROVIDER) || !reseller || !args.resellerActiveWithBuyer || !reseller.agreementSigned || !resellerServes) {
    throw fail("RESELLER_NOT_AUTHORIZED", "The reseller is not active with you, has not signed the agreement, or has no relationship with the customer.");
  }
  return { billingPartnerId: buyer.id, partnerOfRecordId: resellerId };
}
