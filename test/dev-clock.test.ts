/**
 * I5: the development clock through the gateway's `/dev/clock`, as an integration would use
 * it: read it, move it with an operator token, and watch the time rules (DA2's 90-day
 * approval window and its end or auto-extension, CR's 90-day request lifetime, S4's
 * 168-hour window) take effect at once, while tokens keep the real clock.
 */
import { randomUUID } from "node:crypto";
import { clock, DAY_MS, HOUR_MS } from "../common/clock";
import { readConfig, SUBGRAPH_NAMES } from "../common/config";
import { signDevToken } from "../common/identity";
import { buildGateway } from "../gateway/server";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { ACCEPT_REQUEST, APPROVE_DAP, approveDap, createDap, dapAsOperator, expectRefusal, requestRelationship } from "./support/customer-fixtures";
import { cancel } from "./support/order-fixtures";
import { codeOf, customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack, token } from "./support/stack";
import { worldState } from "./support/world-state";

interface ClockAnswer {
  status: number;
  headers: Headers;
  body: any;
}

const clockUrl = (gatewayUrl: string) => gatewayUrl.replace(/\/graphql$/, "/dev/clock");

async function devClock(gatewayUrl: string, tok: string | null, method = "GET", body?: string): Promise<ClockAnswer> {
  const res = await fetch(clockUrl(gatewayUrl), {
    method,
    headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Moves the stack's clock as the operator, failing the test on any refusal. */
async function advance(stack: Stack, seconds: number) {
  const res = await devClock(stack.gatewayUrl, await operatorToken(), "POST", JSON.stringify({ advanceSeconds: seconds }));
  if (res.status !== 200) throw new Error(`POST /dev/clock: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const SERVICES = ["gateway", ...SUBGRAPH_NAMES];
const DAY_S = DAY_MS / 1000;

describe.each(DIALECTS)("I5: the development clock (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("I5: GET /dev/clock reads the clock of every service of the stack, in step", async () => {
    const res = await devClock(stack.gatewayUrl, await operatorToken());
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.services).sort()).toEqual([...SERVICES].sort());
    expect(res.body.inSync).toBe(true);
    for (const name of SERVICES) expect(res.body.services[name].offsetSeconds).toBe(res.body.offsetSeconds);
    // The stack's time is real time plus the offset (a minute's slack for a busy machine).
    expect(Math.abs(Date.parse(res.body.now) - res.body.offsetSeconds * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("I5: POST /dev/clock moves every service's clock forward by advanceSeconds, and GET shows the new time", async () => {
    const before = (await devClock(stack.gatewayUrl, await operatorToken())).body;
    const moved = await advance(stack, 3600);
    expect(moved.offsetSeconds).toBe(before.offsetSeconds + 3600);
    expect(moved.inSync).toBe(true);
    for (const name of SERVICES) expect(moved.services[name].offsetSeconds).toBe(before.offsetSeconds + 3600);
    const after = (await devClock(stack.gatewayUrl, await operatorToken())).body;
    expect(after.offsetSeconds).toBe(moved.offsetSeconds);
    expect(Date.parse(after.now) - Date.parse(before.now)).toBeGreaterThanOrEqual(3600_000);
    // advanceSeconds 0 moves nothing (it only aligns clocks that drifted apart).
    expect((await advance(stack, 0)).offsetSeconds).toBe(moved.offsetSeconds);
  });

  it("I5, DA2: a delegated admin relationship left unapproved expires when the clock passes 90 days, at once, and can then no longer be approved", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const dap = await createDap(stack, partner, customer.id);
    await advance(stack, 90 * DAY_S - 60);
    expect((await dapAsOperator(stack, customer.id, dap.id)).status).toBe("APPROVAL_PENDING");
    await advance(stack, 60);
    expect((await dapAsOperator(stack, customer.id, dap.id)).status).toBe("EXPIRED");
    const before = await worldState(stack, { partners: [partner.id], customers: [customer.id] });
    expectRefusal(await stack.gql(await customerToken(customer.id), APPROVE_DAP, { id: dap.id }), "INVALID_STATE");
    expect(await worldState(stack, { partners: [partner.id], customers: [customer.id] })).toEqual(before);
  });

  it("I5, DA2: past its end an auto-extending relationship gains 180 days and stays ACTIVE; one that does not auto-extend is EXPIRED", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const extending = await approveDap(stack, customer.id, (await createDap(stack, partner, customer.id, { durationDays: 1, autoExtend: true })).id);
    const ending = await approveDap(stack, customer.id, (await createDap(stack, partner, customer.id, { durationDays: 1, autoExtend: false })).id);
    await advance(stack, DAY_S + 1);
    const extended = await dapAsOperator(stack, customer.id, extending.id);
    expect(extended.status).toBe("ACTIVE");
    expect(Date.parse(extended.endsAt)).toBe(Date.parse(extending.endsAt) + 180 * DAY_MS);
    expect((await dapAsOperator(stack, customer.id, ending.id)).status).toBe("EXPIRED");
  });

  it("I5, CR: a relationship request older than 90 days is REQUEST_EXPIRED for the customer", async () => {
    const partner = await enroll(stack);
    const request = await requestRelationship(stack, partner);
    const customer = await createCustomer(stack, await enroll(stack));
    await advance(stack, 90 * DAY_S);
    expect(codeOf(await stack.gql(await customerToken(customer.id), ACCEPT_REQUEST, { code: request.code }))).toBe("REQUEST_EXPIRED");
  });

  it("I5, S4: the subscriptions service's clock moves too: 168 hours after purchase cancelling is CANCELLATION_WINDOW_CLOSED", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const [sub] = (await placeOrder(stack, partner, customer.id)).subscriptions;
    await advance(stack, (168 * HOUR_MS) / 1000 + 1);
    expect(codeOf(await cancel(stack, partner.token, sub.id))).toBe("CANCELLATION_WINDOW_CLOSED");
  });

  it("I5: token expiry keeps the real clock: a token valid for one hour still works after the clock moved two hours", async () => {
    const partner = await enroll(stack);
    const oneHour = await partnerToken(partner.id);
    await advance(stack, 2 * 3600);
    expect(codeOf(await stack.gql(oneHour, "{ viewer { partner { id } } }"))).toBeUndefined();
    // And a token expired in real time stays refused, whatever the development clock says.
    const expired = await token({ sub: "late", org: "partner", tid: partner.id, roles: ["GLOBAL_ADMIN"] }, "10s ago");
    expect(codeOf(await stack.gql(expired, "{ viewer { partner { id } } }"))).toBe("UNAUTHENTICATED");
  });

  describe("refusals, each leaving every clock where it was", () => {
    const expectUnmoved = async (before: any) => {
      const after = (await devClock(stack.gatewayUrl, await operatorToken())).body;
      expect(after.offsetSeconds).toBe(before.offsetSeconds);
      expect(after.inSync).toBe(true);
    };

    it("I5: without a token 401 UNAUTHENTICATED with WWW-Authenticate: Bearer; a forged token too", async () => {
      const before = (await devClock(stack.gatewayUrl, await operatorToken())).body;
      for (const [tok, challenge] of [[null, "Bearer"], ["not-a-token", 'Bearer error="invalid_token"']] as const) {
        for (const method of ["GET", "POST"]) {
          const res = await devClock(stack.gatewayUrl, tok, method, method === "POST" ? JSON.stringify({ advanceSeconds: 60 }) : undefined);
          expect(res.status).toBe(401);
          expect(res.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
          expect(res.headers.get("www-authenticate")).toBe(challenge);
        }
      }
      await expectUnmoved(before);
    });

    it("I5: a partner's or a customer's token is 403 FORBIDDEN: the clock is the operator's", async () => {
      const before = (await devClock(stack.gatewayUrl, await operatorToken())).body;
      for (const tok of [await partnerToken(randomUUID()), await customerToken(randomUUID())]) {
        const res = await devClock(stack.gatewayUrl, tok, "POST", JSON.stringify({ advanceSeconds: 60 }));
        expect(res.status).toBe(403);
        expect(res.body.errors[0]).toMatchObject({ extensions: { code: "FORBIDDEN" }, message: expect.stringContaining("operator") });
      }
      await expectUnmoved(before);
    });

    it.each([
      ["a negative number", '{"advanceSeconds": -1}', "advanceSeconds"],
      ["a fraction", '{"advanceSeconds": 1.5}', "advanceSeconds"],
      ["a string", '{"advanceSeconds": "60"}', "advanceSeconds"],
      ["null", '{"advanceSeconds": null}', "advanceSeconds"],
      ["more than a century", `{"advanceSeconds": ${100 * 365 * DAY_S + 1}}`, "advanceSeconds"],
      ["missing", "{}", "advanceSeconds"],
      ["beside an unknown field", '{"advanceSeconds": 60, "advanceSecond": 60}', "advanceSecond"],
      ["not an object", "[60]", "body"],
      ["not JSON", "advanceSeconds=60", "body"],
      ["empty", "", "body"],
    ])("I5: advanceSeconds %s is 400 BAD_USER_INPUT naming the field", async (_case, body, field) => {
      const before = (await devClock(stack.gatewayUrl, await operatorToken())).body;
      const res = await devClock(stack.gatewayUrl, await operatorToken(), "POST", body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field });
      expect(res.body.errors[0].message).toContain(field);
      await expectUnmoved(before);
    });

    it("I5: another method is 405 with Allow: GET, POST", async () => {
      const res = await devClock(stack.gatewayUrl, await operatorToken(), "DELETE");
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, POST");
    });
  });
});

describe("I5: a subgraph the gateway cannot reach", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack("sqlite");
  });
  afterAll(() => stack?.stop());

  it("I5: reading or moving the clock is 503 DEPENDENCY_UNAVAILABLE naming the subgraph, with retryAfter and Retry-After (I3), and no clock moves", async () => {
    await stack.stopSubgraph("subscriptions");
    const offset = clock.offset();
    const op = await operatorToken();
    const moved = await devClock(stack.gatewayUrl, op, "POST", JSON.stringify({ advanceSeconds: 3600 }));
    expect(moved.status).toBe(503);
    expect(moved.body.errors[0].extensions).toMatchObject({ code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 });
    expect(moved.headers.get("retry-after")).toBe("5");
    expect(moved.body.errors[0].message).toContain("subscriptions");
    expect(moved.body.errors[0].message).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED/);
    expect((await devClock(stack.gatewayUrl, op)).status).toBe(503);
    expect(clock.offset()).toBe(offset);
  });
});

describe("I5: production", () => {
  it("I5: with NODE_ENV=production GET and POST /dev/clock answer 404, even to the operator", async () => {
    const config = readConfig({ NODE_ENV: "production", JWT_SECRET: "a-production-secret", SUBGRAPH_SECRET: "s3cret" });
    const gateway = buildGateway({ config });
    const running = await gateway.start(0);
    try {
      const op = await signDevToken({ sub: "op", org: "operator", roles: ["OPERATOR"] }, "a-production-secret");
      expect((await devClock(running.url, op)).status).toBe(404);
      expect((await devClock(running.url, op, "POST", JSON.stringify({ advanceSeconds: 60 }))).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });
});
