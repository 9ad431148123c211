/**
 * X1: operations whose rules span subgraphs, fired together through the gateway, end
 * as some serial order of them would end. Each racing pair runs 50 times (ten pairs at a time,
 * the two requests of a pair a few milliseconds apart, see `race`), on every database, with the services in one
 * process and as separate processes (the production layout); the invariant is checked on every
 * pair. docs/consistency.md explains the claims that make it hold.
 *
 * What "a serial order" allows, pair by pair:
 * - CR3 ‖ O1: the removal first (the order is CUSTOMER_RELATIONSHIP_REQUIRED) or the order
 *   first (the removal is ACTIVE_SUBSCRIPTIONS_EXIST); never both.
 * - T3 ‖ T4, T3 ‖ T5, T3 ‖ S6, DA4 ‖ MC2: the ending first (the other is refused) or the other first
 *   (both succeed, and the ending is dated no earlier than what relied on it). A customer,
 *   an order, a change of partner of record or a hire dated after the end of the relationship it relied on is what no serial
 *   order gives.
 */
import { randomUUID } from "node:crypto";
import { createCustomer, enroll, linkReseller, placeOrder } from "./support/fixtures";
import { delegatedAdmin, hire, ok, recordExternal, removeRelationshipRaw, requestAndAccept, SUSPEND, UPDATE } from "./support/order-fixtures";
import { ProcessStack, startProcessStack } from "./support/processes";
import { codeOf, customerToken, DIALECTS, GqlResult, operatorToken, Stack, startStack } from "./support/stack";

const PAIRS = 50;
const AT_ONCE = 10;

/** Only what the races need of a running stack: a client of its gateway. */
type Gateway = Pick<Stack, "gql">;
const asStack = (g: Gateway) => g as Stack; // the fixtures only ever call gql

/** Runs `work` for 0..n-1, `width` at a time. */
async function inWaves<T>(n: number, width: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await work(i);
      }
    }),
  );
  return out;
}

/**
 * How far apart the two requests of pair i leave. The operation that relies on a fact crosses
 * subgraphs and takes longer than the ending, so sent together every ending would win and the
 * interleavings that matter (the ending landing while the other is between its check and its
 * write) would never be tried. So the ending leaves from 0.2 × to 1.2 × the relying operation's
 * own duration later (measured just before, `durationOf`), spread evenly over the pairs. The
 * assertions hold whatever the delays turn out to be; the spread only makes every interleaving
 * likely on a fast machine and a slow one alike.
 */
const offsetMs = (i: number, typicalMs: number) => typicalMs * ((i % 10) / 9 - 0.2) * 1.2;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** Sends both requests of pair i, offset as above, and answers both. */
const race = <A, B>(i: number, typicalMs: number, relying: () => Promise<A>, ending: () => Promise<B>): Promise<[A, B]> =>
  Promise.all([pause(-offsetMs(i, typicalMs)).then(relying), pause(offsetMs(i, typicalMs)).then(ending)]);

/** The median duration of `work` when AT_ONCE of it run side by side, as the pairs will (three rounds), in milliseconds. */
async function durationOf(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        const started = performance.now();
        await work();
        times.push(performance.now() - started);
      }),
    );
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** A result's outcome: "ok" or its error code. */
const outcome = (res: GqlResult) => (res.errors?.length ? String(codeOf(res)) : "ok");

/** How often each pair of outcomes happened (printed, and shown by a failure). */
function tally(what: string, pairs: [string, string][]) {
  const counts = pairs.reduce<Record<string, number>>((acc, [a, b]) => ({ ...acc, [`${a} + ${b}`]: (acc[`${a} + ${b}`] ?? 0) + 1 }), {});
  console.log(`${what}: ${JSON.stringify(counts)}`);
  return counts;
}

const ORDER_AT = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id createdAt subscriptions { id status } } } }`;
const orderInput = (customerId: string, resellerId: string | null = null) => ({
  input: { customerId, resellerId, idempotencyKey: randomUUID(), lineItems: [{ offerId: "m365-business-standard", quantity: 3, billingCycle: "MONTHLY", termDuration: "P1M" }] },
});
const CREATE_FOR_RESELLER = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id partnerRelationships { establishedAt } } } }`;
const TERMINATE_LINK = `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id status terminatedAt } } }`;
const TERMINATE_DAP = `mutation($id: ID!) { terminateDelegatedAdminRelationship(id: $id) { relationship { id status } } }`;
const CUSTOMER_STATE = `query($id: ID!) { customer(id: $id) {
  partnerRelationships { status partner { id } }
  subscriptions(first: 100) { nodes { id status partnerOfRecord { id } supportPartner { id } } }
} }`;

/** When the organisation's GLOBAL_ADMIN last did `operation` (its activity record), for ordering two mutations of different subgraphs. */
async function lastActivityAt(g: Gateway, token: string, field: "customersActivity" | "subscriptionsActivity", operation: string): Promise<string | null> {
  const data = ok(await g.gql(token, `query($o: String) { ${field}(operation: $o, first: 1) { nodes { at } } }`, { o: operation }), field);
  return data[field].nodes[0]?.at ?? null;
}

function racesOn(name: string, start: () => Promise<Gateway & { stop(): Promise<void> }>) {
  describe(`X1 races (${name})`, () => {
    let g: Gateway & { stop(): Promise<void> };
    beforeAll(async () => {
      g = await start();
    }, 180_000);
    afterAll(() => g?.stop());

    it("X1: CR3 ‖ O1 — a customer removing its partner while that partner orders for it: never both, 50 times", async () => {
      const partner = await enroll(asStack(g));
      // Each customer was sold to before and its subscription suspended, so the removal is allowed
      // and the partner still sees the customer after it (CV1): a late order is CUSTOMER_RELATIONSHIP_REQUIRED.
      const customers = await inWaves(PAIRS, AT_ONCE, async () => {
        const customer = await createCustomer(asStack(g), partner);
        const first = await placeOrder(asStack(g), partner, customer.id);
        ok(await g.gql(partner.token, SUSPEND, { id: first.subscriptions[0].id }), "suspend");
        return customer;
      });
      const spare = await createCustomer(asStack(g), partner);
      const typical = await durationOf(() => g.gql(partner.token, ORDER_AT, orderInput(spare.id)));
      const results = await inWaves(PAIRS, AT_ONCE, async (i) => {
        const c = customers[i];
        const [order, removal] = await race(
          i,
          typical,
          () => g.gql(partner.token, ORDER_AT, orderInput(c.id)),
          () => removeRelationshipRaw(asStack(g), c.token, c.id, partner.id),
        );
        const after = ok(await g.gql(await operatorToken(), CUSTOMER_STATE, { id: c.id }), "customer").customer;
        return { order: outcome(order), removal: outcome(removal), after };
      });
      const pairs = results.map((r) => [r.order, r.removal] as [string, string]);
      const serial = (r: (typeof results)[number]) => {
        const active = r.after.subscriptions.nodes.filter((s: any) => s.status === "ACTIVE").length;
        const relationship = r.after.partnerRelationships[0].status;
        if (r.order === "ok" && r.removal === "ACTIVE_SUBSCRIPTIONS_EXIST") return active === 1 && relationship === "ACTIVE";
        if (r.order === "CUSTOMER_RELATIONSHIP_REQUIRED" && r.removal === "ok") return active === 0 && relationship === "REMOVED";
        return false;
      };
      expect({ notSerial: results.filter((r) => !serial(r)).length, outcomes: tally(`CR3 ‖ O1 (${name})`, pairs) }).toEqual({ notSerial: 0, outcomes: expect.any(Object) });
    }, 300_000);

    it("X1: T3 ‖ T4 — a reseller ending its provider relationship while the provider creates a customer for it: never a customer dated after the end, 50 times", async () => {
      const provider = await enroll(asStack(g), { programs: ["INDIRECT_PROVIDER"] });
      const links = await inWaves(PAIRS, AT_ONCE, async () => {
        const reseller = await enroll(asStack(g), { programs: ["INDIRECT_RESELLER"] });
        return { reseller, link: await linkReseller(asStack(g), provider, reseller) };
      });
      const createFor = (resellerId: string) => {
        const suffix = randomUUID().slice(0, 8);
        return g.gql(provider.token, CREATE_FOR_RESELLER, {
          input: { companyName: `Race ${suffix}`, defaultDomain: `race${suffix}.onmicrosoft.com`, country: "US", resellerId, billingProfile: { email: "b@example.com" } },
        });
      };
      const spare = await enroll(asStack(g), { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(asStack(g), provider, spare);
      const typical = await durationOf(() => createFor(spare.id));
      const results = await inWaves(PAIRS, AT_ONCE, async (i) => {
        const { reseller, link } = links[i];
        const [created, ended] = await race(
          i,
          typical,
          () => createFor(reseller.id),
          () => g.gql(reseller.token, TERMINATE_LINK, { id: link }),
        );
        return {
          pair: [outcome(created), outcome(ended)] as [string, string],
          createdAt: created.data?.createCustomer?.customer.partnerRelationships[0].establishedAt as string | undefined,
          terminatedAt: ended.data?.terminateResellerRelationship?.relationship.terminatedAt as string | undefined,
        };
      });
      const serial = (r: (typeof results)[number]) =>
        (r.pair[0] === "RESELLER_NOT_AUTHORIZED" && r.pair[1] === "ok") || (r.pair[0] === "ok" && r.pair[1] === "ok" && r.createdAt! <= r.terminatedAt!);
      expect({ notSerial: results.filter((r) => !serial(r)).length, outcomes: tally(`T3 ‖ T4 (${name})`, results.map((r) => r.pair)) }).toEqual({ notSerial: 0, outcomes: expect.any(Object) });
    }, 300_000);

    it("X1: T3 ‖ T5 — a reseller ending its provider relationship while the provider orders naming it: never an order dated after the end, 50 times", async () => {
      const provider = await enroll(asStack(g), { programs: ["INDIRECT_PROVIDER"] });
      // One more than the pairs: the last one times the order.
      const setups = await inWaves(PAIRS + 1, AT_ONCE, async () => {
        const reseller = await enroll(asStack(g), { programs: ["INDIRECT_RESELLER"] });
        const link = await linkReseller(asStack(g), provider, reseller);
        const customer = await createCustomer(asStack(g), provider, { resellerId: reseller.id });
        return { reseller, link, customer };
      });
      const spare = setups[PAIRS];
      const typical = await durationOf(() => g.gql(provider.token, ORDER_AT, orderInput(spare.customer.id, spare.reseller.id)));
      const results = await inWaves(PAIRS, AT_ONCE, async (i) => {
        const { reseller, link, customer } = setups[i];
        const [order, ended] = await race(
          i,
          typical,
          () => g.gql(provider.token, ORDER_AT, orderInput(customer.id, reseller.id)),
          () => g.gql(reseller.token, TERMINATE_LINK, { id: link }),
        );
        return {
          pair: [outcome(order), outcome(ended)] as [string, string],
          createdAt: order.data?.placeOrder?.order.createdAt as string | undefined,
          terminatedAt: ended.data?.terminateResellerRelationship?.relationship.terminatedAt as string | undefined,
        };
      });
      const serial = (r: (typeof results)[number]) =>
        (r.pair[0] === "RESELLER_NOT_AUTHORIZED" && r.pair[1] === "ok") || (r.pair[0] === "ok" && r.pair[1] === "ok" && r.createdAt! <= r.terminatedAt!);
      expect({ notSerial: results.filter((r) => !serial(r)).length, outcomes: tally(`T3 ‖ T5 (${name})`, results.map((r) => r.pair)) }).toEqual({ notSerial: 0, outcomes: expect.any(Object) });
    }, 300_000);

    it("X1: T3 ‖ S6 — a reseller ending its provider relationship while the provider makes it a subscription's partner of record: never a change dated after the end, 50 times", async () => {
      // Each pair its own provider, so that the provider's activity record of the change is the pair's.
      const setups = await inWaves(PAIRS + 1, AT_ONCE, async () => {
        const provider = await enroll(asStack(g), { programs: ["INDIRECT_PROVIDER"] });
        const first = await enroll(asStack(g), { programs: ["INDIRECT_RESELLER"] });
        const next = await enroll(asStack(g), { programs: ["INDIRECT_RESELLER"] });
        await linkReseller(asStack(g), provider, first);
        const link = await linkReseller(asStack(g), provider, next);
        const customer = await createCustomer(asStack(g), provider, { resellerId: first.id });
        await requestAndAccept(asStack(g), next, customer.id, provider.id);
        const order = await placeOrder(asStack(g), provider, customer.id, { resellerId: first.id });
        return { provider, next, link, sub: order.subscriptions[0].id };
      });
      const change = (x: (typeof setups)[number]) => g.gql(x.provider.token, UPDATE, { input: { id: x.sub, resellerId: x.next.id } });
      const spare = setups[PAIRS];
      const typical = await durationOf(() => change(spare));
      const results = await inWaves(PAIRS, AT_ONCE, async (i) => {
        const x = setups[i];
        const [changed, ended] = await race(i, typical, () => change(x), () => g.gql(x.next.token, TERMINATE_LINK, { id: x.link }));
        return {
          pair: [outcome(changed), outcome(ended)] as [string, string],
          changedAt: await lastActivityAt(g, x.provider.token, "subscriptionsActivity", "updateSubscription"),
          terminatedAt: ended.data?.terminateResellerRelationship?.relationship.terminatedAt as string | undefined,
        };
      });
      const serial = (r: (typeof results)[number]) =>
        (r.pair[0] === "RESELLER_NOT_AUTHORIZED" && r.pair[1] === "ok" && r.changedAt === null) ||
        (r.pair[0] === "ok" && r.pair[1] === "ok" && r.changedAt! <= r.terminatedAt!);
      expect({ notSerial: results.filter((r) => !serial(r)).length, outcomes: tally(`T3 ‖ S6 (${name})`, results.map((r) => r.pair)) }).toEqual({ notSerial: 0, outcomes: expect.any(Object) });
    }, 300_000);

    it("X1: DA4 ‖ MC2 — a customer ending a delegated admin relationship while hiring that partner on its strength: never a hire after the end, 50 times", async () => {
      const partner = await enroll(asStack(g));
      // Each customer's only tie to the partner is the delegated admin relationship (the reseller
      // relationship that let the partner ask for it is removed), so the hire relies on it alone.
      // One more than the pairs: the last one times the hire.
      const setups = await inWaves(PAIRS + 1, AT_ONCE, async () => {
        const customer = await createCustomer(asStack(g), partner);
        const dap = await delegatedAdmin(asStack(g), partner, customer.id);
        ok(await removeRelationshipRaw(asStack(g), customer.token, customer.id, partner.id), "removeResellerRelationship");
        const sub = await recordExternal(asStack(g), customer.id);
        return { customer, dap, sub };
      });
      // Timed on a spare customer's subscription: hiring the same partner again is refused, after the same checks.
      const spare = setups[PAIRS];
      const spareSub = await recordExternal(asStack(g), spare.customer.id);
      const typical = await durationOf(() => hire(asStack(g), spare.customer.token, spareSub.id, partner.id));
      const results = await inWaves(PAIRS, AT_ONCE, async (i) => {
        const { customer, dap, sub } = setups[i];
        const [hired, ended] = await race(
          i,
          typical,
          () => hire(asStack(g), customer.token, sub.id, partner.id),
          () => g.gql(customer.token, TERMINATE_DAP, { id: dap }),
        );
        const token = await customerToken(customer.id);
        return {
          pair: [outcome(hired), outcome(ended)] as [string, string],
          hiredAt: await lastActivityAt(g, token, "subscriptionsActivity", "hireSupportPartner"),
          endedAt: await lastActivityAt(g, token, "customersActivity", "terminateDelegatedAdminRelationship"),
        };
      });
      const serial = (r: (typeof results)[number]) =>
        (r.pair[0] === "CUSTOMER_RELATIONSHIP_REQUIRED" && r.pair[1] === "ok" && r.hiredAt === null) ||
        (r.pair[0] === "ok" && r.pair[1] === "ok" && r.hiredAt! <= r.endedAt!);
      expect({ notSerial: results.filter((r) => !serial(r)).length, outcomes: tally(`DA4 ‖ MC2 (${name})`, results.map((r) => r.pair)) }).toEqual({ notSerial: 0, outcomes: expect.any(Object) });
    }, 300_000);
  });
}

/** Retries `send` until it succeeds, for at most `ms` (claims of a killed process end with their lease), answering every attempt. */
async function untilOk(send: () => Promise<GqlResult>, ms = 30_000): Promise<GqlResult[]> {
  const attempts: GqlResult[] = [];
  const until = Date.now() + ms;
  for (;;) {
    const res = await send();
    attempts.push(res);
    if (!res.errors?.length || Date.now() > until) return attempts;
    await pause(200);
  }
}

/** Polls until `check` holds (for at most 15 s): a protocol step observed in the database, not guessed from time. */
async function observed(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("the awaited protocol step never happened");
    await pause(20);
  }
}

function crashesOn(dialect: (typeof DIALECTS)[number]) {
  describe(`X1 crashes (${dialect}, separate processes, kill -9)`, () => {
    const LEASE_MS = 3000;
    let ps: ProcessStack;
    beforeAll(async () => {
      ps = await startProcessStack(dialect, { CLAIM_LEASE_MS: String(LEASE_MS), CLAIM_WAIT_MS: "1000" });
    }, 180_000);
    afterAll(() => ps?.stop());
    const claims = (subgraph: "customers" | "partners") => ps.rows(subgraph, "relationship_claim");

    it("X1: the subscriptions process killed while its order holds a claim on the customer: the claim ends with its lease, the removal then succeeds, no order was made", async () => {
      const partner = await enroll(asStack(ps));
      const customer = await createCustomer(asStack(ps), partner);
      // Held between its claim and its write: the order asks the partners subgraph for the
      // buyer's enrolment alongside the claim, and the partners process is stopped.
      ps.pause("partners");
      const order = ps.gql(partner.token, ORDER_AT, orderInput(customer.id));
      try {
        await observed(async () => (await claims("customers")).some((c) => c.kind === "USE" && c.subjectId === customer.id));
        await ps.kill("subscriptions");
      } finally {
        ps.resume("partners");
      }
      expect(codeOf(await order)).toBe("DEPENDENCY_UNAVAILABLE");
      // While the claim lives (or while subscriptions is down) the removal is refused and changes nothing.
      const early = await removeRelationshipRaw(asStack(ps), customer.token, customer.id, partner.id);
      expect(codeOf(early)).toBe("DEPENDENCY_UNAVAILABLE");
      await ps.restart("subscriptions");
      const attempts = await untilOk(() => removeRelationshipRaw(asStack(ps), customer.token, customer.id, partner.id));
      expect(attempts.at(-1)!.data?.removeResellerRelationship.relationship.status).toBe("REMOVED");
      // Every refused attempt said it changed nothing.
      for (const refused of attempts.slice(0, -1)) expect(refused.errors?.[0].extensions).toMatchObject({ code: "DEPENDENCY_UNAVAILABLE" });
      const after = ok(await ps.gql(await operatorToken(), CUSTOMER_STATE, { id: customer.id }), "customer").customer;
      expect(after).toEqual({ partnerRelationships: [{ status: "REMOVED", partner: { id: partner.id } }], subscriptions: { nodes: [] } });
      expect((await claims("customers")).filter((c) => c.subjectId === customer.id)).toEqual([]);
    }, 120_000);

    it("X1: the customers process killed during a removal (its END claim held): after restart, orders for that customer go through once the lease ends", async () => {
      const partner = await enroll(asStack(ps));
      const customer = await createCustomer(asStack(ps), partner);
      // Held while it asks for the partner's active subscriptions: the subscriptions process is stopped.
      ps.pause("subscriptions");
      const removal = ps.gql(customer.token, `mutation($c: ID!, $p: ID!) { removeResellerRelationship(customerId: $c, partnerId: $p) { relationship { status } } }`, {
        c: customer.id,
        p: partner.id,
      });
      try {
        await observed(async () => (await claims("customers")).some((c) => c.kind === "END" && c.subjectId === customer.id));
        await ps.kill("customers");
      } finally {
        ps.resume("subscriptions");
      }
      expect(codeOf(await removal)).toBe("DEPENDENCY_UNAVAILABLE");
      await ps.restart("customers");
      const input = orderInput(customer.id); // one idempotency key for every attempt
      const attempts = await untilOk(() => ps.gql(partner.token, ORDER_AT, input));
      expect(attempts.at(-1)!.errors).toBeUndefined();
      const after = ok(await ps.gql(await operatorToken(), CUSTOMER_STATE, { id: customer.id }), "customer").customer;
      expect(after.partnerRelationships).toEqual([{ status: "ACTIVE", partner: { id: partner.id } }]);
      expect(after.subscriptions.nodes.map((s: any) => s.status)).toEqual(["ACTIVE"]);
      // The removal never happened, and the partner can still be removed once its subscription is suspended.
      ok(await ps.gql(partner.token, SUSPEND, { id: after.subscriptions.nodes[0].id }), "suspend");
      expect(ok(await removeRelationshipRaw(asStack(ps), customer.token, customer.id, partner.id), "remove").removeResellerRelationship.relationship.status).toBe("REMOVED");
    }, 120_000);
  });
}

for (const dialect of DIALECTS) {
  racesOn(`${dialect}, one process`, async () => startStack(dialect));
  racesOn(`${dialect}, separate processes`, async () => startProcessStack(dialect));
  crashesOn(dialect);
}
