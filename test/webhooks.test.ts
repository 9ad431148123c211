/**
 * Webhooks through the gateway with real receivers (EV4–EV8): registration and roles, signed
 * deliveries verified by the receiver with the standardwebhooks package, secret rotation,
 * retries on the development clock, restarts, replicas, isolation of a stalled endpoint.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { clock, HOUR_MS } from "../common/time/clock";
import { OrganizationKind } from "../common/graphql/enums";
import { EventType } from "../common/events/event-types";
import { newDelivery } from "../subgraphs/events/webhooks/fan-out";
import { WebhookDelivery } from "../subgraphs/events/webhooks/model";
import { customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack } from "./support/stack";
import { ReceiverMode, startWebhookReceiver, WebhookReceiver } from "./support/webhook-receiver";
import { CREATE, deliveries, endpoints, eventually, ingest, ok, registerEndpoint } from "./support/webhook-fixtures";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";

const MANAGERS = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "ADMIN_AGENT"];
const FAST = { WEBHOOK_POLL_INTERVAL_MS: "50" };

describe.each(DIALECTS)("webhooks (%s)", (dialect) => {
  let stack: Stack;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (mode?: ReceiverMode) => {
    const r = await startWebhookReceiver({ mode });
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    stack = await startStack(dialect, { env: FAST });
  });
  afterAll(async () => {
    // Receivers first: an attempt stalled on one ends when its connection does.
    for (const r of receivers) await r.close();
    await stack?.stop();
  });
  afterEach(() => clock.reset());

  /** A partner (any uuid: the events subgraph knows organisations only as event audiences). */
  const partner = async (roles = ["GLOBAL_ADMIN"]) => {
    const id = randomUUID();
    return { id, audience: `partner:${id}`, token: await partnerToken(id, roles), as: (r: string[]) => partnerToken(id, r) };
  };

  it("EV4: a delivery is a POST of the event's JSON, signed with the secret shown at creation, that the receiver verifies; webhook-id is the event id", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret, endpoint } = await registerEndpoint(stack, p.token, r.url, ["ORDER_PLACED", "SUBSCRIPTION_CANCELLED"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(endpoint).toMatchObject({ url: r.url, eventTypes: ["ORDER_PLACED", "SUBSCRIPTION_CANCELLED"], enabled: true, disabledReason: null });
    r.secrets = [secret];
    const before = Date.now() / 1000;
    const [eventId] = await ingest(stack, [{ type: "ORDER_PLACED", audience: [p.audience] }]);
    const [got] = await r.waitFor((d) => d.id === eventId);
    expect(got.verifiedWith).toEqual([0]);
    expect(got.answered).toBe(204);
    expect(Object.keys(got.body)).toEqual(["id", "type", "occurredAt", "subjectType", "subjectId", "actorKind", "actorId"]);
    expect(got.body).toMatchObject({ id: eventId, type: "ORDER_PLACED", subjectType: "Order", actorKind: "PARTNER", actorId: p.id });
    expect(got.timestamp).toBeGreaterThanOrEqual(Math.floor(before));
    expect(got.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const [delivery] = await eventually(async () => {
      const list = await deliveries(stack, p.token, id);
      return list?.[0]?.status === "SUCCEEDED" && list;
    });
    expect(delivery).toMatchObject({ status: "SUCCEEDED", attempts: 1, lastResponseStatus: 204, nextAttemptAt: null, event: { id: eventId, type: "ORDER_PLACED" } });
  });

  it("EV4: a mutation's event reaches the endpoints of its audience: a partner's createCustomer and placeOrder, signed and verified", async () => {
    const seller = await enroll(stack);
    const r = await receiver();
    const { secret } = await registerEndpoint(stack, seller.token, r.url, ["CUSTOMER_CREATED", "ORDER_PLACED"]);
    r.secrets = [secret];
    const customer = await createCustomer(stack, seller);
    const order = await placeOrder(stack, seller, customer.id);
    const [created] = await r.waitFor((d) => d.body?.type === "CUSTOMER_CREATED");
    const [placed] = await r.waitFor((d) => d.body?.type === "ORDER_PLACED");
    expect(created).toMatchObject({ verifiedWith: [0], body: { type: "CUSTOMER_CREATED", subjectType: "Customer", subjectId: customer.id, actorKind: "PARTNER", actorId: seller.id } });
    expect(placed).toMatchObject({ verifiedWith: [0], body: { type: "ORDER_PLACED", subjectType: "Order", subjectId: order.id, actorKind: "PARTNER", actorId: seller.id } });
    // The webhook-id is the event's id in the feed.
    const feed = ok(await stack.gql(seller.token, `{ events(first: 100) { nodes { id type subjectId } } }`)).events.nodes;
    expect(feed).toEqual(expect.arrayContaining([{ id: created.id, type: "CUSTOMER_CREATED", subjectId: customer.id }, { id: placed.id, type: "ORDER_PLACED", subjectId: order.id }]));
  });

  it("EV7: in development an http URL on loopback, by name (localhost) or address, is registered and delivered to", async () => {
    const p = await partner();
    const r = await receiver();
    const byName = r.url.replace("127.0.0.1", "localhost");
    const { secret } = await registerEndpoint(stack, p.token, byName);
    r.secrets = [secret];
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    expect((await r.waitFor((d) => d.id === eventId))[0].verifiedWith).toEqual([0]);
  });

  it("EV4: only subscribed types, and only the audience's endpoints, get a delivery", async () => {
    const [a, b] = [await partner(), await partner()];
    const [ra, rb] = [await receiver(), await receiver()];
    ra.secrets = [(await registerEndpoint(stack, a.token, ra.url, ["ORDER_PLACED"])).secret];
    rb.secrets = [(await registerEndpoint(stack, b.token, rb.url, ["ORDER_PLACED"])).secret];
    const [cancelled, placed] = await ingest(stack, [
      { type: "SUBSCRIPTION_CANCELLED", audience: [a.audience, b.audience] },
      { type: "ORDER_PLACED", audience: [a.audience] },
    ]);
    await ra.waitFor((d) => d.id === placed);
    await new Promise((res) => setTimeout(res, 300));
    expect(ra.byId(cancelled)).toHaveLength(0);
    expect(rb.deliveries).toHaveLength(0);
  });

  it("EV4: the secret is shown only in WebhookSecretPayload: WebhookEndpoint has no secret field", async () => {
    const p = await partner();
    await registerEndpoint(stack, p.token, (await receiver()).url);
    const res = await stack.gql(p.token, `{ webhookEndpoints { id secret } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("EV4: a partner's GLOBAL_ADMIN, ACCOUNT_ADMIN or ADMIN_AGENT and a customer's GLOBAL_ADMIN register endpoints", async () => {
    for (const role of MANAGERS) {
      const p = await partner([role]);
      await registerEndpoint(stack, p.token, `${(await receiver()).url}/${role}`);
      expect(await endpoints(stack, p.token)).toHaveLength(1);
    }
    const customer = randomUUID();
    const c = await customerToken(customer, ["GLOBAL_ADMIN"]);
    await registerEndpoint(stack, c, (await receiver()).url);
    expect(await endpoints(stack, c)).toHaveLength(1);
  });

  it("EV4: other roles are FORBIDDEN with the roles that would do, for every managing operation, and nothing changes; any role reads", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    await eventually(async () => (await deliveries(stack, p.token, id))?.[0]?.status === "SUCCEEDED");
    const before = await endpoints(stack, p.token);
    const operations = [
      [CREATE, { i: { url: `${r.url}/other`, eventTypes: ["ORDER_PLACED"] } }],
      [`mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, { id }],
      [`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpoint { id } } }`, { id }],
      [`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id }],
      [`mutation($id: ID!) { sendTestEvent(endpointId: $id) { delivery { id } } }`, { id }],
      [`mutation($id: ID!, $e: ID!) { redeliverEvent(endpointId: $id, eventId: $e) { delivery { id } } }`, { id, e: eventId }],
    ] as const;
    const refusals: [string, string[]][] = [
      ["SALES_AGENT", MANAGERS],
      ["HELPDESK_AGENT", MANAGERS],
      ["BILLING_ADMIN", MANAGERS],
      ["USER_MANAGEMENT_ADMIN", MANAGERS],
    ];
    for (const [role, allowed] of refusals) {
      const tok = await p.as([role]);
      for (const [query, variables] of operations) {
        const res = await stack.gql(tok, query, variables);
        expect({ role, query, ext: res.errors?.[0]?.extensions }).toEqual({ role, query, ext: { code: "FORBIDDEN", allowedRoles: allowed } });
      }
      // Any role reads the endpoints and their deliveries.
      expect(await endpoints(stack, tok)).toEqual(before);
      expect(await deliveries(stack, tok, id)).toHaveLength(1);
    }
    const customerUser = await customerToken(randomUUID(), ["USER"]);
    expect((await stack.gql(customerUser, operations[0][0], operations[0][1])).errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN"] });
    const op = await operatorToken();
    expect((await stack.gql(op, operations[0][0], operations[0][1])).errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: [] });
    expect(ok(await stack.gql(op, `{ webhookEndpoints { id } }`)).webhookEndpoints).toEqual([]);
    expect(await endpoints(stack, p.token)).toEqual(before);
    expect(await deliveries(stack, p.token, id)).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.deliveries).toHaveLength(1);
  });

  it("EV4: another organisation's endpoint does not exist for a manager: NOT_FOUND for every operation, nothing changes", async () => {
    const [owner, other] = [await partner(), await partner()];
    const { id } = await registerEndpoint(stack, owner.token, (await receiver()).url);
    const [eventId] = await ingest(stack, [{ audience: [owner.audience, other.audience] }]);
    const before = await endpoints(stack, owner.token);
    for (const [query, variables] of [
      [`mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, { id }],
      [`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpoint { id } } }`, { id }],
      [`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id }],
      [`mutation($id: ID!) { sendTestEvent(endpointId: $id) { delivery { id } } }`, { id }],
      [`mutation($id: ID!, $e: ID!) { redeliverEvent(endpointId: $id, eventId: $e) { delivery { id } } }`, { id, e: eventId }],
    ] as const) {
      const res = await stack.gql(other.token, query, variables);
      expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    expect(await endpoints(stack, other.token)).toEqual([]);
    expect(await endpoints(stack, owner.token)).toEqual(before);
  });

  it("EV4: input refusals name their field and register nothing (no types, PING, a duplicate URL, not a URL)", async () => {
    const p = await partner();
    const r = await receiver();
    await registerEndpoint(stack, p.token, r.url);
    const cases: [Record<string, unknown>, string][] = [
      [{ url: `${r.url}/a`, eventTypes: [] }, "input.eventTypes"],
      [{ url: `${r.url}/b`, eventTypes: ["PING"] }, "input.eventTypes"],
      [{ url: r.url, eventTypes: ["ORDER_PLACED"] }, "input.url"],
      [{ url: "ftp://example.com/hook", eventTypes: ["ORDER_PLACED"] }, "input.url"],
      [{ url: "not a url", eventTypes: ["ORDER_PLACED"] }, "input.url"],
    ];
    for (const [i, field] of cases) {
      const res = await stack.gql(p.token, CREATE, { i });
      expect({ i, ext: res.errors?.[0]?.extensions }).toEqual({ i, ext: { code: "BAD_USER_INPUT", field } });
    }
    expect(await endpoints(stack, p.token)).toHaveLength(1);
  });

  it("EV4: for 24 hours after a rotation each delivery carries two signatures, old and new; after that only the new; the new secret is shown once", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret: oldSecret } = await registerEndpoint(stack, p.token, r.url);
    clock.set(new Date(Date.now()));
    const rotated = ok(await stack.gql(p.token, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { id } secret } }`, { id })).rotateWebhookSecret;
    expect(rotated.secret).not.toBe(oldSecret);
    r.secrets = [oldSecret, rotated.secret];
    const [during] = await ingest(stack, [{ audience: [p.audience] }]);
    const [d1] = await r.waitFor((d) => d.id === during);
    expect(d1.signatures).toHaveLength(2);
    expect(d1.verifiedWith).toEqual([0, 1]);
    clock.advance(23 * HOUR_MS);
    const [late] = await ingest(stack, [{ audience: [p.audience] }]);
    expect((await r.waitFor((d) => d.id === late))[0].verifiedWith).toEqual([0, 1]);
    clock.advance(HOUR_MS + 1000);
    const [after] = await ingest(stack, [{ audience: [p.audience] }]);
    const [d3] = await r.waitFor((d) => d.id === after);
    expect(d3.signatures).toHaveLength(1);
    expect(d3.verifiedWith).toEqual([1]);
  });

  it("EV5: a failed delivery is retried within 60 s, then succeeds; deliveries shows each attempt", async () => {
    const p = await partner();
    const r = await receiver({ kind: "fail", status: 503 });
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    clock.set(new Date(Date.now()));
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    await r.waitFor((d) => d.id === eventId);
    const [pending] = await eventually(async () => {
      const list = await deliveries(stack, p.token, id);
      return list?.[0]?.attempts === 1 && list;
    });
    expect(pending).toMatchObject({ status: "PENDING", attempts: 1, lastResponseStatus: 503 });
    const wait = Date.parse(pending.nextAttemptAt) - Date.parse(pending.lastAttemptAt);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThan(60_000);
    // Not before it is due.
    await new Promise((res) => setTimeout(res, 300));
    expect(r.byId(eventId)).toHaveLength(1);
    r.mode = { kind: "ok" };
    clock.advance(60_000);
    await r.waitFor((d) => d.id === eventId && d.answered === 204);
    const [done] = await eventually(async () => {
      const list = await deliveries(stack, p.token, id);
      return list?.[0]?.status === "SUCCEEDED" && list;
    });
    expect(done).toMatchObject({ status: "SUCCEEDED", attempts: 2, lastResponseStatus: 204, nextAttemptAt: null });
    expect(done.attemptLog).toEqual([
      { number: 1, responseStatus: 503, succeeded: false, error: "HTTP 503" },
      { number: 2, responseStatus: 204, succeeded: true, error: null },
    ]);
    expect(r.byId(eventId).map((d) => d.answered)).toEqual([503, 204]);
  });

  it("EV7: a redirect is a failed attempt and is not followed", async () => {
    const p = await partner();
    const target = await receiver();
    const r = await receiver({ kind: "redirect", location: target.url });
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = target.secrets = [secret];
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    const [d] = await eventually(async () => {
      const list = await deliveries(stack, p.token, id);
      return list?.[0]?.attempts === 1 && list;
    });
    expect(d).toMatchObject({ status: "PENDING", lastResponseStatus: 307 });
    expect(d.attemptLog[0].error).toMatch(/redirect/);
    expect(r.byId(eventId)).toHaveLength(1);
    expect(target.deliveries).toHaveLength(0);
  });

  it("EV5: a delivery failing for 3 days is FAILED; an endpoint failing for 5 days is disabled with its reason", async () => {
    const p = await partner();
    const r = await receiver({ kind: "fail", status: 500 });
    const { id } = await registerEndpoint(stack, p.token, r.url);
    clock.set(new Date(Date.now()));
    /** Moves the clock to each next attempt of the endpoint's deliveries until `done` holds. */
    const drive = async (done: (list: any[]) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const list = await deliveries(stack, p.token, id);
        if (done(list)) return list;
        const due = list.filter((d) => d.nextAttemptAt).map((d) => Date.parse(d.nextAttemptAt));
        const attempts = list.reduce((n, d) => n + d.attempts, 0);
        if (due.length && Math.min(...due) > clock.now().getTime()) clock.set(new Date(Math.min(...due)));
        await eventually(async () => (await deliveries(stack, p.token, id)).reduce((n, d) => n + d.attempts, 0) > attempts || done(await deliveries(stack, p.token, id)), 5_000);
      }
      throw new Error("did not settle");
    };
    const start = clock.now().getTime();
    const [first] = await ingest(stack, [{ audience: [p.audience] }]);
    const failed = await drive((list) => list[0]?.status === "FAILED");
    expect(failed[0]).toMatchObject({ status: "FAILED", nextAttemptAt: null, event: { id: first } });
    expect(Date.parse(failed[0].lastAttemptAt) - start).toBeLessThanOrEqual(3 * 24 * HOUR_MS);
    expect(Date.parse(failed[0].lastAttemptAt) - start).toBeGreaterThan(2 * 24 * HOUR_MS);
    expect(failed[0].attemptLog.length).toBe(failed[0].attempts);
    expect((await endpoints(stack, p.token))[0]).toMatchObject({ enabled: true, disabledReason: null });
    // A second event keeps the endpoint failing past 5 days from its first failure.
    await ingest(stack, [{ audience: [p.audience] }]);
    await drive(() => false).catch(() => undefined);
    const [endpoint] = await endpoints(stack, p.token);
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toMatch(/failing for 5 days.*HTTP 500/);
    // Disabled: a new event queues nothing for it.
    const count = (await deliveries(stack, p.token, id)).length;
    await ingest(stack, [{ audience: [p.audience] }]);
    expect(await deliveries(stack, p.token, id)).toHaveLength(count);
    // Enabled again by its owner: the reason is cleared.
    const enabled = ok(await stack.gql(p.token, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: true }) { endpoint { enabled disabledReason } } }`, { id }));
    expect(enabled.updateWebhookEndpoint.endpoint).toEqual({ enabled: true, disabledReason: null });
  }, 120_000);

  it("EV8: sendTestEvent queues a PING for that endpoint at once and returns its delivery; PING is not in the feed", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    const sent = ok(await stack.gql(p.token, `mutation($id: ID!) { sendTestEvent(endpointId: $id) { delivery { id status attempts event { id type subjectId subject { __typename } } } } }`, { id }));
    const delivery = sent.sendTestEvent.delivery;
    expect(delivery).toMatchObject({ status: "PENDING", attempts: 0, event: { type: "PING", subjectId: null, subject: null } });
    const [got] = await r.waitFor((d) => d.id === delivery.event.id);
    expect(got.verifiedWith).toEqual([0]);
    expect(got.body).toMatchObject({ id: delivery.event.id, type: "PING", subjectType: null, subjectId: null, actorKind: "PARTNER", actorId: p.id });
    const feed = ok(await stack.gql(p.token, `{ events(first: 100) { nodes { id type } } }`)).events;
    expect(feed.nodes.map((e: any) => e.type)).not.toContain("PING");
    const opFeed = ok(await stack.gql(await operatorToken(), `{ events(last: 100) { nodes { id type } } }`)).events;
    expect(opFeed.nodes.map((e: any) => e.id)).not.toContain(delivery.event.id);
  });

  it("EV8: redeliverEvent sends one event to one endpoint again with its original id; repeated while pending it queues nothing more", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    const [eventId] = await ingest(stack, [{ audience: [p.audience] }]);
    await r.waitFor((d) => d.id === eventId);
    await eventually(async () => (await deliveries(stack, p.token, id))?.[0]?.status === "SUCCEEDED");
    r.mode = { kind: "fail", status: 502 };
    const REDELIVER = `mutation($id: ID!, $e: ID!) { redeliverEvent(endpointId: $id, eventId: $e) { delivery { id status event { id } } } }`;
    const again = ok(await stack.gql(p.token, REDELIVER, { id, e: eventId })).redeliverEvent.delivery;
    expect(again).toMatchObject({ status: "PENDING", event: { id: eventId } });
    await r.waitFor((d) => d.id === eventId, 2);
    expect(r.byId(eventId).every((d) => d.verifiedWith.length === 1)).toBe(true);
    // Still pending (it failed): a repeat returns the same delivery.
    const repeat = ok(await stack.gql(p.token, REDELIVER, { id, e: eventId })).redeliverEvent.delivery;
    expect(repeat.id).toBe(again.id);
    expect(await deliveries(stack, p.token, id)).toHaveLength(2);
    // An event the endpoint's organisation never received does not exist for it.
    const [foreign] = await ingest(stack, [{ audience: [(await partner()).audience] }]);
    const res = await stack.gql(p.token, REDELIVER, { id, e: foreign });
    expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await deliveries(stack, p.token, id)).toHaveLength(2);
  });

  it("EV5, L1: deliveries pages newest first with keyset cursors, filtered by status", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...(await ingest(stack, [{ audience: [p.audience] }])));
      clock.advance(1000);
    }
    await r.waitFor((d) => ids.includes(d.id), 5);
    await eventually(async () => (await deliveries(stack, p.token, id, "status: SUCCEEDED")).length === 5);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = ok(
        await stack.gql(p.token, `query($a: String) { webhookEndpoints { id deliveries(first: 2, after: $a) { edges { cursor node { event { id } } } pageInfo { hasNextPage endCursor } } } }`, { a: after }),
      ).webhookEndpoints.find((e: any) => e.id === id).deliveries;
      seen.push(...page.edges.map((e: any) => e.node.event.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(await deliveries(stack, p.token, id, "status: PENDING")).toHaveLength(0);
  });

  it("EV5: a delivery claimed by a worker that died is attempted again once its lease lapses, not before", async () => {
    const p = await partner();
    const r = await receiver();
    const { id, secret } = await registerEndpoint(stack, p.token, r.url);
    r.secrets = [secret];
    // As a crashed process leaves it: claimed, its lease running out, never recorded.
    const stranded = Object.assign(newDelivery(id, { id: randomUUID(), type: EventType.PING, occurredAt: clock.now(), subjectType: null, subjectId: null, actorKind: OrganizationKind.PARTNER, actorId: p.id }, clock.now()), {
      leaseOwner: "a-worker-that-died",
      leaseUntil: new Date(Date.now() + 700),
    });
    await stack.subgraphs.events.db.transaction((em) => em.insert(WebhookDelivery, stranded));
    await new Promise((res) => setTimeout(res, 400));
    expect(r.byId(stranded.eventId)).toHaveLength(0);
    const [got] = await r.waitFor((d) => d.id === stranded.eventId);
    expect(got.receivedAt).toBeGreaterThanOrEqual(stranded.leaseUntil!.getTime());
    await eventually(async () => (await deliveries(stack, p.token, id))?.[0]?.status === "SUCCEEDED");
    expect(r.byId(stranded.eventId)).toHaveLength(1);
  });

  it("EV6: a stalled endpoint delays no other endpoint and no mutation", async () => {
    const [slow, fast] = [await partner(), await partner()];
    const stalled = await receiver({ kind: "stall", ms: 60_000 });
    const quick = await receiver();
    await registerEndpoint(stack, slow.token, stalled.url);
    quick.secrets = [(await registerEndpoint(stack, fast.token, quick.url)).secret];
    // Baseline: how long a mutation takes with nothing stalled.
    const timed = async () => {
      const t = performance.now();
      ok(await stack.gql(fast.token, CREATE, { i: { url: `${quick.url}/${randomUUID()}`, eventTypes: ["SUBSCRIPTION_CANCELLED"] } }));
      return performance.now() - t;
    };
    const baseline = Math.max(await timed(), await timed());
    // The slow endpoint's receiver now holds every connection it gets, past the attempt timeout.
    const stuck = await ingest(stack, Array.from({ length: 10 }, () => ({ audience: [slow.audience] })));
    await stalled.waitFor((d) => stuck.includes(d.id));
    const t0 = performance.now();
    const quickIds = await ingest(stack, Array.from({ length: 10 }, () => ({ audience: [fast.audience] })));
    await quick.waitFor((d) => quickIds.includes(d.id), 10, 5_000);
    const fastDeliveryMs = performance.now() - t0;
    const during = Math.max(await timed(), await timed());
    expect(fastDeliveryMs).toBeLessThan(2_000);
    expect(during).toBeLessThan(baseline * 3 + 250);
    // The stalled endpoint holds no more than its concurrency bound.
    expect(stalled.deliveries.length).toBeLessThanOrEqual(stack.config.webhooks.endpointConcurrency);
  });
});

describe("webhook delivery across restarts and replicas", () => {
  const receivers: WebhookReceiver[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });
  afterEach(() => clock.reset());

  it("EV5: a restart of the events service loses no pending delivery and sends no acknowledged one again", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "webhooks-restart-"));
    const stack = await startStack("sqlite", { dataDir, env: FAST });
    try {
      const id = randomUUID();
      const tok = await partnerToken(id);
      const good = await startWebhookReceiver();
      const bad = await startWebhookReceiver({ mode: { kind: "fail", status: 503 } });
      receivers.push(good, bad);
      good.secrets = [(await registerEndpoint(stack, tok, good.url)).secret];
      bad.secrets = [(await registerEndpoint(stack, tok, bad.url)).secret];
      clock.set(new Date(Date.now()));
      const events = await ingest(stack, Array.from({ length: 5 }, () => ({ audience: [`partner:${id}`] })));
      await good.waitFor((d) => events.includes(d.id), 5);
      await bad.waitFor((d) => events.includes(d.id), 5);
      await stack.stopSubgraph("events");
      await stack.restartSubgraph("events");
      bad.mode = { kind: "ok" };
      clock.advance(120_000);
      await bad.waitFor((d) => events.includes(d.id) && d.answered === 204, 5);
      await new Promise((res) => setTimeout(res, 500));
      for (const e of events) {
        expect(good.byId(e).map((d) => d.answered)).toEqual([204]);
        expect(bad.byId(e).map((d) => d.answered)).toEqual([503, 204]);
      }
    } finally {
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const onPostgres = process.env.TEST_DATABASE_URL ? it : it.skip;
  onPostgres("EV5: two replicas of the events service on PostgreSQL never attempt one delivery at once, and each is sent until acknowledged", async () => {
    const stack = await startStack("postgres", { env: FAST, replicas: { events: 2 } });
    try {
      const id = randomUUID();
      const tok = await partnerToken(id);
      // Slow answers widen the window in which a second claim could happen.
      const r = await startWebhookReceiver({ mode: { kind: "fail", status: 500 } });
      receivers.push(r);
      const { id: endpointId, secret } = await registerEndpoint(stack, tok, r.url);
      r.secrets = [secret];
      clock.set(new Date(Date.now()));
      const events = await ingest(stack, Array.from({ length: 30 }, () => ({ audience: [`partner:${id}`] })));
      await r.waitFor((d) => events.includes(d.id), 30);
      await new Promise((res) => setTimeout(res, 300));
      for (const e of events) expect({ e, n: r.byId(e).length }).toEqual({ e, n: 1 });
      r.mode = { kind: "ok" };
      clock.advance(120_000);
      await r.waitFor((d) => events.includes(d.id) && d.answered === 204, 30, 20_000);
      await new Promise((res) => setTimeout(res, 500));
      for (const e of events) expect({ e, answers: r.byId(e).map((d) => d.answered) }).toEqual({ e, answers: [500, 204] });
      const listed = await deliveries(stack, tok, endpointId);
      expect(listed.every((d) => d.status === "SUCCEEDED" && d.attempts === 2)).toBe(true);
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
