/** placeOrder through the gateway: O1–O4, T5, T6, NC1. */
import { randomUUID } from "node:crypto";
import { clock, HOUR_MS } from "../common/time/clock";
import { customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, linkReseller, registerCustomer } from "./support/fixtures";
import {
  customerSubs,
  delegatedAdmin,
  ext,
  line,
  lookUp,
  ok,
  order,
  orderRaw,
  partnerAs,
  removeRelationshipRaw,
  requestAndAccept,
  subAsOperator,
  subCount,
  terminateReseller,
} from "./support/order-fixtures";

describe.each(DIALECTS)("placeOrder (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  /** A provider with an active, signed reseller, and a customer the provider created on its behalf (T4). */
  async function twoTier(opts: { resellerSigned?: boolean } = {}) {
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"], agreementSigned: opts.resellerSigned ?? true });
    const link = await linkReseller(stack, provider, reseller);
    return { provider, reseller, link };
  }

  it("O1: each line item becomes one ACTIVE CSP subscription at version 1, with its term end and a 168-hour cancellation window", async () => {
    clock.set(new Date("2025-01-31T10:00:00.000Z"));
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const placed = await order(stack, partner.token, {
      customerId: customer.id,
      idempotencyKey: "o1-lines",
      lineItems: [
        line({ offerId: "m365-business-standard", quantity: 10, termDuration: "P1M" }),
        line({ offerId: "m365-e3", quantity: 250, billingCycle: "ANNUAL", termDuration: "P1Y", friendlyName: "Head office" }),
        line({ offerId: "azure-plan", quantity: 1 }),
      ],
    });
    expect(placed.idempotencyKey).toBe("o1-lines");
    expect(placed.customer.id).toBe(customer.id);
    expect(placed.partnerOfRecord.id).toBe(partner.id);
    expect(placed.billingPartner.id).toBe(partner.id);
    expect(placed.createdAt).toBe("2025-01-31T10:00:00.000Z");
    expect(placed.subscriptions).toHaveLength(3);
    // In line-item order.
    expect(placed.subscriptions.map((s) => s.offer.id)).toEqual(["m365-business-standard", "m365-e3", "azure-plan"]);
    const byOffer = Object.fromEntries(placed.subscriptions.map((s) => [s.offer.id, s]));
    for (const s of placed.subscriptions) {
      expect(s).toMatchObject({ status: "ACTIVE", channel: "CSP", version: 1, autoRenew: true, orderId: placed.id, supportPartner: null });
      expect(s.customer.id).toBe(customer.id);
      expect(s.partnerOfRecord?.id).toBe(partner.id);
      expect(s.billingPartner?.id).toBe(partner.id);
      expect(s.createdAt).toBe("2025-01-31T10:00:00.000Z");
      expect(new Date(s.cancellationAllowedUntil!).getTime() - new Date(s.createdAt).getTime()).toBe(168 * HOUR_MS);
    }
    expect(byOffer["m365-business-standard"]).toMatchObject({ quantity: 10, billingCycle: "MONTHLY", termDuration: "P1M", friendlyName: "Microsoft 365 Business Standard" });
    expect(byOffer["m365-business-standard"].commitmentEndsAt).toBe("2025-02-28T10:00:00.000Z");
    expect(byOffer["m365-e3"]).toMatchObject({ quantity: 250, billingCycle: "ANNUAL", termDuration: "P1Y", friendlyName: "Head office" });
    expect(byOffer["m365-e3"].commitmentEndsAt).toBe("2026-01-31T10:00:00.000Z");
    expect(byOffer["azure-plan"].commitmentEndsAt).toBe("2025-02-28T10:00:00.000Z");
    expect(await subCount(stack, customer.id)).toBe(3);
    // The stored rows say the same as the payload.
    expect(await subAsOperator(stack, byOffer["m365-e3"].id)).toEqual(byOffer["m365-e3"]);
  });

  it("O1: Order.subscriptions lists one subscription per line item, in line-item order, also on a retry", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const input = { customerId: customer.id, idempotencyKey: `lines-${randomUUID()}`, lineItems: Array.from({ length: 12 }, (_, i) => line({ quantity: 12 - i })) };
    const placed = await order(stack, partner.token, input);
    expect(placed.subscriptions.map((s) => s.quantity)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect((await order(stack, partner.token, input)).subscriptions.map((s) => s.id)).toEqual(placed.subscriptions.map((s) => s.id));
    expect(await subCount(stack, customer.id)).toBe(12);
  });

  it("O1: GLOBAL_ADMIN, ADMIN_AGENT and SALES_AGENT may order; other partner roles, customers and the operator: FORBIDDEN, nothing written", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    for (const role of ["HELPDESK_AGENT", "BILLING_ADMIN", "ACCOUNT_ADMIN", "USER_MANAGEMENT_ADMIN"]) {
      const res = await orderRaw(stack, await partnerAs(partner.id, role), { customerId: customer.id });
      expect(ext(res).code).toBe("FORBIDDEN");
    }
    expect(ext(await orderRaw(stack, await customerToken(customer.id), { customerId: customer.id })).code).toBe("FORBIDDEN");
    expect(ext(await orderRaw(stack, await operatorToken(), { customerId: customer.id })).code).toBe("FORBIDDEN");
    expect(await subCount(stack, customer.id)).toBe(0);
    for (const role of ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"]) {
      await order(stack, await partnerAs(partner.id, role), { customerId: customer.id });
    }
    expect(await subCount(stack, customer.id)).toBe(3);
  });

  it("O1: a partner that sees the customer through delegated admin only: CUSTOMER_RELATIONSHIP_REQUIRED, nothing written", async () => {
    const owner = await enroll(stack);
    const customer = await createCustomer(stack, owner);
    const admin = await enroll(stack);
    await requestAndAccept(stack, admin, customer.id);
    await delegatedAdmin(stack, admin, customer.id);
    ok(await removeRelationshipRaw(stack, admin.token, customer.id, admin.id), "remove");
    // It still sees the customer (CV1, delegated admin) ...
    ok(await stack.gql(admin.token, `query($id: ID!) { customer(id: $id) { id } }`, { id: customer.id }), "customer look-up");
    const before = await subCount(stack, customer.id);
    const res = await orderRaw(stack, admin.token, { customerId: customer.id });
    expect(ext(res).code).toBe("CUSTOMER_RELATIONSHIP_REQUIRED");
    expect(res.data?.placeOrder ?? null).toBeNull();
    expect(await subCount(stack, customer.id)).toBe(before);
  });

  it("O1: a customer the partner cannot see at all, or that does not exist: NOT_FOUND, nothing written", async () => {
    const owner = await enroll(stack);
    const customer = await createCustomer(stack, owner);
    const stranger = await enroll(stack);
    expect(ext(await orderRaw(stack, stranger.token, { customerId: customer.id })).code).toBe("NOT_FOUND");
    expect(ext(await orderRaw(stack, stranger.token, { customerId: randomUUID() })).code).toBe("NOT_FOUND");
    expect(await subCount(stack, customer.id)).toBe(0);
  });

  it("O1: a malformed customer id: BAD_USER_INPUT on input.customerId", async () => {
    const partner = await enroll(stack);
    const res = await orderRaw(stack, partner.token, { customerId: "not-a-uuid" });
    expect(ext(res)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.customerId" });
  });

  it("CR3: after the relationship is removed the partner still sees its subscriptions but places no order: CUSTOMER_RELATIONSHIP_REQUIRED", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const placed = await order(stack, partner.token, { customerId: customer.id });
    const subId = placed.subscriptions[0].id;
    ok(await stack.gql(partner.token, `mutation($id: ID!) { suspendSubscription(id: $id) { subscription { id } } }`, { id: subId }), "suspend");
    ok(await removeRelationshipRaw(stack, partner.token, customer.id, partner.id), "remove");
    expect(ok(await lookUp(stack, partner.token, subId)).subscription.partnerOfRecord.id).toBe(partner.id);
    const res = await orderRaw(stack, partner.token, { customerId: customer.id });
    expect(ext(res).code).toBe("CUSTOMER_RELATIONSHIP_REQUIRED");
    expect(await subCount(stack, customer.id)).toBe(1);
  });

  it("T6: a partner enrolled only as indirect reseller cannot order, even for its own customer: INDIRECT_RESELLER_CANNOT_TRANSACT", async () => {
    const { provider, reseller } = await twoTier();
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    const res = await orderRaw(stack, reseller.token, { customerId: customer.id });
    expect(ext(res).code).toBe("INDIRECT_RESELLER_CANNOT_TRANSACT");
    expect(await subCount(stack, customer.id)).toBe(0);
    // Its provider orders for it.
    await order(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(await subCount(stack, customer.id)).toBe(1);
  });

  it("T6: a partner that is both direct-bill and indirect reseller may order for its customers", async () => {
    const both = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
    const customer = await createCustomer(stack, both);
    const placed = await order(stack, both.token, { customerId: customer.id });
    expect(placed.partnerOfRecord.id).toBe(both.id);
    expect(placed.billingPartner.id).toBe(both.id);
  });

  it("O2: a customer whose tenant became an enrolled partner's CSP tenant cannot be sold to: CSP_TENANT_PURCHASE_FORBIDDEN", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    await order(stack, partner.token, { customerId: customer.id });
    // The operator enrolls a partner whose CSP tenant is that customer's tenant.
    await enroll(stack, { id: customer.id });
    const res = await orderRaw(stack, partner.token, { customerId: customer.id });
    expect(ext(res).code).toBe("CSP_TENANT_PURCHASE_FORBIDDEN");
    expect(await subCount(stack, customer.id)).toBe(1);
  });

  it("O2: registering a partner's CSP tenant as a customer is refused: CSP_TENANT_PURCHASE_FORBIDDEN", async () => {
    const partner = await enroll(stack);
    await expect(registerCustomer(stack, { id: partner.id })).rejects.toThrow(/CSP_TENANT_PURCHASE_FORBIDDEN/);
    expect(ext(await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { id } }`, { id: partner.id })).code).toBe("NOT_FOUND");
    // So no order can name it either: it is no customer at all.
    expect(ext(await orderRaw(stack, partner.token, { customerId: partner.id })).code).toBe("NOT_FOUND");
  });

  it("NC1: a partner of another cloud cannot order for the customer (it cannot see it): NOT_FOUND", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const china = await enroll(stack, { cloud: "CHINA", country: "CN" });
    expect(ext(await orderRaw(stack, china.token, { customerId: customer.id, lineItems: [line({ offerId: "o365-e1" })] })).code).toBe("NOT_FOUND");
    expect(await subCount(stack, customer.id)).toBe(0);
  });

  it("T5: a provider names its reseller: partner of record is the reseller, billing partner the provider; both see it", async () => {
    const { provider, reseller } = await twoTier();
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    const placed = await order(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(placed.partnerOfRecord.id).toBe(reseller.id);
    expect(placed.billingPartner.id).toBe(provider.id);
    const sub = placed.subscriptions[0];
    expect(sub.partnerOfRecord?.id).toBe(reseller.id);
    expect(sub.billingPartner?.id).toBe(provider.id);
    expect(ok(await lookUp(stack, reseller.token, sub.id)).subscription.id).toBe(sub.id);
    expect(ok(await lookUp(stack, provider.token, sub.id)).subscription.id).toBe(sub.id);
  });

  it("T5: a reseller whose customer relationship came from its own request (CR2) may be named too", async () => {
    const { provider, reseller } = await twoTier();
    const customer = await registerCustomer(stack);
    await requestAndAccept(stack, reseller, customer.id, provider.id);
    const placed = await order(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(placed.partnerOfRecord.id).toBe(reseller.id);
    expect(placed.billingPartner.id).toBe(provider.id);
  });

  it("T5: a reseller not ACTIVE with the provider: RESELLER_NOT_AUTHORIZED, nothing written", async () => {
    const { provider, reseller } = await twoTier();
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    // Another partner that is a reseller and also direct-bill has its own relationship with the customer, but none with the provider.
    const unlinked = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
    await requestAndAccept(stack, unlinked, customer.id);
    // And one only invited (PENDING).
    const pending = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
    ok(await stack.gql(provider.token, `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`, { m: pending.mpnId }));
    await requestAndAccept(stack, pending, customer.id);
    for (const r of [unlinked, pending]) {
      const res = await orderRaw(stack, provider.token, { customerId: customer.id, resellerId: r.id });
      expect(ext(res).code).toBe("RESELLER_NOT_AUTHORIZED");
    }
    expect(ext(await orderRaw(stack, provider.token, { customerId: customer.id, resellerId: randomUUID() })).code).toBe("RESELLER_NOT_AUTHORIZED");
    expect(await subCount(stack, customer.id)).toBe(0);
  });

  it("T5: a reseller that has not signed the agreement: RESELLER_NOT_AUTHORIZED, nothing written", async () => {
    const { provider, reseller } = await twoTier({ resellerSigned: false });
    const customer = await registerCustomer(stack);
    await requestAndAccept(stack, reseller, customer.id, provider.id);
    const res = await orderRaw(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(ext(res).code).toBe("RESELLER_NOT_AUTHORIZED");
    expect(await subCount(stack, customer.id)).toBe(0);
  });

  it("T5: a reseller without its own relationship with the customer: RESELLER_NOT_AUTHORIZED, nothing written", async () => {
    const { provider, reseller } = await twoTier();
    const customer = await createCustomer(stack, provider);
    const res = await orderRaw(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(ext(res).code).toBe("RESELLER_NOT_AUTHORIZED");
    expect(await subCount(stack, customer.id)).toBe(0);
    // Selling directly is fine.
    expect((await order(stack, provider.token, { customerId: customer.id })).partnerOfRecord.id).toBe(provider.id);
  });

  it("T5: a direct-bill partner cannot name a reseller: RESELLER_NOT_AUTHORIZED", async () => {
    const direct = await enroll(stack);
    const customer = await createCustomer(stack, direct);
    const reseller = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
    await requestAndAccept(stack, reseller, customer.id);
    expect(ext(await orderRaw(stack, direct.token, { customerId: customer.id, resellerId: reseller.id })).code).toBe("RESELLER_NOT_AUTHORIZED");
    expect(await subCount(stack, customer.id)).toBe(0);
  });

  it("T3: after the provider↔reseller relationship is terminated the provider cannot name the reseller; every subscription is unchanged", async () => {
    const { provider, reseller, link } = await twoTier();
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    await order(stack, provider.token, { customerId: customer.id, resellerId: reseller.id, lineItems: [line(), line({ offerId: "m365-e5", quantity: 3 })] });
    const before = await customerSubs(stack, customer.id);
    await terminateReseller(stack, reseller, link);
    const res = await orderRaw(stack, provider.token, { customerId: customer.id, resellerId: reseller.id });
    expect(ext(res).code).toBe("RESELLER_NOT_AUTHORIZED");
    expect(await customerSubs(stack, customer.id)).toEqual(before);
    expect(before.totalCount).toBe(2);
  });

  describe("O3: the offer, quantity, billing cycle and term", () => {
    async function setUp() {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      return { partner, customer };
    }
    const cases: [string, ReturnType<typeof line>, string][] = [
      ["an unknown offer", line({ offerId: "no-such-offer" }), "input.lineItems.1.offerId"],
      ["quantity 0", line({ quantity: 0 }), "input.lineItems.1.quantity"],
      ["quantity above the offer's maximum", line({ quantity: 301 }), "input.lineItems.1.quantity"],
      ["azure-plan with quantity 2", line({ offerId: "azure-plan", quantity: 2 }), "input.lineItems.1.quantity"],
      ["a billing cycle not offered", line({ offerId: "azure-plan", quantity: 1, billingCycle: "ANNUAL" }), "input.lineItems.1.billingCycle"],
      ["a term not offered", line({ offerId: "o365-e1", termDuration: "P3Y" }), "input.lineItems.1.termDuration"],
      ["a term that is no ISO duration", line({ termDuration: "1 month" }), "input.lineItems.1.termDuration"],
    ];
    it.each(cases)("O3: %s: BAD_USER_INPUT naming the field, and no order is stored", async (_name, bad, field) => {
      const { partner, customer } = await setUp();
      const key = `o3-${randomUUID()}`;
      const res = await orderRaw(stack, partner.token, { customerId: customer.id, idempotencyKey: key, lineItems: [line(), bad] });
      expect(ext(res)).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(await subCount(stack, customer.id)).toBe(0);
      // The key was not consumed: a corrected order under it goes through.
      const placed = await order(stack, partner.token, { customerId: customer.id, idempotencyKey: key, lineItems: [line()] });
      expect(placed.subscriptions).toHaveLength(1);
    });

    it("O3: an offer of its own cloud is fine in CHINA, one of another cloud is not", async () => {
      const partner = await enroll(stack, { cloud: "CHINA", country: "CN" });
      const customer = await createCustomer(stack, partner, { country: "CN" });
      expect(ext(await orderRaw(stack, partner.token, { customerId: customer.id, lineItems: [line({ offerId: "m365-e3" })] }))).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "input.lineItems.0.offerId",
      });
      await order(stack, partner.token, { customerId: customer.id, lineItems: [line({ offerId: "o365-e1" })] });
      expect(await subCount(stack, customer.id)).toBe(1);
    });

    it("O3: no line items, or more than 50: BAD_USER_INPUT on input.lineItems", async () => {
      const { partner, customer } = await setUp();
      expect(ext(await orderRaw(stack, partner.token, { customerId: customer.id, lineItems: [] }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.lineItems" });
      const many = Array.from({ length: 51 }, () => line({ quantity: 1 }));
      expect(ext(await orderRaw(stack, partner.token, { customerId: customer.id, lineItems: many }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.lineItems" });
      expect(await subCount(stack, customer.id)).toBe(0);
    });
  });

  describe("O4: idempotency", () => {
    it("O4: same key, same input: the first order again, nothing new", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const input = { customerId: customer.id, idempotencyKey: "retry-1", lineItems: [line({ quantity: 7 })] };
      const first = await order(stack, partner.token, input);
      const again = await order(stack, partner.token, input);
      // Another user of the same partner retrying too.
      const third = await order(stack, await partnerAs(partner.id, "SALES_AGENT"), { ...input, customerId: customer.id.toUpperCase() });
      expect(again.id).toBe(first.id);
      expect(third.id).toBe(first.id);
      expect(again.subscriptions.map((s) => s.id)).toEqual(first.subscriptions.map((s) => s.id));
      expect(await subCount(stack, customer.id)).toBe(1);
    });

    it("O4: same key, different input: IDEMPOTENCY_KEY_REUSED, nothing written", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const other = await createCustomer(stack, partner);
      const first = await order(stack, partner.token, { customerId: customer.id, idempotencyKey: "reuse-1", lineItems: [line({ quantity: 7 })] });
      const variants = [
        { customerId: customer.id, lineItems: [line({ quantity: 8 })] },
        { customerId: customer.id, lineItems: [line({ quantity: 7, offerId: "m365-e3" })] },
        { customerId: customer.id, lineItems: [line({ quantity: 7 }), line({ quantity: 7 })] },
        { customerId: customer.id, lineItems: [line({ quantity: 7, friendlyName: "renamed" })] },
        { customerId: other.id, lineItems: [line({ quantity: 7 })] },
      ];
      for (const v of variants) {
        const res = await orderRaw(stack, partner.token, { ...v, idempotencyKey: "reuse-1" });
        expect(ext(res).code).toBe("IDEMPOTENCY_KEY_REUSED");
      }
      expect(await subCount(stack, customer.id)).toBe(1);
      expect(await subCount(stack, other.id)).toBe(0);
      expect((await customerSubs(stack, customer.id)).nodes[0].id).toBe(first.subscriptions[0].id);
    });

    it("O4: keys belong to the partner that orders: another partner's same key is its own order", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const customer = await createCustomer(stack, a);
      await requestAndAccept(stack, b, customer.id);
      const fromA = await order(stack, a.token, { customerId: customer.id, idempotencyKey: "shared-key" });
      const fromB = await order(stack, b.token, { customerId: customer.id, idempotencyKey: "shared-key" });
      expect(fromB.id).not.toBe(fromA.id);
      expect(fromB.partnerOfRecord.id).toBe(b.id);
      expect(await subCount(stack, customer.id)).toBe(2);
    });

    it("O4: 50 concurrent identical requests create exactly one order", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const input = { customerId: customer.id, idempotencyKey: `burst-${randomUUID()}`, lineItems: [line({ quantity: 3 }), line({ offerId: "m365-e5", quantity: 2 })] };
      const results = await Promise.all(Array.from({ length: 50 }, () => orderRaw(stack, partner.token, input)));
      for (const r of results) expect(r.errors).toBeUndefined();
      const ids = new Set(results.map((r) => r.data.placeOrder.order.id));
      expect(ids.size).toBe(1);
      for (const r of results) expect(r.data.placeOrder.order.subscriptions).toHaveLength(2);
      expect(await subCount(stack, customer.id)).toBe(2);
    });

    it("O4: 20 concurrent requests with the same key and different inputs: one order, every other IDEMPOTENCY_KEY_REUSED", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const key = `race-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => orderRaw(stack, partner.token, { customerId: customer.id, idempotencyKey: key, lineItems: [line({ quantity: i + 1 })] })),
      );
      const won = results.filter((r) => !r.errors);
      expect(won).toHaveLength(1);
      for (const r of results.filter((r) => r.errors)) expect(ext(r).code).toBe("IDEMPOTENCY_KEY_REUSED");
      const subs = await customerSubs(stack, customer.id);
      expect(subs.totalCount).toBe(1);
      expect(subs.nodes[0].quantity).toBe(won[0].data.placeOrder.order.subscriptions[0].quantity);
    });
  });
});
