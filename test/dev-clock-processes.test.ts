/**
 * I5 across process boundaries: the three subgraphs and the gateway each run as their own
 * process (as `npm run start:<name>` and docker-compose run them), each with its own clock.
 * One `POST /dev/clock` moves all four, and the time rules of the customers and subscriptions
 * processes follow at once.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { clock, DAY_MS } from "../common/clock";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { createDap, dapAsOperator } from "./support/customer-fixtures";
import { cancel } from "./support/order-fixtures";
import { SUBGRAPH_NAMES } from "../common/config";
import { ensureBuilt, Service, startService } from "./support/processes";
import { codeOf, gatewayClient, operatorToken, Stack } from "./support/stack";

const SUBGRAPHS = SUBGRAPH_NAMES;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe("I5: the development clock of a stack of separate processes", () => {
  let dataDir: string;
  const services: Service[] = [];
  let stack: Stack;

  beforeAll(async () => {
    const entries = [...SUBGRAPHS.map((name) => ensureBuilt(`subgraphs/${name}/main.js`)), ensureBuilt("gateway/main.js")];
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-dev-clock-"));
    const ports = await Promise.all([...SUBGRAPHS, "gateway"].map(() => freePort()));
    const env: Record<string, string> = { DATA_DIR: dataDir, PORT: String(ports[SUBGRAPHS.length]) };
    SUBGRAPHS.forEach((name, i) => {
      env[`${name.toUpperCase()}_PORT`] = String(ports[i]);
      env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[i]}/graphql`;
    });
    services.push(...(await Promise.all(entries.slice(0, SUBGRAPHS.length).map((entry) => startService(entry, env)))));
    services.push(await startService(entries[SUBGRAPHS.length], env));
    stack = gatewayClient(services[SUBGRAPHS.length].url.toString()) as Stack;
  }, 240_000);

  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null) s.child.kill("SIGTERM");
    await Promise.all(services.map((s) => s.exited));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const devClock = async (method: "GET" | "POST", body?: unknown) => {
    const res = await fetch(stack.gatewayUrl.replace(/\/graphql$/, "/dev/clock"), {
      method,
      headers: { authorization: `Bearer ${await operatorToken()}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it("I5: one POST moves the clock of each of the four processes; the customers process's 90-day approval window and the subscriptions process's 168-hour window follow at once", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const dap = await createDap(stack, partner, customer.id);
    const [sub] = (await placeOrder(stack, partner, customer.id)).subscriptions;

    const before = await devClock("GET");
    expect(before.status).toBe(200);
    for (const name of ["gateway", ...SUBGRAPHS]) expect(before.body.services[name].offsetSeconds).toBe(0);

    const moved = await devClock("POST", { advanceSeconds: (90 * DAY_MS) / 1000 });
    expect(moved.status).toBe(200);
    const read = await devClock("GET");
    for (const name of ["gateway", ...SUBGRAPHS]) expect(read.body.services[name].offsetSeconds).toBe(90 * 24 * 3600);
    expect(read.body.inSync).toBe(true);
    // This (test) process's clock was never touched: the four moved by the endpoint alone.
    expect(clock.offset()).toBe(0);

    expect((await dapAsOperator(stack, customer.id, dap.id)).status).toBe("EXPIRED");
    expect(codeOf(await cancel(stack, partner.token, sub.id))).toBe("CANCELLATION_WINDOW_CLOSED");
  });
});
