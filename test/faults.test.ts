/**
 * Faults: a subgraph stopped, restarted or hanging; cross-graph checks of
 * mutations failing closed; the database lost mid-run. Every fault is real: servers are
 * stopped and started on their ports, sockets are cut.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { buildGateway } from "../gateway/server";
import { createCustomer, enroll, linkReseller, placeOrder, registerCustomer } from "./support/fixtures";
import {
  ACCEPT_REQUEST,
  CREATE_CUSTOMER,
  CREATE_DAP,
  CREATE_REQUEST,
  customerInput,
  dapInput,
  expectRefusal,
  REGISTER,
  registrationInput,
  REMOVE_RELATIONSHIP,
  requestRelationship,
} from "./support/customer-fixtures";
import { HIRE, line, orderRaw, RECORD_EXTERNAL, recordExternal, UPDATE } from "./support/order-fixtures";
import { outboxesRelayed } from "./support/event-fixtures";
import { codeOf, DIALECTS, GqlResult, operatorToken, Stack, startStack } from "./support/stack";

/** Every table's row count in every subgraph: "nothing written" means this does not change. */
async function rowCounts(stack: Stack): Promise<Record<string, number>> {
  // Events of earlier mutations may still be on their way to the feed: let them arrive first.
  await outboxesRelayed(stack);
  const counts: Record<string, number> = {};
  for (const name of SUBGRAPH_NAMES) {
    const ds = stack.subgraphs[name].db.dataSource;
    for (const meta of ds.entityMetadatas) counts[`${name}.${meta.name}`] = await ds.getRepository(meta.target).count();
  }
  return counts;
}

/** An error text that names no address, port or Node/driver internals. */
function expectNothingInternal(res: GqlResult, stack: Stack) {
  const text = JSON.stringify(res.errors ?? []);
  for (const url of Object.values(stack.subgraphUrls)) expect(text).not.toContain(new URL(url).port);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONN|fetch failed|socket|stack|SELECT|INSERT|UPDATE "|postgres|sqlite/i);
}

/** A TCP server that accepts connections and never answers (a hung process). */
async function hangingServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const ONE_OF_EACH = `query($p: ID!, $c: ID!, $s: ID!) {
  partner(id: $p) { id name }
  customer(id: $c) { id companyName }
  subscription(id: $s) { id quantity }
  events(first: 0) { edges { cursor } }
}`;
/** The root field each subgraph answers in ONE_OF_EACH. */
const FIELD_OF: Record<SubgraphName, string> = { partners: "partner", customers: "customer", subscriptions: "subscription", events: "events" };

describe.each(DIALECTS)("Faults: subgraphs stopped, restarted, hanging (%s)", (dialect) => {
  let stack: Stack;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-faults-"));
    stack = await startStack(dialect, { dataDir, env: { INTERNAL_TIMEOUT_MS: "1500" } });
  });
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A partner, its customer and one subscription: one thing from each subgraph. */
  async function oneOfEach() {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const order = await placeOrder(stack, partner, customer.id);
    return { p: partner.id, c: customer.id, s: order.subscriptions[0].id };
  }

  it.each(SUBGRAPH_NAMES)(
    "Faults: with the %s subgraph stopped, a query gets the other subgraphs' data plus DEPENDENCY_UNAVAILABLE for the missing part; whole again after its restart, without restarting the gateway",
    async (stopped) => {
      const vars = await oneOfEach();
      const op = await operatorToken();
      const whole = await stack.gql(op, ONE_OF_EACH, vars);
      expect(whole.errors).toBeUndefined();
      expect(whole.data.partner.id).toBe(vars.p);

      await stack.stopSubgraph(stopped);
      try {
        const partial = await stack.gql(op, ONE_OF_EACH, vars);
        expect(partial.errors).toHaveLength(1);
        expect(codeOf(partial)).toBe("DEPENDENCY_UNAVAILABLE");
        expectNothingInternal(partial, stack);
        for (const name of SUBGRAPH_NAMES) {
          const field = FIELD_OF[name];
          expect(partial.data[field]).toEqual(name === stopped ? null : whole.data[field]);
        }
      } finally {
        await stack.restartSubgraph(stopped);
      }
      expect(await stack.gql(op, ONE_OF_EACH, vars)).toEqual(whole);
    },
  );

  it("Faults: a subgraph that accepts connections and never answers fails its part within SUBGRAPH_TIMEOUT_MS; the rest is answered", async () => {
    const vars = await oneOfEach();
    const hanging = await hangingServer();
    const timeoutMs = 400;
    const gateway = buildGateway({
      config: { ...stack.config, subgraphTimeoutMs: timeoutMs },
      subgraphUrls: { ...stack.subgraphUrls, customers: hanging.url },
    });
    const { url } = await gateway.start(0);
    try {
      const started = Date.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await operatorToken()}` },
        body: JSON.stringify({ query: ONE_OF_EACH, variables: vars }),
      });
      const elapsed = Date.now() - started;
      const body = (await res.json()) as GqlResult;
      expect(res.status).toBe(200);
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(elapsed).toBeLessThan(timeoutMs + 3000);
      expect(codeOf(body)).toBe("DEPENDENCY_UNAVAILABLE");
      expect(body.errors).toHaveLength(1);
      expect(JSON.stringify(body.errors)).not.toMatch(/abort|timeout|127\.0\.0\.1/i);
      expect(body.data).toEqual({ partner: expect.objectContaining({ id: vars.p }), customer: null, subscription: { id: vars.s, quantity: 10 }, events: { edges: [] } });
    } finally {
      await gateway.stop();
      await hanging.close();
    }
  });

  it("Faults: a mutation whose peer hangs is refused with DEPENDENCY_UNAVAILABLE within INTERNAL_TIMEOUT_MS and writes nothing", async () => {
    const partner = await enroll(stack);
    const hanging = await hangingServer();
    const before = await rowCounts(stack);
    // The peer directory is what the subgraphs dial for internal facts; the gateway keeps its own URLs.
    const real = stack.subgraphUrls.partners;
    stack.subgraphUrls.partners = hanging.url;
    try {
      const started = Date.now();
      const res = await stack.gql(partner.token, CREATE_CUSTOMER, { input: customerInput() });
      expect(Date.now() - started).toBeLessThan(1500 + 3000);
      expectRefusal(res, "DEPENDENCY_UNAVAILABLE");
      expectNothingInternal(res, stack);
    } finally {
      stack.subgraphUrls.partners = real;
      await hanging.close();
    }
    expect(await rowCounts(stack)).toEqual(before);
  });

  describe("Faults: cross-graph checks fail closed", () => {
    /** Data made while everything is up, for the mutations below to act on. */
    let w: Awaited<ReturnType<typeof world>>;
    async function world() {
      const direct = await enroll(stack);
      const stranger = await enroll(stack);
      const customer = await createCustomer(stack, direct);
      const sub = (await placeOrder(stack, direct, customer.id)).subscriptions[0];
      const external = await recordExternal(stack, customer.id);
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, reseller);
      const indirectCustomer = await createCustomer(stack, provider, { resellerId: reseller.id });
      const billed = (await placeOrder(stack, provider, indirectCustomer.id, { resellerId: reseller.id })).subscriptions[0];
      const newcomer = await registerCustomer(stack);
      const request = await requestRelationship(stack, direct);
      return { direct, stranger, customer, sub, external, provider, reseller, indirectCustomer, billed, newcomer, request };
    }
    beforeAll(async () => {
      w = await world();
    });

    type Case = [string, () => Promise<GqlResult>];
    const op = () => operatorToken();
    const cases: Record<SubgraphName, () => Case[]> = {
      partners: () => [
        ["registerCustomerTenant (is the tenant a partner's?)", async () => stack.gql(await op(), REGISTER, { input: registrationInput() })],
        ["createCustomer (the partner's enrolment)", () => stack.gql(w.direct.token, CREATE_CUSTOMER, { input: customerInput() })],
        ["createCustomer for a reseller (T4)", () => stack.gql(w.provider.token, CREATE_CUSTOMER, { input: customerInput({ resellerId: w.reseller.id }) })],
        ["createRelationshipRequest", () => stack.gql(w.direct.token, CREATE_REQUEST, { input: null })],
        ["acceptRelationshipRequest", () => stack.gql(w.newcomer.token, ACCEPT_REQUEST, { code: w.request.code })],
        ["placeOrder", () => orderRaw(stack, w.direct.token, { customerId: w.customer.id })],
        ["placeOrder for a reseller (T5)", () => orderRaw(stack, w.provider.token, { customerId: w.indirectCustomer.id, resellerId: w.reseller.id })],
        ["updateSubscription naming a reseller (S6)", () => stack.gql(w.provider.token, UPDATE, { input: { id: w.billed.id, expectedVersion: 1, resellerId: w.reseller.id } })],
        ["hireSupportPartner", () => stack.gql(w.customer.token, HIRE, { s: w.external.id, p: w.direct.id })],
      ],
      customers: () => [
        ["placeOrder (the customer's relationships)", () => orderRaw(stack, w.direct.token, { customerId: w.customer.id, lineItems: [line({ quantity: 3 })] })],
        ["updateSubscription naming a reseller (S6)", () => stack.gql(w.provider.token, UPDATE, { input: { id: w.billed.id, expectedVersion: 1, resellerId: w.reseller.id } })],
        ["hireSupportPartner", () => stack.gql(w.customer.token, HIRE, { s: w.external.id, p: w.direct.id })],
        [
          "recordExternalSubscription",
          async () =>
            stack.gql(await op(), RECORD_EXTERNAL, {
              input: { customerId: w.customer.id, offerId: "o365-e3", quantity: 5, channel: "ENTERPRISE_AGREEMENT", billingCycle: "ANNUAL", termDuration: "P1Y" },
            }),
        ],
      ],
      subscriptions: () => [
        ["removeResellerRelationship (the partner's active subscriptions, CR3)", () => stack.gql(w.direct.token, REMOVE_RELATIONSHIP, { c: w.customer.id, p: w.direct.id })],
        ["createDelegatedAdminRelationship by a partner whose visibility rests on subscriptions (CV1)", () => stack.gql(w.stranger.token, CREATE_DAP, { input: dapInput(w.customer.id) })],
      ],
      // No mutation asks the events subgraph anything: owners keep their events in their outbox until it is back (EV1).
      events: () => [],
    };

    it.each(SUBGRAPH_NAMES)(
      "Faults: with the %s subgraph stopped, every mutation that needs one of its facts is refused with DEPENDENCY_UNAVAILABLE and writes nothing",
      async (stopped) => {
        const before = await rowCounts(stack);
        const refusals: Record<string, unknown> = {};
        await stack.stopSubgraph(stopped);
        try {
          for (const [name, run] of cases[stopped]()) {
            const res = await run();
            refusals[name] = codeOf(res);
            expectRefusal(res, "DEPENDENCY_UNAVAILABLE");
            expectNothingInternal(res, stack);
          }
        } finally {
          await stack.restartSubgraph(stopped);
        }
        expect(Object.values(refusals).every((code) => code === "DEPENDENCY_UNAVAILABLE")).toBe(true);
        expect(await rowCounts(stack)).toEqual(before);
        // And with the subgraph back, the same mutations work: the refusals were the outage, not the input.
        expect(codeOf(await orderRaw(stack, w.direct.token, { customerId: w.customer.id, idempotencyKey: randomUUID() }))).toBeUndefined();
      },
    );
  });
});

/**
 * A TCP proxy between the subgraphs and PostgreSQL that a test can cut (every socket
 * destroyed, no longer listening: what clients see when PostgreSQL restarts) and bring
 * back on the same port.
 */
async function databaseProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  /** The proxy's own ports towards PostgreSQL: pg_stat_activity.client_port of our backends. */
  const upstreamPorts = new Set<number>();
  let server: net.Server | undefined;
  let port = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  async function up() {
    if (server?.listening) return;
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      upstream.on("connect", () => upstreamPorts.add(upstream.localPort!));
      track(client);
      track(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server!.once("error", reject).listen(port, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  }
  await up();
  return {
    url: () => {
      const url = new URL(target.href);
      url.host = `127.0.0.1:${port}`;
      return url.href;
    },
    upstreamPorts: () => [...upstreamPorts],
    up,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        upstreamPorts.clear();
        server!.close(() => resolve());
      }),
  };
}

const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeOnPostgres("Faults: the database lost mid-run (postgres)", () => {
  let stack: Stack;
  let proxy: Awaited<ReturnType<typeof databaseProxy>>;
  let vars: { p: string; c: string; s: string };
  let whole: GqlResult;
  beforeAll(async () => {
    proxy = await databaseProxy(new URL(process.env.TEST_DATABASE_URL!));
    stack = await startStack("postgres", { databaseUrl: proxy.url(), env: { DATABASE_CONNECT_TIMEOUT_MS: "1000" } });
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    vars = { p: partner.id, c: customer.id, s: (await placeOrder(stack, partner, customer.id)).subscriptions[0].id };
    whole = await stack.gql(await operatorToken(), ONE_OF_EACH, vars);
    expect(whole.errors).toBeUndefined();
  });
  afterAll(async () => {
    await proxy?.up();
    await stack?.stop();
    await proxy?.cut();
  });

  const health = (name: SubgraphName) => fetch(stack.subgraphUrls[name].replace(/\/graphql$/, "/health")).then((r) => r.status);

  /** Through the gateway, with the HTTP status a client sees. */
  async function ask(token: string, query: string, variables: Record<string, unknown>) {
    const res = await fetch(stack.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlResult };
  }

  it("Faults: while PostgreSQL is gone, reads and writes fail fast with DEPENDENCY_UNAVAILABLE (no SQL, no 500), /health answers 503; once it is back the same requests succeed without restarting anything", async () => {
    const op = await operatorToken();
    const before = await rowCounts(stack);

    await proxy.cut();
    try {
      const started = Date.now();
      const read = await ask(op, ONE_OF_EACH, vars);
      expect(read.status).toBe(200);
      expect(read.body.data).toEqual(Object.fromEntries(SUBGRAPH_NAMES.map((name) => [FIELD_OF[name], null])));
      expect(read.body.errors!.map((e) => e.extensions?.code)).toEqual(SUBGRAPH_NAMES.map(() => "DEPENDENCY_UNAVAILABLE"));
      expectNothingInternal(read.body, stack);

      const write = await ask(op, REGISTER, { input: registrationInput() });
      expect(write.status).toBe(200);
      expectRefusal(write.body, "DEPENDENCY_UNAVAILABLE");
      expectNothingInternal(write.body, stack);
      expect(Date.now() - started).toBeLessThan(5000);

      for (const name of SUBGRAPH_NAMES) expect(await health(name)).toBe(503);
    } finally {
      await proxy.up();
    }

    for (const name of SUBGRAPH_NAMES) expect(await health(name)).toBe(200);
    expect(await stack.gql(op, ONE_OF_EACH, vars)).toEqual(whole);
    expect(await rowCounts(stack)).toEqual(before);
    const registered = await stack.gql(op, REGISTER, { input: registrationInput() });
    expect(registered.errors).toBeUndefined();
  });

  it("Faults: connections killed by PostgreSQL (pg_terminate_backend) fail cleanly at worst, and the pool reconnects by itself", async () => {
    const op = await operatorToken();
    expect(await stack.gql(op, ONE_OF_EACH, vars)).toEqual(whole);
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1::int[])", [proxy.upstreamPorts()]);
      expect(rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // A pooled connection may be handed out before its death is noticed: that request may fail, but only cleanly.
    const first = await stack.gql(op, ONE_OF_EACH, vars);
    for (const error of first.errors ?? []) expect(error.extensions?.code).toBe("DEPENDENCY_UNAVAILABLE");
    expectNothingInternal(first, stack);
    expect(await stack.gql(op, ONE_OF_EACH, vars)).toEqual(whole);
  });
});
