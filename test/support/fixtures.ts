/** Builders of test data through the gateway, as the operator and partners would make it. */
import { randomUUID } from "node:crypto";
import { customerToken, operatorToken, partnerToken, Stack } from "./stack";

let sequence = 0;
const next = () => `${Date.now() % 100000}${++sequence}`.padStart(7, "0");

export interface PartnerSeed {
  id?: string;
  mpnId?: string;
  name?: string;
  programs?: string[];
  cloud?: string;
  country?: string;
  agreementSigned?: boolean;
}

export async function enroll(stack: Stack, seed: PartnerSeed = {}): Promise<{ id: string; mpnId: string; token: string }> {
  const input = {
    id: seed.id ?? randomUUID(),
    mpnId: seed.mpnId ?? next(),
    name: seed.name ?? `Partner ${sequence}`,
    programs: seed.programs ?? ["DIRECT_BILL"],
    cloud: seed.cloud ?? "GLOBAL",
    country: seed.country ?? "US",
    agreementSigned: seed.agreementSigned ?? true,
  };
  const res = await stack.gql(await operatorToken(), `mutation($input: EnrollPartnerInput!) { enrollPartner(input: $input) { partner { id mpnId } } }`, { input });
  if (res.errors) throw new Error(`enroll failed: ${JSON.stringify(res.errors)}`);
  return { ...res.data.enrollPartner.partner, token: await partnerToken(input.id) };
}

export async function registerCustomer(stack: Stack, seed: { id?: string; cloud?: string; country?: string; companyName?: string } = {}) {
  const id = seed.id ?? randomUUID();
  const res = await stack.gql(
    await operatorToken(),
    `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id } } }`,
    { input: { id, companyName: seed.companyName ?? `Customer ${next()}`, defaultDomain: `c${next()}.onmicrosoft.com`, cloud: seed.cloud ?? "GLOBAL", country: seed.country ?? "US" } },
  );
  if (res.errors) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  return { id, token: await customerToken(id) };
}

/** A provider invites a reseller and the reseller accepts: an ACTIVE two-tier relationship. */
export async function linkReseller(stack: Stack, provider: { token: string }, reseller: { mpnId: string; token: string }) {
  const invited = await stack.gql(provider.token, `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`, { m: reseller.mpnId });
  if (invited.errors) throw new Error(`invite failed: ${JSON.stringify(invited.errors)}`);
  const id = invited.data.inviteReseller.relationship.id;
  const accepted = await stack.gql(reseller.token, `mutation($id: ID!) { acceptResellerInvitation(relationshipId: $id) { relationship { id status } } }`, { id });
  if (accepted.errors) throw new Error(`accept failed: ${JSON.stringify(accepted.errors)}`);
  return id as string;
}

/** A partner creates a customer (optionally on behalf of its reseller): an ACTIVE reseller relationship. */
export async function createCustomer(stack: Stack, partner: { token: string }, opts: { resellerId?: string; country?: string; billingEmail?: string } = {}) {
  const res = await stack.gql(
    partner.token,
    `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
    {
      input: {
        companyName: `Customer ${next()}`,
        defaultDomain: `c${next()}.onmicrosoft.com`,
        country: opts.country ?? "US",
        resellerId: opts.resellerId ?? null,
        billingProfile: { email: opts.billingEmail ?? "billing@example.com", city: "Seattle" },
      },
    },
  );
  if (res.errors) throw new Error(`createCustomer failed: ${JSON.stringify(res.errors)}`);
  const id = res.data.createCustomer.customer.id as string;
  return { id, token: await customerToken(id) };
}

export const ORDER = `mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id idempotencyKey partnerOfRecord { id } billingPartner { id } subscriptions { id quantity status channel version } }
  }
}`;

export async function placeOrder(
  stack: Stack,
  partner: { token: string },
  customerId: string,
  opts: { resellerId?: string; offerId?: string; quantity?: number; key?: string } = {},
) {
  const res = await stack.gql(partner.token, ORDER, {
    input: {
      customerId,
      resellerId: opts.resellerId ?? null,
      idempotencyKey: opts.key ?? randomUUID(),
      lineItems: [{ offerId: opts.offerId ?? "m365-business-standard", quantity: opts.quantity ?? 10, billingCycle: "MONTHLY", termDuration: "P1M" }],
    },
  });
  if (res.errors) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
  return res.data.placeOrder.order as { id: string; subscriptions: { id: string; version: number }[] };
}
