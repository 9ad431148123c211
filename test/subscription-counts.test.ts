/**
 * L2: `Customer.subscriptions.totalCount` reads the counts the database keeps beside the
 * subscriptions (table `subscription_count`, kept by triggers). These tests prove the counts
 * are always the subscriptions': after every kind of write, under concurrent writers, and as
 * each kind of viewer sees them through the gateway.
 */
import { randomUUID } from "node:crypto";
import { BillingCycle, SalesChannel, SubscriptionStatus } from "../subgraphs/subscriptions/enums";
import { CloudSubscription, EVERY_VIEWER, SubscriptionCount } from "../subgraphs/subscriptions/model";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { CANCEL, SUSPEND } from "./support/order-fixtures";
import { DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

/** A small seeded generator, so a failure is the same on every run. */
function random(seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] };
}

/** The counts recomputed from the subscriptions themselves, by the rule the triggers keep. */
function expectedCounts(rows: CloudSubscription[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of rows) {
    const viewers = new Set<string>([EVERY_VIEWER]);
    if (s.partnerOfRecordId) viewers.add(s.partnerOfRecordId);
    if (s.billingPartnerId) viewers.add(s.billingPartnerId);
    if (s.supportPartnerId && s.channel !== SalesChannel.CSP) viewers.add(s.supportPartnerId);
    for (const v of viewers) {
      const key = [s.customerId, v, s.status, s.channel].join("|");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

async function storedCounts(stack: Stack): Promise<Map<string, number>> {
  const rows = await stack.subgraphs.subscriptions.db.dataSource.getRepository(SubscriptionCount).find();
  return new Map(rows.filter((r) => Number(r.n) !== 0).map((r) => [[r.customerId, r.viewer, r.status, r.channel].join("|"), Number(r.n)]));
}

async function expectCountsMatchRows(stack: Stack) {
  const rows = await stack.subgraphs.subscriptions.db.dataSource.getRepository(CloudSubscription).find();
  expect(Object.fromEntries(await storedCounts(stack))).toEqual(Object.fromEntries(expectedCounts(rows)));
}

describe.each(DIALECTS)("L2: subscription counts kept by the database (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  const partners = Array.from({ length: 4 }, () => randomUUID());
  const customerIds = Array.from({ length: 3 }, () => randomUUID());
  const statuses = Object.values(SubscriptionStatus);
  const channels = Object.values(SalesChannel);

  function randomRow(r: ReturnType<typeof random>, i: number) {
    const channel = r.pick(channels);
    const csp = channel === SalesChannel.CSP;
    const maybe = () => (r.next() < 0.25 ? null : r.pick(partners));
    return {
      id: randomUUID(), customerId: r.pick(customerIds), offerId: "m365-business-standard", friendlyName: `s${i}`, quantity: 1,
      status: r.pick(statuses), billingCycle: BillingCycle.MONTHLY, termDuration: "P1M", autoRenew: true, channel,
      partnerOfRecordId: csp ? maybe() : null, billingPartnerId: csp ? maybe() : null, supportPartnerId: maybe(),
      orderId: null, lineNumber: null, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000), commitmentEndsAt: null, cancellationAllowedUntil: null, version: 1,
    };
  }

  it("L2: after inserts, updates of every counted column and deletes, the counts are exactly the subscriptions'", async () => {
    const ds = stack.subgraphs.subscriptions.db.dataSource;
    const r = random(7);
    const rows = Array.from({ length: 300 }, (_, i) => randomRow(r, i));
    for (let i = 0; i < rows.length; i += 100) await ds.manager.insert(CloudSubscription, rows.slice(i, i + 100));
    await expectCountsMatchRows(stack);

    // Each counted column changed alone, then several at once, including to the same partner in two roles.
    for (const [i, row] of rows.slice(0, 120).entries()) {
      const change = [
        { status: r.pick(statuses) },
        { partnerOfRecordId: r.pick([...partners, null]) },
        { billingPartnerId: r.pick([...partners, null]) },
        { supportPartnerId: r.pick([...partners, null]) },
        { channel: r.pick(channels) },
        { customerId: r.pick(customerIds) },
        { partnerOfRecordId: partners[0], billingPartnerId: partners[0], supportPartnerId: partners[0], status: r.pick(statuses) },
        { friendlyName: "not counted" },
      ][i % 8];
      await ds.manager.update(CloudSubscription, { id: row.id }, change);
    }
    await expectCountsMatchRows(stack);

    await ds.manager.delete(CloudSubscription, rows.slice(200).map((row) => row.id));
    await expectCountsMatchRows(stack);
  });

  it("L2: 40 concurrent writers on one customer's subscriptions (status changes both ways, new subscriptions) leave the counts exact, without a deadlock", async () => {
    // The subgraph's own transactions: queued on SQLite, concurrent on PostgreSQL.
    const db = stack.subgraphs.subscriptions.db;
    const ds = db.dataSource;
    const r = random(11);
    const customerId = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const base = (i: number) => ({ ...randomRow(r, 1000 + i), customerId, channel: SalesChannel.CSP, partnerOfRecordId: i % 2 ? a : b, billingPartnerId: a, supportPartnerId: null });
    const rows = Array.from({ length: 20 }, (_, i) => ({ ...base(i), status: i % 2 ? SubscriptionStatus.ACTIVE : SubscriptionStatus.SUSPENDED }));
    await ds.manager.insert(CloudSubscription, rows);
    for (let round = 0; round < 5; round++) {
      const writes = [
        // Opposite moves between the same count rows: the order in which count rows are locked decides whether they deadlock.
        ...rows.map((row, i) =>
          db.transaction((em) => em.update(CloudSubscription, { id: row.id }, { status: (i + round) % 2 ? SubscriptionStatus.SUSPENDED : SubscriptionStatus.ACTIVE })),
        ),
        ...Array.from({ length: 20 }, (_, i) => db.transaction((em) => em.insert(CloudSubscription, base(100 * (round + 1) + i)))),
      ];
      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    }
    await expectCountsMatchRows(stack);
  });

  it("L2: through the gateway, totalCount is what each viewer walks, with and without filters, as orders are placed, suspended and cancelled", async () => {
    const provider = await enroll(stack);
    const other = await enroll(stack);
    const customer = await createCustomer(stack, provider);
    await createCustomer(stack, other);
    const orders = [];
    for (let i = 0; i < 6; i++) orders.push(await placeOrder(stack, provider, customer.id));
    const ids = orders.flatMap((o) => o.subscriptions.map((s) => s.id));
    expect((await stack.gql(provider.token, SUSPEND, { id: ids[0] })).errors).toBeUndefined();
    expect((await stack.gql(provider.token, SUSPEND, { id: ids[1] })).errors).toBeUndefined();
    expect((await stack.gql(provider.token, CANCEL, { id: ids[2] })).errors).toBeUndefined();

    const Q = `query($id: ID!, $status: SubscriptionStatus, $channel: SalesChannel) { customer(id: $id) { subscriptions(first: 100, status: $status, channel: $channel) { totalCount edges { node { id } } } } }`;
    const viewers = { operator: await operatorToken(), customer: customer.token, provider: provider.token, other: other.token };
    const seen: Record<string, unknown> = {};
    for (const [name, token] of Object.entries(viewers)) {
      for (const status of [null, "ACTIVE", "SUSPENDED", "CANCELLED"]) {
        for (const channel of [null, "CSP", "DIRECT"]) {
          const res = await stack.gql(token, Q, { id: customer.id, status, channel });
          if (name === "other") {
            // Another partner cannot see the customer at all (CV1): no list, no count.
            expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
            continue;
          }
          expect(res.errors).toBeUndefined();
          const list = res.data.customer.subscriptions;
          expect(list.totalCount).toBe(list.edges.length);
          seen[`${name} ${status ?? "any"} ${channel ?? "any"}`] = list.totalCount;
        }
      }
    }
    expect(seen).toMatchObject({
      "operator any any": 6, "customer any any": 6, "provider any any": 6,
      "provider ACTIVE any": 3, "provider SUSPENDED CSP": 2, "customer CANCELLED any": 1, "provider any DIRECT": 0,
    });
    expect(Object.keys(seen).some((k) => k.startsWith("other"))).toBe(false);
  });
});
