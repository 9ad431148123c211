/** Helpers for the order and subscription suites: set-up through the gateway, read-back as the operator. */
import { randomUUID } from "node:crypto";
import { customerToken, GqlResult, operatorToken, partnerToken, Stack } from "./stack";

/** The data of a response that must have succeeded. */
export function ok<T = any>(res: GqlResult<T>, what = "request"): T {
  if (res.errors?.length) throw new Error(`${what} failed: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

/** The first error's extensions (code, field). */
export const ext = (res: GqlResult) => res.errors?.[0]?.extensions ?? {};

/** A partner user with these roles. */
export const partnerAs = (partnerId: string, ...roles: string[]) => partnerToken(partnerId, roles);
/** A customer user with these roles. */
export const customerAs = (customerId: string, ...roles: string[]) => customerToken(customerId, roles);
/** An operator token. */
export const operator = () => operatorToken();

export const SUB_FIELDS = `id friendlyName quantity status billingCycle termDuration autoRenew channel orderId createdAt commitmentEndsAt cancellationAllowedUntil version
  customer { id } offer { id } partnerOfRecord { id } billingPartner { id } supportPartner { id }`;

export interface SubView {
  id: string;
  friendlyName: string;
  quantity: number;
  status: string;
  billingCycle: string;
  termDuration: string;
  autoRenew: boolean;
  channel: string;
  orderId: string | null;
  createdAt: string;
  commitmentEndsAt: string | null;
  cancellationAllowedUntil: string | null;
  version: number;
  customer: { id: string };
  offer: { id: string };
  partnerOfRecord: { id: string } | null;
  billingPartner: { id: string } | null;
  supportPartner: { id: string } | null;
}

/** A subscription as the operator sees it (every field). */
export async function subAsOperator(stack: Stack, id: string): Promise<SubView> {
  return ok(await stack.gql(await operatorToken(), `query($id: ID!) { subscription(id: $id) { ${SUB_FIELDS} } }`, { id }), "subscription").subscription;
}

/** All subscriptions of a customer, as the operator sees them. */
export async function customerSubs(stack: Stack, customerId: string): Promise<{ totalCount: number; nodes: SubView[] }> {
  const data = ok(
    await stack.gql(await operatorToken(), `query($id: ID!) { customer(id: $id) { subscriptions(first: 100) { totalCount nodes { ${SUB_FIELDS} } } } }`, { id: customerId }),
    "customer subscriptions",
  );
  return data.customer.subscriptions;
}

/** The number of subscriptions a customer has (operator's view). */
export const subCount = async (stack: Stack, customerId: string) => (await customerSubs(stack, customerId)).totalCount;

export interface LineItem {
  offerId: string;
  quantity: number;
  billingCycle: string;
  termDuration: string;
  friendlyName?: string | null;
}

export const line = (over: Partial<LineItem> = {}): LineItem => ({ offerId: "m365-business-standard", quantity: 10, billingCycle: "MONTHLY", termDuration: "P1M", ...over });

export const PLACE_ORDER = `mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id idempotencyKey createdAt customer { id } partnerOfRecord { id } billingPartner { id } subscriptions { ${SUB_FIELDS} } }
  }
}`;

/** placeOrder as `tok`, returning the raw response. */
export function orderRaw(
  stack: Stack,
  tok: string,
  input: { customerId: string; resellerId?: string | null; idempotencyKey?: string; lineItems?: LineItem[] },
) {
  return stack.gql(tok, PLACE_ORDER, {
    input: {
      customerId: input.customerId,
      resellerId: input.resellerId ?? null,
      idempotencyKey: input.idempotencyKey ?? randomUUID(),
      lineItems: input.lineItems ?? [line()],
    },
  });
}

/** A successful order; its subscriptions with every field. */
export async function order(stack: Stack, tok: string, input: Parameters<typeof orderRaw>[2]) {
  return ok(await orderRaw(stack, tok, input), "placeOrder").placeOrder.order as {
    id: string;
    idempotencyKey: string;
    createdAt: string;
    customer: { id: string };
    partnerOfRecord: { id: string };
    billingPartner: { id: string };
    subscriptions: SubView[];
  };
}

/** A partner asks for a reseller relationship and the customer's global admin accepts it (CR1, CR2). */
export async function requestAndAccept(stack: Stack, partner: { token: string }, customerId: string, indirectProviderId?: string) {
  const req = ok(
    await stack.gql(partner.token, `mutation($input: CreateRelationshipRequestInput) { createRelationshipRequest(input: $input) { request { code } } }`, {
      input: indirectProviderId ? { indirectProviderId } : null,
    }),
    "createRelationshipRequest",
  );
  const accepted = ok(
    await stack.gql(await customerToken(customerId), `mutation($c: String!) { acceptRelationshipRequest(code: $c) { relationship { id status } } }`, {
      c: req.createRelationshipRequest.request.code,
    }),
    "acceptRelationshipRequest",
  );
  return accepted.acceptRelationshipRequest.relationship.id as string;
}

let dapSeq = 0;
/** An ACTIVE delegated admin relationship of the partner with the customer (DA1, DA2). */
export async function delegatedAdmin(stack: Stack, partner: { token: string }, customerId: string) {
  const created = ok(
    await stack.gql(
      partner.token,
      `mutation($input: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $input) { relationship { id } } }`,
      { input: { customerId, displayName: `dap-${++dapSeq}-${randomUUID().slice(0, 8)}`, roles: ["HELPDESK_ADMINISTRATOR"], durationDays: 365, autoExtend: false } },
    ),
    "createDelegatedAdminRelationship",
  );
  const id = created.createDelegatedAdminRelationship.relationship.id as string;
  ok(
    await stack.gql(await customerToken(customerId), `mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { id status } } }`, { id }),
    "approveDelegatedAdminRelationship",
  );
  return id;
}

/** Ends a delegated admin relationship as the customer (DA4). */
export async function terminateDelegatedAdmin(stack: Stack, customerId: string, id: string) {
  ok(
    await stack.gql(await customerToken(customerId), `mutation($id: ID!) { terminateDelegatedAdminRelationship(id: $id) { relationship { id status } } }`, { id }),
    "terminateDelegatedAdminRelationship",
  );
}

/** Ends a provider↔reseller relationship (T3), as the given side. */
export async function terminateReseller(stack: Stack, side: { token: string }, relationshipId: string) {
  ok(
    await stack.gql(side.token, `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id status } } }`, { id: relationshipId }),
    "terminateResellerRelationship",
  );
}

/** removeResellerRelationship as `tok` (CR3), raw. */
export function removeRelationshipRaw(stack: Stack, tok: string, customerId: string, partnerId: string) {
  return stack.gql(tok, `mutation($c: ID!, $p: ID!) { removeResellerRelationship(customerId: $c, partnerId: $p) { relationship { id status } } }`, {
    c: customerId,
    p: partnerId,
  });
}

export const RECORD_EXTERNAL = `mutation($input: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $input) { subscription { ${SUB_FIELDS} } } }`;

/** The operator records a subscription bought outside the program (MC1). */
export async function recordExternal(stack: Stack, customerId: string, over: Record<string, unknown> = {}): Promise<SubView> {
  const input = { customerId, offerId: "o365-e3", quantity: 25, channel: "ENTERPRISE_AGREEMENT", billingCycle: "ANNUAL", termDuration: "P1Y", ...over };
  return ok(await stack.gql(await operatorToken(), RECORD_EXTERNAL, { input }), "recordExternalSubscription").recordExternalSubscription.subscription;
}

export const UPDATE = `mutation($input: UpdateSubscriptionInput!) { updateSubscription(input: $input) { subscription { ${SUB_FIELDS} } } }`;
export const SUSPEND = `mutation($id: ID!) { suspendSubscription(id: $id) { subscription { ${SUB_FIELDS} } } }`;
export const REACTIVATE = `mutation($id: ID!) { reactivateSubscription(id: $id) { subscription { ${SUB_FIELDS} } } }`;
export const CANCEL = `mutation($id: ID!) { cancelSubscription(id: $id) { subscription { ${SUB_FIELDS} } } }`;
export const HIRE = `mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { ${SUB_FIELDS} } } }`;

export const update = (stack: Stack, tok: string, input: Record<string, unknown>) => stack.gql(tok, UPDATE, { input });
export const suspend = (stack: Stack, tok: string, id: string) => stack.gql(tok, SUSPEND, { id });
export const reactivate = (stack: Stack, tok: string, id: string) => stack.gql(tok, REACTIVATE, { id });
export const cancel = (stack: Stack, tok: string, id: string) => stack.gql(tok, CANCEL, { id });
export const hire = (stack: Stack, tok: string, subscriptionId: string, partnerId: string) => stack.gql(tok, HIRE, { s: subscriptionId, p: partnerId });

/** `subscription(id)` as `tok`: the subscription, or the refusal. */
export const lookUp = (stack: Stack, tok: string, id: string) => stack.gql(tok, `query($id: ID!) { subscription(id: $id) { id quantity partnerOfRecord { id } } }`, { id });

/** `_entities` on the subscriptions subgraph directly, as `tok`. */
export async function entity(stack: Stack, tok: string, id: string) {
  const res = await stack.subgraphGql("subscriptions", tok, `query($r: [_Any!]!) { _entities(representations: $r) { ... on CloudSubscription { id quantity } } }`, {
    r: [{ __typename: "CloudSubscription", id }],
  });
  return ok(res, "_entities")._entities[0] as { id: string; quantity: number } | null;
}
