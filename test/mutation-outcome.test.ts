/**
 * R2: a mutation answered DEPENDENCY_UNAVAILABLE says in `extensions.outcome` whether its
 * change surely did not happen (NOT_APPLIED) or may have (UNKNOWN). The subgraph is cut before
 * its commit (stopped: the call never reaches it; a peer it must ask is stopped: it refuses
 * before its transaction) and after it (a proxy passes the call on, the subgraph commits, and
 * the answer is thrown away with the connection), and the test checks what really happened.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { withOutcome } from "../common/mutations/mutation-outcome";
import { buildGateway } from "../gateway/server";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { subgraphProxy, SubgraphProxy } from "./support/http-proxy";
import { customerSubs, line, PLACE_ORDER, UPDATE } from "./support/order-fixtures";
import { DIALECTS, GqlResult, operatorToken, Stack, startStack } from "./support/stack";
import { everyRow } from "./support/world-state";

describe("R2: outcome rules (unit)", () => {
  const unavailable = (path: (string | number)[], outcome?: string) => ({ message: "m", path, extensions: { code: "DEPENDENCY_UNAVAILABLE", ...(outcome ? { outcome } : {}) } });
  it("R2: a mutation's DEPENDENCY_UNAVAILABLE without an outcome is UNKNOWN; NOT_APPLIED stays only on a root field; a query's carries none; other codes are left alone", () => {
    expect(withOutcome(unavailable(["placeOrder"]), true).extensions?.outcome).toBe("UNKNOWN");
    expect(withOutcome(unavailable(["placeOrder"], "NOT_APPLIED"), true).extensions?.outcome).toBe("NOT_APPLIED");
    expect(withOutcome(unavailable(["placeOrder", "order", "partnerOfRecord", "name"], "NOT_APPLIED"), true).extensions?.outcome).toBe("UNKNOWN");
    expect(withOutcome(unavailable(["placeOrder"], "SOMETHING"), true).extensions?.outcome).toBe("UNKNOWN");
    expect(withOutcome(unavailable(["customer"], "NOT_APPLIED"), false).extensions).toEqual({ code: "DEPENDENCY_UNAVAILABLE" });
    const other = { message: "m", path: ["placeOrder"], extensions: { code: "FORBIDDEN" } };
    expect(withOutcome(other, true)).toBe(other);
  });
});

describe.each(DIALECTS)("R2: mutation outcomes with the subscriptions subgraph cut (%s)", (dialect) => {
  let stack: Stack;
  let dataDir: string;
  let partner: Awaited<ReturnType<typeof enroll>>;
  let customer: { id: string };
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-outcome-"));
    stack = await startStack(dialect, { dataDir });
    partner = await enroll(stack);
    customer = await createCustomer(stack, partner);
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const orderInput = (idempotencyKey = randomUUID()) => ({ customerId: customer.id, resellerId: null, idempotencyKey, lineItems: [line({ quantity: 3 })] });

  /** A gateway of its own whose calls to the subscriptions subgraph go to `url`. */
  async function gatewayTo(url: string, subgraphTimeoutMs?: number) {
    const gateway = buildGateway({ config: { ...stack.config, ...(subgraphTimeoutMs ? { subgraphTimeoutMs } : {}) }, subgraphUrls: { ...stack.subgraphUrls, subscriptions: url } });
    const { url: gatewayUrl } = await gateway.start(0);
    const ask = async (query: string, variables: Record<string, unknown>): Promise<GqlResult> => {
      const res = await fetch(gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${partner.token}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as GqlResult;
    };
    return { ask, stop: () => gateway.stop() };
  }

  it("R2: cut before the call (subgraph stopped): placeOrder is DEPENDENCY_UNAVAILABLE with outcome NOT_APPLIED, and nothing was written; a query's error carries no outcome", async () => {
    const before = await everyRow(stack);
    await stack.stopSubgraph("subscriptions");
    let refused: GqlResult;
    let read: GqlResult;
    try {
      refused = await stack.gql(partner.token, PLACE_ORDER, { input: orderInput() });
      read = await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { id subscriptions(first: 5) { totalCount } } }`, { id: customer.id });
    } finally {
      await stack.restartSubgraph("subscriptions");
    }
    expect(refused.data).toBeNull();
    expect(refused.errors).toEqual([{ message: expect.any(String), path: ["placeOrder"], extensions: { code: "DEPENDENCY_UNAVAILABLE", outcome: "NOT_APPLIED", retryAfter: 5 } }]);
    expect(read.errors).toEqual([{ message: expect.any(String), path: ["customer", "subscriptions"], extensions: { code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 } }]);
    expect(await everyRow(stack)).toEqual(before);
  });

  it("R2: cut before the transaction (a peer it must ask is stopped): the subscriptions subgraph refuses placeOrder with outcome NOT_APPLIED, and nothing was written", async () => {
    const before = await everyRow(stack);
    await stack.stopSubgraph("customers");
    let refused: GqlResult;
    try {
      refused = await stack.gql(partner.token, PLACE_ORDER, { input: orderInput() });
    } finally {
      await stack.restartSubgraph("customers");
    }
    expect(refused.data).toBeNull();
    expect(refused.errors).toEqual([{ message: expect.any(String), path: ["placeOrder"], extensions: { code: "DEPENDENCY_UNAVAILABLE", outcome: "NOT_APPLIED", retryAfter: 5 } }]);
    expect(await everyRow(stack)).toEqual(before);
  });

  describe("cut after the commit", () => {
    let proxy: SubgraphProxy;
    beforeAll(async () => {
      proxy = await subgraphProxy(stack.subgraphUrls.subscriptions, { kind: "cut-after-answer" });
    });
    afterAll(() => proxy?.close());

    it("R2: placeOrder whose answer is lost after the subgraph committed is DEPENDENCY_UNAVAILABLE with outcome UNKNOWN; it did happen, and a retry with the same idempotencyKey returns that order without buying again", async () => {
      const gateway = await gatewayTo(proxy.url);
      const key = randomUUID();
      const countBefore = (await customerSubs(stack, customer.id)).totalCount;
      let lost: GqlResult;
      try {
        lost = await gateway.ask(PLACE_ORDER, { input: orderInput(key) });
      } finally {
        await gateway.stop();
      }
      expect(lost.data).toBeNull();
      expect(lost.errors).toEqual([{ message: expect.any(String), path: ["placeOrder"], extensions: { code: "DEPENDENCY_UNAVAILABLE", outcome: "UNKNOWN", retryAfter: 5 } }]);
      // It was applied: UNKNOWN was the honest answer.
      expect((await customerSubs(stack, customer.id)).totalCount).toBe(countBefore + 1);
      const retried = await stack.gql(partner.token, PLACE_ORDER, { input: orderInput(key) });
      expect(retried.errors).toBeUndefined();
      expect(retried.data.placeOrder.order.idempotencyKey).toBe(key);
      expect((await customerSubs(stack, customer.id)).totalCount).toBe(countBefore + 1);
    });

    it("R2: updateSubscription whose answer is lost after the commit is outcome UNKNOWN; re-reading shows the change, and a retry from the old version is VERSION_CONFLICT, not a second change", async () => {
      const sub = (await placeOrder(stack, partner, customer.id)).subscriptions[0];
      const gateway = await gatewayTo(proxy.url);
      let lost: GqlResult;
      try {
        lost = await gateway.ask(UPDATE, { input: { id: sub.id, expectedVersion: sub.version, quantity: 20 } });
      } finally {
        await gateway.stop();
      }
      expect(lost.errors).toEqual([{ message: expect.any(String), path: ["updateSubscription"], extensions: { code: "DEPENDENCY_UNAVAILABLE", outcome: "UNKNOWN", retryAfter: 5 } }]);
      const now = (await customerSubs(stack, customer.id)).nodes.find((s) => s.id === sub.id)!;
      expect([now.quantity, now.version]).toEqual([20, sub.version + 1]);
      const retried = await stack.gql(partner.token, UPDATE, { input: { id: sub.id, expectedVersion: sub.version, quantity: 20 } });
      expect(retried.errors?.[0]?.extensions?.code).toBe("VERSION_CONFLICT");
    });
  });

  it("R2: a call sent to a subgraph that never answers is outcome UNKNOWN (the gateway cannot tell whether it was applied)", async () => {
    const sockets = new Set<net.Socket>();
    const hanging = net.createServer((s) => void sockets.add(s));
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const gateway = await gatewayTo(`http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}/graphql`, 500);
    try {
      const res = await gateway.ask(PLACE_ORDER, { input: orderInput() });
      expect(res.errors).toEqual([{ message: expect.any(String), path: ["placeOrder"], extensions: { code: "DEPENDENCY_UNAVAILABLE", outcome: "UNKNOWN", retryAfter: 5 } }]);
    } finally {
      await gateway.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});
