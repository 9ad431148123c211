/**
 * I3: errors an integration can act on, through the gateway with real tokens: why a request is
 * not authenticated (and the RFC 6750 challenge), which roles would have done for a refused
 * one, and when to retry after DEPENDENCY_UNAVAILABLE.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { signDevToken } from "../common/identity";
import { SUBGRAPH_SECRET_HEADER } from "../common/subgraph-server";
import { buildGateway } from "../gateway/server";
import { DomainError } from "../common/errors";
import { formatError } from "../common/format-error";
import { CREATE_CUSTOMER, customerInput, REMOVE_RELATIONSHIP, TERMINATE_DAP } from "./support/customer-fixtures";
import { enroll, registerCustomer } from "./support/fixtures";
import { orderRaw } from "./support/order-fixtures";
import { customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack, token } from "./support/stack";
import { worldState } from "./support/world-state";

/** A POST to the gateway that keeps the HTTP status and headers. */
async function post(stack: Stack, authorization: string | undefined, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } };
}

const VIEWER = `{ viewer { userId } }`;
const sign = (claims: Record<string, unknown>, secret = DEV_JWT_SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject("u").setExpirationTime("1h").sign(new TextEncoder().encode(secret));

describe.each(DIALECTS)("integration errors (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  describe("UNAUTHENTICATED", () => {
    const expectUnauthenticated = (res: Awaited<ReturnType<typeof post>>, reason: string, challenge: string | RegExp) => {
      expect({ status: res.status, code: res.body.errors?.[0]?.extensions?.code, reason: res.body.errors?.[0]?.extensions?.reason, data: res.body.data ?? null }).toEqual({
        status: 401,
        code: "UNAUTHENTICATED",
        reason,
        data: null,
      });
      expect(res.challenge).toEqual(typeof challenge === "string" ? challenge : expect.stringMatching(challenge));
      // The transport's own details stay inside.
      expect(Object.keys(res.body.errors![0].extensions!).sort()).toEqual(["code", "reason"]);
    };

    it("I3: no Authorization header is MISSING, challenged with the Bearer scheme only", async () => {
      expectUnauthenticated(await post(stack, undefined, VIEWER), "MISSING", `Bearer realm="csp-graph"`);
    });

    it("I3: another scheme or an empty bearer is MISSING too: no bearer token was given", async () => {
      expectUnauthenticated(await post(stack, `Basic ${Buffer.from("a:b").toString("base64")}`, VIEWER), "MISSING", `Bearer realm="csp-graph"`);
      expectUnauthenticated(await post(stack, "Bearer ", VIEWER), "MISSING", `Bearer realm="csp-graph"`);
    });

    it("I3: a token past its exp is EXPIRED, challenged with error=\"invalid_token\"", async () => {
      const expired = await token({ sub: "u", org: "operator", roles: ["OPERATOR"] }, "-1s");
      expectUnauthenticated(await post(stack, `Bearer ${expired}`, VIEWER), "EXPIRED", /^Bearer realm="csp-graph", error="invalid_token", error_description="[^"]*expired[^"]*"$/);
    });

    it("I3: a forged, garbled, exp-less or claim-breaking token is INVALID, challenged with error=\"invalid_token\"", async () => {
      const cases = {
        forged: await sign({ org: "operator", roles: ["OPERATOR"] }, "not-the-secret-but-long-enough-for-hs256"),
        garbled: "not.a.jwt",
        noExp: await new SignJWT({ org: "operator", roles: ["OPERATOR"] }).setProtectedHeader({ alg: "HS256" }).setSubject("x").sign(new TextEncoder().encode(DEV_JWT_SECRET)),
        badOrg: await sign({ org: "reseller", roles: ["GLOBAL_ADMIN"] }),
        badTid: await sign({ org: "partner", tid: "not-a-uuid", roles: ["GLOBAL_ADMIN"] }),
      };
      for (const [what, jwt] of Object.entries(cases)) {
        const res = await post(stack, `Bearer ${jwt}`, VIEWER);
        expect({ what, reason: res.body.errors?.[0]?.extensions?.reason }).toEqual({ what, reason: "INVALID" });
        expectUnauthenticated(res, "INVALID", /^Bearer realm="csp-graph", error="invalid_token", error_description="[^"]+"$/);
      }
    });

    it("I3: a forged token whose exp has passed is INVALID, not EXPIRED (the signature is checked first)", async () => {
      const forgedExpired = await new SignJWT({ org: "operator", roles: ["OPERATOR"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("x")
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode("not-the-secret-but-long-enough-for-hs256"));
      expectUnauthenticated(await post(stack, `Bearer ${forgedExpired}`, VIEWER), "INVALID", /error="invalid_token"/);
    });

    it("I3: a refused mutation changes nothing", async () => {
      const before = await worldState(stack, {});
      const expired = await token({ sub: "u", org: "operator", roles: ["OPERATOR"] }, "-1s");
      const res = await post(stack, `Bearer ${expired}`, `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id } } }`, {
        input: { id: randomUUID(), companyName: "Fabrikam Unauthenticated", defaultDomain: `f${Date.now()}.onmicrosoft.com`, cloud: "GLOBAL", country: "US" },
      });
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "EXPIRED" });
      expect(await worldState(stack, {})).toEqual(before);
    });
  });

  describe("FORBIDDEN names the roles that would do", () => {
    it("I3: a partner without a createCustomer role learns the partner roles that may, and nothing is created", async () => {
      const partner = await enroll(stack);
      const before = await worldState(stack, { partners: [partner.id] });
      const res = await stack.gql(await partnerToken(partner.id, ["HELPDESK_AGENT", "BILLING_ADMIN"]), CREATE_CUSTOMER, { input: customerInput() });
      const error = res.errors?.[0];
      expect(error?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"] });
      for (const role of ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"]) expect(error?.message).toContain(role);
      expect(res.data?.createCustomer ?? null).toBeNull();
      expect(await worldState(stack, { partners: [partner.id] })).toEqual(before);
    });

    it("I3: a customer or the operator calling a partner's operation: allowedRoles is empty, and the message says no user of its kind may", async () => {
      const customer = await registerCustomer(stack);
      const before = await worldState(stack, { customers: [customer.id] });
      const asCustomer = await stack.gql(customer.token, CREATE_CUSTOMER, { input: customerInput() });
      expect(asCustomer.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: [] });
      expect(asCustomer.errors?.[0]?.message).toMatch(/No user of a customer organisation/);
      const asOperator = await orderRaw(stack, await operatorToken(), { customerId: customer.id });
      expect(asOperator.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: [] });
      expect(asOperator.errors?.[0]?.message).toMatch(/No user of an operator organisation/);
      expect(await worldState(stack, { customers: [customer.id] })).toEqual(before);
    });

    it("I3: an operation two kinds may do names the roles of the caller's kind, before any look-up (unknown ids are not NOT_FOUND)", async () => {
      const before = await worldState(stack, {});
      const remove = await stack.gql(await customerToken(randomUUID(), ["USER"]), REMOVE_RELATIONSHIP, { c: randomUUID(), p: randomUUID() });
      expect(remove.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN"] });
      const terminateAsPartner = await stack.gql(await partnerToken(randomUUID(), ["SALES_AGENT"]), TERMINATE_DAP, { id: randomUUID() });
      expect(terminateAsPartner.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN", "ADMIN_AGENT"] });
      const terminateAsCustomer = await stack.gql(await customerToken(randomUUID(), ["USER"]), TERMINATE_DAP, { id: randomUUID() });
      expect(terminateAsCustomer.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN"] });
      const terminateAsOperator = await stack.gql(await operatorToken(), TERMINATE_DAP, { id: randomUUID() });
      expect(terminateAsOperator.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: [] });
      expect(await worldState(stack, {})).toEqual(before);
    });

    it("I3: a read only a global admin may do names GLOBAL_ADMIN", async () => {
      const res = await stack.gql(await partnerToken(randomUUID(), ["SALES_AGENT"]), `{ customersActivity(first: 1) { totalCount } }`);
      expect(res.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN"] });
    });

    it("I3: a token with no role of its organisation is refused whole (HTTP 403), naming the roles of that kind of organisation", async () => {
      const res = await post(stack, `Bearer ${await customerToken(randomUUID(), ["OPERATOR"])}`, VIEWER);
      expect({ status: res.status, extensions: res.body.errors?.[0]?.extensions }).toEqual({ status: 403, extensions: { code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN", "USER"] } });
    });
  });
});

describe.each(DIALECTS)("subgraph refusals any federation gateway can read (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  const QUERY: Record<SubgraphName, string> = { partners: `{ viewer { userId } }`, customers: `{ customers(first: 1) { totalCount } }`, subscriptions: `{ offers { id } }`, events: `{ events(first: 1) { totalCount } }` };
  /** Straight to a subgraph, as any gateway calls it, keeping the HTTP status. */
  async function direct(name: SubgraphName, headers: Record<string, string>) {
    const res = await fetch(stack.subgraphUrls[name], { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query: QUERY[name] }) });
    return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] } };
  }

  it.each(SUBGRAPH_NAMES)("I3: %s refuses a bad token of a caller holding the credential with HTTP 200 and the GraphQL error with its code and reason (a non-2xx answer is a failed fetch to other gateways)", async (name) => {
    const credential = { [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET };
    const expired = await token({ sub: "u", org: "operator", roles: ["OPERATOR"] }, "-1s");
    const cases: [string, Record<string, string>, Record<string, unknown>][] = [
      ["no token", {}, { code: "UNAUTHENTICATED", reason: "MISSING" }],
      ["an expired token", { authorization: `Bearer ${expired}` }, { code: "UNAUTHENTICATED", reason: "EXPIRED" }],
      ["a garbled token", { authorization: "Bearer garbage" }, { code: "UNAUTHENTICATED", reason: "INVALID" }],
      ["a token with no role", { authorization: `Bearer ${await customerToken(randomUUID(), ["OPERATOR"])}` }, { code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN", "USER"] }],
    ];
    for (const [what, headers, extensions] of cases) {
      const { status, body } = await direct(name, { ...credential, ...headers });
      expect({ what, status, data: body.data ?? null, extensions: body.errors?.[0]?.extensions }).toEqual({ what, status: 200, data: null, extensions });
    }
  });

  it.each(SUBGRAPH_NAMES)("I3: %s keeps its perimeter: without the credential, HTTP 403 whatever the token", async (name) => {
    const tokens: Record<string, string>[] = [{}, { authorization: "Bearer garbage" }, { authorization: `Bearer ${await operatorToken()}` }];
    for (const headers of tokens) {
      const { status, body } = await direct(name, headers);
      expect({ status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status: 403, code: "FORBIDDEN" });
    }
  });

  it("I3: a token the gateway accepts but the subgraphs refuse reaches the client as UNAUTHENTICATED with its reason, not as a failed fetch", async () => {
    // A gateway that trusts another signing key than its subgraphs: only the subgraphs' check can refuse.
    const otherSecret = "a-signing-secret-the-subgraphs-do-not-trust-0123456789";
    const config = readConfig({ ...process.env, NODE_ENV: "test", JWT_SECRET: otherSecret, SUBGRAPH_SECRET: "" });
    const gateway = buildGateway({ config, subgraphUrls: stack.subgraphUrls });
    const url = (await gateway.start(0)).url;
    try {
      const jwt = await signDevToken({ sub: "u", org: "operator", roles: ["OPERATOR"] }, otherSecret);
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` }, body: JSON.stringify({ query: `{ viewer { userId } }` }) });
      const body = (await res.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
      expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: "UNAUTHENTICATED", reason: "INVALID" }]);
    } finally {
      await gateway.stop();
    }
  });
});

describe.each(DIALECTS)("DEPENDENCY_UNAVAILABLE (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("I3: a part whose subgraph does not answer, and a mutation whose peer does not, both say in retryAfter when to try again", async () => {
    const partner = await enroll(stack);
    await stack.stopSubgraph("partners");
    // The gateway's call to the stopped subgraph.
    const read = await stack.gql(partner.token, `{ viewer { partner { id name } } }`);
    expect(read.errors?.map((e) => e.extensions)).toEqual([{ code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 }]);
    // The customers subgraph asking the stopped partners subgraph for facts: it fails closed.
    const write = await stack.gql(partner.token, CREATE_CUSTOMER, { input: customerInput() });
    expect(write.errors?.[0]?.extensions).toMatchObject({ code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 });
    expect(write.data?.createCustomer ?? null).toBeNull();
  });
});

describe("retry hint", () => {
  it("I3: every DEPENDENCY_UNAVAILABLE leaves with retryAfter in seconds; one that names its own keeps it; other codes get none", () => {
    const format = (error: DomainError) => formatError({ message: error.message, extensions: error.extensions }, error).extensions;
    expect(format(new DomainError("DEPENDENCY_UNAVAILABLE", "x"))).toEqual({ code: "DEPENDENCY_UNAVAILABLE", retryAfter: 5 });
    expect(format(new DomainError("DEPENDENCY_UNAVAILABLE", "x", { retryAfter: 30 }))).toEqual({ code: "DEPENDENCY_UNAVAILABLE", retryAfter: 30 });
    expect(format(new DomainError("NOT_FOUND", "x"))).toEqual({ code: "NOT_FOUND" });
  });
});
