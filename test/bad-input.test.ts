/**
 * Bad input, mutation by mutation: missing, empty, too long, wrong format, out of range and
 * unknown ids are refused with BAD_USER_INPUT naming the field (`extensions.field`), or
 * NOT_FOUND for an id that names nothing the caller may see — never a 500 — and nothing is
 * written (what the operator reads through the API, and every row of every subgraph).
 *
 * Two layers: GraphQL itself refuses a missing non-null field or a value of the wrong type
 * (generated from schema/api.graphql, so every mutation and every required field is covered);
 * the subgraphs refuse everything the types cannot say (the per-mutation tables below).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  astFromValue,
  buildSchema,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  print,
} from "graphql";
import { createDap, customerInput, dapInput, registrationInput, requestRelationship } from "./support/customer-fixtures";
import { createCustomer, enroll, linkReseller, placeOrder, registerCustomer } from "./support/fixtures";
import { line, recordExternal, suspend } from "./support/order-fixtures";
import { DIALECTS, GqlResult, operatorToken, Stack, startStack } from "./support/stack";
import { enrollProvider, enrollReseller, invited } from "./support/two-tier-fixtures";
import { ingest, quietEndpoint } from "./support/webhook-fixtures";
import { everyRow, Involved, worldState } from "./support/world-state";

const SCHEMA: GraphQLSchema = buildSchema(readFileSync(path.join(__dirname, "..", "schema", "api.graphql"), "utf8"));
const MUTATIONS = SCHEMA.getMutationType()!.getFields();

/** `mutation($a: T!, ...) { name(a: $a, ...) { __typename } }`: every argument as a variable of its declared type. */
function operationOf(name: string): string {
  const args = MUTATIONS[name].args;
  const defs = args.map((a) => `$${a.name}: ${a.type}`).join(", ");
  const call = args.map((a) => `${a.name}: $${a.name}`).join(", ");
  return `mutation(${defs}) { ${name}(${call}) { __typename } }`;
}

/** POSTs to the gateway and keeps the HTTP status: "never a 500" is about the status too. */
async function post(stack: Stack, token: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlResult };
}

// ---- the GraphQL layer, generated from the schema ----

/** A value of `type` that GraphQL accepts: required fields only. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => [f.name, sample(f.type)]),
    );
  }
  return { ID: randomUUID(), String: "x", Int: 1, Boolean: true, Float: 1 }[type.name] ?? "x";
}

/** A value GraphQL refuses for a leaf of `type` (wrong kind). */
function wrongKind(type: GraphQLInputType): unknown {
  const named = isNonNullType(type) ? type.ofType : type;
  if (isListType(named) || isInputObjectType(named)) return "not an object";
  if (isEnumType(named)) return "NOT_A_VALUE";
  return { Int: 2 ** 31, Boolean: "yes", Float: "x" }[named.name] ?? { not: "a string" };
}

interface RequiredLeaf {
  /** Path in the variables, e.g. ["input", "lineItems", 0, "quantity"]. */
  path: (string | number)[];
  type: GraphQLInputType;
}

/** Every non-null argument and non-null input field of a mutation, as paths into its variables. */
function requiredLeaves(field: GraphQLField<unknown, unknown>): RequiredLeaf[] {
  const out: RequiredLeaf[] = [];
  const walk = (type: GraphQLInputType, at: (string | number)[]) => {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) return walk(inner.ofType, [...at, 0]);
    if (!isInputObjectType(inner)) return;
    for (const f of Object.values(inner.getFields())) {
      if (!isNonNullType(f.type)) continue;
      out.push({ path: [...at, f.name], type: f.type });
      walk(f.type, [...at, f.name]);
    }
  };
  for (const arg of field.args) {
    if (!isNonNullType(arg.type)) continue;
    out.push({ path: [arg.name], type: arg.type });
    walk(arg.type, [arg.name]);
  }
  return out;
}

function withChange(variables: Record<string, unknown>, at: (string | number)[], change: { remove: true } | { value: unknown }) {
  const copy = structuredClone(variables);
  let node: any = copy;
  for (const key of at.slice(0, -1)) node = node[key];
  const last = at[at.length - 1];
  if ("remove" in change) delete node[last];
  else node[last] = change.value;
  return copy;
}

const sampleVariables = (name: string) => Object.fromEntries(MUTATIONS[name].args.filter((a) => isNonNullType(a.type)).map((a) => [a.name, sample(a.type)]));

/** The mutation with every argument written inline, `at` left out. */
function inlineWithout(name: string, at: (string | number)[]): string {
  const variables = withChange(sampleVariables(name), at, { remove: true });
  const args = MUTATIONS[name].args
    .filter((a) => a.name in variables)
    .map((a) => `${a.name}: ${print(astFromValue(variables[a.name], a.type)!)}`)
    .join(", ");
  return `mutation { ${name}${args ? `(${args})` : ""} { __typename } }`;
}

const GRAPHQL_LAYER = Object.keys(MUTATIONS).flatMap((name) =>
  requiredLeaves(MUTATIONS[name]).map((leaf) => ({ name, leaf, label: leaf.path.map((p) => (typeof p === "number" ? `[${p}]` : p)).join(".").replace(/\.\[/g, "[") })),
);

// ---- the subgraph layer: one table per mutation ----

interface Base {
  token: string;
  variables: Record<string, unknown>;
  involved: Involved;
}

interface BadCase {
  what: string;
  patch: Record<string, unknown>;
  code: string;
  field?: string;
}

/** The patch's path is the field's path as `extensions.field` names it (I4): "input.lineItems.0.quantity". */
const bad = (at: string, value: unknown, what: string, field = at): BadCase => ({ what: `${at} ${what}`, patch: { [at]: value }, code: "BAD_USER_INPUT", field });
const refused = (at: string, value: unknown, what: string, code: string): BadCase => ({ what: `${at} ${what}`, patch: { [at]: value }, code });

const CONTROL = "Contoso\u0000Ltd";
/** Required single-line text of 1..max characters. */
const textCases = (at: string, max: number) => [
  bad(at, "", "empty"),
  bad(at, "   ", "blank"),
  bad(at, "x".repeat(max + 1), `too long (${max + 1} characters)`),
  bad(at, CONTROL, "with a NUL control character"),
];
/** A malformed id: not a UUID, empty, absurdly long. */
const malformedId = (at: string) => [bad(at, "not-a-uuid", "not a UUID"), bad(at, "", "empty"), bad(at, "f".repeat(5000), "5000 characters")];
/** A malformed id, or a well-formed one that names nothing the caller may see. */
const idCases = (at: string) => [...malformedId(at), refused(at, randomUUID(), "unknown", "NOT_FOUND")];
const countryCases = (at: string) => [bad(at, "", "empty"), bad(at, "XX", "not a country"), bad(at, "USA", "alpha-3"), bad(at, "U\u0000", "control character")];
const domainCases = (at: string) => [
  bad(at, "", "empty"),
  bad(at, "not a domain", "not a domain"),
  bad(at, `${["a", "b", "c", "d", "e"].map((c) => c.repeat(60)).join(".")}.com`, "too long (308 characters)"),
  bad(at, "-bad-.example.com", "label starting with a hyphen"),
  bad(at, "adatum.onmicrosoft.com\u0000", "control character"),
];
const quantityCases = (at: string, max: number) => [
  bad(at, 0, "0"),
  bad(at, -1, "negative"),
  bad(at, max + 1, `above the offer's maximum (${max + 1})`),
  bad(at, 2147483647, "huge (2^31-1)"),
];

let mpnSequence = 0;
const uniqueMpnId = () => `8${String(Date.now()).slice(-8)}${String(++mpnSequence).padStart(6, "0")}`;

/** A partner that sells directly and as indirect provider: every optional id of its mutations means something. */
const enrollSeller = (stack: Stack) => enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_PROVIDER"] });

/** A direct sale the partner can change. */
async function ownSubscription(stack: Stack) {
  const partner = await enrollSeller(stack);
  const customer = await createCustomer(stack, partner);
  const order = await placeOrder(stack, partner, customer.id, { quantity: 10 });
  return { partner, customer, id: order.subscriptions[0].id, involved: { partners: [partner.id], customers: [customer.id] } };
}

const BAD_INPUT: Record<string, { base(stack: Stack): Promise<Base>; cases: BadCase[] }> = {
  enrollPartner: {
    async base() {
      const id = randomUUID();
      return {
        token: await operatorToken(),
        variables: { input: { id, mpnId: uniqueMpnId(), name: "Bad Input Ltd", programs: ["DIRECT_BILL"], cloud: "GLOBAL", country: "US", agreementSigned: true } },
        involved: { partners: [id] },
      };
    },
    cases: [
      ...malformedId("input.id"),
      bad("input.mpnId", "", "empty"),
      bad("input.mpnId", "12ab", "not digits"),
      bad("input.mpnId", "1".repeat(21), "21 digits"),
      bad("input.mpnId", "12\u00003", "control character"),
      ...textCases("input.name", 200),
      bad("input.programs", [], "empty"),
      ...countryCases("input.country"),
    ],
  },
  registerCustomerTenant: {
    async base() {
      const input = registrationInput();
      return { token: await operatorToken(), variables: { input }, involved: { customers: [input.id] } };
    },
    cases: [...malformedId("input.id"), ...textCases("input.companyName", 200), ...domainCases("input.defaultDomain"), ...countryCases("input.country")],
  },
  recordExternalSubscription: {
    async base(stack) {
      const customer = await registerCustomer(stack);
      return {
        token: await operatorToken(),
        variables: { input: { customerId: customer.id, offerId: "o365-e3", quantity: 25, channel: "ENTERPRISE_AGREEMENT", billingCycle: "ANNUAL", termDuration: "P1Y" } },
        involved: { customers: [customer.id] },
      };
    },
    cases: [
      ...idCases("input.customerId"),
      bad("input.offerId", "", "empty"),
      bad("input.offerId", "no-such-offer", "unknown"),
      bad("input.offerId", "o".repeat(5000), "5000 characters"),
      bad("input.offerId", "o365\u0000e3", "control character"),
      ...quantityCases("input.quantity", 50000),
      bad("input.channel", "CSP", "CSP (not outside the program)"),
      { what: "input.billingCycle ANNUAL on a monthly-only offer", patch: { "input.offerId": "azure-plan", "input.quantity": 1 }, code: "BAD_USER_INPUT", field: "input.billingCycle" },
      bad("input.termDuration", "", "empty"),
      bad("input.termDuration", "P5Y", "not the offer's"),
      bad("input.termDuration", "one year", "not a duration"),
      bad("input.friendlyName", "x".repeat(101), "too long (101)"),
      bad("input.friendlyName", CONTROL, "control character"),
    ],
  },
  createCustomer: {
    async base(stack) {
      const partner = await enrollSeller(stack);
      return { token: partner.token, variables: { input: customerInput() }, involved: { partners: [partner.id] } };
    },
    cases: [
      ...textCases("input.companyName", 200),
      ...domainCases("input.defaultDomain"),
      ...countryCases("input.country"),
      ...malformedId("input.resellerId"),
      // T4: a reseller that is not ACTIVE with the provider, an unknown id included.
      refused("input.resellerId", randomUUID(), "unknown", "RESELLER_NOT_AUTHORIZED"),
      bad("input.billingProfile.email", "", "empty"),
      bad("input.billingProfile.email", "not-an-email", "not an email"),
      bad("input.billingProfile.email", `${"a".repeat(250)}@example.com`, "too long"),
      bad("input.billingProfile.email", "bill\u0000ing@example.com", "control character"),
      bad("input.billingProfile.addressLine", "x".repeat(201), "too long (201)"),
      bad("input.billingProfile.addressLine", CONTROL, "control character"),
      bad("input.billingProfile.city", "x".repeat(101), "too long (101)"),
      bad("input.billingProfile.postalCode", "9".repeat(21), "too long (21)"),
    ],
  },
  createRelationshipRequest: {
    async base(stack) {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      await linkReseller(stack, provider, reseller);
      return { token: reseller.token, variables: { input: { indirectProviderId: provider.id } }, involved: { partners: [provider.id, reseller.id] } };
    },
    cases: [
      ...malformedId("input.indirectProviderId"),
      // CR2: an indirect reseller must name one of its ACTIVE providers.
      refused("input.indirectProviderId", randomUUID(), "unknown", "RESELLER_NOT_AUTHORIZED"),
      { what: "input missing for a reseller-only partner", patch: { input: null }, code: "BAD_USER_INPUT", field: "input.indirectProviderId" },
    ],
  },
  acceptRelationshipRequest: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await registerCustomer(stack);
      const request = await requestRelationship(stack, partner);
      return { token: customer.token, variables: { code: request.code }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: [
      bad("code", "", "empty"),
      bad("code", "   ", "blank"),
      bad("code", "A".repeat(10_000), "10 000 characters"),
      bad("code", "not a code!", "not a code"),
      bad("code", "abc\u0000def", "control character"),
      refused("code", "A".repeat(32), "well-formed but unknown", "NOT_FOUND"),
    ],
  },
  removeResellerRelationship: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      return { token: partner.token, variables: { partnerId: partner.id, customerId: customer.id }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: [...idCases("customerId"), ...idCases("partnerId")],
  },
  createDelegatedAdminRelationship: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      return { token: partner.token, variables: { input: dapInput(customer.id) }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: [
      ...idCases("input.customerId"),
      ...textCases("input.displayName", 50),
      bad("input.roles", [], "empty"),
      bad("input.durationDays", 0, "0"),
      bad("input.durationDays", -1, "negative"),
      bad("input.durationDays", 731, "731"),
      bad("input.durationDays", 2147483647, "huge (2^31-1)"),
    ],
  },
  approveDelegatedAdminRelationship: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const dap = await createDap(stack, partner, customer.id);
      return { token: customer.token, variables: { id: dap.id }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: idCases("id"),
  },
  terminateDelegatedAdminRelationship: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const dap = await createDap(stack, partner, customer.id);
      return { token: partner.token, variables: { id: dap.id }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: idCases("id"),
  },
  inviteReseller: {
    async base(stack) {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      return { token: provider.token, variables: { input: { resellerMpnId: reseller.mpnId } }, involved: { partners: [provider.id, reseller.id] } };
    },
    cases: [
      bad("input.resellerMpnId", "", "empty"),
      bad("input.resellerMpnId", "   ", "blank"),
      bad("input.resellerMpnId", "abc", "not digits"),
      bad("input.resellerMpnId", "1".repeat(21), "21 digits"),
      bad("input.resellerMpnId", "12\u00003", "control character"),
      refused("input.resellerMpnId", "9".repeat(20), "unknown", "NOT_FOUND"),
    ],
  },
  acceptResellerInvitation: {
    async base(stack) {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const relationshipId = await invited(stack, provider, reseller);
      return { token: reseller.token, variables: { relationshipId }, involved: { partners: [provider.id, reseller.id] } };
    },
    cases: idCases("relationshipId"),
  },
  terminateResellerRelationship: {
    async base(stack) {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const relationshipId = await linkReseller(stack, provider, reseller);
      return { token: provider.token, variables: { relationshipId }, involved: { partners: [provider.id, reseller.id] } };
    },
    cases: idCases("relationshipId"),
  },
  placeOrder: {
    async base(stack) {
      const partner = await enrollSeller(stack);
      const customer = await createCustomer(stack, partner);
      return {
        token: partner.token,
        variables: { input: { customerId: customer.id, resellerId: null, idempotencyKey: randomUUID(), lineItems: [line()] } },
        involved: { partners: [partner.id], customers: [customer.id] },
      };
    },
    cases: [
      ...idCases("input.customerId"),
      ...malformedId("input.resellerId"),
      ...textCases("input.idempotencyKey", 100),
      bad("input.lineItems", [], "empty"),
      bad("input.lineItems", Array.from({ length: 51 }, () => line()), "51 items"),
      bad("input.lineItems.0.offerId", "", "empty"),
      bad("input.lineItems.0.offerId", "no-such-offer", "unknown"),
      bad("input.lineItems.0.offerId", "o".repeat(5000), "5000 characters"),
      bad("input.lineItems.0.offerId", "m365\u0000e3", "control character"),
      ...quantityCases("input.lineItems.0.quantity", 300),
      { what: "input.lineItems.0.billingCycle ANNUAL on a monthly-only offer", patch: { "input.lineItems.0.offerId": "azure-plan", "input.lineItems.0.quantity": 1, "input.lineItems.0.billingCycle": "ANNUAL" }, code: "BAD_USER_INPUT", field: "input.lineItems.0.billingCycle" },
      bad("input.lineItems.0.termDuration", "", "empty"),
      bad("input.lineItems.0.termDuration", "P5Y", "not the offer's"),
      bad("input.lineItems.0.termDuration", "monthly", "not a duration"),
      bad("input.lineItems.0.friendlyName", "x".repeat(101), "too long (101)"),
      bad("input.lineItems.0.friendlyName", CONTROL, "control character"),
      { what: "input.lineItems.1.quantity 0 (the second line)", patch: { "input.lineItems": [line(), line({ quantity: 0 })] }, code: "BAD_USER_INPUT", field: "input.lineItems.1.quantity" },
    ],
  },
  updateSubscription: {
    async base(stack) {
      const { partner, id, involved } = await ownSubscription(stack);
      return { token: partner.token, variables: { input: { id, quantity: 12 } }, involved };
    },
    cases: [
      ...idCases("input.id"),
      ...quantityCases("input.quantity", 300),
      ...textCases("input.friendlyName", 100),
      ...malformedId("input.resellerId"),
      bad("input.expectedVersion", 0, "0 (versions start at 1)"),
      bad("input.expectedVersion", -1, "negative"),
      { what: "input naming no change", patch: { "input.quantity": null }, code: "BAD_USER_INPUT", field: "input" },
    ],
  },
  suspendSubscription: {
    async base(stack) {
      const { partner, id, involved } = await ownSubscription(stack);
      return { token: partner.token, variables: { id }, involved };
    },
    cases: idCases("id"),
  },
  reactivateSubscription: {
    async base(stack) {
      const { partner, id, involved } = await ownSubscription(stack);
      const suspended = await suspend(stack, partner.token, id);
      if (suspended.errors) throw new Error(JSON.stringify(suspended.errors));
      return { token: partner.token, variables: { id }, involved };
    },
    cases: idCases("id"),
  },
  cancelSubscription: {
    async base(stack) {
      const { partner, id, involved } = await ownSubscription(stack);
      return { token: partner.token, variables: { id }, involved };
    },
    cases: idCases("id"),
  },
  hireSupportPartner: {
    async base(stack) {
      const partner = await enroll(stack);
      const customer = await createCustomer(stack, partner);
      const external = await recordExternal(stack, customer.id);
      return { token: customer.token, variables: { subscriptionId: external.id, partnerId: partner.id }, involved: { partners: [partner.id], customers: [customer.id] } };
    },
    cases: [...idCases("subscriptionId"), ...idCases("partnerId")],
  },
};

/** A URL refused at registration and update whatever the mode, and the event types refused everywhere. */
const urlCases = (at: string) => [
  bad(at, "", "empty"),
  bad(at, "   ", "blank"),
  bad(at, `http://example.com/${"x".repeat(2048)}`, "too long (2067 characters)"),
  bad(at, "not a url", "not a URL"),
  bad(at, "ftp://example.com/hook", "not http or https"),
  bad(at, "http://user:secret@example.com/hook", "with a user name and password"),
  bad(at, "http://example.com/ho\u0000ok", "with a NUL control character"),
];
const eventTypeCases = (at: string) => [bad(at, [], "empty"), bad(at, ["PING"], "PING (sent only by sendTestEvent)")];

const WEBHOOK_BAD_INPUT: typeof BAD_INPUT = {
  createWebhookEndpoint: {
    async base(stack) {
      const taken = await quietEndpoint(stack);
      return { token: taken.token, variables: { input: { url: `http://127.0.0.1:9/new/${randomUUID()}`, eventTypes: ["DELEGATED_ADMIN_EXTENDED"] } }, involved: {} };
    },
    cases: [...urlCases("input.url"), ...eventTypeCases("input.eventTypes")],
  },
  updateWebhookEndpoint: {
    async base(stack) {
      const { token, id } = await quietEndpoint(stack);
      return { token, variables: { input: { id, eventTypes: ["SUBSCRIPTION_UPDATED"] } }, involved: {} };
    },
    cases: [
      ...idCases("input.id"),
      ...urlCases("input.url"),
      ...eventTypeCases("input.eventTypes"),
      { what: "input naming no change", patch: { "input.eventTypes": null }, code: "BAD_USER_INPUT", field: "input" },
    ],
  },
  deleteWebhookEndpoint: {
    async base(stack) {
      const { token, id } = await quietEndpoint(stack);
      return { token, variables: { id }, involved: {} };
    },
    cases: idCases("id"),
  },
  rotateWebhookSecret: {
    async base(stack) {
      const { token, id } = await quietEndpoint(stack);
      return { token, variables: { id }, involved: {} };
    },
    cases: idCases("id"),
  },
  sendTestEvent: {
    async base(stack) {
      const { token, id } = await quietEndpoint(stack);
      return { token, variables: { endpointId: id }, involved: {} };
    },
    cases: idCases("endpointId"),
  },
  redeliverEvent: {
    async base(stack) {
      const { token, id, audience } = await quietEndpoint(stack);
      const [eventId] = await ingest(stack, [{ type: "DELEGATED_ADMIN_EXTENDED", audience: [audience] }]);
      return { token, variables: { endpointId: id, eventId }, involved: {} };
    },
    cases: [...idCases("endpointId"), ...idCases("eventId")],
  },
};
Object.assign(BAD_INPUT, WEBHOOK_BAD_INPUT);

function patched(variables: Record<string, unknown>, patch: Record<string, unknown>) {
  let out = variables;
  for (const [at, value] of Object.entries(patch)) {
    out = withChange(out, at.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k)), { value });
  }
  return out;
}

describe("the bad-input tables", () => {
  it("Bad input: every mutation of schema/api.graphql has a table", () => {
    expect(Object.keys(BAD_INPUT).sort()).toEqual(Object.keys(MUTATIONS).sort());
  });
});

describe.each(DIALECTS)("bad input (%s)", (dialect) => {
  let stack: Stack;
  let operator: string;
  beforeAll(async () => {
    stack = await startStack(dialect);
    operator = await operatorToken();
  });
  afterAll(() => stack?.stop());

  describe("GraphQL layer: a missing non-null field or a value of the wrong type", () => {
    let rowsBefore: Awaited<ReturnType<typeof everyRow>>;
    beforeAll(async () => {
      rowsBefore = await everyRow(stack);
    });

    it.each(GRAPHQL_LAYER)("Bad input: $name without $label (variables) → BAD_USER_INPUT naming it in extensions.field, HTTP 400", async ({ name, leaf }) => {
      const variables = withChange(sampleVariables(name), leaf.path, { remove: true });
      const { status, body } = await post(stack, operator, operationOf(name), variables);
      const ext = body.errors?.[0]?.extensions ?? {};
      expect({ status, code: ext.code, field: ext.field, data: body.data ?? null }).toEqual({ status: 400, code: "BAD_USER_INPUT", field: leaf.path.join("."), data: null });
      expect(body.errors![0].message).toContain(String(leaf.path[leaf.path.length - 1]));
    });

    it.each(GRAPHQL_LAYER)("Bad input: $name with $label of the wrong type (variables) → BAD_USER_INPUT naming it in extensions.field, HTTP 400", async ({ name, leaf }) => {
      const variables = withChange(sampleVariables(name), leaf.path, { value: wrongKind(leaf.type) });
      const { status, body } = await post(stack, operator, operationOf(name), variables);
      const ext = body.errors?.[0]?.extensions ?? {};
      expect({ status, code: ext.code, field: ext.field, data: body.data ?? null }).toEqual({ status: 400, code: "BAD_USER_INPUT", field: leaf.path.join("."), data: null });
      expect(body.errors![0].message).toContain(leaf.path.length === 1 ? `$${leaf.path[0]}` : String(leaf.path[leaf.path.length - 1]));
    });

    it.each(GRAPHQL_LAYER)("Bad input: $name without $label (inline) → GRAPHQL_VALIDATION_FAILED naming it, HTTP 400", async ({ name, leaf }) => {
      const { status, body } = await post(stack, operator, inlineWithout(name, leaf.path));
      expect({ status, code: body.errors?.[0]?.extensions?.code, data: body.data ?? null }).toEqual({ status: 400, code: "GRAPHQL_VALIDATION_FAILED", data: null });
      expect(body.errors![0].message).toContain(String(leaf.path[leaf.path.length - 1]));
    });

    it("Bad input: none of the refusals above wrote anything, in any subgraph", async () => {
      expect(await everyRow(stack)).toEqual(rowsBefore);
    });
  });

  describe("I4: a variable GraphQL refuses names the argument's field (extensions.field), not the variable", () => {
    const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`;
    const order = (lineItem: object, over: Record<string, unknown> = {}) => ({
      input: { customerId: randomUUID(), idempotencyKey: randomUUID(), lineItems: [lineItem], ...over },
    });
    const withoutCustomer = () => {
      const { customerId: _drop, ...input } = order(line()).input;
      return { input };
    };
    const CASES: [string, string, Record<string, unknown>, string][] = [
      ["a string for a nested Int (placeOrder lineItems.0.quantity)", PLACE, order(line({ quantity: "ten" as unknown as number })), "input.lineItems.0.quantity"],
      ["an unknown enum value in a nested field (billingCycle WEEKLY)", PLACE, order(line({ billingCycle: "WEEKLY" })), "input.lineItems.0.billingCycle"],
      ["null for a required nested field (lineItems.0.offerId)", PLACE, order(line({ offerId: null as unknown as string })), "input.lineItems.0.offerId"],
      ["a required input field left out (customerId)", PLACE, withoutCustomer(), "input.customerId"],
      ["an unknown input field (lineItems.1.colour)", PLACE, order(line(), { lineItems: [line(), { ...line(), colour: "red" }] }), "input.lineItems.1.colour"],
      ["a list item of the wrong kind (lineItems.1 a string)", PLACE, order(line(), { lineItems: [line(), "one more"] }), "input.lineItems.1"],
      ["an object for a top-level ID argument ($c for customer(id:))", `query($c: ID!) { customer(id: $c) { id } }`, { c: { id: "x" } }, "id"],
      ["a string for a top-level Int argument ($n for customers(first:))", `query($n: Int) { customers(first: $n) { totalCount } }`, { n: "ten" }, "first"],
      ["an unknown enum value for a top-level argument ($cloud for offers(cloud:))", `query($cloud: Cloud) { offers(cloud: $cloud) { id } }`, { cloud: "MARS" }, "cloud"],
      ["null for a required top-level argument", `query($c: ID!) { customer(id: $c) { id } }`, { c: null }, "id"],
      ["a required variable not given", `query($c: ID!) { customer(id: $c) { id } }`, {}, "id"],
      [
        "a variable inside an input literal (lineItems: [{ quantity: $q }])",
        `mutation($q: Int!) { placeOrder(input: { customerId: "${randomUUID()}", idempotencyKey: "k", lineItems: [{ offerId: "m365-business-standard", quantity: $q, billingCycle: MONTHLY, termDuration: "P1M" }] }) { order { id } } }`,
        { q: "ten" },
        "input.lineItems.0.quantity",
      ],
      [
        "a variable used inside a fragment (customer(id:) in a fragment)",
        `query($c: ID!) { ...Look } fragment Look on Query { customer(id: $c) { id } }`,
        { c: 12.5 },
        "id",
      ],
    ];
    it.each(CASES)("I4: %s → BAD_USER_INPUT, HTTP 400, extensions.field names it", async (_what, query, variables, field) => {
      const { status, body } = await post(stack, operator, query, variables);
      const [error] = body.errors ?? [];
      expect({ status, code: error?.extensions?.code, field: error?.extensions?.field, data: body.data ?? null }).toEqual({ status: 400, code: "BAD_USER_INPUT", field, data: null });
      expect(error.extensions).not.toHaveProperty("stacktrace");
      expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    });

    it("I4: every error of a request with several bad variables names its own field", async () => {
      const query = `query($c: ID!, $n: Int) { customer(id: $c) { id } customers(first: $n) { totalCount } }`;
      const { status, body } = await post(stack, operator, query, { c: [1], n: true });
      expect(status).toBe(400);
      expect(body.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
        ["BAD_USER_INPUT", "id"],
        ["BAD_USER_INPUT", "first"],
      ]);
    });

    it("I4: two bad fields inside one variable are named each in order", async () => {
      const { body } = await post(stack, operator, PLACE, order(line({ quantity: "ten" as unknown as number, billingCycle: "WEEKLY" })));
      expect(body.errors?.map((e) => e.extensions?.field)).toEqual(["input.lineItems.0.quantity", "input.lineItems.0.billingCycle"]);
    });
  });

  describe("reads take the same care (never a 500: PostgreSQL refuses a NUL in text with an error)", () => {
    const READS: [string, string, string, Record<string, unknown>, string][] = [
      ["partnerByMpnId", "mpnId with a NUL", `query($m: String!) { partnerByMpnId(mpnId: $m) { id } }`, { m: "12\u00003" }, "mpnId"],
      ["partnerByMpnId", "mpnId not digits", `query($m: String!) { partnerByMpnId(mpnId: $m) { id } }`, { m: "not digits" }, "mpnId"],
      ["customers", "search with a NUL", `query($s: String) { customers(search: $s) { totalCount } }`, { s: "Contoso\u0000" }, "search"],
      ["customers", "search too long (254)", `query($s: String) { customers(search: $s) { totalCount } }`, { s: "x".repeat(254) }, "search"],
      ["customer", "id with a NUL", `query($id: ID!) { customer(id: $id) { id } }`, { id: "x\u0000" }, "id"],
      ["partner", "id with a NUL", `query($id: ID!) { partner(id: $id) { id } }`, { id: "x\u0000" }, "id"],
      ["subscription", "id with a NUL", `query($id: ID!) { subscription(id: $id) { id } }`, { id: "x\u0000" }, "id"],
    ];
    it.each(READS)("Bad input: %s with %s → BAD_USER_INPUT naming it", async (_name, _what, query, variables, field) => {
      const { status, body } = await post(stack, operator, query, variables);
      const ext = body.errors?.[0]?.extensions ?? {};
      expect({ status, code: ext.code, field: ext.field }).toEqual({ status: 200, code: "BAD_USER_INPUT", field });
    });
  });

  for (const [mutation, { base, cases }] of Object.entries(BAD_INPUT)) {
    describe(`subgraph layer: ${mutation}`, () => {
      let basis: Base;
      beforeAll(async () => {
        basis = await base(stack);
      });

      it.each(cases)(`Bad input: ${mutation} with $what → $code`, async ({ patch, code, field }) => {
        const before = await worldState(stack, basis.involved);
        const { status, body } = await post(stack, basis.token, operationOf(mutation), patched(basis.variables, patch));
        const ext = body.errors?.[0]?.extensions ?? {};
        expect({ status, code: ext.code, field: ext.field, data: body.data?.[mutation] ?? null }).toEqual({ status: 200, code, field, data: null });
        if (field) expect(body.errors![0].message).toContain(field);
        expect(await worldState(stack, basis.involved)).toEqual(before);
      });

      it(`Bad input: ${mutation} with the valid input succeeds (the refusals above were about the input alone)`, async () => {
        const { status, body } = await post(stack, basis.token, operationOf(mutation), basis.variables);
        expect({ status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
        expect(body.data?.[mutation]).toBeTruthy();
      });
    });
  }
});
