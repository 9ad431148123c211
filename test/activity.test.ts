/**
 * The audit trail: every successful mutation leaves one activity record in its own
 * subgraph — who, what, when, and the request id — written in the mutation's transaction.
 */
import { randomUUID } from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { recordActivity } from "../common/mutations/activity";
import { clock, HOUR_MS } from "../common/time/clock";
import { PARTNER_ROLES } from "../common/identity/identity";
import { SubgraphName } from "../common/service/config";

/** The subgraphs whose mutations leave activity records (the events subgraph's are the webhook endpoints'). */
type AuditedSubgraph = SubgraphName;
import { outboxesRelayed } from "./support/event-fixtures";
import { createCustomer, enroll, registerCustomer } from "./support/fixtures";
import { expectNoLeak, expectRefusal } from "./support/customer-fixtures";
import { customerToken, DIALECTS, GqlResult, operatorToken, partnerToken, Stack, startStack, token } from "./support/stack";

const FIELD: Record<AuditedSubgraph, string> = {
  partners: "partnersActivity",
  customers: "customersActivity",
  subscriptions: "subscriptionsActivity",
  events: "eventsActivity",
};
const SUBGRAPHS = Object.keys(FIELD) as AuditedSubgraph[];

interface ActivityView {
  id: string;
  at: string;
  actorUserId: string;
  actorOrgKind: string;
  actorOrgId: string | null;
  operation: string;
  targetIds: string[];
  requestId: string;
}
interface Page {
  totalCount: number;
  nodes: ActivityView[];
  edges: { cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const ACTIVITY = (field: string) => `query($first: Int, $after: String, $operation: String) {
  ${field}(first: $first, after: $after, operation: $operation) {
    totalCount
    nodes { id at actorUserId actorOrgKind actorOrgId operation targetIds requestId }
    edges { cursor }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe.each(DIALECTS)("activity records (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  const readRaw = (tok: string, subgraph: AuditedSubgraph, args: { first?: number; after?: string | null; operation?: string } = {}) =>
    stack.gql<Record<string, Page>>(tok, ACTIVITY(FIELD[subgraph]), args);

  async function read(tok: string, subgraph: AuditedSubgraph, args: { first?: number; after?: string | null; operation?: string } = {}): Promise<Page> {
    const res = await readRaw(tok, subgraph, args);
    if (res.errors?.length) throw new Error(`${FIELD[subgraph]} failed: ${JSON.stringify(res.errors)}`);
    return res.data![FIELD[subgraph]];
  }

  /** Every record of a subgraph the viewer may read, all pages, newest first. */
  async function readAll(tok: string, subgraph: AuditedSubgraph, operation?: string): Promise<ActivityView[]> {
    const all: ActivityView[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await read(tok, subgraph, { first: 100, after, operation });
      all.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return all;
      after = page.pageInfo.endCursor;
    }
  }

  /** Record counts per subgraph as the operator sees them: "nothing recorded" is "no count moved". */
  async function counts(): Promise<Record<AuditedSubgraph, number>> {
    const op = await operatorToken();
    const entries = await Promise.all(SUBGRAPHS.map(async (s) => [s, (await read(op, s, { first: 0 })).totalCount] as const));
    return Object.fromEntries(entries) as Record<AuditedSubgraph, number>;
  }

  /** A request through the gateway with a chosen x-request-id, as a client correlating its calls would send. */
  async function send(tok: string, requestId: string, query: string, variables?: Record<string, unknown>): Promise<GqlResult> {
    const client = new GraphQLClient(stack.gatewayUrl, { headers: { authorization: `Bearer ${tok}`, "x-request-id": requestId }, errorPolicy: "all" });
    const res = await client.rawRequest(query, variables);
    return { data: res.data as any, errors: res.errors as any };
  }

  it("Audit: every mutation of the API leaves exactly one record in its own subgraph: who (user, organisation), what (operation, targets), when, and the request id", async () => {
    const run = randomUUID().slice(0, 8);
    const provider = randomUUID();
    const reseller = randomUUID();
    const op = (who: string) => token({ sub: `${who}-${run}`, org: "operator", roles: ["OPERATOR"] });
    const asPartner = (tid: string, who: string) => token({ sub: `${who}-${run}`, org: "partner", tid, roles: ["GLOBAL_ADMIN"] });
    const asCustomer = (tid: string, who: string) => token({ sub: `${who}-${run}`, org: "customer", tid, roles: ["GLOBAL_ADMIN"] });
    const start = new Date("2025-03-01T08:00:00.000Z");
    clock.set(start);

    interface Expected {
      operation: string;
      subgraph: AuditedSubgraph;
      requestId: string;
      at: string;
      actor: { actorUserId: string; actorOrgKind: string; actorOrgId: string | null };
      targets: string[];
    }
    const expected: Expected[] = [];
    let step = 0;
    /** Runs one mutation as `who` with its own request id and instant; the caller then says which ids it must name. */
    async function mutate(
      subgraph: AuditedSubgraph,
      operation: string,
      actor: { tok: Promise<string>; sub: string; kind: string; orgId: string | null },
      query: string,
      variables: Record<string, unknown>,
    ) {
      clock.set(new Date(start.getTime() + ++step * HOUR_MS));
      const requestId = `audit-${run}-${step}`;
      const res = await send(await actor.tok, requestId, query, variables);
      if (res.errors?.length) throw new Error(`${operation} failed: ${JSON.stringify(res.errors)}`);
      const entry: Expected = {
        operation,
        subgraph,
        requestId,
        at: clock.now().toISOString(),
        actor: { actorUserId: `${actor.sub}-${run}`, actorOrgKind: actor.kind, actorOrgId: actor.orgId },
        targets: [],
      };
      expected.push(entry);
      return { data: res.data[operation], targets: (...ids: string[]) => entry.targets.push(...ids) };
    }
    const operator = { tok: op("olga"), sub: "olga", kind: "OPERATOR", orgId: null };
    const prov = { tok: asPartner(provider, "paul"), sub: "paul", kind: "PARTNER", orgId: provider };
    const resl = { tok: asPartner(reseller, "rita"), sub: "rita", kind: "PARTNER", orgId: reseller };

    const enrollQ = `mutation($input: EnrollPartnerInput!) { enrollPartner(input: $input) { partner { id } } }`;
    const enrollInput = (id: string, programs: string[]) => ({
      input: { id, mpnId: `${Date.now() % 1_000_000}${step}`, name: `Audit ${id.slice(0, 4)}`, programs, cloud: "GLOBAL", country: "US", agreementSigned: true },
    });
    (await mutate("partners", "enrollPartner", operator, enrollQ, enrollInput(provider, ["INDIRECT_PROVIDER"]))).targets(provider);
    const resellerEnrolled = enrollInput(reseller, ["INDIRECT_RESELLER"]);
    (await mutate("partners", "enrollPartner", operator, enrollQ, resellerEnrolled)).targets(reseller);

    const invited = await mutate(
      "partners",
      "inviteReseller",
      prov,
      `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`,
      { m: resellerEnrolled.input.mpnId },
    );
    const link = invited.data.relationship.id;
    invited.targets(link, provider, reseller);
    (await mutate("partners", "acceptResellerInvitation", resl, `mutation($id: ID!) { acceptResellerInvitation(relationshipId: $id) { relationship { id } } }`, { id: link })).targets(
      link,
      provider,
      reseller,
    );

    const tenant = randomUUID();
    (
      await mutate("customers", "registerCustomerTenant", operator, `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id } } }`, {
        input: { id: tenant, companyName: `Audit ${run}`, defaultDomain: `audit${run}.onmicrosoft.com`, cloud: "GLOBAL", country: "US" },
      })
    ).targets(tenant);
    const created = await mutate("customers", "createCustomer", prov, `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`, {
      input: { companyName: `Audit on behalf ${run}`, defaultDomain: `audit-obo${run}.onmicrosoft.com`, country: "US", resellerId: reseller },
    });
    created.targets(created.data.customer.id, reseller, provider);

    const requested = await mutate("customers", "createRelationshipRequest", prov, `mutation { createRelationshipRequest { request { id code } } }`, {});
    requested.targets(requested.data.request.id, provider);
    const cust = { tok: asCustomer(tenant, "carla"), sub: "carla", kind: "CUSTOMER", orgId: tenant };
    const accepted = await mutate("customers", "acceptRelationshipRequest", cust, `mutation($c: String!) { acceptRelationshipRequest(code: $c) { relationship { id } } }`, {
      c: requested.data.request.code,
    });
    accepted.targets(accepted.data.relationship.id, requested.data.request.id, tenant, provider);

    const dap = await mutate(
      "customers",
      "createDelegatedAdminRelationship",
      prov,
      `mutation($input: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $input) { relationship { id } } }`,
      { input: { customerId: tenant, displayName: `audit-${run}`, roles: ["HELPDESK_ADMINISTRATOR"], durationDays: 30, autoExtend: false } },
    );
    const dapId = dap.data.relationship.id;
    dap.targets(dapId, tenant, provider);
    (await mutate("customers", "approveDelegatedAdminRelationship", cust, `mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: dapId })).targets(
      dapId,
      tenant,
      provider,
    );

    const placed = await mutate("subscriptions", "placeOrder", prov, `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id subscriptions { id } } } }`, {
      input: {
        customerId: tenant,
        idempotencyKey: `audit-${run}`,
        lineItems: [{ offerId: "m365-business-standard", quantity: 5, billingCycle: "MONTHLY", termDuration: "P1M" }],
      },
    });
    const sub = placed.data.order.subscriptions[0].id;
    placed.targets(placed.data.order.id, tenant, sub);
    const change = (operation: string, query: string, variables: Record<string, unknown>) => mutate("subscriptions", operation, prov, query, variables);
    (await change("updateSubscription", `mutation($id: ID!) { updateSubscription(input: { id: $id, friendlyName: "Audited" }) { subscription { id } } }`, { id: sub })).targets(sub, tenant);
    for (const operation of ["suspendSubscription", "reactivateSubscription", "cancelSubscription"]) {
      (await change(operation, `mutation($id: ID!) { ${operation}(id: $id) { subscription { id } } }`, { id: sub })).targets(sub, tenant);
    }

    const external = await mutate(
      "subscriptions",
      "recordExternalSubscription",
      operator,
      `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { id } } }`,
      { input: { customerId: tenant, channel: "DIRECT", offerId: "m365-e3", quantity: 20, billingCycle: "ANNUAL", termDuration: "P1Y" } },
    );
    const ext = external.data.subscription.id;
    external.targets(ext, tenant);
    (
      await mutate("subscriptions", "hireSupportPartner", cust, `mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { id } } }`, {
        s: ext,
        p: provider,
      })
    ).targets(ext, tenant, provider);

    (await mutate("customers", "terminateDelegatedAdminRelationship", cust, `mutation($id: ID!) { terminateDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: dapId })).targets(
      dapId,
      tenant,
      provider,
    );
    (
      await mutate("customers", "removeResellerRelationship", cust, `mutation($c: ID!, $p: ID!) { removeResellerRelationship(customerId: $c, partnerId: $p) { relationship { id } } }`, {
        c: tenant,
        p: provider,
      })
    ).targets(accepted.data.relationship.id, tenant, provider);
    (await mutate("partners", "terminateResellerRelationship", prov, `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id } } }`, { id: link })).targets(
      link,
      provider,
      reseller,
    );

    // Webhook endpoints (EV4, EV8): disabled right after creation, so nothing is sent meanwhile.
    const hooked = await mutate(
      "events",
      "createWebhookEndpoint",
      prov,
      `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }`,
      { i: { url: `http://127.0.0.1:9/audit-${run}`, eventTypes: ["DELEGATED_ADMIN_EXTENDED"] } },
    );
    const endpointId = hooked.data.endpoint.id;
    hooked.targets(endpointId);
    (await mutate("events", "updateWebhookEndpoint", prov, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, { id: endpointId })).targets(endpointId);
    (await mutate("events", "rotateWebhookSecret", prov, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: endpointId })).targets(endpointId);
    const pinged = await mutate("events", "sendTestEvent", prov, `mutation($id: ID!) { sendTestEvent(endpointId: $id) { delivery { id } } }`, { id: endpointId });
    pinged.targets(pinged.data.delivery.id, endpointId);
    await outboxesRelayed(stack);
    const feed = await stack.gql(await prov.tok, `{ events(last: 1) { nodes { id } } }`);
    const eventId = feed.data.events.nodes[0].id;
    const redelivered = await mutate("events", "redeliverEvent", prov, `mutation($id: ID!, $e: ID!) { redeliverEvent(endpointId: $id, eventId: $e) { delivery { id } } }`, { id: endpointId, e: eventId });
    redelivered.targets(redelivered.data.delivery.id, endpointId, eventId);
    (await mutate("events", "deleteWebhookEndpoint", prov, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpoint { id } } }`, { id: endpointId })).targets(endpointId);

    // Coverage: the scenario ran every mutation the composed API has (a new one fails here until it is audited and tested).
    const schema = await stack.gql(await operatorToken(), `{ __type(name: "Mutation") { fields { name } } }`);
    const mutations: string[] = schema.data.__type.fields.map((f: { name: string }) => f.name);
    expect(new Set(expected.map((e) => e.operation))).toEqual(new Set(mutations));

    const everything = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (s) => [s, await readAll(await operatorToken(), s)] as const))) as Record<AuditedSubgraph, ActivityView[]>;
    for (const e of expected) {
      for (const subgraph of SUBGRAPHS) {
        const found = everything[subgraph].filter((r) => r.requestId === e.requestId);
        // In its own subgraph exactly once, and nowhere else (each subgraph records only its own writes).
        expect({ operation: e.operation, subgraph, count: found.length }).toEqual({ operation: e.operation, subgraph, count: subgraph === e.subgraph ? 1 : 0 });
      }
      const record = everything[e.subgraph].find((r) => r.requestId === e.requestId)!;
      expect(record).toMatchObject({ operation: e.operation, at: e.at, ...e.actor });
      expect(record.targetIds[0]).toBe(e.targets[0]);
      expect(record.targetIds).toEqual(expect.arrayContaining(e.targets));
    }
  });

  it("Audit: a refused mutation leaves no record, in any subgraph — role refusals, input refusals, rule refusals inside the transaction, and a rolled-back transaction", async () => {
    const partner = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    const customer = await createCustomer(stack, partner);
    const invite = `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`;
    expect((await stack.gql(partner.token, invite, { m: reseller.mpnId })).errors).toBeUndefined();
    const order = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id subscriptions { id version } } } }`;
    const orderInput = (key: string, quantity = 5) => ({
      input: { customerId: customer.id, idempotencyKey: key, lineItems: [{ offerId: "m365-business-standard", quantity, billingCycle: "MONTHLY", termDuration: "P1M" }] },
    });
    const key = `refusals-${randomUUID()}`;
    const placed = await stack.gql(partner.token, order, orderInput(key));
    const sub = placed.data.placeOrder.order.subscriptions[0];
    const before = await counts();

    // A role the table does not name.
    expectRefusal(await stack.gql(await partnerToken(partner.id, ["BILLING_ADMIN"]), order, orderInput(randomUUID())), "FORBIDDEN");
    // Bad input, named.
    expectRefusal(await stack.gql(partner.token, order, orderInput(randomUUID(), 0)), "BAD_USER_INPUT", "input.lineItems.0.quantity");
    // Refused inside the transaction, after reading (T1: the pair already has a pending relationship).
    expectRefusal(await stack.gql(partner.token, invite, { m: reseller.mpnId }), "RELATIONSHIP_EXISTS");
    // S5: the version check fails the conditional write.
    expectRefusal(
      await stack.gql(partner.token, `mutation($id: ID!) { updateSubscription(input: { id: $id, expectedVersion: 7, friendlyName: "x" }) { subscription { id } } }`, { id: sub.id }),
      "VERSION_CONFLICT",
    );
    // O4: the same key with another input.
    expectRefusal(await stack.gql(partner.token, order, orderInput(key, 6)), "IDEMPOTENCY_KEY_REUSED");
    // O4: a replay writes nothing, so it records nothing either; it still answers the first order.
    const replay = await stack.gql(partner.token, order, orderInput(key));
    expect(replay.data.placeOrder.order.id).toBe(placed.data.placeOrder.order.id);
    expect(await counts()).toEqual(before);

    // The record shares the mutation's transaction: a failure after it was written rolls it back with the rest.
    for (const subgraph of SUBGRAPHS) {
      await expect(
        stack.subgraphs[subgraph].db.transaction(async (em) => {
          await recordActivity(em, { principal: { kind: "user", userId: "u", org: "operator", roles: ["OPERATOR"] }, requestId: "rolled-back" }, "placeOrder", ["x"]);
          throw new Error("the mutation failed after writing");
        }),
      ).rejects.toThrow("the mutation failed after writing");
    }
    expect(await counts()).toEqual(before);
  });

  it("Audit: the operator reads every record; a partner's or customer's GLOBAL_ADMIN only its own organisation's; every other role is FORBIDDEN and sees nothing", async () => {
    const a = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const b = await enroll(stack);
    const customer = await createCustomer(stack, a);
    const other = await registerCustomer(stack);
    await createCustomer(stack, b);
    for (const c of [customer, other]) {
      const requested = await stack.gql(b.token, `mutation { createRelationshipRequest { request { code } } }`);
      expect((await stack.gql(c.token, `mutation($c: String!) { acceptRelationshipRequest(code: $c) { relationship { id } } }`, { c: requested.data.createRelationshipRequest.request.code })).errors).toBeUndefined();
    }
    const op = await operatorToken();

    for (const subgraph of SUBGRAPHS) {
      const all = await readAll(op, subgraph);
      for (const [org, kind, tok] of [
        [a.id, "PARTNER", a.token],
        [b.id, "PARTNER", b.token],
        [customer.id, "CUSTOMER", customer.token],
        [other.id, "CUSTOMER", other.token],
      ] as const) {
        const own = await readAll(tok, subgraph);
        // Exactly the organisation's records, as the operator sees them, in the same order.
        expect(own).toEqual(all.filter((r) => r.actorOrgId === org && r.actorOrgKind === kind));
        expect((await read(tok, subgraph, { first: 0 })).totalCount).toBe(own.length);
      }
    }
    // The fixtures above made records of each kind of actor.
    const customers = await readAll(op, "customers");
    expect(customers.some((r) => r.actorOrgKind === "OPERATOR" && r.operation === "registerCustomerTenant")).toBe(true);
    expect((await readAll(a.token, "customers")).map((r) => r.operation)).toEqual(["createCustomer"]);
    expect((await readAll(b.token, "customers")).map((r) => r.operation)).toEqual([
      "createRelationshipRequest",
      "createRelationshipRequest",
      "createCustomer",
    ]);
    expect((await readAll(customer.token, "customers")).map((r) => r.operation)).toEqual(["acceptRelationshipRequest"]);

    const refused = [
      ...PARTNER_ROLES.filter((r) => r !== "GLOBAL_ADMIN").map((role) => partnerToken(a.id, [role])),
      customerToken(customer.id, ["USER"]),
    ];
    for (const tok of refused) {
      for (const subgraph of SUBGRAPHS) {
        const res = await readRaw(await tok, subgraph);
        expectRefusal(res, "FORBIDDEN");
        expect(res.data).toBeNull();
        expectNoLeak(res, [a.id, b.id, customer.id, "createCustomer"]);
      }
    }
  });

  it("Audit: Relay paging, newest first in a stable order (ties: the later write first), first at most 100, filter by operation", async () => {
    const partner = await enroll(stack);
    // A frozen clock: every record has the same instant, so the order rests on the id alone.
    clock.set(new Date("2025-06-01T00:00:00.000Z"));
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await createCustomer(stack, partner)).id);
    const own = await readAll(partner.token, "customers");
    expect(own.map((r) => r.targetIds[0])).toEqual([...made].reverse());
    expect(new Set(own.map((r) => r.at))).toEqual(new Set(["2025-06-01T00:00:00.000Z"]));

    // Pages of 3 concatenate to the whole list, without gaps or repeats; the last says no more follow.
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page = await read(partner.token, "customers", { first: 3, after });
      pages.push(page);
      after = page.pageInfo.endCursor;
    } while (pages[pages.length - 1].pageInfo.hasNextPage);
    expect(pages.map((p) => p.nodes.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.nodes)).toEqual(own);
    expect(pages.every((p) => p.totalCount === 7)).toBe(true);
    expect(pages[2].edges[0].cursor).not.toBe(pages[1].edges[2].cursor);

    // Across instants: newest first for the operator's whole list.
    clock.reset();
    const all = await readAll(await operatorToken(), "customers");
    const instants = all.map((r) => r.at);
    expect(instants).toEqual([...instants].sort().reverse());

    const filtered = await readAll(await operatorToken(), "customers", "createCustomer");
    expect(filtered.length).toBeGreaterThanOrEqual(7);
    expect(filtered.every((r) => r.operation === "createCustomer")).toBe(true);
    expect(filtered).toEqual(all.filter((r) => r.operation === "createCustomer"));

    expectRefusal(await readRaw(partner.token, "customers", { first: 101 }), "BAD_USER_INPUT", "first");
    expectRefusal(await readRaw(partner.token, "customers", { after: "not-a-cursor" }), "BAD_USER_INPUT", "after");
    expectRefusal(await readRaw(partner.token, "customers", { operation: "x".repeat(65) }), "BAD_USER_INPUT", "operation");
  });
});
