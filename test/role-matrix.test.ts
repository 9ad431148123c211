/**
 * The role × operation matrix: every mutation of the composed API × every role of every
 * organisation kind, allowed or FORBIDDEN exactly as DOMAIN.md's "Roles" table says.
 *
 * The table below is transcribed from DOMAIN.md, not imported from the code's ROLES tables:
 * the point is to check the code against the specification. Each case builds fresh data
 * through the gateway, so that an allowed call really succeeds (not merely "is not
 * FORBIDDEN"), and a FORBIDDEN one is shown to name the roles that would do (I3) and to change nothing: neither what the operator
 * reads through the API nor any row of any subgraph.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema } from "graphql";
import { CUSTOMER_ROLES as CODE_CUSTOMER_ROLES, OPERATOR_ROLES as CODE_OPERATOR_ROLES, PARTNER_ROLES as CODE_PARTNER_ROLES } from "../common/identity/identity";
import {
  ACCEPT_REQUEST,
  APPROVE_DAP,
  approveDap,
  CREATE_CUSTOMER,
  CREATE_DAP,
  CREATE_REQUEST,
  createDap,
  customerInput,
  dapInput,
  expectRefusal,
  REGISTER,
  registrationInput,
  REMOVE_RELATIONSHIP,
  requestRelationship,
  TERMINATE_DAP,
} from "./support/customer-fixtures";
import { createCustomer, enroll, linkReseller, placeOrder, registerCustomer } from "./support/fixtures";
import { cancel, hire, orderRaw, reactivate, RECORD_EXTERNAL, recordExternal, suspend, update } from "./support/order-fixtures";
import { customerToken, DIALECTS, GqlResult, operatorToken, partnerToken, Stack, startStack } from "./support/stack";
import { accept, enrollProvider, enrollReseller, invite, invited, terminate } from "./support/two-tier-fixtures";
import { ingest, ok, registerEndpoint } from "./support/webhook-fixtures";
import { Involved, worldState } from "./support/world-state";

// ---- DOMAIN.md, "Roles" ----

const PARTNER_ROLES = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "USER_MANAGEMENT_ADMIN", "ADMIN_AGENT", "SALES_AGENT", "HELPDESK_AGENT", "BILLING_ADMIN"];
const CUSTOMER_ROLES = ["GLOBAL_ADMIN", "USER"];
const OPERATOR_ROLES = ["OPERATOR"];

/**
 * Who calls: an organisation kind, and for partners the side it is on where the table tells
 * sides apart (the provider or the reseller of a two-tier link; the billing partner or the
 * partner of record of a subscription).
 */
type Side = "partner" | "provider" | "reseller" | "billing" | "record" | "customer" | "operator";
const ORG_OF: Record<Side, "partner" | "customer" | "operator"> = {
  partner: "partner",
  provider: "partner",
  reseller: "partner",
  billing: "partner",
  record: "partner",
  customer: "customer",
  operator: "operator",
};
const ROLES_OF = { partner: PARTNER_ROLES, customer: CUSTOMER_ROLES, operator: OPERATOR_ROLES };
const LABEL: Record<Side, string> = {
  partner: "partner",
  provider: "provider partner",
  reseller: "reseller partner",
  billing: "billing partner",
  record: "partner-of-record partner",
  customer: "customer",
  operator: "operator",
};

const S2 = ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT", "HELPDESK_AGENT"];
const CANCEL = ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"];
const GA = ["GLOBAL_ADMIN"];
const NONE: string[] = [];
/** EV4: who registers and manages webhook endpoints. */
const WEBHOOKS = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "ADMIN_AGENT"];

/** For each mutation: each side that might call it, and the roles the table allows that side (none: FORBIDDEN for all). */
const ROLE_TABLE: Record<string, Partial<Record<Side, string[]>>> = {
  inviteReseller: { provider: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"], customer: NONE, operator: NONE },
  terminateResellerRelationship: { provider: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"], reseller: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"], customer: NONE, operator: NONE },
  acceptResellerInvitation: { reseller: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"], provider: NONE, customer: NONE, operator: NONE },
  createCustomer: { partner: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"], customer: NONE, operator: NONE },
  createRelationshipRequest: { partner: ["GLOBAL_ADMIN", "USER_MANAGEMENT_ADMIN", "ADMIN_AGENT", "SALES_AGENT"], customer: NONE, operator: NONE },
  acceptRelationshipRequest: { customer: GA, partner: NONE, operator: NONE },
  approveDelegatedAdminRelationship: { customer: GA, partner: NONE, operator: NONE },
  hireSupportPartner: { customer: GA, partner: NONE, operator: NONE },
  removeResellerRelationship: { partner: GA, customer: GA, operator: NONE },
  createDelegatedAdminRelationship: { partner: ["GLOBAL_ADMIN", "ADMIN_AGENT"], customer: NONE, operator: NONE },
  terminateDelegatedAdminRelationship: { partner: ["GLOBAL_ADMIN", "ADMIN_AGENT"], customer: GA, operator: NONE },
  placeOrder: { partner: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"], customer: NONE, operator: NONE },
  updateSubscription: { billing: S2, record: S2, customer: NONE, operator: NONE },
  suspendSubscription: { billing: S2, record: S2, customer: NONE, operator: NONE },
  reactivateSubscription: { billing: S2, record: S2, customer: NONE, operator: NONE },
  cancelSubscription: { billing: CANCEL, record: CANCEL, customer: NONE, operator: NONE },
  enrollPartner: { operator: OPERATOR_ROLES, partner: NONE, customer: NONE },
  registerCustomerTenant: { operator: OPERATOR_ROLES, partner: NONE, customer: NONE },
  recordExternalSubscription: { operator: OPERATOR_ROLES, partner: NONE, customer: NONE },
  createWebhookEndpoint: { partner: WEBHOOKS, customer: GA, operator: NONE },
  updateWebhookEndpoint: { partner: WEBHOOKS, customer: GA, operator: NONE },
  deleteWebhookEndpoint: { partner: WEBHOOKS, customer: GA, operator: NONE },
  rotateWebhookSecret: { partner: WEBHOOKS, customer: GA, operator: NONE },
  sendTestEvent: { partner: WEBHOOKS, customer: GA, operator: NONE },
  redeliverEvent: { partner: WEBHOOKS, customer: GA, operator: NONE },
};

/**
 * I3: what `extensions.allowedRoles` of a FORBIDDEN case names. A caller holding none of the roles
 * its kind of organisation may use for the mutation is refused on its roles, before any look-up:
 * all of them. One holding such a role but refused on its side (a reseller's SALES_AGENT
 * terminating) learns its side's roles; a side with none (a provider accepting) is refused as the
 * wrong party, not for a role.
 */
function expectedAllowedRoles(mutation: string, side: Side, role: string): string[] | undefined {
  const ofKind = [...new Set(Object.entries(ROLE_TABLE[mutation]).filter(([s]) => ORG_OF[s as Side] === ORG_OF[side]).flatMap(([, roles]) => roles ?? []))];
  if (!ofKind.includes(role)) return ofKind.sort();
  const ofSide = ROLE_TABLE[mutation][side] ?? [];
  return ofSide.length ? [...ofSide].sort() : undefined;
}

// ---- one fresh scenario per case, in which the mutation can succeed ----

interface Scenario {
  /** The organisation each side's user belongs to. */
  ids: Partial<Record<Side, string>>;
  /** What the operator reads before and after a refusal. */
  involved: Involved;
  run(token: string): Promise<GqlResult>;
  /** What the payload shows when the call succeeded. */
  expected: Record<string, unknown>;
}

let mpnSequence = 0;
/** 15 digits: never one the shared fixtures generate. */
const uniqueMpnId = () => `9${String(Date.now()).slice(-8)}${String(++mpnSequence).padStart(6, "0")}`;

const ENROLL = `mutation($input: EnrollPartnerInput!) { enrollPartner(input: $input) { partner { id } } }`;

/** A subscription sold by an indirect provider (billing partner) naming its reseller as partner of record (T4, T5). */
async function twoTierSubscription(stack: Stack) {
  const provider = await enrollProvider(stack);
  const reseller = await enrollReseller(stack);
  await linkReseller(stack, provider, reseller);
  const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
  const order = await placeOrder(stack, provider, customer.id, { resellerId: reseller.id });
  return {
    subscriptionId: order.subscriptions[0].id,
    provider,
    ids: { billing: provider.id, record: reseller.id, customer: customer.id },
    involved: { partners: [provider.id, reseller.id], customers: [customer.id] },
  };
}

/** A direct-bill partner and a customer it created: an ACTIVE reseller relationship (CR1). */
async function partnerWithCustomer(stack: Stack) {
  const partner = await enroll(stack);
  const customer = await createCustomer(stack, partner);
  return { partner, customer, ids: { partner: partner.id, customer: customer.id }, involved: { partners: [partner.id], customers: [customer.id] } };
}


/**
 * A partner and a customer (as event audiences), each with a disabled webhook endpoint (nothing
 * is sent while the world is compared) and one event they both received. The call is made on
 * the caller's own organisation's endpoint, as the token says.
 */
async function webhookScenario(stack: Stack, call: (tok: string, target: { endpointId: string; eventId: string }) => Promise<GqlResult>, expected: Record<string, unknown>): Promise<Scenario> {
  const partner = randomUUID();
  const customer = randomUUID();
  const quiet = async (tok: string) => {
    const { id } = await registerEndpoint(stack, tok, `http://127.0.0.1:9/roles/${randomUUID()}`, ["DELEGATED_ADMIN_EXTENDED"]);
    ok(await stack.gql(tok, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, { id }), "disable");
    return id;
  };
  const endpoints = { partner: await quiet(await partnerToken(partner)), customer: await quiet(await customerToken(customer)) };
  const [eventId] = await ingest(stack, [{ type: "DELEGATED_ADMIN_EXTENDED", audience: [`partner:${partner}`, `customer:${customer}`] }]);
  const orgOf = (tok: string) => JSON.parse(Buffer.from(tok.split(".")[1], "base64url").toString()).org as string;
  // The operator has no endpoint: it is refused on its roles before any look-up.
  const endpointOf = (tok: string) => (orgOf(tok) === "customer" ? endpoints.customer : endpoints.partner);
  return {
    ids: { partner, customer },
    involved: {},
    run: (tok) => call(tok, { endpointId: endpointOf(tok), eventId }),
    expected,
  };
}

const SCENARIOS: Record<string, (stack: Stack) => Promise<Scenario>> = {
  async enrollPartner(stack) {
    const partner = await enroll(stack);
    const customer = await registerCustomer(stack);
    const input = { id: randomUUID(), mpnId: uniqueMpnId(), name: "Matrix Partner", programs: ["DIRECT_BILL"], cloud: "GLOBAL", country: "US", agreementSigned: true };
    return {
      ids: { partner: partner.id, customer: customer.id },
      involved: { partners: [partner.id, input.id], customers: [customer.id] },
      run: (tok) => stack.gql(tok, ENROLL, { input }),
      expected: { enrollPartner: { partner: { id: input.id } } },
    };
  },
  async registerCustomerTenant(stack) {
    const partner = await enroll(stack);
    const customer = await registerCustomer(stack);
    const input = registrationInput();
    return {
      ids: { partner: partner.id, customer: customer.id },
      involved: { partners: [partner.id], customers: [customer.id, input.id] },
      run: (tok) => stack.gql(tok, REGISTER, { input }),
      expected: { registerCustomerTenant: { customer: { id: input.id } } },
    };
  },
  async recordExternalSubscription(stack) {
    const { customer, ids, involved } = await partnerWithCustomer(stack);
    const input = { customerId: customer.id, offerId: "o365-e3", quantity: 25, channel: "ENTERPRISE_AGREEMENT", billingCycle: "ANNUAL", termDuration: "P1Y" };
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, RECORD_EXTERNAL, { input }),
      expected: { recordExternalSubscription: { subscription: { channel: "ENTERPRISE_AGREEMENT", customer: { id: customer.id } } } },
    };
  },
  async createCustomer(stack) {
    const { ids, involved } = await partnerWithCustomer(stack);
    const input = customerInput();
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, CREATE_CUSTOMER, { input }),
      expected: { createCustomer: { customer: { defaultDomain: input.defaultDomain } } },
    };
  },
  async createRelationshipRequest(stack) {
    const { partner, ids, involved } = await partnerWithCustomer(stack);
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, CREATE_REQUEST, { input: null }),
      expected: { createRelationshipRequest: { request: { status: "PENDING", partner: { id: partner.id } } } },
    };
  },
  async acceptRelationshipRequest(stack) {
    const partner = await enroll(stack);
    const customer = await registerCustomer(stack);
    const request = await requestRelationship(stack, partner);
    return {
      ids: { partner: partner.id, customer: customer.id },
      involved: { partners: [partner.id], customers: [customer.id] },
      run: (tok) => stack.gql(tok, ACCEPT_REQUEST, { code: request.code }),
      expected: { acceptRelationshipRequest: { relationship: { status: "ACTIVE", partner: { id: partner.id }, customer: { id: customer.id } } } },
    };
  },
  async removeResellerRelationship(stack) {
    const { partner, customer, ids, involved } = await partnerWithCustomer(stack);
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id }),
      expected: { removeResellerRelationship: { relationship: { status: "REMOVED", partner: { id: partner.id } } } },
    };
  },
  async createDelegatedAdminRelationship(stack) {
    const { customer, ids, involved } = await partnerWithCustomer(stack);
    const input = dapInput(customer.id);
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, CREATE_DAP, { input }),
      expected: { createDelegatedAdminRelationship: { relationship: { status: "APPROVAL_PENDING", displayName: input.displayName } } },
    };
  },
  async approveDelegatedAdminRelationship(stack) {
    const { partner, customer, ids, involved } = await partnerWithCustomer(stack);
    const dap = await createDap(stack, partner, customer.id);
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, APPROVE_DAP, { id: dap.id }),
      expected: { approveDelegatedAdminRelationship: { relationship: { id: dap.id, status: "ACTIVE" } } },
    };
  },
  async terminateDelegatedAdminRelationship(stack) {
    const { partner, customer, ids, involved } = await partnerWithCustomer(stack);
    const dap = await createDap(stack, partner, customer.id);
    await approveDap(stack, customer.id, dap.id);
    return {
      ids,
      involved,
      run: (tok) => stack.gql(tok, TERMINATE_DAP, { id: dap.id }),
      expected: { terminateDelegatedAdminRelationship: { relationship: { id: dap.id, status: "TERMINATED" } } },
    };
  },
  async inviteReseller(stack) {
    const provider = await enrollProvider(stack);
    const reseller = await enrollReseller(stack);
    const customer = await createCustomer(stack, provider);
    return {
      ids: { provider: provider.id, customer: customer.id },
      involved: { partners: [provider.id, reseller.id], customers: [customer.id] },
      run: (tok) => invite(stack, tok, reseller.mpnId),
      expected: { inviteReseller: { relationship: { status: "PENDING", provider: { id: provider.id }, reseller: { id: reseller.id } } } },
    };
  },
  async acceptResellerInvitation(stack) {
    const provider = await enrollProvider(stack);
    const reseller = await enrollReseller(stack);
    const relationshipId = await invited(stack, provider, reseller);
    const customer = await createCustomer(stack, provider);
    return {
      ids: { provider: provider.id, reseller: reseller.id, customer: customer.id },
      involved: { partners: [provider.id, reseller.id], customers: [customer.id] },
      run: (tok) => accept(stack, tok, relationshipId),
      expected: { acceptResellerInvitation: { relationship: { id: relationshipId, status: "ACTIVE" } } },
    };
  },
  async terminateResellerRelationship(stack) {
    const provider = await enrollProvider(stack);
    const reseller = await enrollReseller(stack);
    const relationshipId = await linkReseller(stack, provider, reseller);
    const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
    return {
      ids: { provider: provider.id, reseller: reseller.id, customer: customer.id },
      involved: { partners: [provider.id, reseller.id], customers: [customer.id] },
      run: (tok) => terminate(stack, tok, relationshipId),
      expected: { terminateResellerRelationship: { relationship: { id: relationshipId, status: "TERMINATED" } } },
    };
  },
  async placeOrder(stack) {
    const { partner, customer, ids, involved } = await partnerWithCustomer(stack);
    return {
      ids,
      involved,
      run: (tok) => orderRaw(stack, tok, { customerId: customer.id }),
      expected: { placeOrder: { order: { customer: { id: customer.id }, billingPartner: { id: partner.id }, partnerOfRecord: { id: partner.id } } } },
    };
  },
  async updateSubscription(stack) {
    const { subscriptionId, ids, involved } = await twoTierSubscription(stack);
    return {
      ids,
      involved,
      run: (tok) => update(stack, tok, { id: subscriptionId, quantity: 11, friendlyName: "Matrix" }),
      expected: { updateSubscription: { subscription: { id: subscriptionId, quantity: 11, friendlyName: "Matrix", version: 2 } } },
    };
  },
  async suspendSubscription(stack) {
    const { subscriptionId, ids, involved } = await twoTierSubscription(stack);
    return {
      ids,
      involved,
      run: (tok) => suspend(stack, tok, subscriptionId),
      expected: { suspendSubscription: { subscription: { id: subscriptionId, status: "SUSPENDED", version: 2 } } },
    };
  },
  async reactivateSubscription(stack) {
    const { subscriptionId, ids, involved, provider } = await twoTierSubscription(stack);
    const suspended = await suspend(stack, provider.token, subscriptionId);
    if (suspended.errors) throw new Error(`suspend failed: ${JSON.stringify(suspended.errors)}`);
    return {
      ids,
      involved,
      run: (tok) => reactivate(stack, tok, subscriptionId),
      expected: { reactivateSubscription: { subscription: { id: subscriptionId, status: "ACTIVE", version: 3 } } },
    };
  },
  async cancelSubscription(stack) {
    const { subscriptionId, ids, involved } = await twoTierSubscription(stack);
    return {
      ids,
      involved,
      run: (tok) => cancel(stack, tok, subscriptionId),
      expected: { cancelSubscription: { subscription: { id: subscriptionId, status: "CANCELLED", version: 2 } } },
    };
  },
  async hireSupportPartner(stack) {
    const { partner, customer, ids, involved } = await partnerWithCustomer(stack);
    const external = await recordExternal(stack, customer.id);
    return {
      ids,
      involved,
      run: (tok) => hire(stack, tok, external.id, partner.id),
      expected: { hireSupportPartner: { subscription: { id: external.id, supportPartner: { id: partner.id } } } },
    };
  },
  createWebhookEndpoint: (stack) =>
    webhookScenario(
      stack,
      (tok) => stack.gql(tok, `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { enabled } } }`, { i: { url: `http://127.0.0.1:9/roles/${randomUUID()}`, eventTypes: ["ORDER_PLACED"] } }),
      { createWebhookEndpoint: { endpoint: { enabled: true } } },
    ),
  updateWebhookEndpoint: (stack) =>
    webhookScenario(
      stack,
      (tok, { endpointId }) => stack.gql(tok, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, eventTypes: [ORDER_PLACED] }) { endpoint { eventTypes } } }`, { id: endpointId }),
      { updateWebhookEndpoint: { endpoint: { eventTypes: ["ORDER_PLACED"] } } },
    ),
  deleteWebhookEndpoint: (stack) =>
    webhookScenario(
      stack,
      (tok, { endpointId }) => stack.gql(tok, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpoint { enabled } } }`, { id: endpointId }),
      { deleteWebhookEndpoint: { endpoint: { enabled: false } } },
    ),
  rotateWebhookSecret: (stack) =>
    webhookScenario(
      stack,
      (tok, { endpointId }) => stack.gql(tok, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: endpointId }),
      { rotateWebhookSecret: { secret: expect.stringMatching(/^whsec_/) } },
    ),
  sendTestEvent: (stack) =>
    webhookScenario(
      stack,
      (tok, { endpointId }) => stack.gql(tok, `mutation($id: ID!) { sendTestEvent(endpointId: $id) { delivery { status event { type } } } }`, { id: endpointId }),
      { sendTestEvent: { delivery: { status: "PENDING", event: { type: "PING" } } } },
    ),
  redeliverEvent: (stack) =>
    webhookScenario(
      stack,
      (tok, { endpointId, eventId }) => stack.gql(tok, `mutation($id: ID!, $e: ID!) { redeliverEvent(endpointId: $id, eventId: $e) { delivery { status event { type } } } }`, { id: endpointId, e: eventId }),
      { redeliverEvent: { delivery: { status: "PENDING", event: { type: "DELEGATED_ADMIN_EXTENDED" } } } },
    ),
};

async function tokenOf(side: Side, role: string, ids: Scenario["ids"]): Promise<string> {
  const org = ORG_OF[side];
  if (org === "operator") return operatorToken();
  const tid = ids[side];
  if (!tid) throw new Error(`the scenario has no ${side}`);
  return org === "partner" ? partnerToken(tid, [role]) : customerToken(tid, [role]);
}

/** Per mutation, its refusals first (they share one scenario and one snapshot), then its successes (each on fresh data). */
const CASES = Object.entries(ROLE_TABLE).flatMap(([mutation, sides]) => {
  const cases = (Object.entries(sides) as [Side, string[]][]).flatMap(([side, allowed]) =>
    ROLES_OF[ORG_OF[side]].map((role) => ({ mutation, side, role, allowed: allowed.includes(role) })),
  );
  return [...cases.filter((c) => !c.allowed), ...cases.filter((c) => c.allowed)];
});

describe("the role table", () => {
  it("Roles: the matrix covers every mutation of schema/api.graphql, and has a scenario for each", () => {
    const schema = buildSchema(readFileSync(path.join(__dirname, "..", "schema", "api.graphql"), "utf8"));
    const mutations = Object.keys(schema.getMutationType()!.getFields()).sort();
    expect(Object.keys(ROLE_TABLE).sort()).toEqual(mutations);
    expect(Object.keys(SCENARIOS).sort()).toEqual(mutations);
  });

  it("Roles: the code knows exactly the roles DOMAIN.md names for each organisation kind", () => {
    expect([...CODE_PARTNER_ROLES].sort()).toEqual([...PARTNER_ROLES].sort());
    expect([...CODE_CUSTOMER_ROLES].sort()).toEqual([...CUSTOMER_ROLES].sort());
    expect([...CODE_OPERATOR_ROLES].sort()).toEqual([...OPERATOR_ROLES].sort());
  });
});

describe.each(DIALECTS)("role × operation matrix (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  /**
   * The scenario the refusals of one mutation share, with the world as it was before them:
   * a refusal changes nothing, so the next one finds the same world. Dropped after a failure,
   * so that one wrong write is reported once, not by every case after it.
   */
  let shared: { mutation: string; scenario: Scenario; before: Awaited<ReturnType<typeof worldState>> } | undefined;
  async function sharedScenario(mutation: string) {
    if (shared?.mutation !== mutation) {
      const scenario = await SCENARIOS[mutation](stack);
      shared = { mutation, scenario, before: await worldState(stack, scenario.involved) };
    }
    return shared;
  }

  for (const { mutation, side, role, allowed } of CASES) {
    it(`Roles: ${mutation} × ${LABEL[side]} ${role} → ${allowed ? "allowed" : "FORBIDDEN"}`, async () => {
      if (allowed) {
        shared = undefined;
        const scenario = await SCENARIOS[mutation](stack);
        const res = await scenario.run(await tokenOf(side, role, scenario.ids));
        expect(res.errors).toBeUndefined();
        expect(res.data).toMatchObject(scenario.expected);
        return;
      }
      const { scenario, before } = await sharedScenario(mutation);
      const res = await scenario.run(await tokenOf(side, role, scenario.ids));
      const after = await worldState(stack, scenario.involved);
      if (JSON.stringify(after) !== JSON.stringify(before)) shared = undefined;
      expectRefusal(res, "FORBIDDEN");
      const allowedRoles = res.errors?.[0]?.extensions?.allowedRoles as string[] | undefined;
      expect(allowedRoles && [...allowedRoles].sort()).toEqual(expectedAllowedRoles(mutation, side, role));
      expect(after).toEqual(before);
    });
  }
});
