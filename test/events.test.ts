/**
 * The event feed through the gateway, as integrations read it (EV1, EV2, EV3, EV9): every
 * successful mutation records its events in its own transaction; each goes to the
 * organisations that may see its subject at that moment and to no other (the operator gets
 * all); the feed pages in recording order and a poller walking forward while events are
 * written sees each once, in order.
 */
import { randomUUID } from "node:crypto";
import { IsNull } from "typeorm";
import { SubgraphName } from "../common/config";
import { OutboxEvent } from "../common/outbox";
import { createCustomer, enroll, linkReseller, registerCustomer } from "./support/fixtures";
import { APPROVE_DAP, CREATE_CUSTOMER, createDap, customerInput, REMOVE_RELATIONSHIP, TERMINATE_DAP } from "./support/customer-fixtures";
import { EventView, feed, feedPage, outboxesRelayed } from "./support/event-fixtures";
import { HIRE, line, ok, order, orderRaw, recordExternal, requestAndAccept, UPDATE } from "./support/order-fixtures";
import { codeOf, customerToken, DIALECTS, GqlResult, operatorToken, Stack, startStack } from "./support/stack";
import { enrollProvider, enrollReseller, invite } from "./support/two-tier-fixtures";

type Org = { id: string; token: string };
/** Who an event names as its actor. */
type Actor = { kind: "OPERATOR" | "PARTNER" | "CUSTOMER"; id: string | null };
const asPartner = (o: Org): Actor => ({ kind: "PARTNER", id: o.id });
const asCustomer = (o: Org): Actor => ({ kind: "CUSTOMER", id: o.id });
const OPERATOR: Actor = { kind: "OPERATOR", id: null };

const SUSPEND = `mutation($id: ID!) { suspendSubscription(id: $id) { subscription { id status } } }`;
const REACTIVATE = `mutation($id: ID!) { reactivateSubscription(id: $id) { subscription { id status } } }`;
const CANCEL = `mutation($id: ID!) { cancelSubscription(id: $id) { subscription { id status } } }`;
const TERMINATE_RESELLER = `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id status } } }`;
const CREATE_DAP_RAW = `mutation($input: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $input) { relationship { id } } }`;

/** Every event with its subject, each member through a field only its owner answers. */
const WITH_SUBJECTS = `query($after: String) { events(first: 100, after: $after) {
  edges { node { id type subjectType subjectId subject {
    __typename
    ... on ResellerRelationship { id invitedAt }
    ... on Customer { id companyName }
    ... on CustomerPartnerRelationship { id establishedAt }
    ... on DelegatedAdminRelationship { id displayName }
    ... on Order { id idempotencyKey }
    ... on CloudSubscription { id quantity }
  } } }
  pageInfo { hasNextPage endCursor }
} }`;

describe.each(DIALECTS)("events (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  /** The outbox rows of a subject in its owner's database. */
  const outboxOf = (owner: SubgraphName, subjectId: string) => stack.subgraphs[owner].db.dataSource.getRepository(OutboxEvent).findBy({ subjectId });
  const outboxTotal = async () => {
    let n = 0;
    for (const owner of ["partners", "customers", "subscriptions"] as const) n += await stack.subgraphs[owner].db.dataSource.getRepository(OutboxEvent).count();
    return n;
  };
  /** The viewer's events about one subject, once every outbox is relayed. */
  async function eventsAbout(token: string, subjectId: string): Promise<EventView[]> {
    await outboxesRelayed(stack);
    return (await feed(stack, token)).filter((e) => e.subjectId === subjectId);
  }

  /**
   * EV1, EV2, EV9: exactly one event of `type` about `subjectId`, recorded once in `owner`'s
   * outbox; in the feed of the operator and of every organisation of `to`, and in none of `notTo`.
   */
  async function expectEvent(e: { owner: SubgraphName; type: string; subjectType: string; subjectId: string; actor: Actor; to: Org[]; notTo: Org[] }) {
    const rows = (await outboxOf(e.owner, e.subjectId)).filter((r) => r.type === e.type);
    expect({ type: e.type, outbox: rows.length }).toEqual({ type: e.type, outbox: 1 });
    const expected = {
      id: rows[0].id,
      type: e.type,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      actorKind: e.actor.kind,
      actorId: e.actor.id,
    };
    for (const [who, token] of [["operator", await operatorToken()], ...e.to.map((o) => [o.id, o.token])] as [string, string][]) {
      const mine = (await eventsAbout(token, e.subjectId)).filter((x) => x.type === e.type);
      expect({ who, type: e.type, events: mine }).toEqual({ who, type: e.type, events: [expect.objectContaining(expected)] });
    }
    for (const o of e.notTo) {
      expect({ who: o.id, type: e.type, events: await eventsAbout(o.token, e.subjectId) }).toEqual({ who: o.id, type: e.type, events: [] });
    }
  }

  describe("a two-tier world: a provider, two of its resellers, an unrelated direct-bill partner", () => {
    let provider: Org & { mpnId: string };
    let reseller: Org & { mpnId: string };
    let otherReseller: Org & { mpnId: string };
    let direct: Org;
    let relationshipId: string;
    let resellerCustomer: Org;
    let providerCustomer: Org;
    let orderId: string;
    let subscriptionId: string;
    beforeAll(async () => {
      provider = await enrollProvider(stack);
      reseller = await enrollReseller(stack);
      otherReseller = await enrollReseller(stack);
      direct = await enroll(stack);
    });

    it("EV2, EV9: RESELLER_INVITED and RESELLER_RELATIONSHIP_ACCEPTED (a ResellerRelationship) go to the provider and the reseller, never to its other resellers", async () => {
      const res = await invite(stack, provider.token, reseller.mpnId);
      relationshipId = ok(res).inviteReseller.relationship.id;
      await expectEvent({ owner: "partners", type: "RESELLER_INVITED", subjectType: "ResellerRelationship", subjectId: relationshipId, actor: asPartner(provider), to: [provider, reseller], notTo: [otherReseller, direct] });
      ok(await stack.gql(reseller.token, `mutation($id: ID!) { acceptResellerInvitation(relationshipId: $id) { relationship { id } } }`, { id: relationshipId }));
      await expectEvent({ owner: "partners", type: "RESELLER_RELATIONSHIP_ACCEPTED", subjectType: "ResellerRelationship", subjectId: relationshipId, actor: asPartner(reseller), to: [provider, reseller], notTo: [otherReseller, direct] });
      const otherLink = await linkReseller(stack, provider, otherReseller);
      expect(await eventsAbout(reseller.token, otherLink)).toEqual([]);
    });

    it("EV2, EV9: T4's CUSTOMER_CREATED (a Customer) and CUSTOMER_RELATIONSHIP_ESTABLISHED (a CustomerPartnerRelationship) go to the customer, the reseller and its provider (T7); a provider's direct customer never to its resellers", async () => {
      resellerCustomer = await createCustomer(stack, provider, { resellerId: reseller.id });
      await expectEvent({ owner: "customers", type: "CUSTOMER_CREATED", subjectType: "Customer", subjectId: resellerCustomer.id, actor: asPartner(provider), to: [resellerCustomer, reseller, provider], notTo: [otherReseller, direct] });
      const links = ok(await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { partnerRelationships { id } } }`, { id: resellerCustomer.id })).customer.partnerRelationships;
      expect(links).toHaveLength(1);
      await expectEvent({ owner: "customers", type: "CUSTOMER_RELATIONSHIP_ESTABLISHED", subjectType: "CustomerPartnerRelationship", subjectId: links[0].id, actor: asPartner(provider), to: [resellerCustomer, reseller, provider], notTo: [otherReseller, direct] });

      providerCustomer = await createCustomer(stack, provider);
      await expectEvent({ owner: "customers", type: "CUSTOMER_CREATED", subjectType: "Customer", subjectId: providerCustomer.id, actor: asPartner(provider), to: [providerCustomer, provider], notTo: [reseller, otherReseller, direct] });
    });

    it("EV2, EV9: ORDER_PLACED (an Order) naming the reseller goes to the customer, the billing provider and the reseller of record; not to the provider's other resellers", async () => {
      const placed = await order(stack, provider.token, { customerId: resellerCustomer.id, resellerId: reseller.id });
      orderId = placed.id;
      subscriptionId = placed.subscriptions[0].id;
      await expectEvent({ owner: "subscriptions", type: "ORDER_PLACED", subjectType: "Order", subjectId: orderId, actor: asPartner(provider), to: [resellerCustomer, provider, reseller], notTo: [otherReseller, direct] });
    });

    it("EV2, EV9: SUBSCRIPTION_UPDATED, _SUSPENDED, _REACTIVATED, _CANCELLED (a CloudSubscription) go to the customer, the partner of record and the billing partner only", async () => {
      ok(await stack.gql(provider.token, UPDATE, { input: { id: subscriptionId, friendlyName: "Renamed" } }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_UPDATED", subjectType: "CloudSubscription", subjectId: subscriptionId, actor: asPartner(provider), to: [resellerCustomer, provider, reseller], notTo: [otherReseller, direct] });
      ok(await stack.gql(reseller.token, SUSPEND, { id: subscriptionId }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_SUSPENDED", subjectType: "CloudSubscription", subjectId: subscriptionId, actor: asPartner(reseller), to: [resellerCustomer, provider, reseller], notTo: [otherReseller, direct] });
      ok(await stack.gql(reseller.token, REACTIVATE, { id: subscriptionId }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_REACTIVATED", subjectType: "CloudSubscription", subjectId: subscriptionId, actor: asPartner(reseller), to: [resellerCustomer, provider, reseller], notTo: [otherReseller, direct] });
      ok(await stack.gql(provider.token, CANCEL, { id: subscriptionId }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_CANCELLED", subjectType: "CloudSubscription", subjectId: subscriptionId, actor: asPartner(provider), to: [resellerCustomer, provider, reseller], notTo: [otherReseller, direct] });
    });

    it("EV2, EV9: RESELLER_RELATIONSHIP_TERMINATED goes to both sides and not to another reseller", async () => {
      ok(await stack.gql(reseller.token, TERMINATE_RESELLER, { id: relationshipId }));
      await expectEvent({ owner: "partners", type: "RESELLER_RELATIONSHIP_TERMINATED", subjectType: "ResellerRelationship", subjectId: relationshipId, actor: asPartner(reseller), to: [provider, reseller], notTo: [otherReseller, direct] });
    });
  });

  it("EV2 (S6): the billing provider naming another reseller as partner of record: SUBSCRIPTION_UPDATED goes to the old and the new one, not to a third reseller", async () => {
    const provider = await enrollProvider(stack);
    const [oldRecord, newRecord, third] = [await enrollReseller(stack), await enrollReseller(stack), await enrollReseller(stack)];
    for (const r of [oldRecord, newRecord, third]) await linkReseller(stack, provider, r);
    const customer = await createCustomer(stack, provider, { resellerId: oldRecord.id });
    await requestAndAccept(stack, newRecord, customer.id, provider.id);
    const placed = await order(stack, provider.token, { customerId: customer.id, resellerId: oldRecord.id });
    const sub = placed.subscriptions[0].id;
    ok(await stack.gql(provider.token, UPDATE, { input: { id: sub, resellerId: newRecord.id } }));
    await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_UPDATED", subjectType: "CloudSubscription", subjectId: sub, actor: asPartner(provider), to: [customer, provider, oldRecord, newRecord], notTo: [third] });
  });

  describe("a multi-partner world: one customer served by two partners, a third that is a stranger to it", () => {
    let first: Org;
    let second: Org;
    let stranger: Org;
    let customer: Org;
    beforeAll(async () => {
      first = await enroll(stack);
      second = await enroll(stack);
      stranger = await enroll(stack);
      customer = await createCustomer(stack, first);
    });

    it("EV2 (MP2, MP4): a second partner's relationship and orders never reach the first, and the first's never reach the second", async () => {
      const secondLink = await requestAndAccept(stack, second, customer.id);
      await expectEvent({ owner: "customers", type: "CUSTOMER_RELATIONSHIP_ESTABLISHED", subjectType: "CustomerPartnerRelationship", subjectId: secondLink, actor: asCustomer(customer), to: [customer, second], notTo: [first, stranger] });
      const firstOrder = await order(stack, first.token, { customerId: customer.id });
      await expectEvent({ owner: "subscriptions", type: "ORDER_PLACED", subjectType: "Order", subjectId: firstOrder.id, actor: asPartner(first), to: [customer, first], notTo: [second, stranger] });
      const secondOrder = await order(stack, second.token, { customerId: customer.id });
      await expectEvent({ owner: "subscriptions", type: "ORDER_PLACED", subjectType: "Order", subjectId: secondOrder.id, actor: asPartner(second), to: [customer, second], notTo: [first, stranger] });
      ok(await stack.gql(first.token, SUSPEND, { id: firstOrder.subscriptions[0].id }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_SUSPENDED", subjectType: "CloudSubscription", subjectId: firstOrder.subscriptions[0].id, actor: asPartner(first), to: [customer, first], notTo: [second, stranger] });
      // CR3: the second partner suspends its subscription first; that event is not the first's business either.
      ok(await stack.gql(second.token, SUSPEND, { id: secondOrder.subscriptions[0].id }));
      await expectEvent({ owner: "subscriptions", type: "SUBSCRIPTION_SUSPENDED", subjectType: "CloudSubscription", subjectId: secondOrder.subscriptions[0].id, actor: asPartner(second), to: [customer, second], notTo: [first, stranger] });
      ok(await stack.gql(customer.token, REMOVE_RELATIONSHIP, { c: customer.id, p: second.id }));
      await expectEvent({ owner: "customers", type: "CUSTOMER_RELATIONSHIP_REMOVED", subjectType: "CustomerPartnerRelationship", subjectId: secondLink, actor: asCustomer(customer), to: [customer, second], notTo: [first, stranger] });
    });

    it("EV2, EV9: DELEGATED_ADMIN_REQUESTED, _APPROVED, _TERMINATED (a DelegatedAdminRelationship) go to its partner and customer only", async () => {
      const dap = await createDap(stack, first, customer.id);
      await expectEvent({ owner: "customers", type: "DELEGATED_ADMIN_REQUESTED", subjectType: "DelegatedAdminRelationship", subjectId: dap.id, actor: asPartner(first), to: [first, customer], notTo: [second, stranger] });
      ok(await stack.gql(customer.token, APPROVE_DAP, { id: dap.id }));
      await expectEvent({ owner: "customers", type: "DELEGATED_ADMIN_APPROVED", subjectType: "DelegatedAdminRelationship", subjectId: dap.id, actor: asCustomer(customer), to: [first, customer], notTo: [second, stranger] });
      ok(await stack.gql(first.token, TERMINATE_DAP, { id: dap.id }));
      await expectEvent({ owner: "customers", type: "DELEGATED_ADMIN_TERMINATED", subjectType: "DelegatedAdminRelationship", subjectId: dap.id, actor: asPartner(first), to: [first, customer], notTo: [second, stranger] });
    });

    it("EV2, EV9: SUPPORT_PARTNER_HIRED goes to the customer, the support partner and the partners with an active delegated admin relationship (MC2), not to a partner that sells to it otherwise", async () => {
      const outsider = await registerCustomer(stack);
      // The partner to hire sells to it; a second partner also holds an active delegated admin relationship; a third only sells to it.
      const seller = await enroll(stack);
      await requestAndAccept(stack, first, outsider.id);
      await requestAndAccept(stack, second, outsider.id);
      await requestAndAccept(stack, seller, outsider.id);
      const admin = await createDap(stack, second, outsider.id);
      ok(await stack.gql(outsider.token, APPROVE_DAP, { id: admin.id }));
      const external = await recordExternal(stack, outsider.id);
      ok(await stack.gql(outsider.token, HIRE, { s: external.id, p: first.id }));
      await expectEvent({ owner: "subscriptions", type: "SUPPORT_PARTNER_HIRED", subjectType: "CloudSubscription", subjectId: external.id, actor: asCustomer(outsider), to: [outsider, first, second], notTo: [stranger, seller] });
    });

    it("EV2, EV9: registerCustomerTenant's CUSTOMER_CREATED goes to the customer alone (and the operator)", async () => {
      const registered = await registerCustomer(stack);
      await expectEvent({ owner: "customers", type: "CUSTOMER_CREATED", subjectType: "Customer", subjectId: registered.id, actor: OPERATOR, to: [registered], notTo: [first, second, stranger] });
    });
  });

  /** The viewer's events with their subjects, all pages; fails on any error. */
  async function withSubjects(token: string) {
    await outboxesRelayed(stack);
    const all: { id: string; type: string; subjectType: string | null; subjectId: string | null; subject: Record<string, unknown> | null }[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GqlResult = await stack.gql(token, WITH_SUBJECTS, { after });
      expect(res.errors).toBeUndefined();
      all.push(...res.data.events.edges.map((e: { node: (typeof all)[number] }) => e.node));
      if (!res.data.events.pageInfo.hasNextPage) return all;
      after = res.data.events.pageInfo.endCursor;
    }
  }

  it("EV9: every event's subject is its subjectType's object with its subjectId, resolved by its owner (the operator, after every type above)", async () => {
    const events = await withSubjects(await operatorToken());
    const types = new Set(events.map((e) => e.type));
    for (const type of ["RESELLER_INVITED", "CUSTOMER_CREATED", "CUSTOMER_RELATIONSHIP_ESTABLISHED", "DELEGATED_ADMIN_REQUESTED", "ORDER_PLACED", "SUBSCRIPTION_CANCELLED", "SUPPORT_PARTNER_HIRED"]) expect(types).toContain(type);
    for (const e of events) {
      expect({ type: e.type, typename: e.subject?.__typename, id: e.subject?.id }).toEqual({ type: e.type, typename: e.subjectType, id: e.subjectId });
      // A field only the owner answers came back: the subject was resolved there, not echoed.
      expect(Object.values(e.subject!).filter((v) => v !== undefined).length).toBe(3);
    }
  });

  it("EV2: a subject the viewer may no longer see reads null, without an error; the event stays in its feed", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const created = async () => (await withSubjects(partner.token)).find((e) => e.type === "CUSTOMER_CREATED" && e.subjectId === customer.id);
    expect((await created())!.subject).toEqual({ __typename: "Customer", id: customer.id, companyName: expect.any(String) });
    // CR3: the customer removes the relationship; without subscriptions the partner no longer sees the customer (CV1).
    ok(await stack.gql(customer.token, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id }));
    expect((await created())!.subject).toBeNull();
    expect((await withSubjects(customer.token)).find((e) => e.type === "CUSTOMER_CREATED" && e.subjectId === customer.id)!.subject).toMatchObject({ id: customer.id });
  });

  describe("EV1: what records nothing", () => {
    let partner: Org;
    let customer: Org;
    beforeAll(async () => {
      partner = await enroll(stack);
      customer = await createCustomer(stack, partner);
    });

    /** Outbox rows of every owner and the operator's whole feed, once the relays are done. */
    async function recorded() {
      await outboxesRelayed(stack);
      return { outbox: await outboxTotal(), feed: (await feedPage(stack, await operatorToken(), { first: 0 })).totalCount };
    }

    it("EV1: refused mutations record no event, in no outbox and no feed", async () => {
      const placed = await order(stack, partner.token, { customerId: customer.id });
      const sub = placed.subscriptions[0].id;
      const before = await recorded();
      expect(codeOf(await stack.gql(partner.token, REACTIVATE, { id: sub }))).toBe("INVALID_STATE");
      expect(codeOf(await stack.gql(await customerToken(customer.id), SUSPEND, { id: sub }))).toBe("FORBIDDEN");
      expect(codeOf(await stack.gql(partner.token, UPDATE, { input: { id: sub, friendlyName: "x", expectedVersion: 99 } }))).toBe("VERSION_CONFLICT");
      expect(codeOf(await stack.gql(partner.token, CREATE_CUSTOMER, { input: customerInput({ country: "DE" }) }))).toBe("REGION_MISMATCH");
      expect(codeOf(await stack.gql(partner.token, CREATE_DAP_RAW, { input: { customerId: customer.id, displayName: "", roles: ["USER_ADMINISTRATOR"], durationDays: 30, autoExtend: false } }))).toBe("BAD_USER_INPUT");
      expect(await recorded()).toEqual(before);
    });

    it("EV1: an idempotent replay records nothing new (placeOrder, createCustomer and inviteReseller with the same key)", async () => {
      const key = randomUUID();
      const first = ok(await orderRaw(stack, partner.token, { customerId: customer.id, idempotencyKey: key })).placeOrder.order;
      const afterFirst = await recorded();
      const again = ok(await orderRaw(stack, partner.token, { customerId: customer.id, idempotencyKey: key })).placeOrder.order;
      expect(again.id).toBe(first.id);
      const input = customerInput({ idempotencyKey: randomUUID() });
      const created = ok(await stack.gql(partner.token, CREATE_CUSTOMER, { input })).createCustomer.customer.id;
      const afterCreate = await recorded();
      expect(ok(await stack.gql(partner.token, CREATE_CUSTOMER, { input })).createCustomer.customer.id).toBe(created);
      expect(await recorded()).toEqual(afterCreate);
      expect(afterCreate.outbox).toBe(afterFirst.outbox + 2);
      expect((await outboxOf("subscriptions", first.id)).length).toBe(1);

      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const inviteKey = randomUUID();
      const INVITE = `mutation($m: String!, $k: String) { inviteReseller(input: { resellerMpnId: $m, idempotencyKey: $k }) { relationship { id } } }`;
      const rel = ok(await stack.gql(provider.token, INVITE, { m: reseller.mpnId, k: inviteKey })).inviteReseller.relationship.id;
      const afterInvite = await recorded();
      expect(ok(await stack.gql(provider.token, INVITE, { m: reseller.mpnId, k: inviteKey })).inviteReseller.relationship.id).toBe(rel);
      expect(await recorded()).toEqual(afterInvite);
      expect((await outboxOf("partners", rel)).length).toBe(1);
    });

    it("EV1: a mutation whose event cannot be written is rolled back whole: no change, no event (the event is in the mutation's transaction)", async () => {
      const placed = await order(stack, partner.token, { customerId: customer.id });
      const sub = placed.subscriptions[0].id;
      const ds = stack.subgraphs.subscriptions.db.dataSource;
      const before = await recorded();
      if (dialect === "postgres") {
        await ds.query(`CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql`);
        await ds.query(`CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox_event FOR EACH ROW EXECUTE FUNCTION refuse_outbox()`);
      } else {
        await ds.query(`CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox_event BEGIN SELECT RAISE(ABORT, 'outbox refused'); END`);
      }
      try {
        const res = await stack.gql(partner.token, SUSPEND, { id: sub });
        expect(codeOf(res)).toBe("INTERNAL_SERVER_ERROR");
      } finally {
        await ds.query(`DROP TRIGGER refuse_outbox${dialect === "postgres" ? " ON outbox_event" : ""}`);
        if (dialect === "postgres") await ds.query(`DROP FUNCTION refuse_outbox()`);
      }
      const status = ok(await stack.gql(partner.token, `query($id: ID!) { subscription(id: $id) { status version } }`, { id: sub })).subscription;
      expect(status).toEqual({ status: "ACTIVE", version: 1 });
      expect(await recorded()).toEqual(before);
      expect(await stack.subgraphs.subscriptions.db.dataSource.getRepository(OutboxEvent).countBy({ relayedAt: IsNull() })).toBe(0);
    });
  });

  it("EV3: a poller walking its feed forward while 200 events are written concurrently by two subgraphs sees each exactly once, in the feed's order", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const placed = await order(stack, partner.token, { customerId: customer.id, lineItems: Array.from({ length: 10 }, () => line()) });
    await outboxesRelayed(stack);
    const start = (await feedPage(stack, partner.token, { last: 1 })).pageInfo.endCursor;

    let writing = true;
    const seen: EventView[] = [];
    const poller = (async () => {
      let after = start;
      for (;;) {
        const done = !writing;
        const page = await feedPage(stack, partner.token, { first: 7, after });
        seen.push(...page.edges.map((e) => e.node));
        after = page.pageInfo.endCursor ?? after;
        if (!page.pageInfo.hasNextPage && done) return;
      }
    })();
    // 150 subscription updates in 10 lanes (each lane one subscription, one after another) and 50 delegated admin requests in 5 lanes.
    const updates = placed.subscriptions.map(async (s) => {
      for (let i = 0; i < 15; i++) ok(await stack.gql(partner.token, UPDATE, { input: { id: s.id, friendlyName: `n${i}` } }));
    });
    const requests = Array.from({ length: 5 }, async (_, lane) => {
      for (let i = 0; i < 10; i++) await createDap(stack, partner, customer.id, { displayName: `lane ${lane} ${i} ${randomUUID().slice(0, 8)}` });
    });
    await Promise.all([...updates, ...requests]);
    await outboxesRelayed(stack);
    writing = false;
    await poller;

    expect(seen.length).toBe(200);
    expect(new Set(seen.map((e) => e.id)).size).toBe(200);
    const walkedAfter = (await feed(stack, partner.token)).slice(-200);
    expect(seen.map((e) => e.id)).toEqual(walkedAfter.map((e) => e.id));
    expect(seen.filter((e) => e.type === "SUBSCRIPTION_UPDATED").length).toBe(150);
    expect(seen.filter((e) => e.type === "DELEGATED_ADMIN_REQUESTED").length).toBe(50);
  });
});
