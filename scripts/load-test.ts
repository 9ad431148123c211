/**
 * `npm run load-test`: a bounded correctness test under load (not part of `npm test`).
 * Many concurrent clients send mixed reads and writes through the gateway on loopback —
 * orders that reuse idempotency keys, subscription changes racing on expectedVersion,
 * customer and relationship reads — then the script checks that nothing broke: no 5xx, no
 * unexpected error, no duplicate order per idempotency key, every subscription's version is
 * 1 + the changes that succeeded, no orphan rows. Prints a summary; exits 1 on a violation.
 *
 * Flags: --duration <s> (30, at most 600) --clients <n> (32) --url <gateway URL> (default:
 * start the stack in this process over a fresh SQLite folder, or over fresh PostgreSQL
 * schemas when DATABASE_URL is set) --jwt-secret <secret> (a running stack's signing secret).
 */
import "reflect-metadata";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Client } from "pg";
import { In } from "typeorm";
import { readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { signDevToken, TokenClaims } from "../common/identity/identity";
import { logger } from "../common/observability/logger";
import { PeerDirectory, SubgraphServer } from "../common/service/subgraph-server";
import { buildGateway } from "../gateway/server";
import { Customer, CustomerPartnerRelationship } from "../subgraphs/customers/model";
import { Order, CloudSubscription } from "../subgraphs/subscriptions/model";
import { perSubgraph } from "../subgraphs/registry";
import { SUBGRAPH_CODE } from "../subgraphs/servers";

interface Settings {
  durationS: number;
  clients: number;
  url?: string;
  jwtSecret?: string;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: { duration: { type: "string" }, clients: { type: "string" }, url: { type: "string" }, "jwt-secret": { type: "string" } },
  });
  const int = (raw: string | undefined, fallback: number, max: number) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`expected an integer from 1 to ${max}, got "${raw}"`);
    return n;
  };
  return { durationS: int(values.duration, 30, 600), clients: int(values.clients, 32, 1000), url: values.url, jwtSecret: values["jwt-secret"] };
}

// ---------------------------------------------------------------- the stack under test

interface Target {
  url: string;
  /** The subgraphs' databases when the stack runs in this process (for row-level checks). */
  subgraphs?: Record<SubgraphName, SubgraphServer>;
  stop(): Promise<void>;
}

async function startInProcess(): Promise<Target> {
  // Each load client sends as fast as answers come: the stack under test, not the request budget (I2), is what is measured.
  const config = readConfig({ RATE_LIMIT_PER_MINUTE: String(1e9), ...process.env });
  const runId = `load_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-load-"));
  const peers: PeerDirectory = perSubgraph(() => "");
  const options = (name: SubgraphName) => ({ config, peers, dataDir, schema: config.databaseUrl ? `${runId}_${name}` : undefined });
  const subgraphs = {} as Record<SubgraphName, SubgraphServer>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await SUBGRAPH_CODE[name].buildServer(options(name));
  for (const name of SUBGRAPH_NAMES) peers[name] = (await subgraphs[name].start(0)).url;
  const gateway = buildGateway({ config, subgraphUrls: peers });
  const { url } = await gateway.start(0);
  return {
    url,
    subgraphs,
    async stop() {
      await gateway.stop();
      for (const s of Object.values(subgraphs)) await s.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (config.databaseUrl) {
        const client = new Client({ connectionString: config.databaseUrl });
        await client.connect();
        for (const name of SUBGRAPH_NAMES) await client.query(`DROP SCHEMA IF EXISTS "${runId}_${name}" CASCADE`);
        await client.end();
      }
    },
  };
}

// ---------------------------------------------------------------- measuring calls

interface Stats {
  requests: number;
  latenciesMs: number[];
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  /** Errors no client should ever see under load (any code but the expected refusals). */
  unexpected: string[];
}

const stats: Stats = { requests: 0, latenciesMs: [], byStatus: {}, byCode: {}, unexpected: [] };
/** Refusals that are the point of the exercise, not failures. */
const EXPECTED_CODES = new Set(["VERSION_CONFLICT"]);

interface Reply {
  data?: any;
  code?: string;
}

async function call(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Reply> {
  const started = performance.now();
  let status = 0;
  let body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    status = res.status;
    body = (await res.json().catch(() => ({}))) as typeof body;
  } catch (error) {
    stats.unexpected.push(`transport: ${error instanceof Error ? error.message : error}`);
  }
  stats.requests++;
  stats.latenciesMs.push(performance.now() - started);
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  const code = body.errors?.[0]?.extensions?.code;
  if (body.errors?.length) {
    stats.byCode[code ?? "none"] = (stats.byCode[code ?? "none"] ?? 0) + 1;
    if (!code || !EXPECTED_CODES.has(code)) stats.unexpected.push(`${status} ${code}: ${body.errors[0].message}`);
  } else if (status >= 400) {
    stats.unexpected.push(`HTTP ${status} without errors`);
  }
  return { data: body.data, code };
}

// ---------------------------------------------------------------- the world and the workload

const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id subscriptions { id version quantity } } } }`;
const SUBSCRIPTION = `query($id: ID!) { subscription(id: $id) { id version quantity } }`;
const UPDATE = `mutation($input: UpdateSubscriptionInput!) { updateSubscription(input: $input) { subscription { id version quantity } } }`;
const CUSTOMERS = `{ customers(first: 20) { totalCount nodes { id companyName partnerRelationships { status partner { id name } } subscriptions(first: 5) { totalCount nodes { id quantity } } } } }`;
const CUSTOMER = `query($id: ID!) { customer(id: $id) { id companyName delegatedAdminRelationships { id } partnerRelationships { status partner { id name programs } } } }`;

const KEYS_PER_PARTNER = 8;
const CUSTOMERS_PER_PARTNER = 3;
const INITIAL_QUANTITY = 10;

interface PartnerWorld {
  id: string;
  token: string;
  customers: string[];
  /** Subscriptions this partner may change: the initial ones, then those its orders add. */
  subscriptions: string[];
}

/** What the clients saw succeed: the basis of the invariants. */
const seen = {
  /** `${partnerId}|${key}` → the order ids returned for it (must be exactly one). */
  ordersByKey: new Map<string, Set<string>>(),
  /** order id → customer id. */
  orderCustomer: new Map<string, string>(),
  /** subscription id → successful updates. */
  updates: new Map<string, number>(),
  conflicts: 0,
};

const keyOrder = (p: PartnerWorld, i: number) => ({
  customerId: p.customers[i % p.customers.length],
  idempotencyKey: `load-${i}`,
  lineItems: [{ offerId: "m365-e3", quantity: INITIAL_QUANTITY, billingCycle: "MONTHLY", termDuration: "P1M" }],
});

async function buildWorld(url: string, sign: (claims: TokenClaims) => Promise<string>, partners: number): Promise<PartnerWorld[]> {
  const operator = await sign({ sub: "load-operator", org: "operator", roles: ["OPERATOR"] });
  const world: PartnerWorld[] = [];
  const runTag = Date.now().toString(36);
  for (let i = 0; i < partners; i++) {
    const id = randomUUID();
    const enrolled = await call(url, operator, `mutation($input: EnrollPartnerInput!) { enrollPartner(input: $input) { partner { id } } }`, {
      input: { id, mpnId: `${Date.now() % 1e9}${i}`.slice(-12), name: `Load ${runTag} ${i}`, programs: ["DIRECT_BILL"], cloud: "GLOBAL", country: "US", agreementSigned: true },
    });
    if (!enrolled.data?.enrollPartner) throw new Error(`could not enrol a partner (${enrolled.code})`);
    const p: PartnerWorld = { id, token: await sign({ sub: `load-${i}`, org: "partner", tid: id, roles: ["GLOBAL_ADMIN"] }), customers: [], subscriptions: [] };
    for (let c = 0; c < CUSTOMERS_PER_PARTNER; c++) {
      const created = await call(url, p.token, `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`, {
        input: { companyName: `Load ${runTag} ${i}-${c}`, defaultDomain: `load${runTag}p${i}c${c}.onmicrosoft.com`, country: "US", billingProfile: { email: "billing@load.example" } },
      });
      if (!created.data?.createCustomer) throw new Error(`could not create a customer (${created.code})`);
      p.customers.push(created.data.createCustomer.customer.id);
    }
    for (let c = 0; c < CUSTOMERS_PER_PARTNER; c++) await placeOrder(url, p, c);
    world.push(p);
  }
  return world;
}

async function placeOrder(url: string, p: PartnerWorld, keyIndex: number) {
  const input = keyOrder(p, keyIndex);
  const reply = await call(url, p.token, PLACE_ORDER, { input });
  const order = reply.data?.placeOrder?.order;
  if (!order) return;
  const key = `${p.id}|${input.idempotencyKey}`;
  if (!seen.ordersByKey.has(key)) seen.ordersByKey.set(key, new Set());
  seen.ordersByKey.get(key)!.add(order.id);
  seen.orderCustomer.set(order.id, input.customerId);
  for (const s of order.subscriptions) if (!p.subscriptions.includes(s.id)) p.subscriptions.push(s.id);
}

/** Read the version, then change it: concurrent clients on the same subscription race (S5). */
async function changeSubscription(url: string, p: PartnerWorld) {
  const id = pick(p.subscriptions);
  const read = await call(url, p.token, SUBSCRIPTION, { id });
  const current = read.data?.subscription;
  if (!current) return;
  const reply = await call(url, p.token, UPDATE, { input: { id, expectedVersion: current.version, quantity: current.quantity + 1 } });
  if (reply.data?.updateSubscription) seen.updates.set(id, (seen.updates.get(id) ?? 0) + 1);
  else if (reply.code === "VERSION_CONFLICT") seen.conflicts++;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

async function client(url: string, world: PartnerWorld[], deadline: number) {
  while (Date.now() < deadline) {
    const p = pick(world);
    const roll = Math.random();
    if (roll < 0.3) await placeOrder(url, p, Math.floor(Math.random() * KEYS_PER_PARTNER));
    else if (roll < 0.55) await changeSubscription(url, p);
    else if (roll < 0.8) await call(url, p.token, CUSTOMERS);
    else await call(url, p.token, CUSTOMER, { id: pick(p.customers) });
  }
}

// ---------------------------------------------------------------- invariants

async function checkInvariants(url: string, world: PartnerWorld[], target: Target, operator: string): Promise<string[]> {
  const violations: string[] = [];
  for (const [key, ids] of seen.ordersByKey) if (ids.size !== 1) violations.push(`idempotency key ${key} produced ${ids.size} orders`);

  // Through the API, as the operator: every subscription's version and quantity, and its customer.
  for (const p of world) {
    for (const customerId of p.customers) {
      const { data } = await call(url, operator, `query($id: ID!) { customer(id: $id) { id subscriptions(first: 100) { totalCount nodes { id version quantity orderId customer { id } } } } }`, { id: customerId });
      const subs = data?.customer?.subscriptions;
      if (!subs) {
        violations.push(`customer ${customerId} could not be read`);
        continue;
      }
      const ordersOfCustomer = [...seen.orderCustomer.values()].filter((c) => c === customerId).length;
      if (subs.totalCount !== ordersOfCustomer) violations.push(`customer ${customerId} has ${subs.totalCount} subscriptions for ${ordersOfCustomer} orders seen`);
      for (const s of subs.nodes) {
        const changes = seen.updates.get(s.id) ?? 0;
        if (s.version !== 1 + changes) violations.push(`subscription ${s.id} at version ${s.version} after ${changes} successful changes`);
        if (s.quantity !== INITIAL_QUANTITY + changes) violations.push(`subscription ${s.id} has quantity ${s.quantity} after ${changes} increments`);
        if (s.customer?.id !== customerId) violations.push(`subscription ${s.id} does not resolve its customer`);
        if (!seen.orderCustomer.has(s.orderId)) violations.push(`subscription ${s.id} belongs to an order no client placed`);
      }
    }
  }

  // In this process: the rows themselves.
  if (target.subgraphs) {
    const subs = target.subgraphs.subscriptions.db.dataSource;
    const customers = target.subgraphs.customers.db.dataSource;
    const orders = await subs.getRepository(Order).find();
    const subscriptions = await subs.getRepository(CloudSubscription).find();
    const customerIds = new Set((await customers.getRepository(Customer).find({ select: { id: true } })).map((c) => c.id));
    const orderIds = new Set(orders.map((o) => o.id));
    const perKey = new Map<string, number>();
    for (const o of orders) perKey.set(`${o.placedById}|${o.idempotencyKey}`, (perKey.get(`${o.placedById}|${o.idempotencyKey}`) ?? 0) + 1);
    for (const [key, n] of perKey) if (n > 1) violations.push(`rows: ${n} orders for idempotency key ${key}`);
    const linesPerOrder = new Map<string, number>();
    for (const s of subscriptions) {
      if (s.orderId && !orderIds.has(s.orderId)) violations.push(`rows: subscription ${s.id} of a missing order`);
      if (!customerIds.has(s.customerId)) violations.push(`rows: subscription ${s.id} of a missing customer`);
      if (s.orderId) linesPerOrder.set(s.orderId, (linesPerOrder.get(s.orderId) ?? 0) + 1);
    }
    for (const o of orders) if (linesPerOrder.get(o.id) !== 1) violations.push(`rows: order ${o.id} has ${linesPerOrder.get(o.id) ?? 0} subscriptions for 1 line item`);
    const relationships = await customers.getRepository(CustomerPartnerRelationship).find({ where: { customerId: In([...customerIds]) } });
    const orphanRelationships = (await customers.getRepository(CustomerPartnerRelationship).count()) - relationships.length;
    if (orphanRelationships) violations.push(`rows: ${orphanRelationships} relationships of missing customers`);
    if (orders.length !== seen.orderCustomer.size) violations.push(`rows: ${orders.length} orders, clients saw ${seen.orderCustomer.size}`);
  }
  return violations;
}

// ---------------------------------------------------------------- main

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

async function main() {
  const settings = readSettings();
  if (!process.env.LOG_LEVEL) logger.level = "error"; // one log line per request would drown the summary
  const config = readConfig();
  const target: Target = settings.url ? { url: settings.url, stop: async () => undefined } : await startInProcess();
  const sign = (claims: TokenClaims) => signDevToken(claims, settings.jwtSecret ?? config.jwtSecret, "2h");
  try {
    const partners = Math.max(2, Math.ceil(settings.clients / 4));
    console.log(`load test: ${settings.clients} clients for ${settings.durationS} s against ${target.url} (${settings.url ? "running stack" : config.databaseUrl ? "in-process, PostgreSQL" : "in-process, SQLite"})`);
    const world = await buildWorld(target.url, sign, partners);
    const setupRequests = stats.requests;
    Object.assign(stats, { requests: 0, latenciesMs: [], byStatus: {}, byCode: {} });

    const started = Date.now();
    const deadline = started + settings.durationS * 1000;
    await Promise.all(Array.from({ length: settings.clients }, () => client(target.url, world, deadline)));
    const elapsedS = (Date.now() - started) / 1000;

    const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
    const measured = stats.requests;
    const measuredStatus = { ...stats.byStatus };
    const measuredCodes = { ...stats.byCode };
    const fivexx = Object.entries(measuredStatus).filter(([s]) => Number(s) >= 500 || Number(s) === 0).reduce((n, [, c]) => n + c, 0);
    const violations = await checkInvariants(target.url, world, target, await sign({ sub: "load-operator", org: "operator", roles: ["OPERATOR"] }));
    if (fivexx) violations.unshift(`${fivexx} responses with a 5xx status or no response`);
    for (const u of [...new Set(stats.unexpected)].slice(0, 10)) violations.push(`unexpected error: ${u}`);

    console.log(`setup: ${partners} partners, ${partners * CUSTOMERS_PER_PARTNER} customers (${setupRequests} requests)`);
    console.log(`requests: ${measured} in ${elapsedS.toFixed(1)} s = ${(measured / elapsedS).toFixed(0)} req/s`);
    console.log(`latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`);
    console.log(`HTTP status: ${JSON.stringify(measuredStatus)}; errors by code: ${JSON.stringify(measuredCodes)}`);
    console.log(
      `writes: ${seen.orderCustomer.size} distinct orders for ${seen.ordersByKey.size} idempotency keys; ` +
        `${[...seen.updates.values()].reduce((a, b) => a + b, 0)} subscription changes, ${seen.conflicts} VERSION_CONFLICT`,
    );
    if (violations.length) {
      console.log(`FAILED: ${violations.length} violation(s)`);
      for (const v of violations.slice(0, 30)) console.log(`  - ${v}`);
      process.exitCode = 1;
    } else {
      console.log("OK: zero 5xx, zero unexpected errors, zero invariant violations");
    }
  } finally {
    await target.stop();
  }
}

main().catch((error) => {
  console.error(`load test failed: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
