/**
 * The foundation through the gateway: identity (tokens verified at the gateway and again in
 * every subgraph), the subgraph perimeter, operator mutations with field-named validation,
 * deny-by-default visibility, Relay paging, Sandbox, health, and no N+1.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET } from "../common/config";
import { SUBGRAPH_SECRET_HEADER } from "../common/subgraph-server";
import { createCustomer, enroll, placeOrder, registerCustomer } from "./support/fixtures";
import { outboxesRelayed } from "./support/event-fixtures";
import { codeOf, customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack, token } from "./support/stack";

const ENROLL = `mutation($input: EnrollPartnerInput!) { enrollPartner(input: $input) { partner { id mpnId country programs } } }`;
const REGISTER = `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id defaultDomain } } }`;
const RECORD = `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { id channel partnerOfRecord { id } billingPartner { id } version } } }`;

const partnerInput = (over: Record<string, unknown> = {}) => ({
  mpnId: String(Math.floor(Math.random() * 1e9)),
  name: "Contoso",
  programs: ["DIRECT_BILL"],
  cloud: "GLOBAL",
  country: "US",
  agreementSigned: true,
  ...over,
});

describe.each(DIALECTS)("foundation (%s)", (dialect) => {
  let stack: Stack;
  let operator: string;
  beforeAll(async () => {
    stack = await startStack(dialect);
    operator = await operatorToken();
  });
  afterAll(() => stack?.stop());

  // Unqualified on PostgreSQL too: each subgraph's connections have its schema as search_path.
  const partnerCount = async () => (await stack.subgraphs.partners.db.dataSource.query(`SELECT COUNT(*) AS n FROM partner`))[0].n;

  describe("identity", () => {
    it("no token, a bad signature, an expired token: UNAUTHENTICATED", async () => {
      expect(codeOf(await stack.gql(null, `{ viewer { userId } }`))).toBe("UNAUTHENTICATED");
      const forged = await new SignJWT({ org: "operator", roles: ["OPERATOR"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("x")
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode("not-the-secret"));
      expect(codeOf(await stack.gql(forged, `{ viewer { userId } }`))).toBe("UNAUTHENTICATED");
      const expired = await token({ sub: "u", org: "operator", roles: ["OPERATOR"] }, "-1s");
      expect(codeOf(await stack.gql(expired, `{ viewer { userId } }`))).toBe("UNAUTHENTICATED");
      const noExp = await new SignJWT({ org: "operator", roles: ["OPERATOR"] }).setProtectedHeader({ alg: "HS256" }).setSubject("x").sign(new TextEncoder().encode(DEV_JWT_SECRET));
      expect(codeOf(await stack.gql(noExp, `{ viewer { userId } }`))).toBe("UNAUTHENTICATED");
    });

    it("claims must match the Identity section: a partner token needs a tenant UUID", async () => {
      const bad = await token({ sub: "u", org: "partner", tid: "not-a-uuid", roles: ["GLOBAL_ADMIN"] });
      expect(codeOf(await stack.gql(bad, `{ viewer { userId } }`))).toBe("UNAUTHENTICATED");
      const noRoles = await token({ sub: "u", org: "partner", tid: randomUUID(), roles: ["OPERATOR"] });
      expect(codeOf(await stack.gql(noRoles, `{ viewer { userId } }`))).toBe("FORBIDDEN");
    });

    it("viewer reflects the token", async () => {
      const tid = randomUUID();
      const res = await stack.gql(await customerToken(tid, ["USER"]), `{ viewer { userId kind roles partner { id } } }`);
      expect(res.data.viewer).toEqual({ userId: `user-${tid.slice(0, 8)}`, kind: "CUSTOMER", roles: ["USER"], partner: null });
    });

    it("a subgraph verifies the token again: a forwarded bad token is refused there", async () => {
      const res = await stack.subgraphGql("partners", "garbage", `{ viewer { userId } }`);
      expect(codeOf(res)).toBe("UNAUTHENTICATED");
    });
  });

  describe("perimeter", () => {
    const SUBGRAPHS = ["partners", "customers", "subscriptions"] as const;
    const ENTITY = { partners: "Partner", customers: "Customer", subscriptions: "CloudSubscription" } as const;
    /** A query each subgraph answers. */
    const QUERY = { partners: `{ viewer { userId } }`, customers: `{ customers(first: 1) { totalCount } }`, subscriptions: `{ offers { id } }` } as const;
    /** What a caller may try on a subgraph: a query, federation's two fields, and the internal endpoint. */
    const requestsTo = (name: (typeof SUBGRAPHS)[number]) => [
      { what: "a query", path: "/graphql", query: QUERY[name] },
      { what: "a query by GET", path: "/graphql", query: QUERY[name], get: true },
      { what: "_service { sdl }", path: "/graphql", query: `{ _service { sdl } }` },
      {
        what: "_entities",
        path: "/graphql",
        query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`,
        variables: { r: [{ __typename: ENTITY[name], id: randomUUID() }] },
      },
      { what: "/internal/graphql", path: "/internal/graphql", query: `{ __typename }`, service: true },
    ];
    /** Straight to a subgraph, past the gateway, keeping the HTTP status. */
    async function direct(name: (typeof SUBGRAPHS)[number], request: ReturnType<typeof requestsTo>[number], headers: Record<string, string>) {
      const url = new URL(stack.subgraphUrls[name].replace("/graphql", request.path));
      const all = { "content-type": "application/json", ...(request.service ? { "x-csp-service": "customers" } : {}), ...headers };
      const res = request.get
        ? (url.searchParams.set("query", request.query), await fetch(url, { headers: { ...all, "apollo-require-preflight": "true" } }))
        : await fetch(url, { method: "POST", headers: all, body: JSON.stringify({ query: request.query, variables: request.variables }) });
      return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
    }
    const CREDENTIALS: [string, Record<string, string>][] = [
      ["no credential", {}],
      ["an empty credential", { [SUBGRAPH_SECRET_HEADER]: "" }],
      ["a wrong credential of the same length", { [SUBGRAPH_SECRET_HEADER]: "x".repeat(DEV_SUBGRAPH_SECRET.length) }],
      ["a wrong credential", { [SUBGRAPH_SECRET_HEADER]: `${DEV_SUBGRAPH_SECRET}-not` }],
      ["the credential in the Authorization header instead", { authorization: `Bearer ${DEV_SUBGRAPH_SECRET}` }],
    ];

    describe.each(SUBGRAPHS)("%s", (name) => {
      it.each(CREDENTIALS)("Perimeter: with %s, every request is refused FORBIDDEN with HTTP 403, even with a valid user token", async (_label, credential) => {
        for (const tok of [operator, await partnerToken(randomUUID())]) {
          for (const request of requestsTo(name)) {
            const { status, body } = await direct(name, request, { authorization: `Bearer ${tok}`, ...credential });
            expect({ what: request.what, status, code: body.errors?.[0]?.extensions?.code, data: body.data ?? null }).toEqual({
              what: request.what,
              status: 403,
              code: "FORBIDDEN",
              data: null,
            });
          }
        }
      });

      it("Perimeter: with the credential, each of them answers", async () => {
        for (const request of requestsTo(name)) {
          const { status, body } = await direct(name, request, { authorization: `Bearer ${operator}`, [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET });
          expect({ what: request.what, status, errors: body.errors }).toEqual({ what: request.what, status: 200, errors: undefined });
          expect(body.data).toBeTruthy();
        }
      });

      it("Perimeter: the credential is not an identity: without a user token the subgraph still answers UNAUTHENTICATED (as a GraphQL error, HTTP 200, which any gateway passes on)", async () => {
        const { status, body } = await direct(name, requestsTo(name)[0], { [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET });
        expect({ status, code: body.errors?.[0]?.extensions?.code, data: body.data ?? null }).toEqual({ status: 200, code: "UNAUTHENTICATED", data: null });
      });

      it("Perimeter: the internal endpoint also wants its caller named, credential or not (FORBIDDEN, 403)", async () => {
        const { what, path, query } = requestsTo(name)[4];
        const { status, body } = await direct(name, { what, path, query }, { [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET });
        expect({ status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status: 403, code: "FORBIDDEN" });
      });
    });

    it("internal fact queries are not reachable through the gateway", async () => {
      const res = await stack.gql(operator, `{ activeResellerIds(providerId: "${randomUUID()}", resellerIds: []) }`);
      expect(codeOf(res)).toBe("GRAPHQL_VALIDATION_FAILED");
    });
  });

  describe("operator mutations", () => {
    it("enrollPartner validates each field and writes nothing on refusal", async () => {
      const before = Number(await partnerCount());
      const cases: [Record<string, unknown>, string][] = [
        [{ mpnId: "12ab" }, "input.mpnId"],
        [{ mpnId: "" }, "input.mpnId"],
        [{ id: "not-a-uuid" }, "input.id"],
        [{ country: "XX" }, "input.country"],
        [{ country: "USA" }, "input.country"],
        [{ name: "" }, "input.name"],
        [{ name: "x".repeat(201) }, "input.name"],
        [{ programs: [] }, "input.programs"],
      ];
      for (const [over, field] of cases) {
        const res = await stack.gql(operator, ENROLL, { input: partnerInput(over) });
        expect({ over, code: codeOf(res), field: res.errors?.[0]?.extensions?.field }).toEqual({ over, code: "BAD_USER_INPUT", field });
      }
      expect(Number(await partnerCount())).toBe(before);
    });

    it("enrollPartner: MPN ID and tenant id are unique; ids are generated when omitted", async () => {
      const first = await stack.gql(operator, ENROLL, { input: partnerInput({ mpnId: "5550001" }) });
      expect(first.data.enrollPartner.partner.id).toMatch(/^[0-9a-f-]{36}$/);
      const again = await stack.gql(operator, ENROLL, { input: partnerInput({ mpnId: "5550001" }) });
      expect([codeOf(again), again.errors?.[0]?.extensions?.field]).toEqual(["BAD_USER_INPUT", "input.mpnId"]);
      const sameId = await stack.gql(operator, ENROLL, { input: partnerInput({ id: first.data.enrollPartner.partner.id }) });
      expect([codeOf(sameId), sameId.errors?.[0]?.extensions?.field]).toEqual(["BAD_USER_INPUT", "input.id"]);
    });

    it("operator mutations are FORBIDDEN to partners and customers", async () => {
      const partner = await partnerToken(randomUUID(), ["GLOBAL_ADMIN"]);
      const customer = await customerToken(randomUUID(), ["GLOBAL_ADMIN"]);
      for (const tok of [partner, customer]) {
        expect(codeOf(await stack.gql(tok, ENROLL, { input: partnerInput() }))).toBe("FORBIDDEN");
        expect(codeOf(await stack.gql(tok, REGISTER, { input: { companyName: "A", defaultDomain: "a.example.com", cloud: "GLOBAL", country: "US" } }))).toBe("FORBIDDEN");
      }
    });

    it("O2, NC2: registerCustomerTenant refuses a partner's CSP tenant and the German cloud", async () => {
      const partner = await enroll(stack);
      const o2 = await stack.gql(operator, REGISTER, { input: { id: partner.id, companyName: "P", defaultDomain: `p${Date.now()}.example.com`, cloud: "GLOBAL", country: "US" } });
      expect(codeOf(o2)).toBe("CSP_TENANT_PURCHASE_FORBIDDEN");
      const nc2 = await stack.gql(operator, REGISTER, { input: { companyName: "G", defaultDomain: `g${Date.now()}.example.de`, cloud: "GERMANY", country: "DE" } });
      expect(codeOf(nc2)).toBe("CLOUD_CLOSED");
      const list = await stack.gql(operator, `{ customers(search: "example") { totalCount } }`);
      expect(list.data.customers.totalCount).toBe(0);
    });

    it("registerCustomerTenant validates domain syntax and uniqueness", async () => {
      const domain = `d${Date.now()}.onmicrosoft.com`;
      const ok = await stack.gql(operator, REGISTER, { input: { companyName: "Adatum", defaultDomain: domain.toUpperCase(), cloud: "GLOBAL", country: "us" } });
      expect(ok.data.registerCustomerTenant.customer.defaultDomain).toBe(domain);
      for (const [defaultDomain, code] of [["not a domain", "BAD_USER_INPUT"], [domain, "BAD_USER_INPUT"]]) {
        const res = await stack.gql(operator, REGISTER, { input: { companyName: "X", defaultDomain, cloud: "GLOBAL", country: "US" } });
        expect([codeOf(res), res.errors?.[0]?.extensions?.field]).toEqual([code, "input.defaultDomain"]);
      }
    });

    it("MC1: recordExternalSubscription within the offer's bounds, with no partner", async () => {
      const customer = await registerCustomer(stack);
      const input = { customerId: customer.id, offerId: "m365-e3", quantity: 25, channel: "ENTERPRISE_AGREEMENT", billingCycle: "ANNUAL", termDuration: "P1Y" };
      const ok = await stack.gql(operator, RECORD, { input });
      expect(ok.data.recordExternalSubscription.subscription).toMatchObject({ channel: "ENTERPRISE_AGREEMENT", partnerOfRecord: null, billingPartner: null, version: 1 });
      const tooMany = await stack.gql(operator, RECORD, { input: { ...input, quantity: 50001 } });
      expect([codeOf(tooMany), tooMany.errors?.[0]?.extensions?.field]).toEqual(["BAD_USER_INPUT", "input.quantity"]);
      const unknown = await stack.gql(operator, RECORD, { input: { ...input, customerId: randomUUID() } });
      expect(codeOf(unknown)).toBe("NOT_FOUND");
    });
  });

  describe("visibility is deny-by-default", () => {
    it("a partner sees its own profile and the directory, not customers or subscriptions it has nothing to do with", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const customer = await createCustomer(stack, a);
      const order = await placeOrder(stack, a, customer.id);
      expect((await stack.gql(b.token, `query($id: ID!) { partner(id: $id) { id name } }`, { id: a.id })).data.partner.id).toBe(a.id);
      expect(codeOf(await stack.gql(b.token, `query($id: ID!) { customer(id: $id) { id } }`, { id: customer.id }))).toBe("NOT_FOUND");
      expect(codeOf(await stack.gql(b.token, `query($id: ID!) { subscription(id: $id) { id } }`, { id: order.subscriptions[0].id }))).toBe("NOT_FOUND");
      expect((await stack.gql(b.token, `query($id: ID!) { partner(id: $id) { customers { totalCount } subscriptions { totalCount } } }`, { id: a.id })).data.partner).toEqual({
        customers: { totalCount: 0 },
        subscriptions: { totalCount: 0 },
      });
    });

    it("P1: another cloud's partner does not exist for a partner; the operator sees every cloud", async () => {
      const here = await enroll(stack);
      const china = await enroll(stack, { cloud: "CHINA", country: "CN" });
      expect(codeOf(await stack.gql(here.token, `query($id: ID!) { partner(id: $id) { id } }`, { id: china.id }))).toBe("NOT_FOUND");
      expect(codeOf(await stack.gql(here.token, `query($m: String!) { partnerByMpnId(mpnId: $m) { id } }`, { m: china.mpnId }))).toBe("NOT_FOUND");
      expect((await stack.gql(operator, `query($id: ID!) { partner(id: $id) { id } }`, { id: china.id })).data.partner.id).toBe(china.id);
    });

    it("offers: those of the viewer's cloud", async () => {
      const china = await enroll(stack, { cloud: "CHINA", country: "CN" });
      const res = await stack.gql(china.token, `{ offers { id clouds } }`);
      expect(res.data.offers.length).toBeGreaterThan(0);
      expect(res.data.offers.every((o: { clouds: string[] }) => o.clouds.includes("CHINA"))).toBe(true);
      expect(res.data.offers.map((o: { id: string }) => o.id)).not.toContain("m365-business-premium");
    });
  });

  describe("Relay paging", () => {
    it("first defaults to 20, is at most 100, and after continues a stable order", async () => {
      const partner = await enroll(stack);
      for (let i = 0; i < 3; i++) await createCustomer(stack, partner);
      const q = `query($first: Int, $after: String) { customers(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`;
      const all = (await stack.gql(partner.token, q, {})).data.customers;
      expect(all.totalCount).toBe(3);
      const p1 = (await stack.gql(partner.token, q, { first: 2 })).data.customers;
      expect(p1.pageInfo.hasNextPage).toBe(true);
      const p2 = (await stack.gql(partner.token, q, { first: 2, after: p1.pageInfo.endCursor })).data.customers;
      expect(p2.pageInfo.hasNextPage).toBe(false);
      expect([...p1.nodes, ...p2.nodes]).toEqual(all.nodes);
      const tooMany = await stack.gql(partner.token, q, { first: 101 });
      expect([codeOf(tooMany), tooMany.errors?.[0]?.extensions?.field]).toEqual(["BAD_USER_INPUT", "first"]);
      const badCursor = await stack.gql(partner.token, q, { after: "nope" });
      expect([codeOf(badCursor), badCursor.errors?.[0]?.extensions?.field]).toEqual(["BAD_USER_INPUT", "after"]);
    });
  });

  describe("performance by design", () => {
    it("a list of 50 subscriptions resolving customer, offer and partners runs a constant number of SQL statements", async () => {
      const partner = await enroll(stack, { programs: ["DIRECT_BILL"] });
      const customers = [];
      for (let i = 0; i < 5; i++) customers.push(await createCustomer(stack, partner));
      const query = `query($id: ID!, $first: Int) { partner(id: $id) { subscriptions(first: $first) { nodes {
        id customer { id companyName } offer { name } partnerOfRecord { name } billingPartner { name } } } } }`;
      const measure = async (first: number) => {
        await outboxesRelayed(stack); // the orders' events on their way to the feed are not this query's statements
        const before = stack.statements();
        const res = await stack.gql(partner.token, query, { id: partner.id, first });
        expect(res.errors).toBeUndefined();
        const after = stack.statements();
        return { rows: res.data.partner.subscriptions.nodes.length, sql: Object.values(after).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0) };
      };
      for (const c of customers) await placeOrder(stack, partner, c.id);
      const few = await measure(5);
      for (let i = 0; i < 45; i++) await placeOrder(stack, partner, customers[i % 5].id);
      const many = await measure(50);
      expect(few.rows).toBe(5);
      expect(many.rows).toBe(50);
      expect(many.sql).toBe(few.sql);
    });
  });

  describe("HTTP surface", () => {
    it("GET / with Accept: text/html serves Apollo Sandbox with a useful initial document", async () => {
      const res = await fetch(stack.gatewayUrl.replace("/graphql", "/"), { headers: { accept: "text/html" } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("embeddable-sandbox");
      expect(html).toContain("query PartnerDashboard"); // schema/operations/partner-dashboard.graphql
    });

    it("GET /health answers 200 on every service", async () => {
      for (const url of [stack.gatewayUrl, ...Object.values(stack.subgraphUrls)]) {
        const res = await fetch(url.replace("/graphql", "/health"));
        expect(res.status).toBe(200);
      }
    });

    it("Errors: a subscription operation is refused as invalid (GRAPHQL_VALIDATION_FAILED), not an internal error", async () => {
      const res = await stack.gql(await operatorToken(), "subscription Watch { id }");
      expect(codeOf(res)).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(res.errors?.[0].message).toMatch(/no subscription operations/);
      expect(res.data ?? undefined).toBeUndefined();
      const introspected = await stack.gql(await operatorToken(), `{ __schema { subscriptionType { name } } __type(name: "Subscription") { name } }`);
      expect(introspected.data).toEqual({ __schema: { subscriptionType: null }, __type: null });
    });

    it("Errors: a refusal passed on from a subgraph names no subgraph (no extensions.serviceName)", async () => {
      const partner = await enroll(stack);
      const res = await stack.gql(partner.token, `{ customer(id: "${randomUUID()}") { id } subscription(id: "${randomUUID()}") { id } }`);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
      for (const error of res.errors ?? []) expect(Object.keys(error.extensions ?? {})).not.toContain("serviceName");
    });

    it("_entities on a subgraph resolves references only as far as the caller may see", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const customer = await createCustomer(stack, a);
      const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id companyName } } }`;
      const r = { r: [{ __typename: "Customer", id: customer.id }] };
      expect((await stack.subgraphGql("customers", a.token, q, r)).data._entities).toEqual([{ id: customer.id, companyName: expect.any(String) }]);
      expect((await stack.subgraphGql("customers", b.token, q, r)).data._entities).toEqual([null]);
    });
  });
});
