/**
 * R1: one overall deadline per request at the gateway. A plan that calls a slow subgraph three
 * times one after another takes three delays without it; with it, the request ends at the
 * deadline, with what the plan had by then and DEPENDENCY_UNAVAILABLE, with its path, for the rest.
 */
import { readConfig } from "../common/service/config";
import { buildGateway } from "../gateway/server";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { subgraphProxy, SubgraphProxy } from "./support/http-proxy";
import { GqlResult, operatorToken, Stack, startStack } from "./support/stack";

/** partners → subscriptions → customers → subscriptions → customers → subscriptions: three hops to subscriptions, each waiting for the one before. */
const THREE_HOPS = `query Hops($p: ID!) { partner(id: $p) { id
  subscriptions(first: 5) { nodes { id customer { id partnerRelationships { id partner { id
    subscriptions(first: 5) { nodes { id customer { id partnerRelationships { id partner { id
      subscriptions(first: 5) { nodes { id quantity } }
    } } } } }
  } } } } }
} }`;

const DELAY_MS = 700;

describe("R1: the request deadline", () => {
  let stack: Stack;
  let slow: SubgraphProxy;
  let vars: { p: string };
  beforeAll(async () => {
    stack = await startStack("sqlite");
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    await placeOrder(stack, partner, customer.id);
    vars = { p: partner.id };
    slow = await subgraphProxy(stack.subgraphUrls.subscriptions, { kind: "delay", ms: DELAY_MS });
  });
  afterAll(async () => {
    await slow?.close();
    await stack?.stop();
  });

  /** The query through a gateway of its own whose subscriptions calls go through the slow proxy. */
  async function askThroughSlowProxy(requestDeadlineMs: number) {
    // A request timeout under the plan's length: it bounds receiving the request only, never the answer.
    const config = { ...stack.config, requestDeadlineMs, httpLimits: { ...stack.config.httpLimits, headersTimeoutMs: 500, requestTimeoutMs: 1_000 } };
    const gateway = buildGateway({ config, subgraphUrls: { ...stack.subgraphUrls, subscriptions: slow.url } });
    const { url } = await gateway.start(0);
    try {
      const callsBefore = slow.calls;
      const started = Date.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await operatorToken()}` },
        body: JSON.stringify({ query: THREE_HOPS, variables: vars }),
      });
      const body = (await res.json()) as GqlResult;
      if (process.env.R1_MEASURE) process.stdout.write(`R1 measured: deadline ${requestDeadlineMs} ms, ${slow.calls - callsBefore} calls to the slow subgraph, answered in ${Date.now() - started} ms with ${body.errors?.length ?? 0} errors\n`);
      return { status: res.status, body, elapsedMs: Date.now() - started, calls: slow.calls - callsBefore };
    } finally {
      await gateway.stop();
    }
  }

  it("R1: REQUEST_DEADLINE_MS defaults to 15 s and follows the environment", () => {
    expect(readConfig({}).requestDeadlineMs).toBe(15_000);
    expect(readConfig({ REQUEST_DEADLINE_MS: "4000" }).requestDeadlineMs).toBe(4_000);
    expect(readConfig({ REQUEST_DEADLINE_MS: "soon" }).requestDeadlineMs).toBe(15_000);
  });

  it("R1: without deadline pressure the plan makes three calls to the slow subgraph one after another, and answers whole", async () => {
    const { status, body, elapsedMs, calls } = await askThroughSlowProxy(15_000);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(calls).toBe(3);
    expect(elapsedMs).toBeGreaterThanOrEqual(3 * DELAY_MS);
    const third = body.data.partner.subscriptions.nodes[0].customer.partnerRelationships[0].partner.subscriptions.nodes[0].customer.partnerRelationships[0].partner.subscriptions;
    expect(third.nodes).toEqual([expect.objectContaining({ quantity: 10 })]);
  });

  it("R1: with a deadline shorter than the three delays, the request ends at the deadline with the first hops' data and DEPENDENCY_UNAVAILABLE at the third hop's path", async () => {
    const deadlineMs = 2 * DELAY_MS + 300;
    const { status, body, elapsedMs } = await askThroughSlowProxy(deadlineMs);
    expect(status).toBe(200);
    expect(elapsedMs).toBeLessThan(deadlineMs + 1_000);
    expect(elapsedMs).toBeLessThan(3 * DELAY_MS);
    const secondPartner = body.data.partner.subscriptions.nodes[0].customer.partnerRelationships[0].partner.subscriptions.nodes[0].customer.partnerRelationships[0].partner;
    expect(secondPartner.id).toBe(vars.p);
    expect(secondPartner.subscriptions).toBeNull();
    expect(body.errors).toEqual([
      {
        message: "Part of this response is temporarily unavailable; try again shortly.",
        path: ["partner", "subscriptions", "nodes", 0, "customer", "partnerRelationships", 0, "partner", "subscriptions", "nodes", 0, "customer", "partnerRelationships", 0, "partner", "subscriptions"],
        extensions: { code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 },
      },
    ]);
  });
});
