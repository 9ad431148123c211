/**
 * EV7 in production: only https, and never to an internal address, at registration (with the
 * refusal's code and field, and nothing registered) and again at delivery (a name pointed at
 * 127.0.0.1 after registration is refused before any request is sent).
 */
import { randomUUID } from "node:crypto";
import { clock } from "../common/time/clock";
import { signDevToken } from "../common/identity/identity";
import { hostResolver, LookupAll, systemLookup } from "../subgraphs/events/webhooks/url-guard";
import { Stack, startStack } from "./support/stack";
import { CREATE, deliveries, endpoints, eventually, ingest, ok } from "./support/webhook-fixtures";

const SECRET = "a-production-secret-for-tests";

describe("webhook URLs in production (EV7)", () => {
  let stack: Stack;
  const names = new Map<string, string[]>();
  const fakeDns: LookupAll = async (host) => {
    const found = names.get(host);
    if (!found) return systemLookup(host);
    return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  beforeAll(async () => {
    hostResolver.lookup = fakeDns;
    stack = await startStack("sqlite", {
      env: { NODE_ENV: "production", JWT_SECRET: SECRET, SUBGRAPH_SECRET: "production-subgraph-secret", MIGRATE_ON_START: "true", WEBHOOK_POLL_INTERVAL_MS: "50" },
    });
  });
  afterAll(async () => {
    hostResolver.lookup = systemLookup;
    await stack?.stop();
  });
  afterEach(() => clock.reset());

  const partner = async () => {
    const id = randomUUID();
    return { id, audience: `partner:${id}`, token: await signDevToken({ sub: "u", org: "partner", tid: id, roles: ["GLOBAL_ADMIN"] }, SECRET) };
  };

  it.each([
    ["http://hooks.example.com/in", /https/],
    ["https://localhost:8443/in", /internal address/],
    ["https://127.0.0.1/in", /internal address/],
    ["https://[::1]/in", /internal address/],
    ["https://[::ffff:127.0.0.1]/in", /internal address/],
    ["https://10.1.2.3/in", /internal address/],
    ["https://169.254.169.254/latest/meta-data/", /internal address/],
    ["https://[fd00:ec2::254]/", /internal address/],
    ["https://100.64.0.7/", /internal address/],
    ["https://rebound.hooks.test/in", /resolves to an internal address \(127\.0\.0\.1\)/],
  ])("EV7: %s is BAD_USER_INPUT on input.url and registers nothing", async (url, message) => {
    names.set("rebound.hooks.test", ["127.0.0.1"]);
    const p = await partner();
    const res = await stack.gql(p.token, CREATE, { i: { url, eventTypes: ["ORDER_PLACED"] } });
    expect(res.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.url" });
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(await endpoints(stack, p.token)).toEqual([]);
  });

  it("EV7: an update to a refused URL is BAD_USER_INPUT on input.url and keeps the old URL", async () => {
    names.set("public.hooks.test", ["93.184.216.34"]);
    const p = await partner();
    const created = ok(await stack.gql(p.token, CREATE, { i: { url: "https://public.hooks.test/in", eventTypes: ["ORDER_PLACED"] } })).createWebhookEndpoint;
    const res = await stack.gql(p.token, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, url: "https://127.0.0.1/in" }) { endpoint { url } } }`, { id: created.endpoint.id });
    expect(res.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.url" });
    expect((await endpoints(stack, p.token))[0].url).toBe("https://public.hooks.test/in");
  });

  it("EV7: a name that resolved to a public address at registration and to 127.0.0.1 later is refused at delivery, before any request", async () => {
    names.set("moving.hooks.test", ["93.184.216.34"]);
    const p = await partner();
    const created = ok(await stack.gql(p.token, CREATE, { i: { url: "https://moving.hooks.test/in", eventTypes: ["ORDER_PLACED"] } })).createWebhookEndpoint;
    names.set("moving.hooks.test", ["127.0.0.1"]);
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    const [delivery] = await eventually(async () => {
      const list = await deliveries(stack, p.token, created.endpoint.id);
      return list?.[0]?.attempts === 1 && list;
    });
    expect(delivery).toMatchObject({ status: "PENDING", lastResponseStatus: null, event: { id: eventId } });
    expect(delivery.attemptLog[0]).toMatchObject({ succeeded: false, responseStatus: null, error: expect.stringMatching(/URL refused.*127\.0\.0\.1/) });
  });
});
