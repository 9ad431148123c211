/**
 * I2: each organisation's request budget at the gateway, through real gateways: refused past it
 * with HTTP 429, Retry-After and RATE_LIMITED before any subgraph is called; other organisations
 * and the operator unaffected; one budget for every gateway replica when they share Redis; and a
 * Redis that stops answering leaves each process counting on its own, never no limit and never
 * refusing everything.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { readConfig, SUBGRAPH_NAMES } from "../common/service/config";
import { captureLogs } from "../common/observability/logger";
import { PeerDirectory } from "../common/service/subgraph-server";
import { buildGateway, GatewayServer } from "../gateway/server";
import { CREATE_CUSTOMER, customerInput } from "./support/customer-fixtures";
import { enroll, registerCustomer } from "./support/fixtures";
import { subgraphProxy } from "./support/http-proxy";
import { ensureBuilt, Service, startService } from "./support/processes";
import { DIALECTS, operatorToken, Stack, startStack, token } from "./support/stack";
import { worldState } from "./support/world-state";

/** Where these tests find Redis (the project's machines run one here). */
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const READ = `{ viewer { partner { id } } }`;

/** A POST keeping the status and headers. */
async function post(url: string, token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } };
}

/** The shared subgraph proxies in front of the stack's subgraphs, counting every call a gateway makes to them. */
async function countingSubgraphs(stack: Stack) {
  const proxies = await Promise.all(SUBGRAPH_NAMES.map((name) => subgraphProxy(stack.subgraphUrls[name])));
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, proxies[i].url])) as PeerDirectory;
  return {
    urls,
    calls: () => proxies.reduce((n, p) => n + p.calls, 0),
    close: () => Promise.all(proxies.map((p) => p.close())),
  };
}

/** A TCP proxy in front of Redis that a test can stop (connections cut, port refusing) and start again on the same port. */
async function redisProxy() {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  async function up() {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => (client.destroy(), upstream.destroy()));
        s.on("close", () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  }
  await up();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    up,
    down: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server!.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Statuses of `n` requests sent one after another. */
async function statuses(url: string, token: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await post(url, token, READ)).status);
  return out;
}

const uniquePrefix = () => `csp-graph-test:${randomUUID()}`;
const ok = (n: number) => Array<number>(n).fill(200);

describe.each(DIALECTS)("I2: request budget per organisation, per process (%s)", (dialect) => {
  const BUDGET = 5;
  let stack: Stack;
  let counting: Awaited<ReturnType<typeof countingSubgraphs>>;
  let gateway: GatewayServer;
  let url: string;
  beforeAll(async () => {
    stack = await startStack(dialect, { env: { RATE_LIMIT_PER_MINUTE: String(BUDGET) } });
    counting = await countingSubgraphs(stack);
    gateway = buildGateway({ config: stack.config, subgraphUrls: counting.urls });
    url = (await gateway.start(0)).url;
  });
  afterAll(async () => {
    await gateway?.stop();
    await counting?.close();
    await stack?.stop();
  });

  it("I2: past its budget an organisation gets HTTP 429, Retry-After and RATE_LIMITED, and no subgraph is called", async () => {
    const partner = await enroll(stack);
    for (let i = 0; i < BUDGET; i++) {
      const res = await post(url, partner.token, READ);
      expect({ status: res.status, data: res.body.data }).toEqual({ status: 200, data: { viewer: { partner: { id: partner.id } } } });
    }
    const callsBefore = counting.calls();
    expect(callsBefore).toBeGreaterThanOrEqual(BUDGET);
    const refused = await post(url, partner.token, READ);
    const seconds = Number(refused.retryAfter);
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
    expect({ status: refused.status, data: refused.body.data ?? null, extensions: refused.body.errors?.[0]?.extensions }).toEqual({
      status: 429,
      data: null,
      extensions: { code: "RATE_LIMITED", retryAfter: seconds },
    });
    expect(refused.body.errors?.[0]?.message).toMatch(/budget/);
    expect(counting.calls()).toBe(callsBefore);
  });

  it("I2: a mutation past the budget changes nothing", async () => {
    const partner = await enroll(stack);
    expect(await statuses(url, partner.token, BUDGET)).toEqual(ok(BUDGET));
    const before = await worldState(stack, { partners: [partner.id] });
    const callsBefore = counting.calls();
    const refused = await post(url, partner.token, CREATE_CUSTOMER, { input: customerInput() });
    expect({ status: refused.status, code: refused.body.errors?.[0]?.extensions?.code }).toEqual({ status: 429, code: "RATE_LIMITED" });
    expect(counting.calls()).toBe(callsBefore);
    expect(await worldState(stack, { partners: [partner.id] })).toEqual(before);
  });

  it("I2: other organisations keep their own budget, partners and customers alike", async () => {
    const [spent, other] = [await enroll(stack), await enroll(stack)];
    const customer = await registerCustomer(stack);
    expect(await statuses(url, spent.token, BUDGET + 1)).toEqual([...ok(BUDGET), 429]);
    expect(await statuses(url, other.token, BUDGET)).toEqual(ok(BUDGET));
    const customerReads = [];
    for (let i = 0; i < BUDGET; i++) customerReads.push((await post(url, customer.token, `{ viewer { userId } }`)).status);
    expect(customerReads).toEqual(ok(BUDGET));
    // Users of one organisation share its budget, whoever they are.
    const colleague = await token({ sub: "another-user", org: "partner", tid: spent.id, roles: ["SALES_AGENT"] });
    expect((await post(url, colleague, READ)).status).toBe(429);
  });

  it("I2: the operator is not limited", async () => {
    const operator = await operatorToken();
    const results = [];
    for (let i = 0; i < BUDGET * 3; i++) results.push((await post(url, operator, `{ viewer { userId } }`)).status);
    expect(results).toEqual(ok(BUDGET * 3));
  });

  it("I2: a request without a valid token is refused as UNAUTHENTICATED, not counted against anyone", async () => {
    const res = await post(url, "not-a-token", READ);
    expect({ status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });
});

describe("I2: the budget's setting", () => {
  it("I2: RATE_LIMIT_PER_MINUTE defaults to 6000, counts per process without REDIS_URL, and refuses a value that is not a whole number of requests", () => {
    expect(readConfig({}).rateLimit).toEqual({ perMinute: 6000, redisUrl: undefined, keyPrefix: "csp-graph:budget" });
    expect(readConfig({ RATE_LIMIT_PER_MINUTE: "120", REDIS_URL: "redis://r:6379", RATE_LIMIT_KEY_PREFIX: "p" }).rateLimit).toEqual({ perMinute: 120, redisUrl: "redis://r:6379", keyPrefix: "p" });
    for (const bad of ["0", "-5", "1.5", "lots", "6000/min"]) expect(() => readConfig({ RATE_LIMIT_PER_MINUTE: bad })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

describe("I2: one budget for every gateway replica through Redis", () => {
  const BUDGET = 6;
  let stack: Stack;
  let counting: Awaited<ReturnType<typeof countingSubgraphs>>;
  let replicas: Service[] = [];
  beforeAll(async () => {
    const entry = ensureBuilt("gateway/main.js");
    stack = await startStack("sqlite");
    counting = await countingSubgraphs(stack);
    const env = {
      PORT: "0",
      RATE_LIMIT_PER_MINUTE: String(BUDGET),
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, counting.urls[name]])),
    };
    replicas = await Promise.all([startService(entry, env), startService(entry, env)]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(replicas.map(async (r) => {
      if (r.child.exitCode === null) r.child.kill("SIGTERM");
      await r.exited;
    }));
    await counting?.close();
    await stack?.stop();
  });

  it("I2: two gateway processes on one Redis count one budget: half on each, then both refuse, without calling a subgraph", async () => {
    const [a, b] = replicas;
    const partner = await enroll(stack);
    expect(await statuses(String(a.url), partner.token, BUDGET / 2)).toEqual(ok(BUDGET / 2));
    expect(await statuses(String(b.url), partner.token, BUDGET / 2)).toEqual(ok(BUDGET / 2));
    const callsBefore = counting.calls();
    // Each process alone has seen only half the budget: counted per process, both would answer.
    const fromA = await post(String(a.url), partner.token, READ);
    const fromB = await post(String(b.url), partner.token, READ);
    expect([fromA.status, fromB.status]).toEqual([429, 429]);
    expect([fromA.body.errors?.[0]?.extensions?.code, fromB.body.errors?.[0]?.extensions?.code]).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
    expect(Number(fromB.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(counting.calls()).toBe(callsBefore);
    // Another organisation, on either replica, is untouched.
    const other = await enroll(stack);
    expect(await statuses(String(b.url), other.token, BUDGET)).toEqual(ok(BUDGET));
  });
});

describe("I2: a Redis outage", () => {
  const BUDGET = 4;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack("sqlite");
  });
  afterAll(() => stack?.stop());

  async function gatewayWith(redisUrl: string) {
    const config = readConfig({ ...process.env, NODE_ENV: "test", JWT_SECRET: "", SUBGRAPH_SECRET: "", RATE_LIMIT_PER_MINUTE: String(BUDGET), REDIS_URL: redisUrl, RATE_LIMIT_KEY_PREFIX: uniquePrefix() });
    const gateway = buildGateway({ config, subgraphUrls: stack.subgraphUrls });
    return { gateway, url: (await gateway.start(0)).url };
  }
  const messages = (logs: { lines: Record<string, unknown>[] }) => logs.lines.map((l) => String(l.msg));

  it("I2: with Redis unreachable from the start, each process still counts the budget in memory and logs why", async () => {
    const logs = captureLogs("info");
    const { gateway, url } = await gatewayWith(`redis://127.0.0.1:${await closedPort()}`);
    try {
      const partner = await enroll(stack);
      expect(await statuses(url, partner.token, BUDGET + 1)).toEqual([...ok(BUDGET), 429]);
      expect(messages(logs).filter((m) => m.includes("Redis unavailable"))).toHaveLength(1);
    } finally {
      logs.restore();
      await gateway.stop();
    }
  });

  it("I2: Redis stopping mid-way: requests go on, counted in memory with the same budget, and the shared count resumes when Redis is back", async () => {
    const proxy = await redisProxy();
    const logs = captureLogs("info");
    const { gateway, url } = await gatewayWith(proxy.url());
    try {
      const partner = await enroll(stack);
      expect(await statuses(url, partner.token, 2)).toEqual(ok(2));
      expect(messages(logs).some((m) => m.includes("Redis unavailable"))).toBe(false);

      await proxy.down();
      // Not refusing everything: the process's own count starts; not unlimited: it stops at the budget.
      expect(await statuses(url, partner.token, BUDGET + 1)).toEqual([...ok(BUDGET), 429]);
      expect(messages(logs).filter((m) => m.includes("Redis unavailable"))).toHaveLength(1);

      await proxy.up();
      // ioredis reconnects on its own (at most every 2 s); the shared count has this organisation's 2 requests.
      const until = Date.now() + 15_000;
      while (!messages(logs).some((m) => m.includes("Redis answers again")) && Date.now() < until) {
        await post(url, (await enroll(stack)).token, READ);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(messages(logs).filter((m) => m.includes("Redis answers again"))).toHaveLength(1);
      expect(await statuses(url, partner.token, BUDGET - 1)).toEqual([...ok(BUDGET - 2), 429]);
    } finally {
      logs.restore();
      await gateway.stop();
      await proxy.down().catch(() => undefined);
    }
  });
});
