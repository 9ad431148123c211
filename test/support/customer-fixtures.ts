/**
 * Helpers for the customers-subgraph tests (customers, relationship requests, delegated
 * admin, multi-partner): refusals with their exact code, and operator snapshots that prove
 * "a refused mutation changes nothing".
 */
import { randomUUID } from "node:crypto";
import { clock } from "../../common/time/clock";
import { GqlResult, operatorToken, partnerToken, customerToken, Stack } from "./stack";

let seq = 0;
/** A unique, valid, lower-case domain. */
export const uniqueDomain = (prefix = "d") => `${prefix}${Date.now().toString(36)}${(++seq).toString(36)}.onmicrosoft.com`;
export const uniqueName = (prefix = "Company") => `${prefix} ${Date.now().toString(36)}${(++seq).toString(36)}`;

export { CUSTOMER_ROLES, PARTNER_ROLES } from "../../common/identity/identity";

/** Throws with the errors when the request failed; returns `data`. */
export async function ok<T = any>(stack: Stack, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await stack.gql<T>(token, query, variables);
  if (res.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

/** Asserts a refusal: exactly one error with `code` (and `field` for BAD_USER_INPUT), and no data for the mutation. */
export function expectRefusal(res: GqlResult, code: string, field?: string) {
  expect(res.errors?.length).toBeGreaterThanOrEqual(1);
  const ext = res.errors?.[0]?.extensions ?? {};
  expect({ code: ext.code, field: ext.field }).toEqual({ code, field: code === "BAD_USER_INPUT" ? field : undefined });
  const values = Object.values(res.data ?? {});
  expect(values.every((v) => v === null)).toBe(true);
}

/** Asserts no error text leaks any of `secrets` (another partner's id or name, a hidden customer's name). */
export function expectNoLeak(res: GqlResult, secrets: string[]) {
  const text = JSON.stringify(res.errors ?? []).toLowerCase();
  for (const s of secrets) expect(text).not.toContain(s.toLowerCase());
}

// ---- customers ----

export const CUSTOMER_FIELDS = `id companyName defaultDomain cloud country
  billingProfile { email companyName addressLine city postalCode }
  partnerRelationships { id status establishedAt removedAt partner { id } indirectProvider { id } }
  delegatedAdminRelationships { id displayName roles durationDays autoExtend createdAt activatedAt status endsAt partner { id } }`;

export const SUBSCRIPTION_FIELDS = `id friendlyName quantity status billingCycle termDuration autoRenew channel orderId createdAt
  commitmentEndsAt cancellationAllowedUntil version offer { id } customer { id }
  partnerOfRecord { id } billingPartner { id } supportPartner { id }`;

/** Everything about a customer as the operator sees it (null when it does not exist). */
export async function customerAsOperator(stack: Stack, id: string) {
  const res = await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`, { id });
  if (res.errors?.[0]?.extensions?.code === "NOT_FOUND") return null;
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.customer;
}

/** Every customer of the program (as the operator), by id, with relationships: the whole customers subgraph state. */
export async function allCustomersAsOperator(stack: Stack) {
  const op = await operatorToken();
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const data: any = await ok(stack, op, `query($after: String) { customers(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${CUSTOMER_FIELDS} } } }`, { after });
    out.push(...data.customers.nodes);
    if (!data.customers.pageInfo.hasNextPage) break;
    after = data.customers.pageInfo.endCursor;
  }
  return out;
}

/** The customers (ids) whose domain is `domain`, as the operator. */
export async function customersWithDomain(stack: Stack, domain: string): Promise<string[]> {
  const data = await ok(stack, await operatorToken(), `query($s: String) { customers(search: $s, first: 100) { nodes { id defaultDomain } } }`, { s: domain });
  return data.customers.nodes.filter((n: any) => n.defaultDomain === domain).map((n: any) => n.id);
}

/** Every subscription of a customer, all fields, as the customer's own global admin sees them. */
export async function subscriptionsAsCustomer(stack: Stack, customerId: string) {
  const data = await ok(
    stack,
    await customerToken(customerId),
    `query($id: ID!) { customer(id: $id) { subscriptions(first: 100) { totalCount nodes { ${SUBSCRIPTION_FIELDS} } } } }`,
    { id: customerId },
  );
  return data.customer.subscriptions.nodes as any[];
}

export async function subscriptionAsOperator(stack: Stack, id: string) {
  const data = await ok(stack, await operatorToken(), `query($id: ID!) { subscription(id: $id) { ${SUBSCRIPTION_FIELDS} } }`, { id });
  return data.subscription;
}

export const CREATE_CUSTOMER = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id companyName defaultDomain cloud country partnerRelationships { id status partner { id } indirectProvider { id } } } }
}`;

export function customerInput(overrides: Record<string, unknown> = {}) {
  return {
    companyName: uniqueName("Contoso"),
    defaultDomain: uniqueDomain("contoso"),
    country: "US",
    resellerId: null,
    billingProfile: { email: "billing@contoso.example", addressLine: "1 Main St", city: "Seattle", postalCode: "98101" },
    ...overrides,
  };
}

export const REGISTER = `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id companyName defaultDomain cloud country } } }`;

export function registrationInput(overrides: Record<string, unknown> = {}) {
  return { id: randomUUID(), companyName: uniqueName("Fabrikam"), defaultDomain: uniqueDomain("fabrikam"), cloud: "GLOBAL", country: "US", ...overrides };
}

/** Registers a customer as the operator (any cloud/country), returning id, token and domain. */
export async function register(stack: Stack, overrides: Record<string, unknown> = {}) {
  const input = registrationInput(overrides);
  await ok(stack, await operatorToken(), REGISTER, { input });
  return { id: input.id as string, token: await customerToken(input.id as string), defaultDomain: input.defaultDomain as string, companyName: input.companyName as string };
}

// ---- relationship requests ----

export const CREATE_REQUEST = `mutation($input: CreateRelationshipRequestInput) {
  createRelationshipRequest(input: $input) { request { id code url status createdAt expiresAt partner { id } indirectProvider { id } } }
}`;
export const ACCEPT_REQUEST = `mutation($code: String!) {
  acceptRelationshipRequest(code: $code) { relationship { id status establishedAt removedAt customer { id } partner { id } indirectProvider { id } } }
}`;
export const REMOVE_RELATIONSHIP = `mutation($c: ID!, $p: ID!) {
  removeResellerRelationship(customerId: $c, partnerId: $p) { relationship { id status removedAt partner { id } indirectProvider { id } } }
}`;

export async function requestRelationship(stack: Stack, partner: { token: string }, indirectProviderId?: string) {
  const data = await ok(stack, partner.token, CREATE_REQUEST, { input: indirectProviderId ? { indirectProviderId } : null });
  return data.createRelationshipRequest.request as { id: string; code: string; url: string; status: string; expiresAt: string; createdAt: string };
}

/** Request + acceptance by the customer's global admin: an ACTIVE reseller relationship. */
export async function establish(stack: Stack, partner: { token: string }, customerId: string, indirectProviderId?: string) {
  const request = await requestRelationship(stack, partner, indirectProviderId);
  const data = await ok(stack, await customerToken(customerId), ACCEPT_REQUEST, { code: request.code });
  return data.acceptRelationshipRequest.relationship;
}

// ---- delegated admin ----

export const DAP_FIELDS = `id displayName roles durationDays autoExtend createdAt activatedAt status endsAt partner { id } customer { id }`;
export const CREATE_DAP = `mutation($input: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $input) { relationship { ${DAP_FIELDS} } } }`;
export const APPROVE_DAP = `mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { ${DAP_FIELDS} } } }`;
export const TERMINATE_DAP = `mutation($id: ID!) { terminateDelegatedAdminRelationship(id: $id) { relationship { ${DAP_FIELDS} } } }`;

export function dapInput(customerId: string, overrides: Record<string, unknown> = {}) {
  return { customerId, displayName: uniqueName("GDAP"), roles: ["USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"], durationDays: 30, autoExtend: false, ...overrides };
}

export async function createDap(stack: Stack, partner: { token: string }, customerId: string, overrides: Record<string, unknown> = {}) {
  const data = await ok(stack, partner.token, CREATE_DAP, { input: dapInput(customerId, overrides) });
  return data.createDelegatedAdminRelationship.relationship;
}

export async function approveDap(stack: Stack, customerId: string, dapId: string) {
  const data = await ok(stack, await customerToken(customerId), APPROVE_DAP, { id: dapId });
  return data.approveDelegatedAdminRelationship.relationship;
}

/** A DAP the operator reads through the customer (null when absent). */
export async function dapAsOperator(stack: Stack, customerId: string, dapId: string) {
  const c = await customerAsOperator(stack, customerId);
  return c?.delegatedAdminRelationships.find((d: any) => d.id === dapId) ?? null;
}

// ---- misc ----

export const SUSPEND = `mutation($id: ID!) { suspendSubscription(id: $id) { subscription { id status version } } }`;

export const roleToken = (tid: string, role: string) => partnerToken(tid, [role]);

/** Runs `fn` with the clock moved forward by `ms`, restoring it afterwards. */
export async function withClockAdvanced<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  clock.advance(ms);
  try {
    return await fn();
  } finally {
    clock.advance(-ms);
  }
}
