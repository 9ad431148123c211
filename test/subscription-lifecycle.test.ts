/** Changing a subscription through the gateway: S2–S6, the role table, CR3. */
import { randomUUID } from "node:crypto";
import { clock, HOUR_MS } from "../common/time/clock";
import { customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, linkReseller } from "./support/fixtures";
import {
  cancel,
  delegatedAdmin,
  ext,
  line,
  lookUp,
  ok,
  order,
  partnerAs,
  reactivate,
  recordExternal,
  removeRelationshipRaw,
  requestAndAccept,
  subAsOperator,
  SubView,
  suspend,
  terminateReseller,
  update,
} from "./support/order-fixtures";

describe.each(DIALECTS)("subscription lifecycle (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  /** A direct-bill partner, its customer and one subscription of 10 licences of m365-business-standard. */
  async function direct() {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const placed = await order(stack, partner.token, { customerId: customer.id, lineItems: [line({ quantity: 10 })] });
    return { partner, customer, sub: placed.subscriptions[0] };
  }

  /** A provider, an active reseller, a customer of the reseller, and a subscription the provider sold naming the reseller (T5). */
  async function twoTier() {
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    const link = await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    const placed = await order(stack, provider.token, { customerId: customer.id, resellerId: reseller.id, lineItems: [line({ quantity: 10 })] });
    return { provider, reseller, link, customer, sub: placed.subscriptions[0] };
  }

  const changed = (res: { data?: any }) => res.data.updateSubscription?.subscription ?? res.data.suspendSubscription?.subscription ?? res.data.reactivateSubscription?.subscription ?? res.data.cancelSubscription?.subscription;

  /** Asserts that a refused call left the subscription exactly as it was. */
  async function unchanged(before: SubView) {
    expect(await subAsOperator(stack, before.id)).toEqual(before);
  }

  describe("S2: who changes a subscription", () => {
    it("S2: the partner of record (the reseller) changes quantity, auto-renew and name", async () => {
      const { reseller, sub } = await twoTier();
      const res = await update(stack, reseller.token, { id: sub.id, quantity: 12, autoRenew: false, friendlyName: "  Sales floor  " });
      const s = ok(res).updateSubscription.subscription;
      expect(s).toMatchObject({ quantity: 12, autoRenew: false, friendlyName: "Sales floor", version: 2 });
      expect(await subAsOperator(stack, sub.id)).toEqual(s);
    });

    it("S2: the billing partner (the provider) changes it too", async () => {
      const { provider, reseller, sub } = await twoTier();
      const s = ok(await update(stack, provider.token, { id: sub.id, quantity: 15 })).updateSubscription.subscription;
      expect(s).toMatchObject({ quantity: 15, version: 2 });
      expect(s.partnerOfRecord.id).toBe(reseller.id);
      expect(s.billingPartner.id).toBe(provider.id);
      expect(ok(await suspend(stack, provider.token, sub.id)).suspendSubscription.subscription.status).toBe("SUSPENDED");
      expect(ok(await reactivate(stack, reseller.token, sub.id)).reactivateSubscription.subscription.status).toBe("ACTIVE");
    });

    it("S2: a partner that cannot see the subscription: NOT_FOUND for every change, nothing changed", async () => {
      const { customer, sub } = await direct();
      const stranger = await enroll(stack);
      // Even a partner with its own relationship and delegated admin over the customer does not see another partner's CSP subscription (MP4).
      const rival = await enroll(stack);
      await requestAndAccept(stack, rival, customer.id);
      await delegatedAdmin(stack, rival, customer.id);
      const before = await subAsOperator(stack, sub.id);
      for (const p of [stranger, rival]) {
        expect(ext(await update(stack, p.token, { id: sub.id, quantity: 11 })).code).toBe("NOT_FOUND");
        expect(ext(await suspend(stack, p.token, sub.id)).code).toBe("NOT_FOUND");
        expect(ext(await reactivate(stack, p.token, sub.id)).code).toBe("NOT_FOUND");
        expect(ext(await cancel(stack, p.token, sub.id)).code).toBe("NOT_FOUND");
        expect(ext(await update(stack, p.token, { id: randomUUID(), quantity: 11 })).code).toBe("NOT_FOUND");
      }
      await unchanged(before);
    });

    it("S2: a partner that sees the subscription but is neither partner of record nor billing partner: NOT_PARTNER_OF_RECORD, nothing changed", async () => {
      const { partner, customer } = await direct();
      await delegatedAdmin(stack, partner, customer.id);
      const external = await recordExternal(stack, customer.id);
      const support = await enroll(stack);
      await requestAndAccept(stack, support, customer.id);
      ok(await stack.gql(await customerToken(customer.id), `mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { id } } }`, { s: external.id, p: support.id }));
      const before = await subAsOperator(stack, external.id);
      for (const p of [partner, support]) {
        expect(ok(await lookUp(stack, p.token, external.id)).subscription.id).toBe(external.id);
        expect(ext(await update(stack, p.token, { id: external.id, quantity: 30 })).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await update(stack, p.token, { id: external.id, autoRenew: false })).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await suspend(stack, p.token, external.id)).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await cancel(stack, p.token, external.id)).code).toBe("NOT_PARTNER_OF_RECORD");
      }
      await unchanged(before);
    });
  });

  describe("Roles for changes", () => {
    it("S2: HELPDESK_AGENT may update, suspend and reactivate but not cancel: FORBIDDEN", async () => {
      const { partner, sub } = await direct();
      const helpdesk = await partnerAs(partner.id, "HELPDESK_AGENT");
      expect(ok(await update(stack, helpdesk, { id: sub.id, quantity: 11 })).updateSubscription.subscription.quantity).toBe(11);
      expect(ok(await suspend(stack, helpdesk, sub.id)).suspendSubscription.subscription.status).toBe("SUSPENDED");
      expect(ok(await reactivate(stack, helpdesk, sub.id)).reactivateSubscription.subscription.status).toBe("ACTIVE");
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await cancel(stack, helpdesk, sub.id)).code).toBe("FORBIDDEN");
      await unchanged(before);
    });

    it("S2: BILLING_ADMIN, ACCOUNT_ADMIN and USER_MANAGEMENT_ADMIN of the partner of record: FORBIDDEN for every change", async () => {
      const { partner, sub } = await direct();
      const before = await subAsOperator(stack, sub.id);
      for (const role of ["BILLING_ADMIN", "ACCOUNT_ADMIN", "USER_MANAGEMENT_ADMIN"]) {
        const tok = await partnerAs(partner.id, role);
        expect(ext(await update(stack, tok, { id: sub.id, quantity: 11 })).code).toBe("FORBIDDEN");
        expect(ext(await suspend(stack, tok, sub.id)).code).toBe("FORBIDDEN");
        expect(ext(await reactivate(stack, tok, sub.id)).code).toBe("FORBIDDEN");
        expect(ext(await cancel(stack, tok, sub.id)).code).toBe("FORBIDDEN");
      }
      await unchanged(before);
    });

    it("S2: the customer's users and the operator change no subscription: FORBIDDEN", async () => {
      const { customer, sub } = await direct();
      const before = await subAsOperator(stack, sub.id);
      for (const tok of [await customerToken(customer.id), await customerToken(customer.id, ["USER"]), await operatorToken()]) {
        expect(ext(await update(stack, tok, { id: sub.id, quantity: 11 })).code).toBe("FORBIDDEN");
        expect(ext(await suspend(stack, tok, sub.id)).code).toBe("FORBIDDEN");
        expect(ext(await cancel(stack, tok, sub.id)).code).toBe("FORBIDDEN");
      }
      await unchanged(before);
    });

    it("S2: ADMIN_AGENT and SALES_AGENT may cancel", async () => {
      const a = await direct();
      expect(ok(await cancel(stack, await partnerAs(a.partner.id, "ADMIN_AGENT"), a.sub.id)).cancelSubscription.subscription.status).toBe("CANCELLED");
      const b = await direct();
      expect(ok(await cancel(stack, await partnerAs(b.partner.id, "SALES_AGENT"), b.sub.id)).cancelSubscription.subscription.status).toBe("CANCELLED");
    });
  });

  describe("S3: states", () => {
    it("S3: ACTIVE → SUSPENDED → ACTIVE; suspending twice or reactivating an active one: INVALID_STATE", async () => {
      const { partner, sub } = await direct();
      expect(ext(await reactivate(stack, partner.token, sub.id)).code).toBe("INVALID_STATE");
      expect(ok(await suspend(stack, partner.token, sub.id)).suspendSubscription.subscription).toMatchObject({ status: "SUSPENDED", version: 2 });
      const suspended = await subAsOperator(stack, sub.id);
      expect(ext(await suspend(stack, partner.token, sub.id)).code).toBe("INVALID_STATE");
      await unchanged(suspended);
      expect(ok(await reactivate(stack, partner.token, sub.id)).reactivateSubscription.subscription).toMatchObject({ status: "ACTIVE", version: 3 });
    });

    it("S3: a suspended subscription takes no quantity change: INVALID_STATE; its name and renewal may change", async () => {
      const { partner, sub } = await direct();
      ok(await suspend(stack, partner.token, sub.id));
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 12 })).code).toBe("INVALID_STATE");
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 12, friendlyName: "x" })).code).toBe("INVALID_STATE");
      await unchanged(before);
      const s = ok(await update(stack, partner.token, { id: sub.id, friendlyName: "Paused", autoRenew: false })).updateSubscription.subscription;
      expect(s).toMatchObject({ status: "SUSPENDED", quantity: 10, friendlyName: "Paused", autoRenew: false, version: before.version + 1 });
    });

    it("S3: cancelling is final: every later change is INVALID_STATE and nothing changes", async () => {
      const { partner, sub } = await direct();
      expect(ok(await cancel(stack, partner.token, sub.id)).cancelSubscription.subscription).toMatchObject({ status: "CANCELLED", version: 2 });
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await cancel(stack, partner.token, sub.id)).code).toBe("INVALID_STATE");
      expect(ext(await suspend(stack, partner.token, sub.id)).code).toBe("INVALID_STATE");
      expect(ext(await reactivate(stack, partner.token, sub.id)).code).toBe("INVALID_STATE");
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 12 })).code).toBe("INVALID_STATE");
      expect(ext(await update(stack, partner.token, { id: sub.id, friendlyName: "again" })).code).toBe("INVALID_STATE");
      expect(ext(await update(stack, partner.token, { id: sub.id, autoRenew: false, expectedVersion: 2 })).code).toBe("INVALID_STATE");
      await unchanged(before);
    });

    it("S3: a suspended subscription may be cancelled", async () => {
      const { partner, sub } = await direct();
      ok(await suspend(stack, partner.token, sub.id));
      expect(ok(await cancel(stack, partner.token, sub.id)).cancelSubscription.subscription).toMatchObject({ status: "CANCELLED", version: 3 });
    });
  });

  describe("S4: the 168-hour window", () => {
    it("S4: after 168 hours cancelling is CANCELLATION_WINDOW_CLOSED and lowering the quantity QUANTITY_DECREASE_NOT_ALLOWED; raising it is fine", async () => {
      const { partner, sub } = await direct();
      clock.advance(168 * HOUR_MS + 1000);
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await cancel(stack, partner.token, sub.id)).code).toBe("CANCELLATION_WINDOW_CLOSED");
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 9 })).code).toBe("QUANTITY_DECREASE_NOT_ALLOWED");
      await unchanged(before);
      expect(ok(await update(stack, partner.token, { id: sub.id, quantity: 20 })).updateSubscription.subscription).toMatchObject({ quantity: 20, version: 2 });
      // Suspending and reactivating are not bound to the window, and a suspended one still cannot be cancelled.
      ok(await suspend(stack, partner.token, sub.id));
      expect(ext(await cancel(stack, partner.token, sub.id)).code).toBe("CANCELLATION_WINDOW_CLOSED");
      ok(await reactivate(stack, partner.token, sub.id));
    });

    it("S4: within the window (up to exactly 168 hours) lowering the quantity and cancelling are allowed", async () => {
      clock.set(new Date("2025-06-01T00:00:00.000Z"));
      const { partner, sub } = await direct();
      expect(sub.cancellationAllowedUntil).toBe("2025-06-08T00:00:00.000Z");
      clock.set(new Date("2025-06-08T00:00:00.000Z"));
      expect(ok(await update(stack, partner.token, { id: sub.id, quantity: 4 })).updateSubscription.subscription.quantity).toBe(4);
      expect(ok(await cancel(stack, partner.token, sub.id)).cancelSubscription.subscription.status).toBe("CANCELLED");
    });

    it("S4: one millisecond after the window both are refused", async () => {
      clock.set(new Date("2025-06-01T00:00:00.000Z"));
      const { partner, sub } = await direct();
      clock.set(new Date("2025-06-08T00:00:00.001Z"));
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 4 })).code).toBe("QUANTITY_DECREASE_NOT_ALLOWED");
      expect(ext(await cancel(stack, partner.token, sub.id)).code).toBe("CANCELLATION_WINDOW_CLOSED");
    });
  });

  describe("S5: versions", () => {
    it("S5: every change raises the version by one", async () => {
      const { partner, sub } = await direct();
      expect(sub.version).toBe(1);
      const versions = [
        changed({ data: ok(await update(stack, partner.token, { id: sub.id, quantity: 11 })) }).version,
        changed({ data: ok(await update(stack, partner.token, { id: sub.id, autoRenew: false })) }).version,
        changed({ data: ok(await suspend(stack, partner.token, sub.id)) }).version,
        changed({ data: ok(await reactivate(stack, partner.token, sub.id)) }).version,
        changed({ data: ok(await update(stack, partner.token, { id: sub.id, friendlyName: "n" })) }).version,
        changed({ data: ok(await cancel(stack, partner.token, sub.id)) }).version,
      ];
      expect(versions).toEqual([2, 3, 4, 5, 6, 7]);
      expect((await subAsOperator(stack, sub.id)).version).toBe(7);
    });

    it("S5: an expectedVersion that is not the current one: VERSION_CONFLICT and nothing changed", async () => {
      const { partner, sub } = await direct();
      ok(await update(stack, partner.token, { id: sub.id, quantity: 11, expectedVersion: 1 }));
      const before = await subAsOperator(stack, sub.id);
      expect(before.version).toBe(2);
      for (const expectedVersion of [1, 3]) {
        expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 12, autoRenew: false, friendlyName: "lost", expectedVersion })).code).toBe("VERSION_CONFLICT");
      }
      await unchanged(before);
      expect(ok(await update(stack, partner.token, { id: sub.id, quantity: 12, expectedVersion: 2 })).updateSubscription.subscription.version).toBe(3);
    });

    it("S5: two concurrent updates from the same version: exactly one wins, the other VERSION_CONFLICT, no edit lost", async () => {
      const { provider, reseller, sub } = await twoTier();
      for (let round = 0; round < 5; round++) {
        const current = await subAsOperator(stack, sub.id);
        const [a, b] = await Promise.all([
          update(stack, provider.token, { id: sub.id, quantity: 100 + round, expectedVersion: current.version }),
          update(stack, reseller.token, { id: sub.id, friendlyName: `reseller ${round}`, expectedVersion: current.version }),
        ]);
        const results = [a, b];
        const winners = results.filter((r) => !r.errors);
        const losers = results.filter((r) => r.errors);
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        expect(ext(losers[0]).code).toBe("VERSION_CONFLICT");
        const after = await subAsOperator(stack, sub.id);
        expect(after.version).toBe(current.version + 1);
        expect(after).toEqual(winners[0].data.updateSubscription.subscription);
        // The loser's edit was not applied half-way either.
        if (winners[0] === a) expect(after.friendlyName).toBe(current.friendlyName);
        else expect(after.quantity).toBe(current.quantity);
      }
    });

    it("S5: many concurrent updates without expectedVersion: each is applied or refused, and the version counts exactly the applied ones", async () => {
      const { partner, sub } = await direct();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => update(stack, partner.token, { id: sub.id, friendlyName: `edit ${i}` })));
      const applied = results.filter((r) => !r.errors);
      for (const r of results.filter((r) => r.errors)) expect(ext(r).code).toBe("VERSION_CONFLICT");
      expect(applied.length).toBeGreaterThanOrEqual(1);
      const after = await subAsOperator(stack, sub.id);
      expect(after.version).toBe(1 + applied.length);
      expect(applied.map((r) => r.data.updateSubscription.subscription.version).sort((x, y) => x - y)).toEqual(applied.map((_, i) => i + 2));
    });
  });

  describe("updateSubscription input", () => {
    it("S2: an update naming nothing to change: BAD_USER_INPUT on input", async () => {
      const { partner, sub } = await direct();
      expect(ext(await update(stack, partner.token, { id: sub.id }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
      expect(ext(await update(stack, partner.token, { id: sub.id, expectedVersion: 1 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
      expect((await subAsOperator(stack, sub.id)).version).toBe(1);
    });

    it("O3: a new quantity outside the offer's bounds, or a bad name: BAD_USER_INPUT naming the field, nothing changed", async () => {
      const { partner, sub } = await direct();
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 0 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.quantity" });
      expect(ext(await update(stack, partner.token, { id: sub.id, quantity: 301 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.quantity" });
      expect(ext(await update(stack, partner.token, { id: sub.id, friendlyName: "   " }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.friendlyName" });
      expect(ext(await update(stack, partner.token, { id: sub.id, friendlyName: "x".repeat(101) }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.friendlyName" });
      expect(ext(await update(stack, partner.token, { id: "nope", quantity: 3 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.id" });
      await unchanged(before);
    });
  });

  describe("S6: changing the partner of record", () => {
    /** A second active reseller of the provider, with its own relationship with the customer (CR2). */
    async function secondReseller(provider: { id: string; token: string }, customerId: string, seed: { agreementSigned?: boolean } = {}) {
      const r = await enroll(stack, { programs: ["INDIRECT_RESELLER"], ...seed });
      const link = await linkReseller(stack, provider, r);
      await requestAndAccept(stack, r, customerId, provider.id);
      return { ...r, link };
    }

    it("S6: the billing provider names another of its active resellers: it becomes partner of record; the old one no longer sees it", async () => {
      const { provider, reseller, customer, sub } = await twoTier();
      const other = await secondReseller(provider, customer.id);
      const s = ok(await update(stack, provider.token, { id: sub.id, resellerId: other.id, expectedVersion: 1 })).updateSubscription.subscription;
      expect(s.partnerOfRecord.id).toBe(other.id);
      expect(s.billingPartner.id).toBe(provider.id);
      expect(s).toMatchObject({ version: 2, quantity: 10, status: "ACTIVE" });
      expect(ok(await lookUp(stack, other.token, sub.id)).subscription.partnerOfRecord.id).toBe(other.id);
      expect(ext(await lookUp(stack, reseller.token, sub.id)).code).toBe("NOT_FOUND");
      expect(ext(await update(stack, reseller.token, { id: sub.id, quantity: 11 })).code).toBe("NOT_FOUND");
    });

    it("S6: the reseller itself cannot change the partner of record: FORBIDDEN, nothing changed", async () => {
      const { provider, reseller, customer, sub } = await twoTier();
      const other = await secondReseller(provider, customer.id);
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await update(stack, reseller.token, { id: sub.id, resellerId: other.id })).code).toBe("FORBIDDEN");
      expect(ext(await update(stack, reseller.token, { id: sub.id, resellerId: other.id, quantity: 12 })).code).toBe("FORBIDDEN");
      await unchanged(before);
    });

    it("S6: a reseller no longer ACTIVE with the provider: RESELLER_NOT_AUTHORIZED, nothing changed", async () => {
      const { provider, customer, sub } = await twoTier();
      const other = await secondReseller(provider, customer.id);
      await terminateReseller(stack, provider, other.link);
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await update(stack, provider.token, { id: sub.id, resellerId: other.id })).code).toBe("RESELLER_NOT_AUTHORIZED");
      await unchanged(before);
    });

    it("S6: a reseller that has not signed, has no relationship with the customer, or is unknown: RESELLER_NOT_AUTHORIZED, nothing changed", async () => {
      const { provider, customer, sub } = await twoTier();
      const unsigned = await secondReseller(provider, customer.id, { agreementSigned: false });
      const unrelated = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, unrelated);
      const before = await subAsOperator(stack, sub.id);
      for (const id of [unsigned.id, unrelated.id, randomUUID()]) {
        expect(ext(await update(stack, provider.token, { id: sub.id, resellerId: id })).code).toBe("RESELLER_NOT_AUTHORIZED");
      }
      await unchanged(before);
    });

    it("S6: a direct-bill partner has no resellers to name: RESELLER_NOT_AUTHORIZED", async () => {
      const { partner, customer, sub } = await direct();
      const r = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
      await requestAndAccept(stack, r, customer.id);
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await update(stack, partner.token, { id: sub.id, resellerId: r.id })).code).toBe("RESELLER_NOT_AUTHORIZED");
      await unchanged(before);
    });

    it("S6: terminating the provider↔reseller relationship changes no partner of record", async () => {
      const { provider, link, sub } = await twoTier();
      const before = await subAsOperator(stack, sub.id);
      await terminateReseller(stack, provider, link);
      await unchanged(before);
    });
  });

  describe("CR3: removing a reseller relationship", () => {
    const relationshipsOf = async (customerId: string) =>
      ok(await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { partnerRelationships { partner { id } status } } }`, { id: customerId })).customer
        .partnerRelationships as { partner: { id: string }; status: string }[];

    it("CR3: refused with ACTIVE_SUBSCRIPTIONS_EXIST while the partner has an ACTIVE subscription; succeeds after suspending it", async () => {
      const { partner, customer, sub } = await direct();
      const second = (await order(stack, partner.token, { customerId: customer.id })).subscriptions[0];
      ok(await cancel(stack, partner.token, second.id));
      for (const tok of [partner.token, await customerToken(customer.id)]) {
        expect(ext(await removeRelationshipRaw(stack, tok, customer.id, partner.id)).code).toBe("ACTIVE_SUBSCRIPTIONS_EXIST");
      }
      expect(await relationshipsOf(customer.id)).toEqual([{ partner: { id: partner.id }, status: "ACTIVE" }]);
      ok(await suspend(stack, partner.token, sub.id));
      const before = await subAsOperator(stack, sub.id);
      expect(ok(await removeRelationshipRaw(stack, await customerToken(customer.id), customer.id, partner.id)).removeResellerRelationship.relationship.status).toBe("REMOVED");
      expect(await relationshipsOf(customer.id)).toEqual([{ partner: { id: partner.id }, status: "REMOVED" }]);
      // The subscription stays, partner of record unchanged, and the partner still sees it (S1).
      await unchanged(before);
      expect(ok(await lookUp(stack, partner.token, sub.id)).subscription.partnerOfRecord.id).toBe(partner.id);
    });

    it("CR3: a reseller's relationship cannot be removed while it is partner of record of an ACTIVE subscription", async () => {
      const { reseller, customer, sub } = await twoTier();
      expect(ext(await removeRelationshipRaw(stack, reseller.token, customer.id, reseller.id)).code).toBe("ACTIVE_SUBSCRIPTIONS_EXIST");
      ok(await suspend(stack, reseller.token, sub.id));
      ok(await removeRelationshipRaw(stack, reseller.token, customer.id, reseller.id));
      const after = await subAsOperator(stack, sub.id);
      expect(after.partnerOfRecord?.id).toBe(reseller.id);
      expect(after.status).toBe("SUSPENDED");
    });

    it("CR3: another partner's active subscriptions do not block the removal, and survive it", async () => {
      const { customer, sub } = await direct();
      const other = await enroll(stack);
      await requestAndAccept(stack, other, customer.id);
      const before = await subAsOperator(stack, sub.id);
      ok(await removeRelationshipRaw(stack, other.token, customer.id, other.id));
      await unchanged(before);
    });

    it("MC3: an external subscription of the customer does not block the removal", async () => {
      const { partner, customer, sub } = await direct();
      await recordExternal(stack, customer.id);
      ok(await suspend(stack, partner.token, sub.id));
      ok(await removeRelationshipRaw(stack, partner.token, customer.id, partner.id));
    });
  });
});
