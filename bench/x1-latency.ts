/**
 * What X1's claims cost on the two mutations they sit in the middle of: placeOrder (a claim on
 * the customer's relationships, released after the write) and removeResellerRelationship (an
 * END claim around the subscription count). Starts every subgraph and the gateway as
 * separate processes, as production runs them, over a fresh SQLite folder or PostgreSQL
 * database, and times each mutation from one client, one request at a time (latency, not
 * throughput), after a warm-up.
 *
 *   npm run -s build && node dist/bench/x1-latency.js [--postgres <server url>] [--orders 300] [--removals 200]
 *
 * The script only uses the public API, so the same file measures the code before the claims.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { projectRoot, SUBGRAPH_NAMES } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { ServiceProcess, startService } from "./processes";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const round1 = (x: number) => Math.round(x * 10) / 10;
const WARM_UP = 20;

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors[0])}`);
  return body.data;
}

async function timed(n: number, call: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < n + WARM_UP; i++) {
    const started = performance.now();
    await call(i);
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  return { n, p50: round1(percentile(times, 50)), p95: round1(percentile(times, 95)), mean: round1(times.reduce((a, b) => a + b, 0) / times.length) };
}

async function main() {
  const orders = Number(arg("orders", "300"));
  const removals = Number(arg("removals", "200"));
  const postgresServer = arg("postgres", "");
  const root = projectRoot();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-x1-bench-"));
  const database = `csp_x1_${randomBytes(4).toString("hex")}`;
  let databaseUrl = "";
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: postgresServer });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  if (postgresServer) {
    await admin(`CREATE DATABASE ${database}`);
    const url = new URL(postgresServer);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const jwtSecret = randomBytes(32).toString("hex");
  const base = 4600 + Math.floor(Math.random() * 300);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    MIGRATE_ON_START: "true",
    JWT_SECRET: jwtSecret,
    SUBGRAPH_SECRET: randomBytes(32).toString("hex"),
    DATA_DIR: path.join(workDir, "data"),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    PORT: String(base),
  };
  // The gateway on `base`, each subgraph after it in registry order.
  const ports: Record<string, number> = { gateway: base };
  SUBGRAPH_NAMES.forEach((name, i) => {
    ports[name] = base + 1 + i;
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
  });
  const processes: ServiceProcess[] = [];
  try {
    for (const name of [...SUBGRAPH_NAMES, "gateway"]) {
      const entry = name === "gateway" ? "dist/gateway/main.js" : `dist/subgraphs/${name}/main.js`;
      processes.push(await startService({ name, args: [entry], env, cwd: root, logDir: workDir, readyUrl: `http://127.0.0.1:${ports[name]}/health` }));
    }
    const url = `http://127.0.0.1:${base}/graphql`;
    const operator = await signDevToken({ sub: "op", org: "operator", roles: ["OPERATOR"] }, jwtSecret);
    const partnerId = randomUUID();
    await gql(url, operator, `mutation($i: EnrollPartnerInput!) { enrollPartner(input: $i) { partner { id } } }`, {
      i: { id: partnerId, mpnId: String(1_000_000 + Math.floor(Math.random() * 8_000_000)), name: "Bench Direct", programs: ["DIRECT_BILL"], cloud: "GLOBAL", country: "US", agreementSigned: true },
    });
    const partner = await signDevToken({ sub: "bench", org: "partner", tid: partnerId, roles: ["GLOBAL_ADMIN"] }, jwtSecret);
    const newCustomer = async () =>
      (
        await gql(url, partner, `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }`, {
          i: { companyName: `Bench ${randomUUID().slice(0, 8)}`, defaultDomain: `b${randomUUID().slice(0, 12)}.onmicrosoft.com`, country: "US", billingProfile: { email: "b@example.com" } },
        })
      ).createCustomer.customer.id as string;
    const orderFor = await newCustomer();
    const placeOrder = await timed(orders, () =>
      gql(url, partner, `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }`, {
        i: { customerId: orderFor, idempotencyKey: randomUUID(), lineItems: [{ offerId: "m365-business-standard", quantity: 1, billingCycle: "MONTHLY", termDuration: "P1M" }] },
      }),
    );
    const toRemove: string[] = [];
    for (let i = 0; i < removals + WARM_UP; i++) toRemove.push(await newCustomer());
    const removeResellerRelationship = await timed(removals, (i) =>
      gql(url, partner, `mutation($c: ID!, $p: ID!) { removeResellerRelationship(customerId: $c, partnerId: $p) { relationship { status } } }`, { c: toRemove[i], p: partnerId }),
    );
    const result = {
      date: new Date().toISOString(),
      database: postgresServer ? "postgres" : "sqlite",
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      latencyMs: { placeOrder, removeResellerRelationship },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const p of processes.reverse()) await p.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    if (postgresServer) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
