/**
 * Multi-partner (MP1–MP4) and what one partner can learn of another's customer
 * (CV1), through the gateway and, for `_entities`, straight at the customers subgraph.
 */
import { randomUUID } from "node:crypto";
import { clock } from "../common/time/clock";
import { customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, linkReseller, ORDER, placeOrder } from "./support/fixtures";
import {
  approveDap,
  CREATE_DAP,
  createDap,
  customerAsOperator,
  dapInput,
  establish,
  expectNoLeak,
  expectRefusal,
  ok,
  REMOVE_RELATIONSHIP,
  SUBSCRIPTION_FIELDS,
  subscriptionsAsCustomer,
  SUSPEND,
  TERMINATE_DAP,
  uniqueName,
} from "./support/customer-fixtures";

const LOOKUP = `query($id: ID!) { customer(id: $id) { id companyName } }`;
const LIST = `query($s: String) { customers(search: $s, first: 100) { totalCount nodes { id } } }`;
const RELS = `query($id: ID!) { customer(id: $id) { partnerRelationships { id status partner { id } indirectProvider { id } } delegatedAdminRelationships { id partner { id } } } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id companyName } } }`;

const listIds = async (stack: Stack, token: string, search?: string) =>
  (await ok(stack, token, LIST, { s: search ?? null })).customers.nodes.map((n: any) => n.id).sort();

describe.each(DIALECTS)("multi-partner (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  it("MP1: a customer has reseller relationships with several partners at once, and two of them each sell it an Azure plan", async () => {
    const a = await enroll(stack);
    const b = await enroll(stack);
    const c = await enroll(stack);
    const customer = await createCustomer(stack, a);
    await establish(stack, b, customer.id);
    await establish(stack, c, customer.id);
    const rels = (await customerAsOperator(stack, customer.id)).partnerRelationships;
    expect(rels.map((r: any) => [r.partner.id, r.status])).toEqual([
      [a.id, "ACTIVE"],
      [b.id, "ACTIVE"],
      [c.id, "ACTIVE"],
    ]);
    const azureA = await placeOrder(stack, a, customer.id, { offerId: "azure-plan", quantity: 1 });
    const azureB = await placeOrder(stack, b, customer.id, { offerId: "azure-plan", quantity: 1 });
    const subs = await subscriptionsAsCustomer(stack, customer.id);
    expect(subs.map((s) => [s.offer.id, s.partnerOfRecord.id]).sort()).toEqual(
      [
        ["azure-plan", a.id],
        ["azure-plan", b.id],
      ].sort(),
    );
    expect([azureA.subscriptions[0].id, azureB.subscriptions[0].id].sort()).toEqual(subs.map((s) => s.id).sort());
    for (const p of [a, b, c]) expect(await listIds(stack, p.token)).toEqual([customer.id]);
  });

  it("MP2: Customer.partnerRelationships shows a partner only its own (a provider also its reseller's); the customer and operator see all", async () => {
    const a = await enroll(stack);
    const b = await enroll(stack);
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, a);
    const relB = await establish(stack, b, customer.id);
    const relR = await establish(stack, reseller, customer.id, provider.id);
    const dapA = await createDap(stack, a, customer.id);
    const dapB = await createDap(stack, b, customer.id);
    const all = (await customerAsOperator(stack, customer.id)).partnerRelationships;
    const relA = all.find((r: any) => r.partner.id === a.id);

    const seen = async (token: string) => (await ok(stack, token, RELS, { id: customer.id })).customer;
    const ids = (xs: any[]) => xs.map((x) => x.id).sort();
    expect(ids((await seen(a.token)).partnerRelationships)).toEqual([relA.id]);
    expect(ids((await seen(a.token)).delegatedAdminRelationships)).toEqual([dapA.id]);
    expect(ids((await seen(b.token)).partnerRelationships)).toEqual([relB.id]);
    expect(ids((await seen(b.token)).delegatedAdminRelationships)).toEqual([dapB.id]);
    expect(ids((await seen(reseller.token)).partnerRelationships)).toEqual([relR.id]);
    expect(ids((await seen(provider.token)).partnerRelationships)).toEqual([relR.id]);
    expect((await seen(provider.token)).delegatedAdminRelationships).toEqual([]);
    for (const tok of [customer.token, await customerToken(customer.id, ["USER"]), await operatorToken()]) {
      const s = await seen(tok);
      expect(ids(s.partnerRelationships)).toEqual([relA.id, relB.id, relR.id].sort());
      expect(ids(s.delegatedAdminRelationships)).toEqual([dapA.id, dapB.id].sort());
    }
  });

  it("CV1/MP2: a partner with no relation gets NOT_FOUND for the customer and finds it in no list or search", async () => {
    const a = await enroll(stack);
    const b = await enroll(stack);
    const name = uniqueName("Hidden Corp");
    const customer = (await ok(stack, a.token, `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id defaultDomain } } }`, {
      i: { companyName: name, defaultDomain: `hidden-${randomUUID().slice(0, 8)}.onmicrosoft.com`, country: "US" },
    })).createCustomer.customer;
    const res = await stack.gql(b.token, LOOKUP, { id: customer.id });
    expectRefusal(res, "NOT_FOUND");
    expectNoLeak(res, [a.id, name]);
    expect(await listIds(stack, b.token)).toEqual([]);
    expect(await listIds(stack, b.token, name)).toEqual([]);
    expect(await listIds(stack, b.token, customer.defaultDomain)).toEqual([]);
    const viaA = await ok(stack, b.token, `query($p: ID!, $s: String) { partner(id: $p) { customers(search: $s) { totalCount nodes { id } } } }`, { p: a.id, s: null });
    expect(viaA.partner.customers).toEqual({ totalCount: 0, nodes: [] });
    // a sees it by both.
    expect(await listIds(stack, a.token, name)).toEqual([customer.id]);
    expect(await listIds(stack, a.token, customer.defaultDomain)).toEqual([customer.id]);
  });

  it("CV1/MP4: _entities on the customers subgraph returns null for a customer the caller cannot see", async () => {
    const a = await enroll(stack);
    const b = await enroll(stack);
    const customer = await createCustomer(stack, a);
    const r = { r: [{ __typename: "Customer", id: customer.id }] };
    expect((await stack.subgraphGql("customers", a.token, ENTITIES, r)).data._entities).toEqual([{ id: customer.id, companyName: expect.any(String) }]);
    const asB = await stack.subgraphGql("customers", b.token, ENTITIES, r);
    expect(asB.data._entities).toEqual([null]);
    expect(asB.errors).toBeUndefined();
    // Upper-cased ids name the same customer: still hidden from b.
    expect((await stack.subgraphGql("customers", b.token, ENTITIES, { r: [{ __typename: "Customer", id: customer.id.toUpperCase() }] })).data._entities).toEqual([null]);
    // Another customer's users neither.
    const other = await createCustomer(stack, b);
    expect((await stack.subgraphGql("customers", other.token, ENTITIES, r)).data._entities).toEqual([null]);
    // Partner.customers through _entities is the intersection with what b may list: empty.
    const partnerCustomers = await stack.subgraphGql(
      "customers",
      b.token,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Partner { id customers { totalCount nodes { id } } } } }`,
      { r: [{ __typename: "Partner", id: a.id }] },
    );
    expect(partnerCustomers.data._entities).toEqual([{ id: a.id, customers: { totalCount: 0, nodes: [] } }]);
    // Once b has a relationship, b sees it too.
    await establish(stack, b, customer.id);
    expect((await stack.subgraphGql("customers", b.token, ENTITIES, r)).data._entities).toEqual([{ id: customer.id, companyName: expect.any(String) }]);
  });

  it("MP4: a partner never sees, nor changes, another partner's subscription of a shared customer", async () => {
    const a = await enroll(stack, { name: uniqueName("Alpha Partner") });
    const b = await enroll(stack);
    const customer = await createCustomer(stack, a);
    await establish(stack, b, customer.id);
    const subA = (await placeOrder(stack, a, customer.id)).subscriptions[0].id;
    const subB = (await placeOrder(stack, b, customer.id)).subscriptions[0].id;
    const seen = await ok(stack, b.token, `query($id: ID!) { customer(id: $id) { subscriptions { totalCount nodes { id } } } }`, { id: customer.id });
    expect(seen.customer.subscriptions).toEqual({ totalCount: 1, nodes: [{ id: subB }] });
    const before = await subscriptionsAsCustomer(stack, customer.id);
    const look = await stack.gql(b.token, `query($id: ID!) { subscription(id: $id) { id } }`, { id: subA });
    expectRefusal(look, "NOT_FOUND");
    const change = await stack.gql(b.token, SUSPEND, { id: subA });
    expectRefusal(change, "NOT_FOUND");
    for (const res of [look, change]) expectNoLeak(res, [a.id, "Alpha Partner"]);
    expect(await subscriptionsAsCustomer(stack, customer.id)).toEqual(before);
  });

  it("MP4: refusals about another partner's customer never name that partner or the customer", async () => {
    const a = await enroll(stack, { name: uniqueName("Secret Partner") });
    const b = await enroll(stack);
    const customer = await createCustomer(stack, a);
    const { companyName } = await customerAsOperator(stack, customer.id);
    const secrets = [a.id, "Secret Partner", companyName];
    const before = await customerAsOperator(stack, customer.id);
    const attempts = [
      await stack.gql(b.token, LOOKUP, { id: customer.id }),
      await stack.gql(b.token, RELS, { id: customer.id }),
      await stack.gql(b.token, CREATE_DAP, { input: dapInput(customer.id) }),
      await stack.gql(b.token, REMOVE_RELATIONSHIP, { c: customer.id, p: a.id }),
      await stack.gql(b.token, ORDER, {
        input: { customerId: customer.id, idempotencyKey: randomUUID(), lineItems: [{ offerId: "azure-plan", quantity: 1, billingCycle: "MONTHLY", termDuration: "P1M" }] },
      }),
    ];
    for (const res of attempts) {
      expectRefusal(res, "NOT_FOUND");
      expectNoLeak(res, secrets);
    }
    // A DAP of a's is no more visible to b.
    const dap = await createDap(stack, a, customer.id);
    const term = await stack.gql(b.token, TERMINATE_DAP, { id: dap.id });
    expectRefusal(term, "NOT_FOUND");
    expectNoLeak(term, secrets);
    const after = await customerAsOperator(stack, customer.id);
    expect(after.partnerRelationships).toEqual(before.partnerRelationships);
    expect(after.delegatedAdminRelationships.map((d: any) => [d.id, d.status])).toEqual([[dap.id, "APPROVAL_PENDING"]]);
  });

  it("MP3: a second and a third partner's relationships and delegated admin change no existing subscription", async () => {
    const first = await enroll(stack);
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, first);
    await placeOrder(stack, first, customer.id, { quantity: 7 });
    await placeOrder(stack, first, customer.id, { offerId: "azure-plan", quantity: 1 });
    const toSuspend = (await placeOrder(stack, first, customer.id, { offerId: "o365-e3", quantity: 3 })).subscriptions[0].id;
    await ok(stack, first.token, SUSPEND, { id: toSuspend });
    const snapshot = await subscriptionsAsCustomer(stack, customer.id);
    const ownerBefore = (await customerAsOperator(stack, customer.id)).partnerRelationships;
    expect(snapshot).toHaveLength(3);

    const second = await enroll(stack);
    await establish(stack, second, customer.id);
    await establish(stack, reseller, customer.id, provider.id);
    for (const p of [second, reseller, first]) {
      const dap = await createDap(stack, p, customer.id, { roles: ["GLOBAL_ADMINISTRATOR"] });
      await approveDap(stack, customer.id, dap.id);
    }

    const again = await subscriptionsAsCustomer(stack, customer.id);
    expect(again).toHaveLength(snapshot.length);
    const byId = new Map(again.map((s) => [s.id, s]));
    for (const before of snapshot) {
      const now = byId.get(before.id);
      for (const field of Object.keys(before)) expect({ id: before.id, field, value: now[field] }).toEqual({ id: before.id, field, value: before[field] });
    }
    expect(again.map((s) => s.partnerOfRecord.id)).toEqual(snapshot.map(() => first.id));
    expect(again.map((s) => s.billingPartner.id)).toEqual(snapshot.map(() => first.id));
    // Nor who owns the tenant: the first partner's relationship stands as it was.
    const rels = (await customerAsOperator(stack, customer.id)).partnerRelationships;
    expect(rels[0]).toEqual(ownerBefore[0]);
    expect(rels).toHaveLength(3);
    // And the new partners see none of the first partner's subscriptions (MP4).
    for (const p of [second, reseller, provider]) {
      const seen = await ok(stack, p.token, `query($id: ID!) { customer(id: $id) { subscriptions { nodes { ${SUBSCRIPTION_FIELDS} } } } }`, { id: customer.id });
      expect(seen.customer.subscriptions.nodes).toEqual([]);
    }
  });
});
