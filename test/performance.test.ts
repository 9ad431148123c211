/**
 * Performance by design, through the gateway: the partner dashboard of the benchmark
 * (bench/scenarios.ts) runs a fixed number of SQL statements however many rows it shows —
 * DataLoaders batch every level, so a page of 50 customers × 10 subscriptions costs what a
 * page of one costs. (Throughput and latency are measured by `npm run bench`, not here.)
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CUSTOMER_DETAIL, DASHBOARD } from "../bench/scenarios";
import { openDatabase } from "../common/db";
import { BillingCycle, SalesChannel, SubscriptionStatus } from "../common/enums";
import { SUBGRAPH_STORAGE } from "../subgraphs/storage";
import { CloudSubscription } from "../subgraphs/subscriptions/model";
import { createCustomer, enroll, linkReseller, placeOrder } from "./support/fixtures";
import { outboxesRelayed } from "./support/event-fixtures";
import { customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe.each(DIALECTS)("performance (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("SQL statements per dashboard request are the same for first: 1 and first: 50", async () => {
    // A provider's dashboard over a two-tier chain: customers of its reseller, orders naming the reseller.
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, provider, reseller);
    const direct = await createCustomer(stack, provider);
    await placeOrder(stack, provider, direct.id);
    for (let i = 0; i < 4; i++) {
      const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
      for (let j = 0; j < 3; j++) await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });
    }

    const measure = async (customers: number, subscriptions: number) => {
      await outboxesRelayed(stack); // events on their way to the feed are not this query's statements
      const before = total(stack.statements());
      const res = await stack.gql(provider.token, DASHBOARD, { partnerId: provider.id, customers, subscriptions });
      const sql = total(stack.statements()) - before;
      expect(res.errors).toBeUndefined();
      const nodes = res.data.partner.customers.nodes as { subscriptions: { nodes: { offer: { name: string }; partnerOfRecord: { name: string } }[] } }[];
      return { customers: nodes.length, subscriptions: nodes.reduce((a, c) => a + c.subscriptions.nodes.length, 0), sql, rows: nodes };
    };
    // Warm: the first request after set-up may pay one-time work (a fresh pool connection), which is not per-request cost.
    await measure(1, 1);
    const one = await measure(1, 1);
    const fifty = await measure(50, 10);

    expect([one.customers, one.subscriptions]).toEqual([1, 1]);
    expect([fifty.customers, fifty.subscriptions]).toEqual([5, 13]);
    expect(fifty.rows.flatMap((c) => c.subscriptions.nodes).every((s) => s.offer.name && s.partnerOfRecord.name)).toBe(true);
    expect(fifty.sql).toBe(one.sql);
  });

  it("Performance: a customer's detail asks the partners subgraph once per plan level, however many places name a partner", async () => {
    // A reseller's customer seen by its provider: each relationship names a partner and an indirect provider
    // (two parallel fetches in the plan), and its subscriptions a partner of record (a later level).
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });

    const partnersSql = async () => {
      await outboxesRelayed(stack);
      const before = stack.statements().partners;
      const res = await stack.gql(provider.token, CUSTOMER_DETAIL, { id: customer.id });
      expect(res.errors).toBeUndefined();
      const relationship = res.data.customer.partnerRelationships[0];
      expect([relationship.partner.id, relationship.indirectProvider.id]).toEqual([reseller.id, provider.id]);
      expect(res.data.customer.subscriptions.nodes[0].partnerOfRecord.id).toBe(reseller.id);
      return stack.statements().partners - before;
    };
    await partnersSql();

    // One statement for the relationships' partners and providers together, one for the subscriptions' partners of
    // record (the viewer's own row, which the partners subgraph reads for its visibility rule, joins each batch).
    expect(await partnersSql()).toBe(2);
  });
  it("Performance: every field of a subscription list's nodes (nodes, edges, fragments) answers as the look-up by id does, however few columns the list reads", async () => {
    // Rows of every shape: a two-tier order (partner of record ≠ billing partner), a direct one, and one bought
    // outside the program with a support partner (no order, no commitment dates).
    const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });
    await placeOrder(stack, provider, customer.id, { offerId: "m365-e3", quantity: 3 });
    const operator = await operatorToken();
    const external = await stack.gql(operator, `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { id } } }`, {
      input: { customerId: customer.id, channel: "DIRECT", offerId: "m365-e3", quantity: 20, billingCycle: "ANNUAL", termDuration: "P1Y" },
    });
    expect(external.errors).toBeUndefined();
    const hired = await stack.gql(await customerToken(customer.id), `mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { id } } }`, {
      s: external.data.recordExternalSubscription.subscription.id,
      p: reseller.id,
    });
    expect(hired.errors).toBeUndefined();

    // Every field of CloudSubscription as the composed API has it today (so a field added later is covered too).
    const type = await stack.gql(operator, `{ __type(name: "CloudSubscription") { fields { name type { kind ofType { kind } } } } }`);
    const fields = (type.data.__type.fields as { name: string; type: { kind: string; ofType: { kind: string } | null } }[]).map((f) =>
      [f.type.kind, f.type.ofType?.kind].includes("OBJECT") ? `${f.name} { id }` : f.name,
    );
    expect(fields.length).toBeGreaterThan(15);
    const all = `fragment All on CloudSubscription { ${fields.join(" ")} }`;
    const list = await stack.gql(operator, `query($id: ID!) { customer(id: $id) { subscriptions(first: 10) { nodes { ...All } edges { node { ... on CloudSubscription { id status } } } } } } ${all}`, { id: customer.id });
    expect(list.errors).toBeUndefined();
    const nodes = list.data.customer.subscriptions.nodes as Record<string, any>[];
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      const one = await stack.gql(operator, `query($id: ID!) { subscription(id: $id) { ...All } } ${all}`, { id: node.id });
      expect(node).toEqual(one.data.subscription);
    }
    expect(list.data.customer.subscriptions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(nodes.map((n) => n.id));
    // The reseller's own list (the Partner field): partner of record of the two-tier order, support partner of the external one.
    const own = await stack.gql(reseller.token, `query($id: ID!) { partner(id: $id) { subscriptions(first: 10) { nodes { ...All } } } } ${all}`, { id: reseller.id });
    expect(own.errors).toBeUndefined();
    const expected = nodes.filter((n) => n.partnerOfRecord?.id === reseller.id || n.supportPartner?.id === reseller.id);
    expect(expected).toHaveLength(2);
    expect(own.data.partner.subscriptions.nodes).toEqual(expected);
  });
});

describe("SQLite planner statistics", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("Performance: a SQLite database is analysed when opened, so a provider's list of a few customers' subscriptions searches the customer index, not the provider's every subscription", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-stats-"));
    dirs.push(dataDir);
    const open = () => openDatabase({ name: "subscriptions", ...SUBGRAPH_STORAGE.subscriptions, migrate: true, dataDir });
    // One provider is partner of record of 2 000 subscriptions of 400 customers: the dashboard's shape.
    const provider = randomUUID();
    const customers = Array.from({ length: 400 }, () => randomUUID());
    let db = await open();
    await db.transaction(async (em) => {
      const rows = Array.from({ length: 2000 }, (_, i) => ({
        id: randomUUID(), customerId: customers[i % customers.length], offerId: "o365-e1", friendlyName: `s${i}`, quantity: 1,
        status: SubscriptionStatus.ACTIVE, billingCycle: BillingCycle.MONTHLY, termDuration: "P1M", autoRenew: true, channel: SalesChannel.CSP,
        partnerOfRecordId: provider, billingPartnerId: provider, supportPartnerId: null, orderId: null, lineNumber: null,
        createdAt: new Date(), commitmentEndsAt: null, cancellationAllowedUntil: null, version: 1,
      }));
      for (let i = 0; i < rows.length; i += 200) await em.insert(CloudSubscription, rows.slice(i, i + 200));
    });
    await db.close();

    // Restarted, as a service is after its data grew.
    db = await open();
    try {
      const plan: { detail: string }[] = await db.dataSource.query(
        `EXPLAIN QUERY PLAN SELECT id FROM subscription s WHERE s.customerId IN (?, ?, ?) AND (s.partnerOfRecordId = ? OR s.billingPartnerId = ?) ORDER BY s.createdAt`,
        [customers[0], customers[1], customers[2], provider, provider],
      );
      const details = plan.map((p) => p.detail).join(" | ");
      expect(details).toMatch(/SEARCH s USING INDEX \S+ \(customerId=\?/);
      expect(details).not.toMatch(/partnerOfRecordId=\?/);
    } finally {
      await db.close();
    }
  });
});
