/** Unit tests of subgraphs/subscriptions/rules.ts: pure functions, no stack. */
import { HOUR_MS } from "../../common/time/clock";
import { DomainError } from "../../common/errors/errors";
import { UserPrincipal } from "../../common/identity/identity";
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { BillingCycle, ProductFamily, SalesChannel, SubscriptionStatus } from "../../subgraphs/subscriptions/enums";
import type { Offer, CloudSubscription } from "../../subgraphs/subscriptions/model";
import {
  CANCELLATION_WINDOW_MS,
  canSeeSubscription,
  checkBuyerSeesCustomer,
  checkLineItem,
  checkMayChange,
  checkMayNamePartnerOfRecord,
  checkNotCancelled,
  checkQuantityChange,
  checkTakesSupportPartner,
  checkTransition,
  checkVersion,
  CustomerFacts,
  decideOrderParties,
  decidePartnerOfRecord,
  decideSupportPartner,
  needsDelegatedAdminFact,
  orderFingerprint,
  PartnerFacts,
  purchaseDates,
  ROLES,
  seesCustomerThroughRelationship,
  termEnd,
  validateOrderShape,
} from "../../subgraphs/subscriptions/rules";

const BUYER = "11111111-1111-4111-8111-111111111111";
const RESELLER = "22222222-2222-4222-8222-222222222222";
const CUSTOMER = "33333333-3333-4333-8333-333333333333";
const OTHER = "44444444-4444-4444-8444-444444444444";

/** The refusal `fn` throws: its code and field. */
function refusal(fn: () => unknown): { code: string; field?: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.extensions.code as string, field: e.extensions.field as string | undefined };
  }
  throw new Error("expected a refusal, got none");
}

/** The whole refusal `fn` throws, message and extensions, to prove them exact. */
function refused(fn: () => unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { message: e.message, extensions: { ...e.extensions } };
  }
  throw new Error("expected a refusal, got none");
}

const offer = (over: Partial<Offer> = {}): Offer =>
  ({
    id: "m365-e3",
    name: "Microsoft 365 E3",
    productFamily: ProductFamily.MICROSOFT_365,
    minQuantity: 1,
    maxQuantity: 100,
    billingCycles: [BillingCycle.MONTHLY, BillingCycle.ANNUAL],
    termDurations: ["P1M", "P1Y"],
    clouds: [Cloud.GLOBAL],
    ...over,
  }) as Offer;

const CREATED = new Date("2025-03-10T12:00:00.000Z");
const sub = (over: Partial<CloudSubscription> = {}): CloudSubscription =>
  ({
    id: "55555555-5555-4555-8555-555555555555",
    customerId: CUSTOMER,
    offerId: "m365-e3",
    friendlyName: "E3",
    quantity: 10,
    status: SubscriptionStatus.ACTIVE,
    billingCycle: BillingCycle.MONTHLY,
    termDuration: "P1M",
    autoRenew: true,
    channel: SalesChannel.CSP,
    partnerOfRecordId: RESELLER,
    billingPartnerId: BUYER,
    supportPartnerId: null,
    orderId: "66666666-6666-4666-8666-666666666666",
    createdAt: CREATED,
    commitmentEndsAt: null,
    cancellationAllowedUntil: null,
    version: 1,
    ...over,
  }) as CloudSubscription;

const partner = (id: string, over: Partial<PartnerFacts> = {}): PartnerFacts => ({
  id,
  cloud: Cloud.GLOBAL,
  country: "US",
  programs: [CspProgram.DIRECT_BILL],
  agreementSigned: true,
  ...over,
});
const customer = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({
  id: CUSTOMER,
  cloud: Cloud.GLOBAL,
  country: "US",
  activeRelationships: [{ partnerId: BUYER, indirectProviderId: null }],
  delegatedAdminPartnerIds: [],
  ...over,
});
const user = (org: UserPrincipal["org"], tid?: string, roles = ["GLOBAL_ADMIN"]): UserPrincipal => ({ kind: "user", userId: "u", org, tid, roles });

describe("termEnd", () => {
  it("O1: a P1M term ends one calendar month later", () => {
    expect(termEnd(new Date("2025-03-10T12:00:00.000Z"), "P1M").toISOString()).toBe("2025-04-10T12:00:00.000Z");
  });
  it("O1: P1Y and P3Y terms end one and three years later", () => {
    expect(termEnd(new Date("2025-03-10T12:00:00.000Z"), "P1Y").toISOString()).toBe("2026-03-10T12:00:00.000Z");
    expect(termEnd(new Date("2025-03-10T12:00:00.000Z"), "P3Y").toISOString()).toBe("2028-03-10T12:00:00.000Z");
  });
  it("O1: a P1M term bought on 31 January ends on the last day of February, not in March", () => {
    expect(termEnd(new Date("2025-01-31T08:00:00.000Z"), "P1M").toISOString()).toBe("2025-02-28T08:00:00.000Z");
    expect(termEnd(new Date("2024-01-31T08:00:00.000Z"), "P1M").toISOString()).toBe("2024-02-29T08:00:00.000Z");
    expect(termEnd(new Date("2025-08-31T00:00:00.000Z"), "P1M").toISOString()).toBe("2025-09-30T00:00:00.000Z");
  });
  it("O1: a P1Y term bought on 29 February ends on 28 February of the next year", () => {
    expect(termEnd(new Date("2024-02-29T10:00:00.000Z"), "P1Y").toISOString()).toBe("2025-02-28T10:00:00.000Z");
  });
  it("O1: a P1M term bought in December ends in January of the next year", () => {
    expect(termEnd(new Date("2025-12-31T23:59:59.000Z"), "P1M").toISOString()).toBe("2026-01-31T23:59:59.000Z");
  });
  it("O1: termEnd does not change the start date it is given", () => {
    const start = new Date("2025-01-31T08:00:00.000Z");
    termEnd(start, "P1Y");
    expect(start.toISOString()).toBe("2025-01-31T08:00:00.000Z");
  });
  it("S4: purchaseDates puts the cancellation window at purchase + 168 hours", () => {
    const d = purchaseDates(CREATED, "P1Y");
    expect(d.createdAt).toEqual(CREATED);
    expect(d.commitmentEndsAt.toISOString()).toBe("2026-03-10T12:00:00.000Z");
    expect(d.cancellationAllowedUntil.getTime() - CREATED.getTime()).toBe(168 * HOUR_MS);
    expect(CANCELLATION_WINDOW_MS).toBe(168 * HOUR_MS);
  });
});

describe("decideOrderParties", () => {
  const base = () => ({
    buyer: partner(BUYER),
    customer: customer(),
    customerIsPartnerTenant: false,
    reseller: null as PartnerFacts | null,
    resellerId: null as string | null,
    resellerActiveWithBuyer: false,
  });
  const provider = () => partner(BUYER, { programs: [CspProgram.INDIRECT_PROVIDER] });
  const withReseller = () => ({
    ...base(),
    buyer: provider(),
    customer: customer({ activeRelationships: [{ partnerId: RESELLER, indirectProviderId: BUYER }] }),
    reseller: partner(RESELLER, { programs: [CspProgram.INDIRECT_RESELLER] }),
    resellerId: RESELLER,
    resellerActiveWithBuyer: true,
  });

  it("O1: a direct-bill partner with its own relationship is billing partner and partner of record", () => {
    expect(decideOrderParties(base())).toEqual({ billingPartnerId: BUYER, partnerOfRecordId: BUYER });
  });
  it("O1: a provider recorded as indirect provider may sell directly, and is then partner of record", () => {
    expect(decideOrderParties({ ...withReseller(), reseller: null, resellerId: null })).toEqual({ billingPartnerId: BUYER, partnerOfRecordId: BUYER });
  });
  it("O1: no active relationship with the customer: CUSTOMER_RELATIONSHIP_REQUIRED", () => {
    expect(refusal(() => decideOrderParties({ ...base(), customer: customer({ activeRelationships: [{ partnerId: OTHER, indirectProviderId: null }] }) })).code).toBe(
      "CUSTOMER_RELATIONSHIP_REQUIRED",
    );
  });
  it("O1: a delegated admin relationship alone is not enough: CUSTOMER_RELATIONSHIP_REQUIRED", () => {
    expect(refusal(() => decideOrderParties({ ...base(), customer: customer({ activeRelationships: [], delegatedAdminPartnerIds: [BUYER] }) })).code).toBe(
      "CUSTOMER_RELATIONSHIP_REQUIRED",
    );
  });
  it("T6: a partner enrolled only as indirect reseller: INDIRECT_RESELLER_CANNOT_TRANSACT", () => {
    const buyer = partner(BUYER, { programs: [CspProgram.INDIRECT_RESELLER] });
    expect(refusal(() => decideOrderParties({ ...base(), buyer })).code).toBe("INDIRECT_RESELLER_CANNOT_TRANSACT");
  });
  it("T6: a partner that is also direct-bill may transact", () => {
    const buyer = partner(BUYER, { programs: [CspProgram.INDIRECT_RESELLER, CspProgram.DIRECT_BILL] });
    expect(decideOrderParties({ ...base(), buyer })).toEqual({ billingPartnerId: BUYER, partnerOfRecordId: BUYER });
  });
  it("O2: a customer that is a partner's CSP tenant: CSP_TENANT_PURCHASE_FORBIDDEN", () => {
    expect(refusal(() => decideOrderParties({ ...base(), customerIsPartnerTenant: true })).code).toBe("CSP_TENANT_PURCHASE_FORBIDDEN");
  });
  it("NC1: a customer of another cloud: CLOUD_MISMATCH", () => {
    expect(refusal(() => decideOrderParties({ ...base(), customer: customer({ cloud: Cloud.CHINA }) })).code).toBe("CLOUD_MISMATCH");
    expect(refusal(() => decideOrderParties({ ...base(), buyer: partner(BUYER, { cloud: Cloud.US_GOVERNMENT }) })).code).toBe("CLOUD_MISMATCH");
  });
  it("T5: naming an active, signed reseller that serves the customer makes it partner of record; the provider bills", () => {
    expect(decideOrderParties(withReseller())).toEqual({ billingPartnerId: BUYER, partnerOfRecordId: RESELLER });
  });
  it("T5: reseller not active with the provider: RESELLER_NOT_AUTHORIZED", () => {
    expect(refusal(() => decideOrderParties({ ...withReseller(), resellerActiveWithBuyer: false })).code).toBe("RESELLER_NOT_AUTHORIZED");
  });
  it("T5: reseller that has not signed the agreement: RESELLER_NOT_AUTHORIZED", () => {
    const reseller = partner(RESELLER, { programs: [CspProgram.INDIRECT_RESELLER], agreementSigned: false });
    expect(refusal(() => decideOrderParties({ ...withReseller(), reseller })).code).toBe("RESELLER_NOT_AUTHORIZED");
  });
  it("T5: reseller without its own relationship with the customer: RESELLER_NOT_AUTHORIZED", () => {
    const customerFacts = customer({ activeRelationships: [{ partnerId: BUYER, indirectProviderId: null }] });
    expect(refusal(() => decideOrderParties({ ...withReseller(), customer: customerFacts })).code).toBe("RESELLER_NOT_AUTHORIZED");
  });
  it("T5: unknown reseller: RESELLER_NOT_AUTHORIZED", () => {
    expect(refusal(() => decideOrderParties({ ...withReseller(), reseller: null })).code).toBe("RESELLER_NOT_AUTHORIZED");
  });
  it("T5: a direct-bill partner (not a provider) cannot name a reseller: RESELLER_NOT_AUTHORIZED", () => {
    expect(refusal(() => decideOrderParties({ ...withReseller(), buyer: partner(BUYER) })).code).toBe("RESELLER_NOT_AUTHORIZED");
  });
});

describe("checkLineItem (O3)", () => {
  const item = { offerId: "m365-e3", quantity: 5, billingCycle: BillingCycle.MONTHLY, termDuration: "P1M" };
  it("O3: a valid line defaults its friendly name to the offer's name", () => {
    expect(checkLineItem(item, offer(), Cloud.GLOBAL, "input.lineItems.0")).toEqual({ ...item, friendlyName: "Microsoft 365 E3" });
    expect(checkLineItem({ ...item, friendlyName: "  Sales team " }, offer(), Cloud.GLOBAL, "x").friendlyName).toBe("Sales team");
  });
  it("O3: unknown offer: BAD_USER_INPUT on offerId", () => {
    expect(refusal(() => checkLineItem(item, null, Cloud.GLOBAL, "input.lineItems.2"))).toEqual({ code: "BAD_USER_INPUT", field: "input.lineItems.2.offerId" });
  });
  it("O3: offer not available in the customer's cloud: BAD_USER_INPUT on offerId", () => {
    expect(refusal(() => checkLineItem(item, offer(), Cloud.CHINA, "input.lineItems.0"))).toEqual({ code: "BAD_USER_INPUT", field: "input.lineItems.0.offerId" });
  });
  it("O3: quantity out of the offer's bounds: BAD_USER_INPUT on quantity", () => {
    for (const quantity of [0, 101, 2.5, -1]) {
      expect(refusal(() => checkLineItem({ ...item, quantity }, offer(), Cloud.GLOBAL, "input.lineItems.0"))).toEqual({
        code: "BAD_USER_INPUT",
        field: "input.lineItems.0.quantity",
      });
    }
    expect(checkLineItem({ ...item, quantity: 100 }, offer(), Cloud.GLOBAL, "p").quantity).toBe(100);
    expect(checkLineItem({ ...item, quantity: 1 }, offer(), Cloud.GLOBAL, "p").quantity).toBe(1);
  });
  it("O3: billing cycle not offered: BAD_USER_INPUT on billingCycle", () => {
    expect(refusal(() => checkLineItem(item, offer({ billingCycles: [BillingCycle.ANNUAL] }), Cloud.GLOBAL, "input"))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.billingCycle",
    });
  });
  it("O3: term not offered: BAD_USER_INPUT on termDuration", () => {
    expect(refusal(() => checkLineItem({ ...item, termDuration: "P3Y" }, offer(), Cloud.GLOBAL, "input.lineItems.1"))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.lineItems.1.termDuration",
    });
  });
});

describe("validateOrderShape and orderFingerprint (O4)", () => {
  const input = (over: Record<string, unknown> = {}) =>
    ({ customerId: CUSTOMER, resellerId: null, idempotencyKey: "k-1", lineItems: [{ offerId: "m365-e3", quantity: 5, billingCycle: BillingCycle.MONTHLY, termDuration: "P1M" }], ...over }) as any;

  it("O4: an idempotency key must be 1 to 100 characters", () => {
    expect(refusal(() => validateOrderShape(input({ idempotencyKey: "  " })))).toEqual({ code: "BAD_USER_INPUT", field: "input.idempotencyKey" });
    expect(refusal(() => validateOrderShape(input({ idempotencyKey: "k".repeat(101) })))).toEqual({ code: "BAD_USER_INPUT", field: "input.idempotencyKey" });
    expect(validateOrderShape(input({ idempotencyKey: "k".repeat(100) })).idempotencyKey).toHaveLength(100);
  });
  it("O3: an order holds 1 to 50 line items", () => {
    expect(refusal(() => validateOrderShape(input({ lineItems: [] })))).toEqual({ code: "BAD_USER_INPUT", field: "input.lineItems" });
    const many = Array.from({ length: 51 }, () => input().lineItems[0]);
    expect(refusal(() => validateOrderShape(input({ lineItems: many })))).toEqual({ code: "BAD_USER_INPUT", field: "input.lineItems" });
  });
  it("O1: malformed customer and reseller ids: BAD_USER_INPUT", () => {
    expect(refusal(() => validateOrderShape(input({ customerId: "nope" })))).toEqual({ code: "BAD_USER_INPUT", field: "input.customerId" });
    expect(refusal(() => validateOrderShape(input({ resellerId: "nope" })))).toEqual({ code: "BAD_USER_INPUT", field: "input.resellerId" });
  });
  it("O4: the same input gives the same fingerprint, whatever the case of the ids", () => {
    const a = validateOrderShape(input());
    const b = validateOrderShape(input({ customerId: CUSTOMER.toUpperCase() }));
    expect(orderFingerprint(a)).toBe(orderFingerprint(b));
    expect(orderFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });
  it("O4: any difference in customer, reseller or a line item changes the fingerprint", () => {
    const fp = (over: Record<string, unknown>) => orderFingerprint(validateOrderShape(input(over)));
    const first = fp({});
    const line = input().lineItems[0];
    const variants = [
      fp({ customerId: OTHER }),
      fp({ resellerId: RESELLER }),
      fp({ lineItems: [{ ...line, quantity: 6 }] }),
      fp({ lineItems: [{ ...line, offerId: "m365-e5" }] }),
      fp({ lineItems: [{ ...line, billingCycle: BillingCycle.ANNUAL }] }),
      fp({ lineItems: [{ ...line, termDuration: "P1Y" }] }),
      fp({ lineItems: [{ ...line, friendlyName: "named" }] }),
      fp({ lineItems: [line, line] }),
    ];
    for (const v of variants) expect(v).not.toBe(first);
    expect(new Set(variants).size).toBe(variants.length);
  });
  it("O4: the idempotency key itself is not part of the fingerprint", () => {
    expect(orderFingerprint(validateOrderShape(input({ idempotencyKey: "a" })))).toBe(orderFingerprint(validateOrderShape(input({ idempotencyKey: "b" }))));
  });
});

describe("S1: canSeeSubscription", () => {
  it("S1: the operator sees every subscription", () => {
    expect(canSeeSubscription(user("operator", undefined, ["OPERATOR"]), sub(), false)).toBe(true);
  });
  it("S1: the customer's users see their own subscriptions only", () => {
    expect(canSeeSubscription(user("customer", CUSTOMER, ["USER"]), sub(), false)).toBe(true);
    expect(canSeeSubscription(user("customer", OTHER, ["GLOBAL_ADMIN"]), sub(), false)).toBe(false);
  });
  it("S1: partner of record and billing partner see it; another partner does not, even with delegated admin (MP4)", () => {
    expect(canSeeSubscription(user("partner", RESELLER), sub(), false)).toBe(true);
    expect(canSeeSubscription(user("partner", BUYER), sub(), false)).toBe(true);
    expect(canSeeSubscription(user("partner", OTHER), sub(), false)).toBe(false);
    expect(canSeeSubscription(user("partner", OTHER), sub(), true)).toBe(false);
    expect(needsDelegatedAdminFact(user("partner", OTHER), sub())).toBe(false);
  });
  it("MC2: a subscription bought elsewhere is seen by its support partner and by partners with active delegated admin", () => {
    const ext = sub({ channel: SalesChannel.DIRECT, partnerOfRecordId: null, billingPartnerId: null, supportPartnerId: RESELLER });
    expect(canSeeSubscription(user("partner", RESELLER), ext, false)).toBe(true);
    expect(canSeeSubscription(user("partner", OTHER), ext, true)).toBe(true);
    expect(canSeeSubscription(user("partner", OTHER), ext, false)).toBe(false);
    expect(needsDelegatedAdminFact(user("partner", OTHER), ext)).toBe(true);
    expect(needsDelegatedAdminFact(user("partner", RESELLER), ext)).toBe(false);
    expect(needsDelegatedAdminFact(user("customer", CUSTOMER), ext)).toBe(false);
  });
  it("MC2: a support partner recorded on a CSP subscription gives no sight of it", () => {
    expect(canSeeSubscription(user("partner", OTHER), sub({ supportPartnerId: OTHER }), false)).toBe(false);
  });
});

describe("S2–S5: checks of a change", () => {
  const at = (hours: number) => new Date(CREATED.getTime() + hours * HOUR_MS);

  it("S2: partner of record and billing partner may change it; anyone else: NOT_PARTNER_OF_RECORD", () => {
    expect(() => checkMayChange(user("partner", RESELLER), sub())).not.toThrow();
    expect(() => checkMayChange(user("partner", BUYER), sub())).not.toThrow();
    expect(refusal(() => checkMayChange(user("partner", OTHER), sub())).code).toBe("NOT_PARTNER_OF_RECORD");
  });
  it("MC3: no partner changes a subscription bought elsewhere, not even its support partner: NOT_PARTNER_OF_RECORD", () => {
    const ext = sub({ channel: SalesChannel.ENTERPRISE_AGREEMENT, partnerOfRecordId: null, billingPartnerId: null, supportPartnerId: OTHER });
    expect(refusal(() => checkMayChange(user("partner", OTHER), ext)).code).toBe("NOT_PARTNER_OF_RECORD");
  });
  it("S2: the role table: cancel excludes HELPDESK_AGENT, changes include it; BILLING_ADMIN has neither", () => {
    expect(ROLES.change).toEqual(expect.arrayContaining(["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT", "HELPDESK_AGENT"]));
    expect(ROLES.cancel).not.toContain("HELPDESK_AGENT");
    expect(ROLES.change).not.toContain("BILLING_ADMIN");
    expect(ROLES.placeOrder).toEqual(["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"]);
    expect(ROLES.hireSupportPartner).toEqual(["GLOBAL_ADMIN"]);
    expect(ROLES.recordExternalSubscription).toEqual(["OPERATOR"]);
  });
  it("S5: checkVersion passes without expectedVersion or with the current one; otherwise VERSION_CONFLICT", () => {
    expect(() => checkVersion(sub({ version: 3 }), undefined)).not.toThrow();
    expect(() => checkVersion(sub({ version: 3 }), null)).not.toThrow();
    expect(() => checkVersion(sub({ version: 3 }), 3)).not.toThrow();
    expect(refusal(() => checkVersion(sub({ version: 3 }), 2)).code).toBe("VERSION_CONFLICT");
    expect(refusal(() => checkVersion(sub({ version: 3 }), 4)).code).toBe("VERSION_CONFLICT");
  });
  it("S3: checkNotCancelled refuses a cancelled subscription: INVALID_STATE", () => {
    expect(refusal(() => checkNotCancelled(sub({ status: SubscriptionStatus.CANCELLED }))).code).toBe("INVALID_STATE");
    expect(() => checkNotCancelled(sub({ status: SubscriptionStatus.SUSPENDED }))).not.toThrow();
  });
  it("S3: ACTIVE ⇄ SUSPENDED, either → CANCELLED", () => {
    const now = at(1);
    expect(() => checkTransition(sub(), SubscriptionStatus.SUSPENDED, now)).not.toThrow();
    expect(() => checkTransition(sub({ status: SubscriptionStatus.SUSPENDED }), SubscriptionStatus.ACTIVE, now)).not.toThrow();
    expect(() => checkTransition(sub(), SubscriptionStatus.CANCELLED, now)).not.toThrow();
    expect(() => checkTransition(sub({ status: SubscriptionStatus.SUSPENDED }), SubscriptionStatus.CANCELLED, now)).not.toThrow();
  });
  it("S3: suspending a suspended one, reactivating an active one, anything on a cancelled one: INVALID_STATE", () => {
    const now = at(1);
    expect(refusal(() => checkTransition(sub({ status: SubscriptionStatus.SUSPENDED }), SubscriptionStatus.SUSPENDED, now)).code).toBe("INVALID_STATE");
    expect(refusal(() => checkTransition(sub(), SubscriptionStatus.ACTIVE, now)).code).toBe("INVALID_STATE");
    for (const to of [SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED, SubscriptionStatus.CANCELLED]) {
      expect(refusal(() => checkTransition(sub({ status: SubscriptionStatus.CANCELLED }), to, now)).code).toBe("INVALID_STATE");
    }
  });
  it("S4: cancelling is allowed up to 168 hours after purchase, then CANCELLATION_WINDOW_CLOSED", () => {
    expect(() => checkTransition(sub(), SubscriptionStatus.CANCELLED, at(168))).not.toThrow();
    expect(refusal(() => checkTransition(sub(), SubscriptionStatus.CANCELLED, new Date(at(168).getTime() + 1))).code).toBe("CANCELLATION_WINDOW_CLOSED");
    expect(refusal(() => checkTransition(sub({ status: SubscriptionStatus.SUSPENDED }), SubscriptionStatus.CANCELLED, at(500))).code).toBe(
      "CANCELLATION_WINDOW_CLOSED",
    );
  });
  it("S4: suspend and reactivate are not bound to the window", () => {
    expect(() => checkTransition(sub(), SubscriptionStatus.SUSPENDED, at(1000))).not.toThrow();
    expect(() => checkTransition(sub({ status: SubscriptionStatus.SUSPENDED }), SubscriptionStatus.ACTIVE, at(1000))).not.toThrow();
  });
  it("S4: lowering the quantity within 168 hours is fine; after: QUANTITY_DECREASE_NOT_ALLOWED; raising it is always fine", () => {
    expect(() => checkQuantityChange(sub(), offer(), 5, at(168))).not.toThrow();
    expect(refusal(() => checkQuantityChange(sub(), offer(), 5, new Date(at(168).getTime() + 1))).code).toBe("QUANTITY_DECREASE_NOT_ALLOWED");
    expect(() => checkQuantityChange(sub(), offer(), 11, at(5000))).not.toThrow();
    expect(() => checkQuantityChange(sub(), offer(), 10, at(5000))).not.toThrow();
  });
  it("S3: a suspended subscription takes no quantity change: INVALID_STATE", () => {
    expect(refusal(() => checkQuantityChange(sub({ status: SubscriptionStatus.SUSPENDED }), offer(), 12, at(1))).code).toBe("INVALID_STATE");
  });
  it("O3: a new quantity outside the offer's bounds: BAD_USER_INPUT on input.quantity", () => {
    expect(refusal(() => checkQuantityChange(sub(), offer(), 0, at(1)))).toEqual({ code: "BAD_USER_INPUT", field: "input.quantity" });
    expect(refusal(() => checkQuantityChange(sub(), offer(), 101, at(1)))).toEqual({ code: "BAD_USER_INPUT", field: "input.quantity" });
  });
});

describe("O1: the buyer sees the customer", () => {
  it("O1: a partner sees a customer through its own ACTIVE reseller relationship, one recording it as indirect provider, or delegated admin", () => {
    expect(seesCustomerThroughRelationship(BUYER, customer())).toBe(true);
    expect(seesCustomerThroughRelationship(BUYER, customer({ activeRelationships: [{ partnerId: RESELLER, indirectProviderId: BUYER }] }))).toBe(true);
    expect(seesCustomerThroughRelationship(BUYER, customer({ activeRelationships: [], delegatedAdminPartnerIds: [BUYER] }))).toBe(true);
  });

  it("O1: another partner's relationship or delegated admin shows the customer to nobody else", () => {
    const others = customer({ activeRelationships: [{ partnerId: RESELLER, indirectProviderId: OTHER }], delegatedAdminPartnerIds: [OTHER] });
    expect(seesCustomerThroughRelationship(BUYER, others)).toBe(false);
  });

  it("O1: a customer the buyer sees may be ordered for", () => {
    expect(() => checkBuyerSeesCustomer(customer(), true)).not.toThrow();
  });

  it("O1: a customer the buyer cannot see at all, or none: NOT_FOUND", () => {
    const notFound = { message: "Customer not found.", extensions: { code: "NOT_FOUND" } };
    expect(refused(() => checkBuyerSeesCustomer(customer(), false))).toEqual(notFound);
    expect(refused(() => checkBuyerSeesCustomer(null, true))).toEqual(notFound);
  });
});

describe("S6: the partner of record", () => {
  const viewer = (tid: string) => user("partner", tid);
  const reseller = (over: Partial<PartnerFacts> = {}) => partner(RESELLER, { programs: [CspProgram.INDIRECT_RESELLER], ...over });
  const served = customer({ activeRelationships: [{ partnerId: RESELLER, indirectProviderId: BUYER }] });
  const S6_REFUSAL = {
    message: "The reseller is not active with you, has not signed the agreement, or has no relationship with the customer.",
    extensions: { code: "RESELLER_NOT_AUTHORIZED" },
  };

  it("S6: the billing provider may name another partner of record", () => {
    expect(checkMayNamePartnerOfRecord(viewer(BUYER), sub())).toBe(BUYER);
  });

  it("S6: the partner of record that is not the billing provider, or anyone on a subscription bought elsewhere: FORBIDDEN", () => {
    const forbidden = { message: "Only the billing provider can change the partner of record.", extensions: { code: "FORBIDDEN" } };
    expect(refused(() => checkMayNamePartnerOfRecord(viewer(RESELLER), sub()))).toEqual(forbidden);
    expect(refused(() => checkMayNamePartnerOfRecord(viewer(OTHER), sub({ channel: SalesChannel.DIRECT, partnerOfRecordId: null, billingPartnerId: null })))).toEqual(forbidden);
  });

  it("S6: an ACTIVE reseller of the provider that signed the agreement and serves the customer becomes partner of record", () => {
    expect(decidePartnerOfRecord({ resellerId: RESELLER, reseller: reseller(), resellerActiveWithProvider: true, customer: served })).toBe(RESELLER);
  });

  it("S6: a reseller not ACTIVE with the provider: RESELLER_NOT_AUTHORIZED", () => {
    expect(refused(() => decidePartnerOfRecord({ resellerId: RESELLER, reseller: reseller(), resellerActiveWithProvider: false, customer: served }))).toEqual(S6_REFUSAL);
  });

  it("S6: a reseller that has not signed the agreement: RESELLER_NOT_AUTHORIZED", () => {
    const unsigned = reseller({ agreementSigned: false });
    expect(refused(() => decidePartnerOfRecord({ resellerId: RESELLER, reseller: unsigned, resellerActiveWithProvider: true, customer: served }))).toEqual(S6_REFUSAL);
  });

  it("S6: a reseller without its own relationship with the customer, or a customer without facts: RESELLER_NOT_AUTHORIZED", () => {
    expect(refused(() => decidePartnerOfRecord({ resellerId: RESELLER, reseller: reseller(), resellerActiveWithProvider: true, customer: customer() }))).toEqual(S6_REFUSAL);
    expect(refused(() => decidePartnerOfRecord({ resellerId: RESELLER, reseller: reseller(), resellerActiveWithProvider: true, customer: null }))).toEqual(S6_REFUSAL);
  });

  it("S6: a reseller that is not an enrolled partner: RESELLER_NOT_AUTHORIZED", () => {
    expect(refused(() => decidePartnerOfRecord({ resellerId: RESELLER, reseller: null, resellerActiveWithProvider: true, customer: served }))).toEqual(S6_REFUSAL);
  });
});

describe("MC2: the support partner", () => {
  const external = (over: Partial<CloudSubscription> = {}) => sub({ channel: SalesChannel.DIRECT, partnerOfRecordId: null, billingPartnerId: null, orderId: null, ...over });

  it("MC2: an ACTIVE or SUSPENDED subscription bought outside the program takes a support partner", () => {
    expect(() => checkTakesSupportPartner(external())).not.toThrow();
    expect(() => checkTakesSupportPartner(external({ status: SubscriptionStatus.SUSPENDED }))).not.toThrow();
  });

  it("MC2: a CSP subscription takes no support partner: INVALID_STATE", () => {
    expect(refused(() => checkTakesSupportPartner(sub()))).toEqual({
      message: "Only a subscription bought outside the program takes a support partner.",
      extensions: { code: "INVALID_STATE" },
    });
  });

  it("MC2: a cancelled subscription bought outside the program takes none either: INVALID_STATE", () => {
    expect(refused(() => checkTakesSupportPartner(external({ status: SubscriptionStatus.CANCELLED })))).toEqual({
      message: "The subscription is CANCELLED; it changes no more.",
      extensions: { code: "INVALID_STATE" },
    });
  });

  it("MC2: a partner with a reseller relationship with the customer, or an active delegated admin relationship, may be hired", () => {
    expect(decideSupportPartner({ partnerId: BUYER, partner: partner(BUYER), customer: customer() })).toBe(BUYER);
    const dapOnly = customer({ activeRelationships: [], delegatedAdminPartnerIds: [OTHER] });
    expect(decideSupportPartner({ partnerId: OTHER, partner: partner(OTHER), customer: dapOnly })).toBe(OTHER);
  });

  it("MC2: a partner with neither: CUSTOMER_RELATIONSHIP_REQUIRED", () => {
    const unrelated = customer({ activeRelationships: [{ partnerId: RESELLER, indirectProviderId: null }], delegatedAdminPartnerIds: [RESELLER] });
    expect(refused(() => decideSupportPartner({ partnerId: OTHER, partner: partner(OTHER), customer: unrelated }))).toEqual({
      message: "The partner has no reseller or active delegated admin relationship with you.",
      extensions: { code: "CUSTOMER_RELATIONSHIP_REQUIRED" },
    });
  });

  it("MC2/P1: a partner of another cloud, an unknown partner or a customer without facts: NOT_FOUND", () => {
    const notFound = { message: "Partner not found.", extensions: { code: "NOT_FOUND" } };
    expect(refused(() => decideSupportPartner({ partnerId: BUYER, partner: partner(BUYER, { cloud: Cloud.CHINA }), customer: customer() }))).toEqual(notFound);
    expect(refused(() => decideSupportPartner({ partnerId: BUYER, partner: null, customer: customer() }))).toEqual(notFound);
    expect(refused(() => decideSupportPartner({ partnerId: BUYER, partner: partner(BUYER), customer: null }))).toEqual(notFound);
  });
});
