/**
 * The benchmark's floor (bench/floor-server.ts): the whole graph resolved in one process, each
 * subgraph executed in it without HTTP. It is a fair floor only if it does the work the
 * federated stack does: the same answers, the same SQL, and no call to the subgraphs' servers.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildFloorServer, FloorServer } from "../bench/floor-server";
import { CUSTOMER_DETAIL, DASHBOARD } from "../bench/scenarios";
import { readConfig } from "../common/service/config";
import type { RunningHttpService } from "../common/http/http";
import { SUBGRAPH_NAMES } from "../subgraphs/registry";
import { createCustomer, enroll, linkReseller, ORDER, placeOrder } from "./support/fixtures";
import { gatewayClient, Stack, startStack } from "./support/stack";

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe("floor", () => {
  let dataDir: string;
  let stack: Stack;
  let floor: FloorServer;
  let running: RunningHttpService;
  let viaFloor: Stack;
  let provider: { id: string; token: string };
  let customerId: string;
  let resellerId: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-floor-"));
    stack = await startStack("sqlite", { dataDir });
    provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    resellerId = reseller.id;
    await linkReseller(stack, provider, reseller);
    for (let i = 0; i < 3; i++) {
      const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
      customerId = customer.id;
      for (let j = 0; j < 2; j++) await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });
    }
    // Its configuration names the running subgraphs' URLs: any call over HTTP would reach them and show in their counters.
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, stack.subgraphUrls[name]]));
    const config = readConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: "", JWT_SECRET: "", SUBGRAPH_SECRET: "", ...urls });
    floor = await buildFloorServer(config, { dataDir });
    running = await floor.start(0);
    viaFloor = { ...stack, ...gatewayClient(running.url) };
  });
  afterAll(async () => {
    await floor?.stop();
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ["dashboard", DASHBOARD, () => ({ partnerId: provider.id })],
    ["customer detail", CUSTOMER_DETAIL, () => ({ id: customerId })],
  ])("Floor: the %s resolved in one process is the federated stack's answer, with the same SQL statements and no call to the subgraphs' servers", async (_name, query, variables) => {
    // Warm: the first request of each pays one-time work (a document's first validation).
    await stack.gql(provider.token, query, variables());
    await viaFloor.gql(provider.token, query, variables());

    const federatedBefore = total(stack.statements());
    const federated = await stack.gql(provider.token, query, variables());
    const federatedSql = total(stack.statements()) - federatedBefore;

    const floorBefore = total(floor.statements());
    const stackBefore = total(stack.statements());
    const inOne = await viaFloor.gql(provider.token, query, variables());
    const floorSql = total(floor.statements()) - floorBefore;

    expect(federated.errors).toBeUndefined();
    expect(inOne).toEqual(federated);
    expect(floorSql).toBe(federatedSql);
    expect(floorSql).toBeGreaterThan(0);
    expect(total(stack.statements())).toBe(stackBefore);
  });

  it("Floor: placeOrder's claims on other subgraphs' facts are answered in the same process", async () => {
    const stackBefore = total(stack.statements());
    const floorBefore = total(floor.statements());
    const order = await placeOrder(viaFloor, provider, customerId, { resellerId });
    expect(order.subscriptions).toHaveLength(1);
    expect(total(floor.statements())).toBeGreaterThan(floorBefore);
    expect(total(stack.statements())).toBe(stackBefore);
    // The order is in the one database both read.
    const seen = await stack.gql(provider.token, `query($id: ID!) { subscription(id: $id) { id } }`, { id: order.subscriptions[0].id });
    expect(seen.data.subscription.id).toBe(order.subscriptions[0].id);
  });

  it("Floor: a request without a token is refused by the gateway in front, as in the federated stack", async () => {
    const federated = await stack.gql(null, ORDER, { input: {} });
    const inOne = await viaFloor.gql(null, ORDER, { input: {} });
    expect(inOne.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(inOne.errors?.[0]?.extensions?.code).toBe(federated.errors?.[0]?.extensions?.code);
  });
});
