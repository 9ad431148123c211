/** Who sees which subscription, on every path: S1, MP3, MP4, MC1–MC3. */
import { randomUUID } from "node:crypto";
import { clock } from "../common/time/clock";
import { customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, linkReseller } from "./support/fixtures";
import {
  cancel,
  customerSubs,
  delegatedAdmin,
  entity,
  ext,
  hire,
  line,
  lookUp,
  ok,
  order,
  partnerAs,
  RECORD_EXTERNAL,
  recordExternal,
  removeRelationshipRaw,
  requestAndAccept,
  subAsOperator,
  subCount,
  suspend,
  terminateDelegatedAdmin,
  update,
} from "./support/order-fixtures";

describe.each(DIALECTS)("subscription visibility (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  const ids = (conn: { nodes: { id: string }[] }) => conn.nodes.map((n) => n.id).sort();
  const sorted = (xs: string[]) => [...xs].sort();

  const customerList = async (tok: string, customerId: string, args = "") =>
    ok(
      await stack.gql(tok, `query($id: ID!) { customer(id: $id) { subscriptions(first: 100${args}) { totalCount nodes { id channel status partnerOfRecord { id } } } } }`, {
        id: customerId,
      }),
      "Customer.subscriptions",
    ).customer.subscriptions as { totalCount: number; nodes: { id: string; channel: string; status: string; partnerOfRecord: { id: string } | null }[] };

  const partnerList = async (tok: string, partnerId: string, args = "") =>
    ok(
      await stack.gql(tok, `query($id: ID!) { partner(id: $id) { subscriptions(first: 100${args}) { totalCount nodes { id } } } }`, { id: partnerId }),
      "Partner.subscriptions",
    ).partner.subscriptions as { totalCount: number; nodes: { id: string }[] };

  /**
   * A customer of partner A (two CSP subscriptions), also served by partner B (one CSP
   * subscription, reseller relationship by request), with one subscription bought outside
   * the program; partner D holds an active delegated admin relationship; S is a stranger.
   */
  async function scene() {
    const a = await enroll(stack);
    const customer = await createCustomer(stack, a);
    const aOrder = await order(stack, a.token, { customerId: customer.id, lineItems: [line({ quantity: 5 }), line({ offerId: "m365-e3", quantity: 7 })] });
    const b = await enroll(stack);
    await requestAndAccept(stack, b, customer.id);
    const bOrder = await order(stack, b.token, { customerId: customer.id, lineItems: [line({ offerId: "azure-plan", quantity: 1 })] });
    const external = await recordExternal(stack, customer.id);
    const d = await enroll(stack);
    await requestAndAccept(stack, d, customer.id);
    const dap = await delegatedAdmin(stack, d, customer.id);
    const s = await enroll(stack);
    return {
      a,
      b,
      d,
      s,
      dap,
      customer,
      aOrder,
      aSubs: aOrder.subscriptions.map((x) => x.id),
      bSub: bOrder.subscriptions[0].id,
      external: external.id,
    };
  }

  describe("S1 on every path", () => {
    it("S1: subscription(id): partner of record sees its own; other partners, even with a relationship or delegated admin, get NOT_FOUND", async () => {
      const x = await scene();
      for (const id of x.aSubs) {
        expect(ok(await lookUp(stack, x.a.token, id)).subscription.id).toBe(id);
        for (const other of [x.b, x.d, x.s]) expect(ext(await lookUp(stack, other.token, id)).code).toBe("NOT_FOUND");
      }
      expect(ok(await lookUp(stack, x.b.token, x.bSub)).subscription.id).toBe(x.bSub);
      expect(ext(await lookUp(stack, x.a.token, x.bSub)).code).toBe("NOT_FOUND");
      expect(ext(await lookUp(stack, x.a.token, randomUUID())).code).toBe("NOT_FOUND");
      expect(ext(await lookUp(stack, await customerToken(randomUUID()), x.bSub)).code).toBe("NOT_FOUND");
    });

    it("S1: the customer's users (GLOBAL_ADMIN and USER) see all its subscriptions, each with its partner of record; the operator too", async () => {
      const x = await scene();
      const all = sorted([...x.aSubs, x.bSub, x.external]);
      for (const tok of [await customerToken(x.customer.id), await customerToken(x.customer.id, ["USER"]), await operatorToken()]) {
        const list = await customerList(tok, x.customer.id);
        expect(list.totalCount).toBe(4);
        expect(ids(list)).toEqual(all);
        const por = Object.fromEntries(list.nodes.map((n) => [n.id, n.partnerOfRecord?.id ?? null]));
        for (const id of x.aSubs) expect(por[id]).toBe(x.a.id);
        expect(por[x.bSub]).toBe(x.b.id);
        expect(por[x.external]).toBeNull();
        for (const id of all) expect(ok(await lookUp(stack, tok, id)).subscription.id).toBe(id);
      }
      // Another customer sees none of them.
      const other = await createCustomer(stack, x.a);
      for (const id of all) expect(ext(await lookUp(stack, await customerToken(other.id), id)).code).toBe("NOT_FOUND");
    });

    it("S1: Customer.subscriptions shows a partner only its own (MP4), a delegated admin only those bought outside the program (MC2)", async () => {
      const x = await scene();
      expect(ids(await customerList(x.a.token, x.customer.id))).toEqual(sorted(x.aSubs));
      expect(ids(await customerList(x.b.token, x.customer.id))).toEqual([x.bSub]);
      expect(ids(await customerList(x.d.token, x.customer.id))).toEqual([x.external]);
      expect((await customerList(x.a.token, x.customer.id)).totalCount).toBe(2);
    });

    it("S1: Customer.subscriptions filters by status and channel within what the viewer sees", async () => {
      const x = await scene();
      ok(await suspend(stack, x.a.token, x.aSubs[0]));
      const customer = await customerToken(x.customer.id);
      expect(ids(await customerList(customer, x.customer.id, ", channel: CSP"))).toEqual(sorted([...x.aSubs, x.bSub]));
      expect(ids(await customerList(customer, x.customer.id, ", channel: ENTERPRISE_AGREEMENT"))).toEqual([x.external]);
      expect((await customerList(customer, x.customer.id, ", channel: DIRECT")).totalCount).toBe(0);
      expect(ids(await customerList(customer, x.customer.id, ", status: SUSPENDED"))).toEqual([x.aSubs[0]]);
      expect(ids(await customerList(customer, x.customer.id, ", status: ACTIVE"))).toEqual(sorted([x.aSubs[1], x.bSub, x.external]));
      expect(ids(await customerList(x.a.token, x.customer.id, ", status: ACTIVE"))).toEqual([x.aSubs[1]]);
      expect(ids(await customerList(x.b.token, x.customer.id, ", status: SUSPENDED"))).toEqual([]);
      expect(ids(await customerList(x.a.token, x.customer.id, ", channel: ENTERPRISE_AGREEMENT"))).toEqual([]);
      expect(ids(await customerList(x.d.token, x.customer.id, ", channel: CSP"))).toEqual([]);
      // Paging keeps the total.
      const page = ok(
        await stack.gql(customer, `query($id: ID!) { customer(id: $id) { subscriptions(first: 1, status: ACTIVE) { totalCount nodes { id } pageInfo { hasNextPage } } } }`, { id: x.customer.id }),
      ).customer.subscriptions;
      expect(page).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
      expect(page.nodes).toHaveLength(1);
    });

    it("S1: Partner.subscriptions: a partner's own list; another partner's list shows only what the viewer may see", async () => {
      const x = await scene();
      expect(ids(await partnerList(x.a.token, x.a.id))).toEqual(sorted(x.aSubs));
      expect(ids(await partnerList(await operatorToken(), x.a.id))).toEqual(sorted(x.aSubs));
      expect((await partnerList(x.b.token, x.a.id)).totalCount).toBe(0);
      expect((await partnerList(x.s.token, x.a.id)).totalCount).toBe(0);
      expect((await partnerList(x.d.token, x.a.id)).totalCount).toBe(0);
      expect(ids(await partnerList(await customerToken(x.customer.id), x.a.id))).toEqual(sorted(x.aSubs));
      const stranger = await createCustomer(stack, x.s);
      expect((await partnerList(await customerToken(stranger.id), x.a.id)).totalCount).toBe(0);
    });

    it("S1: Partner.subscriptions filters by customer and status", async () => {
      const x = await scene();
      const second = await createCustomer(stack, x.a);
      const more = await order(stack, x.a.token, { customerId: second.id });
      ok(await suspend(stack, x.a.token, x.aSubs[1]));
      expect((await partnerList(x.a.token, x.a.id)).totalCount).toBe(3);
      expect(ids(await partnerList(x.a.token, x.a.id, `, customerId: "${second.id}"`))).toEqual([more.subscriptions[0].id]);
      expect(ids(await partnerList(x.a.token, x.a.id, `, customerId: "${x.customer.id}"`))).toEqual(sorted(x.aSubs));
      expect(ids(await partnerList(x.a.token, x.a.id, `, status: SUSPENDED`))).toEqual([x.aSubs[1]]);
      expect(ids(await partnerList(x.a.token, x.a.id, `, customerId: "${x.customer.id}", status: ACTIVE`))).toEqual([x.aSubs[0]]);
      expect((await partnerList(x.b.token, x.a.id, `, customerId: "${x.customer.id}"`)).totalCount).toBe(0);
    });

    it("S1: Partner.subscriptions of provider and reseller: both list the subscriptions sold naming the reseller (T5, T7)", async () => {
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "DIRECT_BILL"] });
      const r1 = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      const r2 = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, r1);
      await linkReseller(stack, provider, r2);
      const c1 = await createCustomer(stack, provider, { resellerId: r1.id });
      const c2 = await createCustomer(stack, provider, { resellerId: r2.id });
      const direct = await createCustomer(stack, provider);
      const s1 = (await order(stack, provider.token, { customerId: c1.id, resellerId: r1.id })).subscriptions[0].id;
      const s2 = (await order(stack, provider.token, { customerId: c2.id, resellerId: r2.id })).subscriptions[0].id;
      const s3 = (await order(stack, provider.token, { customerId: direct.id })).subscriptions[0].id;
      expect(ids(await partnerList(provider.token, provider.id))).toEqual(sorted([s1, s2, s3]));
      expect(ids(await partnerList(r1.token, r1.id))).toEqual([s1]);
      // A reseller never sees the provider's other resellers' or direct subscriptions (T7).
      expect(ids(await partnerList(r1.token, provider.id))).toEqual([s1]);
      expect((await partnerList(r1.token, r2.id)).totalCount).toBe(0);
      for (const id of [s2, s3]) expect(ext(await lookUp(stack, r1.token, id)).code).toBe("NOT_FOUND");
      expect(await entity(stack, r1.token, s2)).toBeNull();
    });

    it("S1: Order.subscriptions holds the order's subscriptions, as they now stand", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const input = { customerId: customer.id, idempotencyKey: `order-${randomUUID()}`, lineItems: [line(), line({ offerId: "m365-e5", quantity: 2 })] };
      const first = await order(stack, partner.token, input);
      await order(stack, partner.token, { customerId: customer.id });
      ok(await cancel(stack, partner.token, first.subscriptions[0].id));
      const again = await order(stack, partner.token, input);
      expect(again.id).toBe(first.id);
      expect(sorted(again.subscriptions.map((s) => s.id))).toEqual(sorted(first.subscriptions.map((s) => s.id)));
      const cancelled = again.subscriptions.find((s) => s.id === first.subscriptions[0].id)!;
      expect(cancelled).toMatchObject({ status: "CANCELLED", version: 2 });
    });

    it("S1: _entities on the subscriptions subgraph resolves only what the viewer may see (null otherwise)", async () => {
      const x = await scene();
      expect(await entity(stack, x.a.token, x.aSubs[0])).toEqual({ id: x.aSubs[0], quantity: x.aOrder.subscriptions[0].quantity });
      expect(await entity(stack, x.b.token, x.aSubs[0])).toBeNull();
      expect(await entity(stack, x.d.token, x.aSubs[0])).toBeNull();
      expect(await entity(stack, x.s.token, x.aSubs[0])).toBeNull();
      expect(await entity(stack, x.d.token, x.external)).toEqual({ id: x.external, quantity: 25 });
      expect(await entity(stack, x.a.token, x.external)).toBeNull();
      expect(await entity(stack, await customerToken(x.customer.id, ["USER"]), x.bSub)).toEqual({ id: x.bSub, quantity: 1 });
      expect(await entity(stack, await customerToken(randomUUID()), x.bSub)).toBeNull();
      expect(await entity(stack, await operatorToken(), x.bSub)).toEqual({ id: x.bSub, quantity: 1 });
      expect(await entity(stack, x.a.token, randomUUID())).toBeNull();
    });

    it("S1: _entities of a Customer on the subscriptions subgraph lists only the viewer's subscriptions of it", async () => {
      const x = await scene();
      const count = async (tok: string) =>
        ok(
          await stack.subgraphGql("subscriptions", tok, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { subscriptions { totalCount } } } }`, {
            r: [{ __typename: "Customer", id: x.customer.id }],
          }),
        )._entities[0].subscriptions.totalCount;
      expect(await count(x.s.token)).toBe(0);
      expect(await count(x.a.token)).toBe(2);
      expect(await count(x.b.token)).toBe(1);
      expect(await count(x.d.token)).toBe(1);
      expect(await count(await customerToken(x.customer.id))).toBe(4);
    });

    it("CV1: after the relationship is removed, the partner still reaches the customer through its subscription", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const sub = (await order(stack, partner.token, { customerId: customer.id })).subscriptions[0];
      ok(await suspend(stack, partner.token, sub.id));
      ok(await removeRelationshipRaw(stack, partner.token, customer.id, partner.id));
      const res = ok(await stack.gql(partner.token, `query($id: ID!) { subscription(id: $id) { id customer { id } partnerOfRecord { id } } }`, { id: sub.id }));
      expect(res.subscription).toEqual({ id: sub.id, customer: { id: customer.id }, partnerOfRecord: { id: partner.id } });
      expect(ids(await customerList(partner.token, customer.id))).toEqual([sub.id]);
    });
  });

  describe("MP3, MP4: several partners", () => {
    it("MP3: a second partner's relationship, delegated admin and Azure order change none of the first partner's subscriptions, and it sees none of them", async () => {
      const a = await enroll(stack);
      const customer = await createCustomer(stack, a);
      const aOrder = await order(stack, a.token, {
        customerId: customer.id,
        lineItems: [line({ quantity: 10 }), line({ offerId: "m365-e3", quantity: 40, billingCycle: "ANNUAL", termDuration: "P1Y" }), line({ offerId: "azure-plan", quantity: 1 })],
      });
      ok(await update(stack, a.token, { id: aOrder.subscriptions[0].id, friendlyName: "Before B", autoRenew: false }));
      ok(await suspend(stack, a.token, aOrder.subscriptions[1].id));
      const before = await customerSubs(stack, customer.id);
      expect(before.totalCount).toBe(3);

      const b = await enroll(stack);
      await requestAndAccept(stack, b, customer.id);
      await delegatedAdmin(stack, b, customer.id);
      const bOrder = await order(stack, b.token, { customerId: customer.id, lineItems: [line({ offerId: "azure-plan", quantity: 1 })] });
      expect(bOrder.partnerOfRecord.id).toBe(b.id);

      const after = await customerSubs(stack, customer.id);
      expect(after.totalCount).toBe(4);
      for (const s of before.nodes) expect(after.nodes.find((n) => n.id === s.id)).toEqual(s);
      // B sees only its own, on every path.
      expect(ids(await customerList(b.token, customer.id))).toEqual([bOrder.subscriptions[0].id]);
      expect((await partnerList(b.token, a.id)).totalCount).toBe(0);
      for (const s of before.nodes) {
        expect(ext(await lookUp(stack, b.token, s.id)).code).toBe("NOT_FOUND");
        expect(await entity(stack, b.token, s.id)).toBeNull();
      }
      // And A still sees its own, but not B's.
      expect(ids(await customerList(a.token, customer.id))).toEqual(sorted(before.nodes.map((n) => n.id)));
      expect(ext(await lookUp(stack, a.token, bOrder.subscriptions[0].id)).code).toBe("NOT_FOUND");
    });

    it("MP4: a partner never changes another partner's subscription of the same customer: NOT_FOUND, nothing changed", async () => {
      const x = await scene();
      const before = await subAsOperator(stack, x.aSubs[0]);
      for (const p of [x.b, x.d]) {
        expect(ext(await update(stack, p.token, { id: x.aSubs[0], quantity: 1 })).code).toBe("NOT_FOUND");
        expect(ext(await suspend(stack, p.token, x.aSubs[0])).code).toBe("NOT_FOUND");
        expect(ext(await cancel(stack, p.token, x.aSubs[0])).code).toBe("NOT_FOUND");
      }
      expect(await subAsOperator(stack, x.aSubs[0])).toEqual(before);
    });
  });

  describe("MC1–MC3: subscriptions bought outside the program", () => {
    it("MC1: the operator records one: its channel, no partner of record, billing or support partner, no order, version 1", async () => {
      clock.set(new Date("2025-02-10T09:00:00.000Z"));
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const s = await recordExternal(stack, customer.id, { channel: "DIRECT", offerId: "d365-sales-enterprise", quantity: 3, billingCycle: "MONTHLY", termDuration: "P1M", friendlyName: "CRM" });
      expect(s).toMatchObject({
        channel: "DIRECT",
        status: "ACTIVE",
        version: 1,
        quantity: 3,
        friendlyName: "CRM",
        orderId: null,
        partnerOfRecord: null,
        billingPartner: null,
        supportPartner: null,
        createdAt: "2025-02-10T09:00:00.000Z",
        commitmentEndsAt: "2025-03-10T09:00:00.000Z",
      });
      expect(s.customer.id).toBe(customer.id);
      expect(await subAsOperator(stack, s.id)).toEqual(s);
      expect(await subCount(stack, customer.id)).toBe(1);
      // The partner that sells to the customer does not see it (no delegated admin, not its support partner).
      expect(ext(await lookUp(stack, partner.token, s.id)).code).toBe("NOT_FOUND");
    });

    it("MC1: only the operator records them: FORBIDDEN for partners and customers, nothing written", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const input = { customerId: customer.id, offerId: "o365-e3", quantity: 5, channel: "DIRECT", billingCycle: "MONTHLY", termDuration: "P1M" };
      for (const tok of [partner.token, await partnerAs(partner.id, "ADMIN_AGENT"), await customerToken(customer.id)]) {
        expect(ext(await stack.gql(tok, RECORD_EXTERNAL, { input })).code).toBe("FORBIDDEN");
      }
      expect(await subCount(stack, customer.id)).toBe(0);
    });

    it("MC1: channel CSP, a bad offer, quantity, cycle or term: BAD_USER_INPUT naming the field; an unknown customer: NOT_FOUND; nothing written", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const base = { customerId: customer.id, offerId: "o365-e3", quantity: 5, channel: "DIRECT", billingCycle: "MONTHLY", termDuration: "P1M" };
      const cases: [Record<string, unknown>, string][] = [
        [{ channel: "CSP" }, "input.channel"],
        [{ offerId: "nope" }, "input.offerId"],
        [{ quantity: 0 }, "input.quantity"],
        [{ quantity: 50001 }, "input.quantity"],
        [{ offerId: "azure-plan", quantity: 1, billingCycle: "ANNUAL" }, "input.billingCycle"],
        [{ offerId: "o365-e1", termDuration: "P3Y" }, "input.termDuration"],
        [{ customerId: "nope" }, "input.customerId"],
      ];
      const op = await operatorToken();
      for (const [over, field] of cases) {
        expect(ext(await stack.gql(op, RECORD_EXTERNAL, { input: { ...base, ...over } }))).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
      expect(ext(await stack.gql(op, RECORD_EXTERNAL, { input: { ...base, customerId: randomUUID() } })).code).toBe("NOT_FOUND");
      expect(await subCount(stack, customer.id)).toBe(0);
    });

    it("MC2: the customer's GLOBAL_ADMIN hires a partner with a reseller relationship; the support partner then sees it on every path", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const ext1 = await recordExternal(stack, customer.id);
      expect(ext(await lookUp(stack, partner.token, ext1.id)).code).toBe("NOT_FOUND");
      const hired = ok(await hire(stack, await customerToken(customer.id), ext1.id, partner.id)).hireSupportPartner.subscription;
      expect(hired.supportPartner.id).toBe(partner.id);
      expect(hired).toMatchObject({ channel: "ENTERPRISE_AGREEMENT", partnerOfRecord: null, billingPartner: null, version: 2 });
      expect(ok(await lookUp(stack, partner.token, ext1.id)).subscription.id).toBe(ext1.id);
      expect(await entity(stack, partner.token, ext1.id)).toEqual({ id: ext1.id, quantity: 25 });
      expect(ids(await customerList(partner.token, customer.id))).toEqual([ext1.id]);
      expect(ids(await partnerList(partner.token, partner.id))).toEqual([ext1.id]);
    });

    it("MC2: a partner with an active delegated admin relationship only can be hired; the support partner is replaceable and the old one loses sight", async () => {
      const first = await enroll(stack);
      const customer = await createCustomer(stack, first);
      const s = await recordExternal(stack, customer.id);
      ok(await hire(stack, await customerToken(customer.id), s.id, first.id));
      const second = await enroll(stack);
      await requestAndAccept(stack, second, customer.id);
      await delegatedAdmin(stack, second, customer.id);
      ok(await removeRelationshipRaw(stack, second.token, customer.id, second.id));
      const replaced = ok(await hire(stack, await customerToken(customer.id), s.id, second.id)).hireSupportPartner.subscription;
      expect(replaced.supportPartner.id).toBe(second.id);
      expect(replaced.version).toBe(3);
      expect(ext(await lookUp(stack, first.token, s.id)).code).toBe("NOT_FOUND");
      expect(await entity(stack, first.token, s.id)).toBeNull();
      expect(ok(await lookUp(stack, second.token, s.id)).subscription.id).toBe(s.id);
    });

    it("MC2: naming the current support partner again, its relationship still there, changes and records nothing; once the relationship is gone it is CUSTOMER_RELATIONSHIP_REQUIRED", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const s = await recordExternal(stack, customer.id);
      const admin = await customerToken(customer.id);
      ok(await hire(stack, admin, s.id, partner.id));
      const before = await subAsOperator(stack, s.id);
      const hires = async () =>
        ok(await stack.gql<{ subscriptionsActivity: { totalCount: number } }>(await operatorToken(), `{ subscriptionsActivity(first: 0, operation: "hireSupportPartner") { totalCount } }`)).subscriptionsActivity.totalCount;
      const activityBefore = await hires();
      const again = ok(await hire(stack, admin, s.id, partner.id)).hireSupportPartner.subscription;
      expect(again).toMatchObject({ id: s.id, version: 2, supportPartner: { id: partner.id } });
      expect(await subAsOperator(stack, s.id)).toEqual(before);
      expect(await hires()).toBe(activityBefore);
      ok(await removeRelationshipRaw(stack, partner.token, customer.id, partner.id));
      expect(ext(await hire(stack, admin, s.id, partner.id)).code).toBe("CUSTOMER_RELATIONSHIP_REQUIRED");
      expect(await subAsOperator(stack, s.id)).toEqual(before);
    });

    it("MC2: a partner without a reseller or active delegated admin relationship: CUSTOMER_RELATIONSHIP_REQUIRED, nothing changed", async () => {
      const seller = await enroll(stack);
      const customer = await createCustomer(stack, seller);
      const s = await recordExternal(stack, customer.id);
      const stranger = await enroll(stack);
      // Pending (never approved) and terminated delegated admin relationships do not count.
      const pending = await enroll(stack);
      await requestAndAccept(stack, pending, customer.id);
      ok(
        await stack.gql(pending.token, `mutation($input: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $input) { relationship { id } } }`, {
          input: { customerId: customer.id, displayName: `pending-${randomUUID().slice(0, 8)}`, roles: ["DIRECTORY_READER"], durationDays: 30, autoExtend: false },
        }),
      );
      ok(await removeRelationshipRaw(stack, pending.token, customer.id, pending.id));
      const ended = await enroll(stack);
      await requestAndAccept(stack, ended, customer.id);
      const dap = await delegatedAdmin(stack, ended, customer.id);
      ok(await removeRelationshipRaw(stack, ended.token, customer.id, ended.id));
      await terminateDelegatedAdmin(stack, customer.id, dap);
      const before = await subAsOperator(stack, s.id);
      for (const p of [stranger, pending, ended]) {
        expect(ext(await hire(stack, await customerToken(customer.id), s.id, p.id)).code).toBe("CUSTOMER_RELATIONSHIP_REQUIRED");
      }
      expect(await subAsOperator(stack, s.id)).toEqual(before);
    });

    it("MC2: only the customer's GLOBAL_ADMIN hires: USER, partners and the operator get FORBIDDEN; another customer NOT_FOUND; nothing changed", async () => {
      const seller = await enroll(stack);
      const customer = await createCustomer(stack, seller);
      const other = await createCustomer(stack, seller);
      const s = await recordExternal(stack, customer.id);
      const before = await subAsOperator(stack, s.id);
      for (const tok of [await customerToken(customer.id, ["USER"]), seller.token, await operatorToken()]) {
        expect(ext(await hire(stack, tok, s.id, seller.id)).code).toBe("FORBIDDEN");
      }
      expect(ext(await hire(stack, await customerToken(other.id), s.id, seller.id)).code).toBe("NOT_FOUND");
      expect(ext(await hire(stack, await customerToken(customer.id), s.id, randomUUID())).code).toBe("NOT_FOUND");
      // P1: a partner of another cloud is not in the customer's directory.
      const china = await enroll(stack, { cloud: "CHINA", country: "CN" });
      expect(ext(await stack.gql(await customerToken(customer.id), `query($id: ID!) { partner(id: $id) { id } }`, { id: china.id })).code).toBe("NOT_FOUND");
      expect(ext(await hire(stack, await customerToken(customer.id), s.id, china.id)).code).toBe("NOT_FOUND");
      expect(await subAsOperator(stack, s.id)).toEqual(before);
    });

    it("MC3: a CSP subscription takes no support partner: INVALID_STATE, nothing changed", async () => {
      const seller = await enroll(stack);
      const customer = await createCustomer(stack, seller);
      const sub = (await order(stack, seller.token, { customerId: customer.id })).subscriptions[0];
      const before = await subAsOperator(stack, sub.id);
      expect(ext(await hire(stack, await customerToken(customer.id), sub.id, seller.id)).code).toBe("INVALID_STATE");
      expect(await subAsOperator(stack, sub.id)).toEqual(before);
    });

    it("MC2: a partner with an active delegated admin relationship sees the external subscriptions, and loses them when it ends", async () => {
      const x = await scene();
      expect(ok(await lookUp(stack, x.d.token, x.external)).subscription.id).toBe(x.external);
      await terminateDelegatedAdmin(stack, x.customer.id, x.dap);
      expect(ext(await lookUp(stack, x.d.token, x.external)).code).toBe("NOT_FOUND");
      expect(await entity(stack, x.d.token, x.external)).toBeNull();
      expect((await customerList(x.d.token, x.customer.id)).totalCount).toBe(0);
    });

    it("MC2: a delegated admin relationship that expires (DA2) takes the external subscriptions out of sight", async () => {
      const x = await scene();
      expect(ok(await lookUp(stack, x.d.token, x.external)).subscription.id).toBe(x.external);
      clock.advance(366 * 24 * 3_600_000);
      expect(ext(await lookUp(stack, x.d.token, x.external)).code).toBe("NOT_FOUND");
      expect(await entity(stack, x.d.token, x.external)).toBeNull();
      expect((await customerList(x.d.token, x.customer.id)).totalCount).toBe(0);
    });

    it("MC2: another partner's list of the support partner shows a delegated admin the external subscriptions it may see", async () => {
      const x = await scene();
      const support = x.b;
      ok(await hire(stack, await customerToken(x.customer.id), x.external, support.id));
      // D (active delegated admin) may see the external subscription (S1), so it is in support's list as D sees it.
      expect(ids(await partnerList(x.d.token, support.id))).toEqual([x.external]);
      // A (no delegated admin) sees nothing of B's list.
      expect((await partnerList(x.a.token, support.id)).totalCount).toBe(0);
    });

    it("MC3: no partner changes a subscription bought elsewhere, the support partner and delegated admins included: NOT_PARTNER_OF_RECORD; it stays outside CSP", async () => {
      const x = await scene();
      ok(await hire(stack, await customerToken(x.customer.id), x.external, x.a.id));
      const before = await subAsOperator(stack, x.external);
      for (const p of [x.a, x.d]) {
        expect(ext(await update(stack, p.token, { id: x.external, quantity: 26 })).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await update(stack, p.token, { id: x.external, autoRenew: false })).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await update(stack, p.token, { id: x.external, resellerId: p.id })).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await suspend(stack, p.token, x.external)).code).toBe("NOT_PARTNER_OF_RECORD");
        expect(ext(await cancel(stack, p.token, x.external)).code).toBe("NOT_PARTNER_OF_RECORD");
      }
      expect(ext(await update(stack, x.s.token, { id: x.external, quantity: 26 })).code).toBe("NOT_FOUND");
      const after = await subAsOperator(stack, x.external);
      expect(after).toEqual(before);
      expect(after.channel).toBe("ENTERPRISE_AGREEMENT");
    });
  });
});
