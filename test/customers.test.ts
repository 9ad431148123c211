/**
 * Customers: createCustomer (CR1, T4, NC2, NC4), registerCustomerTenant (O2, NC2),
 * relationship requests (CR1, CR2), removeResellerRelationship (CR3), CV1 reads and search,
 * and the role table for these mutations — all through the gateway.
 */
import { randomUUID } from "node:crypto";
import { clock, DAY_MS } from "../common/time/clock";
import { codeOf, customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, linkReseller, ORDER, placeOrder } from "./support/fixtures";
import { worldState } from "./support/world-state";
import {
  ACCEPT_REQUEST,
  allCustomersAsOperator,
  CREATE_CUSTOMER,
  CREATE_REQUEST,
  customerAsOperator,
  customerInput,
  customersWithDomain,
  establish,
  expectNoLeak,
  expectRefusal,
  ok,
  PARTNER_ROLES,
  register,
  REGISTER,
  registrationInput,
  REMOVE_RELATIONSHIP,
  requestRelationship,
  subscriptionAsOperator,
  SUSPEND,
  uniqueDomain,
  uniqueName,
} from "./support/customer-fixtures";

const LOOKUP = `query($id: ID!) { customer(id: $id) { id companyName } }`;
const LIST = `query($s: String) { customers(search: $s, first: 100) { totalCount nodes { id } } }`;
const PARTNER_CUSTOMERS = `query($p: ID!, $r: ID, $s: String) { partner(id: $p) { customers(resellerId: $r, search: $s, first: 100) { totalCount nodes { id } } } }`;

async function listIds(stack: Stack, token: string, search?: string): Promise<string[]> {
  const data = await ok(stack, token, LIST, { s: search ?? null });
  expect(data.customers.totalCount).toBe(data.customers.nodes.length);
  return data.customers.nodes.map((n: any) => n.id).sort();
}

async function partnerCustomerIds(stack: Stack, token: string, partnerId: string, resellerId?: string): Promise<string[]> {
  const data = await ok(stack, token, PARTNER_CUSTOMERS, { p: partnerId, r: resellerId ?? null, s: null });
  return data.partner.customers.nodes.map((n: any) => n.id).sort();
}

async function terminateReseller(stack: Stack, token: string, relationshipId: string) {
  await ok(stack, token, `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id status } } }`, { id: relationshipId });
}

describe.each(DIALECTS)("customers (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  // ---------------------------------------------------------------- createCustomer

  describe("createCustomer", () => {
    it("CR1: createCustomer gives the creating partner an ACTIVE reseller relationship", async () => {
      const partner = await enroll(stack);
      const input = customerInput();
      const data = await ok(stack, partner.token, CREATE_CUSTOMER, { input });
      const created = data.createCustomer.customer;
      expect(created).toMatchObject({ companyName: input.companyName, defaultDomain: input.defaultDomain, cloud: "GLOBAL", country: "US" });
      expect(created.partnerRelationships).toEqual([{ id: expect.any(String), status: "ACTIVE", partner: { id: partner.id }, indirectProvider: null }]);

      const asOperator = await customerAsOperator(stack, created.id);
      expect(asOperator.partnerRelationships).toHaveLength(1);
      expect(asOperator.partnerRelationships[0]).toMatchObject({ status: "ACTIVE", removedAt: null, partner: { id: partner.id }, indirectProvider: null });
      expect(asOperator.billingProfile).toEqual({ ...input.billingProfile, companyName: input.companyName });
      expect(await listIds(stack, partner.token)).toContain(created.id);
      expect(await partnerCustomerIds(stack, partner.token, partner.id)).toEqual([created.id]);
    });

    it("createCustomer: a taken defaultDomain is BAD_USER_INPUT on input.defaultDomain (also in another case)", async () => {
      const partner = await enroll(stack);
      const other = await enroll(stack);
      const domain = uniqueDomain("taken");
      await ok(stack, partner.token, CREATE_CUSTOMER, { input: customerInput({ defaultDomain: domain }) });
      const before = await allCustomersAsOperator(stack);
      for (const [who, d] of [[partner, domain], [other, domain.toUpperCase()]] as const) {
        const res = await stack.gql(who.token, CREATE_CUSTOMER, { input: customerInput({ defaultDomain: d }) });
        expectRefusal(res, "BAD_USER_INPUT", "input.defaultDomain");
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
      expect(await customersWithDomain(stack, domain)).toHaveLength(1);
    });

    it("createCustomer: invalid input is BAD_USER_INPUT naming the field", async () => {
      const partner = await enroll(stack);
      const before = await allCustomersAsOperator(stack);
      const cases: [Record<string, unknown>, string][] = [
        [{ companyName: "   " }, "input.companyName"],
        [{ companyName: "x".repeat(201) }, "input.companyName"],
        [{ defaultDomain: "not a domain" }, "input.defaultDomain"],
        [{ country: "XX" }, "input.country"],
        [{ resellerId: "not-a-uuid" }, "input.resellerId"],
        [{ billingProfile: { email: "nobody" } }, "input.billingProfile.email"],
      ];
      for (const [overrides, field] of cases) {
        expectRefusal(await stack.gql(partner.token, CREATE_CUSTOMER, { input: customerInput(overrides) }), "BAD_USER_INPUT", field);
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });

    it("NC2: a GERMANY partner's createCustomer is CLOUD_CLOSED", async () => {
      const partner = await enroll(stack, { cloud: "GERMANY", country: "DE" });
      const before = await allCustomersAsOperator(stack);
      const input = customerInput({ country: "DE" });
      expectRefusal(await stack.gql(partner.token, CREATE_CUSTOMER, { input }), "CLOUD_CLOSED");
      expect(await allCustomersAsOperator(stack)).toEqual(before);
      expect(await customersWithDomain(stack, input.defaultDomain)).toEqual([]);
    });

    it("NC4: createCustomer for a country other than the partner's is REGION_MISMATCH", async () => {
      const partner = await enroll(stack, { country: "US" });
      const before = await allCustomersAsOperator(stack);
      const input = customerInput({ country: "GB" });
      expectRefusal(await stack.gql(partner.token, CREATE_CUSTOMER, { input }), "REGION_MISMATCH");
      expect(await allCustomersAsOperator(stack)).toEqual(before);
      expect(await customersWithDomain(stack, input.defaultDomain)).toEqual([]);
    });

    describe("T4: on behalf of a reseller", () => {
      const refusedFor = async (provider: { token: string }, resellerId: string) => {
        const before = await allCustomersAsOperator(stack);
        const input = customerInput({ resellerId });
        const res = await stack.gql(provider.token, CREATE_CUSTOMER, { input });
        expectRefusal(res, "RESELLER_NOT_AUTHORIZED");
        expect(await allCustomersAsOperator(stack)).toEqual(before);
        expect(await customersWithDomain(stack, input.defaultDomain)).toEqual([]);
        return res;
      };

      it("T4: a PENDING reseller is RESELLER_NOT_AUTHORIZED", async () => {
        const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
        const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
        await ok(stack, provider.token, `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`, { m: reseller.mpnId });
        await refusedFor(provider, reseller.id);
      });

      it("T4: a TERMINATED reseller is RESELLER_NOT_AUTHORIZED", async () => {
        const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
        const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
        const link = await linkReseller(stack, provider, reseller);
        await ok(stack, provider.token, CREATE_CUSTOMER, { input: customerInput({ resellerId: reseller.id }) }); // works while ACTIVE
        const before = await listIds(stack, provider.token);
        expect(before).toHaveLength(1);
        await terminateReseller(stack, provider.token, link);
        await refusedFor(provider, reseller.id);
        // T7: the provider still sees the customer it created for the reseller (T3 changes nothing else).
        expect(await listIds(stack, provider.token)).toEqual(before);
        expect(await listIds(stack, reseller.token)).toEqual(before);
      });

      it("T4: a reseller that has not signed the agreement is RESELLER_NOT_AUTHORIZED", async () => {
        const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
        const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"], agreementSigned: false });
        await linkReseller(stack, provider, reseller);
        await refusedFor(provider, reseller.id);
      });

      it("T4: a reseller of another provider (or an unknown id) is RESELLER_NOT_AUTHORIZED, without leaking it", async () => {
        const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
        const otherProvider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"], name: uniqueName("Other Provider") });
        const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
        await linkReseller(stack, otherProvider, reseller);
        const res = await refusedFor(provider, reseller.id);
        expectNoLeak(res, [otherProvider.id]);
        await refusedFor(provider, randomUUID());
        // A direct-bill partner cannot act on behalf of anyone.
        const direct = await enroll(stack);
        await refusedFor(direct, reseller.id);
      });

      it("T4: createCustomer for an ACTIVE signed reseller records the provider as indirectProvider (T7: both see it)", async () => {
        const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
        const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
        const sibling = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
        await linkReseller(stack, provider, reseller);
        await linkReseller(stack, provider, sibling);
        const data = await ok(stack, provider.token, CREATE_CUSTOMER, { input: customerInput({ resellerId: reseller.id }) });
        const id = data.createCustomer.customer.id;
        const asOperator = await customerAsOperator(stack, id);
        expect(asOperator.partnerRelationships).toHaveLength(1);
        expect(asOperator.partnerRelationships[0]).toMatchObject({ status: "ACTIVE", partner: { id: reseller.id }, indirectProvider: { id: provider.id } });
        // T7: the provider and the reseller see it; the provider filters by reseller; a sibling reseller does not.
        expect((await ok(stack, provider.token, LOOKUP, { id })).customer.id).toBe(id);
        expect((await ok(stack, reseller.token, LOOKUP, { id })).customer.id).toBe(id);
        expect(await partnerCustomerIds(stack, provider.token, provider.id, reseller.id)).toEqual([id]);
        expect(await partnerCustomerIds(stack, provider.token, provider.id, sibling.id)).toEqual([]);
        expect(await listIds(stack, reseller.token)).toEqual([id]);
        expectRefusal(await stack.gql(sibling.token, LOOKUP, { id }), "NOT_FOUND");
        expect(await listIds(stack, sibling.token)).toEqual([]);
      });
    });

    it("Role table: createCustomer is for partner GLOBAL_ADMIN, ADMIN_AGENT, SALES_AGENT only", async () => {
      const partner = await enroll(stack);
      const allowed = ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"];
      for (const role of PARTNER_ROLES) {
        const input = customerInput();
        const before = await allCustomersAsOperator(stack);
        const res = await stack.gql(await partnerToken(partner.id, [role]), CREATE_CUSTOMER, { input });
        if (allowed.includes(role)) {
          expect(res.errors).toBeUndefined();
          expect(await customersWithDomain(stack, input.defaultDomain)).toEqual([res.data.createCustomer.customer.id]);
        } else {
          expectRefusal(res, "FORBIDDEN");
          expect(await allCustomersAsOperator(stack)).toEqual(before);
        }
      }
      const someCustomer = await register(stack);
      const before = await allCustomersAsOperator(stack);
      for (const tok of [await operatorToken(), await customerToken(someCustomer.id), await customerToken(someCustomer.id, ["USER"])]) {
        expectRefusal(await stack.gql(tok, CREATE_CUSTOMER, { input: customerInput() }), "FORBIDDEN");
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------- registerCustomerTenant

  describe("registerCustomerTenant", () => {
    it("registerCustomerTenant: the operator registers a tenant that no partner sees", async () => {
      const input = registrationInput({ country: "gb" });
      const data = await ok(stack, await operatorToken(), REGISTER, { input });
      expect(data.registerCustomerTenant.customer).toEqual({ id: input.id, companyName: input.companyName, defaultDomain: input.defaultDomain, cloud: "GLOBAL", country: "GB" });
      const asOperator = await customerAsOperator(stack, input.id);
      expect(asOperator.partnerRelationships).toEqual([]);
      const partner = await enroll(stack, { country: "GB" });
      expectRefusal(await stack.gql(partner.token, LOOKUP, { id: input.id }), "NOT_FOUND");
    });

    it("O2: registering an enrolled partner's CSP tenant is CSP_TENANT_PURCHASE_FORBIDDEN", async () => {
      const partner = await enroll(stack);
      const before = await allCustomersAsOperator(stack);
      for (const id of [partner.id, partner.id.toUpperCase()]) {
        const res = await stack.gql(await operatorToken(), REGISTER, { input: registrationInput({ id }) });
        expectRefusal(res, "CSP_TENANT_PURCHASE_FORBIDDEN");
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
      expect(await customerAsOperator(stack, partner.id)).toBeNull();
    });

    it("NC2: registering a customer in GERMANY is CLOUD_CLOSED", async () => {
      const before = await allCustomersAsOperator(stack);
      const input = registrationInput({ cloud: "GERMANY", country: "DE" });
      expectRefusal(await stack.gql(await operatorToken(), REGISTER, { input }), "CLOUD_CLOSED");
      expect(await allCustomersAsOperator(stack)).toEqual(before);
      expect(await customerAsOperator(stack, input.id)).toBeNull();
    });

    it("registerCustomerTenant: bad country, domain, id, name and taken domain/id are BAD_USER_INPUT with the field", async () => {
      const existing = await register(stack);
      const before = await allCustomersAsOperator(stack);
      const cases: [Record<string, unknown>, string][] = [
        [{ country: "ZZ" }, "input.country"],
        [{ country: "USA" }, "input.country"],
        [{ defaultDomain: "no_domain" }, "input.defaultDomain"],
        [{ defaultDomain: existing.defaultDomain }, "input.defaultDomain"],
        [{ id: "12345" }, "input.id"],
        [{ id: existing.id }, "input.id"],
        [{ companyName: "" }, "input.companyName"],
      ];
      for (const [overrides, field] of cases) {
        expectRefusal(await stack.gql(await operatorToken(), REGISTER, { input: registrationInput(overrides) }), "BAD_USER_INPUT", field);
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });

    it("Role table: registerCustomerTenant is for the operator only (FORBIDDEN otherwise)", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const before = await allCustomersAsOperator(stack);
      const tokens = [
        ...(await Promise.all(PARTNER_ROLES.map((r) => partnerToken(partner.id, [r])))),
        await customerToken(customer.id),
        await customerToken(customer.id, ["USER"]),
      ];
      for (const tok of tokens) {
        const input = registrationInput();
        expectRefusal(await stack.gql(tok, REGISTER, { input }), "FORBIDDEN");
      }
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------- relationship requests

  describe("relationship requests", () => {
    it("CR1: a request's code has at least 128 random bits and its url embeds it; it is PENDING for 90 days", async () => {
      const partner = await enroll(stack);
      const a = await requestRelationship(stack, partner);
      const b = await requestRelationship(stack, partner);
      for (const r of [a, b]) {
        expect(r.code).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(r.code.length * 6).toBeGreaterThanOrEqual(128); // base64url: 6 bits a character
        expect(r.url).toContain(`code=${encodeURIComponent(r.code)}`);
        expect(r.status).toBe("PENDING");
        expect(new Date(r.expiresAt).getTime() - new Date(r.createdAt).getTime()).toBe(90 * DAY_MS);
      }
      expect(a.code).not.toBe(b.code);
    });

    it("CR1: a customer GLOBAL_ADMIN accepting the code creates an ACTIVE relationship", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      expectRefusal(await stack.gql(partner.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
      const req = await requestRelationship(stack, partner);
      const data = await ok(stack, customer.token, ACCEPT_REQUEST, { code: req.code });
      expect(data.acceptRelationshipRequest.relationship).toMatchObject({
        status: "ACTIVE",
        removedAt: null,
        customer: { id: customer.id },
        partner: { id: partner.id },
        indirectProvider: null,
      });
      const asOperator = await customerAsOperator(stack, customer.id);
      expect(asOperator.partnerRelationships.map((r: any) => [r.partner.id, r.status])).toEqual([[partner.id, "ACTIVE"]]);
      expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.id).toBe(customer.id);
      expect(await listIds(stack, partner.token)).toEqual([customer.id]);
    });

    it("CR1: a customer USER (and any partner or the operator) accepting is FORBIDDEN and leaves the code usable", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const req = await requestRelationship(stack, partner);
      const before = await customerAsOperator(stack, customer.id);
      for (const tok of [await customerToken(customer.id, ["USER"]), partner.token, await operatorToken()]) {
        expectRefusal(await stack.gql(tok, ACCEPT_REQUEST, { code: req.code }), "FORBIDDEN");
      }
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
      await ok(stack, customer.token, ACCEPT_REQUEST, { code: req.code });
    });

    it("CR1: a used code is NOT_FOUND (for the same and for another customer); an unknown code too", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const other = await register(stack);
      const req = await requestRelationship(stack, partner);
      await ok(stack, customer.token, ACCEPT_REQUEST, { code: req.code });
      const before = await allCustomersAsOperator(stack);
      for (const c of [customer, other]) expectRefusal(await stack.gql(c.token, ACCEPT_REQUEST, { code: req.code }), "NOT_FOUND");
      expectRefusal(await stack.gql(other.token, ACCEPT_REQUEST, { code: "no-such-code" }), "NOT_FOUND");
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });

    it("CR1: a request expires 90 days after it was made (REQUEST_EXPIRED)", async () => {
      const partner = await enroll(stack);
      const early = await register(stack);
      const late = await register(stack);
      const reqEarly = await requestRelationship(stack, partner);
      const reqLate = await requestRelationship(stack, partner);
      clock.advance(90 * DAY_MS - 60_000);
      await ok(stack, early.token, ACCEPT_REQUEST, { code: reqEarly.code }); // still valid a minute before
      clock.advance(60_000);
      const before = await customerAsOperator(stack, late.id);
      expectRefusal(await stack.gql(late.token, ACCEPT_REQUEST, { code: reqLate.code }), "REQUEST_EXPIRED");
      expect(await customerAsOperator(stack, late.id)).toEqual(before);
      expect(before.partnerRelationships).toEqual([]);
    });

    it("CR1: accepting while the partner already has an ACTIVE relationship is RELATIONSHIP_EXISTS", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const req = await requestRelationship(stack, partner);
      const before = await customerAsOperator(stack, customer.id);
      expectRefusal(await stack.gql(customer.token, ACCEPT_REQUEST, { code: req.code }), "RELATIONSHIP_EXISTS");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
      expect(before.partnerRelationships).toHaveLength(1);
    });

    it("NC1: accepting a request of a partner in another cloud is CLOUD_MISMATCH", async () => {
      const partner = await enroll(stack, { cloud: "US_GOVERNMENT", country: "US" });
      const customer = await register(stack, { cloud: "GLOBAL", country: "US" });
      const req = await requestRelationship(stack, partner);
      const before = await customerAsOperator(stack, customer.id);
      expectRefusal(await stack.gql(customer.token, ACCEPT_REQUEST, { code: req.code }), "CLOUD_MISMATCH");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
      expectRefusal(await stack.gql(partner.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
    });

    it("NC4: accepting a request of a partner of another country is REGION_MISMATCH", async () => {
      const partner = await enroll(stack, { country: "GB" });
      const customer = await register(stack, { country: "US" });
      const req = await requestRelationship(stack, partner);
      const before = await customerAsOperator(stack, customer.id);
      expectRefusal(await stack.gql(customer.token, ACCEPT_REQUEST, { code: req.code }), "REGION_MISMATCH");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    });

    it("CR2: an indirect reseller's request must name one of its ACTIVE providers", async () => {
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const stranger = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      const direct = await enroll(stack);
      await linkReseller(stack, provider, reseller);
      const before = await allCustomersAsOperator(stack);
      expectRefusal(await stack.gql(reseller.token, CREATE_REQUEST, { input: null }), "BAD_USER_INPUT", "input.indirectProviderId");
      expectRefusal(await stack.gql(reseller.token, CREATE_REQUEST, { input: { indirectProviderId: "nope" } }), "BAD_USER_INPUT", "input.indirectProviderId");
      expectRefusal(await stack.gql(reseller.token, CREATE_REQUEST, { input: { indirectProviderId: stranger.id } }), "RESELLER_NOT_AUTHORIZED");
      expectRefusal(await stack.gql(direct.token, CREATE_REQUEST, { input: { indirectProviderId: provider.id } }), "INVALID_PARTNER_TYPE");
      expect(await allCustomersAsOperator(stack)).toEqual(before);
    });

    it("CR2: accepting an indirect reseller's request records its provider as indirectProvider, and the provider then sees the customer (T7)", async () => {
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, reseller);
      const customer = await register(stack);
      expectRefusal(await stack.gql(provider.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
      const req = await requestRelationship(stack, reseller, provider.id);
      expect(req).toMatchObject({ partner: { id: reseller.id }, indirectProvider: { id: provider.id } });
      const rel = (await ok(stack, customer.token, ACCEPT_REQUEST, { code: req.code })).acceptRelationshipRequest.relationship;
      expect(rel).toMatchObject({ status: "ACTIVE", partner: { id: reseller.id }, indirectProvider: { id: provider.id } });
      expect((await ok(stack, provider.token, LOOKUP, { id: customer.id })).customer.id).toBe(customer.id);
      expect(await partnerCustomerIds(stack, provider.token, provider.id, reseller.id)).toEqual([customer.id]);
      expect(await listIds(stack, provider.token)).toEqual([customer.id]);
      // O1/T7: the provider can now order for the reseller's customer.
      const order = await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });
      expect(order.subscriptions).toHaveLength(1);
    });

    it("CR2: a request naming a provider whose relationship ended meanwhile is RESELLER_NOT_AUTHORIZED on acceptance", async () => {
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      const link = await linkReseller(stack, provider, reseller);
      const customer = await register(stack);
      const req = await requestRelationship(stack, reseller, provider.id);
      await terminateReseller(stack, provider.token, link);
      const before = await customerAsOperator(stack, customer.id);
      expectRefusal(await stack.gql(customer.token, ACCEPT_REQUEST, { code: req.code }), "RESELLER_NOT_AUTHORIZED");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    });

    it("Role table: createRelationshipRequest is for partner GLOBAL_ADMIN, USER_MANAGEMENT_ADMIN, ADMIN_AGENT, SALES_AGENT", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const allowed = ["GLOBAL_ADMIN", "USER_MANAGEMENT_ADMIN", "ADMIN_AGENT", "SALES_AGENT"];
      const before = await customerAsOperator(stack, customer.id);
      for (const role of PARTNER_ROLES) {
        const res = await stack.gql(await partnerToken(partner.id, [role]), CREATE_REQUEST, { input: null });
        if (allowed.includes(role)) expect(res.data.createRelationshipRequest.request.code).toBeTruthy();
        else expectRefusal(res, "FORBIDDEN");
      }
      for (const tok of [await operatorToken(), customer.token, await customerToken(customer.id, ["USER"])]) {
        expectRefusal(await stack.gql(tok, CREATE_REQUEST, { input: null }), "FORBIDDEN");
      }
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    });

    it("Role table: acceptRelationshipRequest is for the customer's GLOBAL_ADMIN only", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const req = await requestRelationship(stack, partner);
      const before = await customerAsOperator(stack, customer.id);
      const tokens = [
        ...(await Promise.all(PARTNER_ROLES.map((r) => partnerToken(partner.id, [r])))),
        await operatorToken(),
        await customerToken(customer.id, ["USER"]),
      ];
      for (const tok of tokens) expectRefusal(await stack.gql(tok, ACCEPT_REQUEST, { code: req.code }), "FORBIDDEN");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
      await ok(stack, customer.token, ACCEPT_REQUEST, { code: req.code });
    });
  });

  describe("concurrency", () => {
    it("CR1: concurrent acceptances of one code make exactly one relationship", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const req = await requestRelationship(stack, partner);
      const results = await Promise.all([0, 1, 2].map(() => stack.gql(customer.token, ACCEPT_REQUEST, { code: req.code })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((r) => r.errors)) expect(["NOT_FOUND", "RELATIONSHIP_EXISTS"]).toContain(codeOf(r));
      expect((await customerAsOperator(stack, customer.id)).partnerRelationships).toHaveLength(1);
    });

    it("CR1: concurrent acceptances of two requests of one partner make one ACTIVE relationship (RELATIONSHIP_EXISTS)", async () => {
      const partner = await enroll(stack);
      const customer = await register(stack);
      const reqs = [await requestRelationship(stack, partner), await requestRelationship(stack, partner)];
      const results = await Promise.all(reqs.map((r) => stack.gql(customer.token, ACCEPT_REQUEST, { code: r.code })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expectRefusal(results.find((r) => r.errors)!, "RELATIONSHIP_EXISTS");
      expect((await customerAsOperator(stack, customer.id)).partnerRelationships).toHaveLength(1);
    });

    it("createCustomer: concurrent creations with one domain leave exactly one (BAD_USER_INPUT input.defaultDomain)", async () => {
      const partner = await enroll(stack);
      const domain = uniqueDomain("race");
      const results = await Promise.all([0, 1, 2].map(() => stack.gql(partner.token, CREATE_CUSTOMER, { input: customerInput({ defaultDomain: domain }) })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((r) => r.errors)) expectRefusal(r, "BAD_USER_INPUT", "input.defaultDomain");
      expect(await customersWithDomain(stack, domain)).toHaveLength(1);
      expect(await listIds(stack, partner.token)).toHaveLength(1);
    });

    it("registerCustomerTenant: concurrent registrations of one tenant id leave exactly one (BAD_USER_INPUT input.id)", async () => {
      const id = randomUUID();
      const op = await operatorToken();
      const results = await Promise.all([0, 1, 2].map(() => stack.gql(op, REGISTER, { input: registrationInput({ id }) })));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      for (const r of results.filter((r) => r.errors)) expectRefusal(r, "BAD_USER_INPUT", "input.id");
      expect(await customerAsOperator(stack, id)).not.toBeNull();
    });
  });

  // ---------------------------------------------------------------- removeResellerRelationship

  describe("removeResellerRelationship", () => {
    it("CR3: the partner's GLOBAL_ADMIN removes it: REMOVED, the customer leaves its list and its look-up", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const data = await ok(stack, partner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id });
      expect(data.removeResellerRelationship.relationship).toMatchObject({ status: "REMOVED", removedAt: expect.any(String), partner: { id: partner.id } });
      const asOperator = await customerAsOperator(stack, customer.id);
      expect(asOperator.partnerRelationships.map((r: any) => r.status)).toEqual(["REMOVED"]);
      expect(await listIds(stack, partner.token)).toEqual([]);
      expect(await partnerCustomerIds(stack, partner.token, partner.id)).toEqual([]);
      expectRefusal(await stack.gql(partner.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
      // Removed twice: nothing to remove.
      expectRefusal(await stack.gql(partner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id }), "NOT_FOUND");
      // The partner can no longer order for it.
      const res = await stack.gql(partner.token, ORDER, {
        input: { customerId: customer.id, idempotencyKey: randomUUID(), lineItems: [{ offerId: "o365-e1", quantity: 1, billingCycle: "MONTHLY", termDuration: "P1M" }] },
      });
      expect(codeOf(res)).toBe("NOT_FOUND");
      // A new request and acceptance establish a new relationship.
      await establish(stack, partner, customer.id);
      expect(await listIds(stack, partner.token)).toEqual([customer.id]);
    });

    it("CR3: the customer's GLOBAL_ADMIN removes one partner's relationship; the other partner keeps its own", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const customer = await createCustomer(stack, a);
      await establish(stack, b, customer.id);
      const data = await ok(stack, customer.token, REMOVE_RELATIONSHIP, { c: customer.id, p: a.id });
      expect(data.removeResellerRelationship.relationship.status).toBe("REMOVED");
      const rels = (await customerAsOperator(stack, customer.id)).partnerRelationships;
      expect(rels.map((r: any) => [r.partner.id, r.status])).toEqual([
        [a.id, "REMOVED"],
        [b.id, "ACTIVE"],
      ]);
      expect(await listIds(stack, a.token)).toEqual([]);
      expect(await listIds(stack, b.token)).toEqual([customer.id]);
    });

    it("CR3: other roles are FORBIDDEN; another partner or customer is NOT_FOUND; nothing changes", async () => {
      const partner = await enroll(stack, { name: uniqueName("Owner Partner") });
      const stranger = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const otherCustomer = await register(stack);
      const before = await customerAsOperator(stack, customer.id);
      const forbiddenTokens = [
        ...(await Promise.all(PARTNER_ROLES.filter((r) => r !== "GLOBAL_ADMIN").map((r) => partnerToken(partner.id, [r])))),
        await customerToken(customer.id, ["USER"]),
        await operatorToken(),
      ];
      for (const tok of forbiddenTokens) expectRefusal(await stack.gql(tok, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id }), "FORBIDDEN");
      for (const tok of [stranger.token, otherCustomer.token]) {
        const res = await stack.gql(tok, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id });
        expectRefusal(res, "NOT_FOUND");
        expectNoLeak(res, [partner.id, "Owner Partner"]);
      }
      expectRefusal(await stack.gql(partner.token, REMOVE_RELATIONSHIP, { c: "x", p: partner.id }), "BAD_USER_INPUT", "customerId");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    });

    it("CR3: refused with ACTIVE_SUBSCRIPTIONS_EXIST until the subscriptions are suspended; afterwards the partner still sees them and the customer (CV1)", async () => {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const order = await placeOrder(stack, partner, customer.id);
      const subId = order.subscriptions[0].id;
      const beforeCustomer = await customerAsOperator(stack, customer.id);
      const beforeSub = await subscriptionAsOperator(stack, subId);
      for (const tok of [partner.token, customer.token]) {
        expectRefusal(await stack.gql(tok, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id }), "ACTIVE_SUBSCRIPTIONS_EXIST");
      }
      expect(await customerAsOperator(stack, customer.id)).toEqual(beforeCustomer);
      expect(await subscriptionAsOperator(stack, subId)).toEqual(beforeSub);

      await ok(stack, partner.token, SUSPEND, { id: subId });
      const suspended = await subscriptionAsOperator(stack, subId);
      const removed = await ok(stack, partner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id });
      expect(removed.removeResellerRelationship.relationship.status).toBe("REMOVED");

      // The subscription is untouched, partner of record included.
      expect(await subscriptionAsOperator(stack, subId)).toEqual(suspended);
      expect(suspended.partnerOfRecord).toEqual({ id: partner.id });
      expect(suspended.billingPartner).toEqual({ id: partner.id });
      // CV1: not in the partner's lists any more, but seen through its subscription.
      expect(await listIds(stack, partner.token)).toEqual([]);
      expect(await partnerCustomerIds(stack, partner.token, partner.id)).toEqual([]);
      expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.id).toBe(customer.id);
      const sub = await ok(stack, partner.token, `query($id: ID!) { subscription(id: $id) { id partnerOfRecord { id } customer { id companyName } } }`, { id: subId });
      expect(sub.subscription).toMatchObject({ id: subId, partnerOfRecord: { id: partner.id }, customer: { id: customer.id } });
      // MP2: through the look-up it sees only its own (removed) relationship.
      const rels = await ok(stack, partner.token, `query($id: ID!) { customer(id: $id) { partnerRelationships { status partner { id } } billingProfile { email } } }`, { id: customer.id });
      expect(rels.customer).toEqual({ partnerRelationships: [{ status: "REMOVED", partner: { id: partner.id } }], billingProfile: null });
      // CR3: it sees the customer but can place no order for it.
      const refusedOrder = await stack.gql(partner.token, ORDER, {
        input: { customerId: customer.id, idempotencyKey: randomUUID(), lineItems: [{ offerId: "o365-e1", quantity: 1, billingCycle: "MONTHLY", termDuration: "P1M" }] },
      });
      expectRefusal(refusedOrder, "CUSTOMER_RELATIONSHIP_REQUIRED");
      expect((await ok(stack, customer.token, `query($id: ID!) { customer(id: $id) { subscriptions { totalCount } } }`, { id: customer.id })).customer.subscriptions.totalCount).toBe(1);
    });

    it("CR3: a provider removing its reseller's relationship, which it sees (T7), is FORBIDDEN, not NOT_FOUND; nothing changes", async () => {
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, reseller);
      const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
      const seen = await ok(stack, provider.token, `query($id: ID!) { customer(id: $id) { partnerRelationships { status partner { id } indirectProvider { id } } } }`, { id: customer.id });
      expect(seen.customer.partnerRelationships).toEqual([{ status: "ACTIVE", partner: { id: reseller.id }, indirectProvider: { id: provider.id } }]);
      const before = await worldState(stack, { partners: [provider.id, reseller.id], customers: [customer.id] });
      expectRefusal(await stack.gql(provider.token, REMOVE_RELATIONSHIP, { c: customer.id, p: reseller.id }), "FORBIDDEN");
      expect(await worldState(stack, { partners: [provider.id, reseller.id], customers: [customer.id] })).toEqual(before);
      // The reseller itself may.
      expect((await ok(stack, reseller.token, REMOVE_RELATIONSHIP, { c: customer.id, p: reseller.id })).removeResellerRelationship.relationship.status).toBe("REMOVED");
    });

    it("Role table: removeResellerRelationship is for partner GLOBAL_ADMIN or customer GLOBAL_ADMIN", async () => {
      const partner = await enroll(stack);
      const c1 = await createCustomer(stack, partner);
      const c2 = await createCustomer(stack, partner);
      expect((await ok(stack, await partnerToken(partner.id, ["GLOBAL_ADMIN"]), REMOVE_RELATIONSHIP, { c: c1.id, p: partner.id })).removeResellerRelationship.relationship.status).toBe("REMOVED");
      expect((await ok(stack, await customerToken(c2.id, ["GLOBAL_ADMIN"]), REMOVE_RELATIONSHIP, { c: c2.id, p: partner.id })).removeResellerRelationship.relationship.status).toBe("REMOVED");
    });
  });

  // ---------------------------------------------------------------- CV1 reads and search

  describe("CV1 reads", () => {
    it("CV1: a partner without a relationship gets NOT_FOUND for customer(id) and does not list it", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const customer = await createCustomer(stack, a);
      expectRefusal(await stack.gql(b.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
      expect(await listIds(stack, b.token)).not.toContain(customer.id);
      expect(await partnerCustomerIds(stack, b.token, a.id)).toEqual([]);
      // Unknown and hidden look the same.
      const unknown = await stack.gql(b.token, LOOKUP, { id: randomUUID() });
      expectRefusal(unknown, "NOT_FOUND");
      expect((await stack.gql(b.token, LOOKUP, { id: customer.id })).errors?.[0].message).toBe(unknown.errors?.[0].message);
    });

    it("CV1: a customer's users see their own customer only; the operator sees all", async () => {
      const partner = await enroll(stack);
      const mine = await createCustomer(stack, partner);
      const other = await createCustomer(stack, partner);
      for (const role of ["GLOBAL_ADMIN", "USER"]) {
        const tok = await customerToken(mine.id, [role]);
        expect((await ok(stack, tok, LOOKUP, { id: mine.id })).customer.id).toBe(mine.id);
        expectRefusal(await stack.gql(tok, LOOKUP, { id: other.id }), "NOT_FOUND");
        expect(await listIds(stack, tok)).toEqual([mine.id]);
      }
      const all = await listIds(stack, await operatorToken());
      expect(all).toEqual(expect.arrayContaining([mine.id, other.id]));
    });

    it("CV1: search by company name and by domain finds only listable customers", async () => {
      const a = await enroll(stack);
      const b = await enroll(stack);
      const tag = `Zq${Date.now().toString(36)}`;
      const mk = async (p: { token: string }, name: string, domain: string) =>
        (await ok(stack, p.token, CREATE_CUSTOMER, { input: customerInput({ companyName: name, defaultDomain: domain }) })).createCustomer.customer.id as string;
      const a1 = await mk(a, `${tag} Alpha`, `alpha-${tag.toLowerCase()}.onmicrosoft.com`);
      const a2 = await mk(a, `Beta ${tag.toUpperCase()}`, `beta${Date.now().toString(36)}.example.com`);
      const b1 = await mk(b, `${tag} Gamma`, `gamma-${tag.toLowerCase()}.onmicrosoft.com`);
      expect(await listIds(stack, a.token, tag.toLowerCase())).toEqual([a1, a2].sort());
      expect(await listIds(stack, b.token, tag)).toEqual([b1]);
      expect(await listIds(stack, a.token, `ALPHA-${tag}`)).toEqual([a1]); // by domain, case-insensitive
      expect(await listIds(stack, a.token, `gamma-${tag}`)).toEqual([]); // b's domain: not listable by a
      expect(await listIds(stack, b.token, "%")).toEqual([]); // LIKE wildcards are literal
      const viaPartner = await ok(stack, a.token, PARTNER_CUSTOMERS, { p: a.id, r: null, s: tag });
      expect(viaPartner.partner.customers.nodes.map((n: any) => n.id).sort()).toEqual([a1, a2].sort());
      expect((await listIds(stack, await operatorToken(), tag)).sort()).toEqual([a1, a2, b1].sort());
    });
  });

  // ---------------------------------------------------------------- L3 text search

  describe("L3 text search", () => {
    /** A fresh partner with one customer per name (stored exactly as given), ids by label; searches see only these. */
    async function partnerWith(names: Record<string, string>) {
      const partner = await enroll(stack);
      const ids: Record<string, string> = {};
      for (const [label, companyName] of Object.entries(names)) {
        const created = await ok(stack, partner.token, CREATE_CUSTOMER, { input: customerInput({ companyName, defaultDomain: uniqueDomain("l3") }) });
        expect(created.createCustomer.customer.companyName).toBe(companyName); // stored as sent, not normalised
        ids[created.createCustomer.customer.id] = label;
      }
      /** Labels found by `search`, through Query.customers and Partner.customers alike. */
      const found = async (search: string) => {
        const viaQuery = (await listIds(stack, partner.token, search)).map((id) => ids[id]).sort();
        const viaPartner = await ok(stack, partner.token, PARTNER_CUSTOMERS, { p: partner.id, r: null, s: search });
        expect(viaPartner.partner.customers.totalCount).toBe(viaPartner.partner.customers.nodes.length);
        expect(viaPartner.partner.customers.nodes.map((n: any) => ids[n.id]).sort()).toEqual(viaQuery);
        return viaQuery;
      };
      return { partner, found };
    }

    it("L3: search folds case by Unicode rules: `ärger` finds `Ärger GmbH`, `σοφία` finds `Σοφία` and final-sigma forms, `straße` finds `STRASSE`", async () => {
      const { found } = await partnerWith({
        aerger: "Ärger GmbH",
        arger: "Arger Ltd",
        sofia: "Σοφία Α.Ε.",
        sofiasUpper: "ΟΔΟΣ ΣΟΦΊΑΣ",
        sofiasLower: "Οδός Σοφίας",
        strasse: "Straße Bau",
        STRASSE: "STRASSE Logistik",
      });
      expect(await found("ärger")).toEqual(["aerger"]);
      expect(await found("ÄRGER GMBH")).toEqual(["aerger"]);
      expect(await found("arger")).toEqual(["arger"]); // folding is not accent stripping
      expect(await found("σοφία")).toEqual(["sofia", "sofiasLower", "sofiasUpper"]);
      expect(await found("ΣΟΦΊΑ")).toEqual(["sofia", "sofiasLower", "sofiasUpper"]);
      expect(await found("σοφίας")).toEqual(["sofiasLower", "sofiasUpper"]); // final ς matches Σ
      expect(await found("ΣΟΦΊΑΣ")).toEqual(["sofiasLower", "sofiasUpper"]);
      expect(await found("οδόσ σοφίασ")).toEqual(["sofiasLower"]); // σ for ς; Οδός has a tonos, ΟΔΟΣ none
      expect(await found("οδοσ σοφίασ")).toEqual(["sofiasUpper"]);
      expect(await found("straße")).toEqual(["STRASSE", "strasse"]);
      expect(await found("STRASSE")).toEqual(["STRASSE", "strasse"]);
      expect(await found("STRAẞE")).toEqual(["STRASSE", "strasse"]); // the capital sharp s folds to ss too
    });

    it("L3: search matches whatever the normalisation form of either side: a decomposed A + U+0308 finds a composed Ä and a composed term finds a name stored decomposed", async () => {
      const composed = "Äpfel Nord".normalize("NFC");
      const decomposed = "Äpfel Süd".normalize("NFD");
      expect(decomposed).toHaveLength(composed.length + 1); // the fixture really is decomposed
      const { found } = await partnerWith({ composed, decomposed, plain: "Apfel West", ligature: "Oﬃce Depot", percent: "100% Bio" });
      expect(await found("äpfel")).toEqual(["composed", "decomposed"]);
      expect(await found("A\u0308PFEL")).toEqual(["composed", "decomposed"]);
      expect(await found("a\u0308pfel nord")).toEqual(["composed"]);
      expect(await found("äpfel süd")).toEqual(["decomposed"]);
      expect(await found("ÄPFEL SU\u0308D")).toEqual(["decomposed"]);
      expect(await found("apfel")).toEqual(["plain"]);
      expect(await found("office")).toEqual(["ligature"]); // compatibility forms too (NFKC)
      expect(await found("100％")).toEqual(["percent"]); // a full-width % is a literal %, as % is
      expect(await found("％")).toEqual(["percent"]);
      expect(await found("_")).toEqual([]);
    });
  });
});
