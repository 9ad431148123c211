/**
 * L2: what a page costs depends on the page, not on the database. A customer with 5 000
 * subscriptions and a dashboard of 50 customers each with a page of subscriptions: the list
 * statement reads (PostgreSQL's EXPLAIN ANALYZE, rows out of every scan) what the pages hold
 * plus one row per parent, and `totalCount` is counted only when it is selected.
 */
import { randomUUID } from "node:crypto";
import { BillingCycle, SalesChannel, SubscriptionStatus } from "../common/enums";
import { CloudSubscription } from "../subgraphs/subscriptions/model";
import { createCustomer, enroll } from "./support/fixtures";
import { outboxesRelayed } from "./support/event-fixtures";
import { DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

/** Rows read by every scan of a plan (EXPLAIN ANALYZE's actual rows, times loops). */
function rowsScanned(plan: any): number {
  const own = /Scan/.test(plan["Node Type"]) ? plan["Actual Rows"] * plan["Actual Loops"] + (plan["Rows Removed by Filter"] ?? 0) : 0;
  return own + (plan.Plans ?? []).reduce((sum: number, p: any) => sum + rowsScanned(p), 0);
}

const postgres = DIALECTS.filter((d) => d === "postgres");
(postgres.length ? describe.each(postgres) : describe.skip.each(["postgres" as const]))("L2: list cost (%s)", (dialect) => {
  let stack: Stack;
  let provider: { id: string; token: string };
  let customers: { id: string; token: string }[];
  beforeAll(async () => {
    stack = await startStack(dialect);
    provider = await enroll(stack);
    customers = [];
    for (let i = 0; i < 50; i++) customers.push(await createCustomer(stack, provider));
    // 5 000 subscriptions for the first customer, 100 for each other: written straight into the subgraph's table.
    const ds = stack.subgraphs.subscriptions.db.dataSource;
    const row = (customerId: string, i: number) => ({
      id: randomUUID(), customerId, offerId: "m365-business-standard", friendlyName: `s${i}`, quantity: 1,
      status: SubscriptionStatus.ACTIVE, billingCycle: BillingCycle.MONTHLY, termDuration: "P1M", autoRenew: true, channel: SalesChannel.CSP,
      partnerOfRecordId: provider.id, billingPartnerId: provider.id, supportPartnerId: null, orderId: null, lineNumber: null,
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000), commitmentEndsAt: null, cancellationAllowedUntil: null, version: 1,
    });
    const rows = [...Array.from({ length: 5000 }, (_, i) => row(customers[0].id, i)), ...customers.slice(1).flatMap((c, j) => Array.from({ length: 100 }, (_, i) => row(c.id, j * 100 + i)))];
    for (let i = 0; i < rows.length; i += 500) await ds.manager.insert(CloudSubscription, rows.slice(i, i + 500));
    await ds.query("ANALYZE subscription");
  }, 120_000);
  afterAll(() => stack?.stop());

  /** Runs `query`, then EXPLAIN ANALYZEs the last statement of a subgraph (subscriptions unless named). */
  async function lastListStatement(query: string, variables: Record<string, unknown>, subgraph: "subscriptions" | "customers" = "subscriptions", token = provider.token) {
    const res = await stack.gql(token, query, variables);
    expect(res.errors).toBeUndefined();
    const db = stack.subgraphs[subgraph].db;
    const last = db.statements.last!;
    const [{ "QUERY PLAN": [explained] }] = await db.dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${last.query}`, last.parameters);
    return { res, sql: last.query, scanned: rowsScanned(explained.Plan) };
  }

  it("L2: a customer with 5 000 subscriptions: a page of 10, forward or backward from a cursor, reads about the page, not the 5 000", async () => {
    const Q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { customer(id: $id) { subscriptions(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id } } } } }`;
    const first = await lastListStatement(Q, { id: customers[0].id, first: 10 });
    expect(first.scanned).toBeLessThanOrEqual(11 * 2);
    const middle = first.res.data.customer.subscriptions.edges[9].cursor;
    const next = await lastListStatement(Q, { id: customers[0].id, first: 10, after: middle });
    expect(next.scanned).toBeLessThanOrEqual((11 + 1) * 2);
    const back = await lastListStatement(Q, { id: customers[0].id, last: 10 });
    expect(back.scanned).toBeLessThanOrEqual(11 * 2);
  });

  it("L2: a dashboard of 50 customers, each with a page of 10 subscriptions, reads about 50 × 11 rows in one list statement, not the 9 900", async () => {
    const Q = `query($first: Int) { partner(id: "${provider.id}") { customers(first: 50) { nodes { id subscriptions(first: $first) { nodes { id } } } } } }`;
    const statementsFor = async (first: number) => {
      await outboxesRelayed(stack); // events on their way to the feed are not this query's statements
      const before = stack.statements().subscriptions;
      await stack.gql(provider.token, Q, { first });
      return stack.statements().subscriptions - before;
    };
    // As many statements for 50 parents' pages of 1 as of 10: one list statement for the batch, not one per parent.
    expect(await statementsFor(10)).toBe(await statementsFor(1));
    const { res, scanned, sql } = await lastListStatement(Q, { first: 10 });
    expect(res.data.partner.customers.nodes.every((c: any) => c.subscriptions.nodes.length === 10)).toBe(true);
    expect(sql).toMatch(/UNION ALL/);
    expect(scanned).toBeLessThanOrEqual(50 * 11 * 2);
  });

  it("L2: a partner's own list of 9 900 subscriptions (partner of record and billing partner of each): a page of 10 reads one index walk per role column, not the 9 900", async () => {
    const Q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { partner(id: $id) { subscriptions(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { id } } } } }`;
    const first = await lastListStatement(Q, { id: provider.id, first: 10 });
    // The last statement is the count (asked for here); the page came just before it. Check both shapes.
    expect(first.res.data.partner.subscriptions.totalCount).toBe(9900);
    const page = await lastListStatement(Q.replace("totalCount ", ""), { id: provider.id, first: 10, after: first.res.data.partner.subscriptions.edges[9].cursor });
    expect(page.sql).toMatch(/UNION/);
    expect(page.scanned).toBeLessThanOrEqual(3 * (11 + 1) * 2);
    const back = await lastListStatement(Q.replace("totalCount ", ""), { id: provider.id, last: 10 });
    expect(back.res.data.partner.subscriptions.edges).toHaveLength(10);
    expect(back.scanned).toBeLessThanOrEqual(3 * 11 * 2);
  });

  it("L2: a provider with 20 000 customers: page 1, the last page and a page before a cursor near the end each read about the page (one index walk per way a customer is the provider's)", async () => {
    const big = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "DIRECT_BILL"] });
    const ds = stack.subgraphs.customers.db.dataSource;
    for (let start = 0; start < 20_000; start += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), name: `Bulk ${String(start + i).padStart(5, "0")}` }));
      let n = 0;
      const p = () => `$${++n}`;
      await ds.query(
        `INSERT INTO "customer" ("id", "companyName", "defaultDomain", "cloud", "country", "createdAt", "searchText") VALUES ${batch.map(() => `(${p()}, ${p()}, ${p()}, 'GLOBAL', 'US', '2026-01-01T00:00:00.000Z', ${p()})`).join(", ")}`,
        batch.flatMap((c) => [c.id, c.name, `${c.id}.onmicrosoft.com`, c.name.toLowerCase()]),
      );
      n = 0;
      // Half sold directly, half through one of the provider's resellers (recorded as indirect provider).
      await ds.query(
        `INSERT INTO "customer_partner_relationship" ("id", "customerId", "customerName", "partnerId", "indirectProviderId", "status", "establishedAt") VALUES ${batch.map(() => `(${p()}, ${p()}, ${p()}, ${p()}, ${p()}, 'ACTIVE', '2026-01-01T00:00:00.000Z')`).join(", ")}`,
        batch.flatMap((c, i) => [randomUUID(), c.id, c.name, i % 2 ? big.id : randomUUID(), i % 2 ? null : big.id]),
      );
    }
    await ds.query("ANALYZE customer; ANALYZE customer_partner_relationship");
    const Q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { partner(id: $id) { customers(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id companyName } } } } }`;
    const first = await lastListStatement(Q, { id: big.id, first: 50 }, "customers", big.token);
    expect(first.res.data.partner.customers.edges.map((e: any) => e.node.companyName).slice(0, 2)).toEqual(["Bulk 00000", "Bulk 00001"]);
    // Two parts (sold directly, through a reseller) of 51 rows, each with its customer row and one probe: a few hundred, not 20 000.
    const PAGE_BUDGET = 2 * 52 * 4;
    expect(first.scanned).toBeLessThanOrEqual(PAGE_BUDGET);
    const end = await lastListStatement(Q, { id: big.id, last: 50 }, "customers", big.token);
    expect(end.res.data.partner.customers.edges.at(-1).node.companyName).toBe("Bulk 19999");
    expect(end.scanned).toBeLessThanOrEqual(PAGE_BUDGET);
    const deep = await lastListStatement(Q, { id: big.id, last: 50, before: end.res.data.partner.customers.edges[0].cursor }, "customers", big.token);
    expect(deep.res.data.partner.customers.edges.at(-1).node.companyName).toBe("Bulk 19949");
    expect(deep.scanned).toBeLessThanOrEqual(PAGE_BUDGET);
    // The same customers as the provider's own root list (with its delegated admin part, empty here).
    const ROOT = `query($first: Int, $after: String, $last: Int, $before: String) { customers(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { id companyName } } } }`;
    const root = await lastListStatement(ROOT, { first: 50 }, "customers", big.token);
    expect(root.res.data.customers.edges.map((e: any) => e.node.companyName).slice(0, 2)).toEqual(["Bulk 00000", "Bulk 00001"]);
    expect(root.scanned).toBeLessThanOrEqual(PAGE_BUDGET + 52 * 2);
  });

  it("L2: totalCount is counted only when selected", async () => {
    await outboxesRelayed(stack);
    const without = stack.statements().subscriptions;
    await stack.gql(provider.token, `{ customer(id: "${customers[0].id}") { subscriptions(first: 5) { nodes { id } } } }`);
    const plain = stack.statements().subscriptions - without;
    const withCount = stack.statements().subscriptions;
    const counted = await stack.gql(provider.token, `{ customer(id: "${customers[0].id}") { subscriptions(first: 5) { totalCount nodes { id } } } }`);
    expect(counted.data.customer.subscriptions.totalCount).toBe(5000);
    expect(stack.statements().subscriptions - withCount).toBe(plain + 1);
    expect(stack.subgraphs.subscriptions.db.statements.last!.query).toMatch(/subscription_count/);
  });

  it("L2: a customer's totalCount reads the counts the database keeps, a few rows for 5 000 subscriptions, for the customer itself and for its partner", async () => {
    const Q = `query($id: ID!) { customer(id: $id) { subscriptions(first: 1) { totalCount nodes { id } } } }`;
    for (const token of [provider.token, customers[0].token]) {
      const counted = await lastListStatement(Q, { id: customers[0].id }, "subscriptions", token);
      expect(counted.res.data.customer.subscriptions.totalCount).toBe(5000);
      expect(counted.sql).toMatch(/subscription_count/);
      expect(counted.scanned).toBeLessThanOrEqual(8);
    }
  });
});

describe.each(DIALECTS)("L2: delegated admin at scale (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("L2: a partner administering 40 000 customers reads another partner's subscription list with a handful of parameters, and still sees the supported subscription its delegated admin shows it (MC2)", async () => {
    const viewer = await enroll(stack);
    const supporter = await enroll(stack);
    const customer = await createCustomer(stack, supporter);
    const operator = await operatorToken();
    const recorded = await stack.gql(
      operator,
      `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { id } } }`,
      { input: { customerId: customer.id, offerId: "m365-business-standard", quantity: 5, channel: "ENTERPRISE_AGREEMENT", billingCycle: "MONTHLY", termDuration: "P1M" } },
    );
    const external = recorded.data.recordExternalSubscription.subscription.id;
    const hired = await stack.gql(customer.token, `mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { id } } }`, { s: external, p: supporter.id });
    expect(hired.errors).toBeUndefined();
    // The viewer's active delegated admin relationships: the supported customer and 40 000 others.
    const ds = stack.subgraphs.customers.db.dataSource;
    const others = Array.from({ length: 40_000 }, () => randomUUID());
    for (let start = 0; start < others.length; start += 500) {
      const batch = [...(start === 0 ? [customer.id] : []), ...others.slice(start, start + 500)];
      let n = 0;
      const p = () => (dialect === "postgres" ? `$${++n}` : "?");
      await ds.query(
        `INSERT INTO "delegated_admin_relationship" ("id", "displayName", "partnerId", "customerId", "customerName", "roles", "durationDays", "autoExtend", "storedStatus", "createdAt", "activatedAt", "storedEndsAt") VALUES ${batch
          .map(() => `(${p()}, ${p()}, ${p()}, ${p()}, 'Administered', 'USER_ADMINISTRATOR', 730, ${p()}, 'ACTIVE', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2099-01-01T00:00:00.000Z')`)
          .join(", ")}`,
        batch.flatMap((c) => [randomUUID(), `dap ${c}`.slice(0, 50), viewer.id, c, dialect === "postgres" ? false : 0]),
      );
    }
    const res = await stack.gql(viewer.token, `{ partner(id: "${supporter.id}") { subscriptions(first: 10) { edges { node { id channel } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.partner.subscriptions.edges.map((e: any) => e.node.id)).toEqual([external]);
    const last = stack.subgraphs.subscriptions.db.statements.last!;
    expect(last.query).toMatch(/UNION/);
    expect(last.parameters.length).toBeLessThan(50);
  }, 120_000);
});

describe.each(DIALECTS)("L2: a dashboard asks each fact once (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  /** A partner with `n` customers, each with a subscription bought outside the program; the statements its dashboard costs. */
  async function dashboardStatements(n: number) {
    const partner = await enroll(stack);
    const operator = await operatorToken();
    for (let i = 0; i < n; i++) {
      const customer = await createCustomer(stack, partner);
      const recorded = await stack.gql(operator, `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { id } } }`, {
        input: { customerId: customer.id, offerId: "m365-business-standard", quantity: 1, channel: "DIRECT", billingCycle: "MONTHLY", termDuration: "P1M" },
      });
      expect(recorded.errors).toBeUndefined();
    }
    await outboxesRelayed(stack);
    const before = stack.statements();
    const res = await stack.gql(partner.token, `{ partner(id: "${partner.id}") { customers(first: 50) { nodes { id subscriptions(first: 5) { totalCount nodes { id } } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.partner.customers.nodes).toHaveLength(n);
    const after = stack.statements();
    return { customers: after.customers - before.customers, subscriptions: after.subscriptions - before.subscriptions };
  }

  it("L2: the delegated admin facts behind 6 customers' subscription pages cost what 2 customers' cost: one batched question, not one per customer", async () => {
    expect(await dashboardStatements(6)).toEqual(await dashboardStatements(2));
  });
});
