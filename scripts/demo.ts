/**
 * Demo data, loaded through the gateway as the operator, partners and customers would
 * create it (so it obeys every rule). Time-dependent states (an expired delegated admin
 * relationship, a subscription past its cancellation window) are made by moving the shared
 * clock while the stack runs in one process.
 */
import { GraphQLClient } from "graphql-request";
import { clock, DAY_MS } from "../common/time/clock";
import { signDevToken, TokenClaims } from "../common/identity/identity";

export const DEMO = {
  contoso: { id: "11111111-1111-4111-8111-000000000001", mpnId: "1000001", name: "Contoso Distribution", programs: ["INDIRECT_PROVIDER"] },
  fabrikam: { id: "11111111-1111-4111-8111-000000000002", mpnId: "1000002", name: "Fabrikam Resellers", programs: ["INDIRECT_RESELLER"] },
  northwind: { id: "11111111-1111-4111-8111-000000000003", mpnId: "1000003", name: "Northwind Distribution", programs: ["INDIRECT_PROVIDER"] },
  tailspin: { id: "11111111-1111-4111-8111-000000000004", mpnId: "1000004", name: "Tailspin IT", programs: ["INDIRECT_RESELLER"] },
  litware: { id: "11111111-1111-4111-8111-000000000005", mpnId: "1000005", name: "Litware Solutions", programs: ["INDIRECT_RESELLER"] },
  adventure: { id: "11111111-1111-4111-8111-000000000006", mpnId: "1000006", name: "Adventure Works Cloud", programs: ["DIRECT_BILL"] },
  woodgrove: { id: "11111111-1111-4111-8111-000000000007", mpnId: "1000007", name: "Woodgrove Services", programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] },
  wideWorld: { id: "22222222-2222-4222-8222-000000000001", companyName: "Wide World Importers", defaultDomain: "wideworldimporters.onmicrosoft.com" },
} as const;

type Partnerish = { id: string };
type Step = (client: (claims: TokenClaims) => Promise<Exec>) => Promise<void>;
type Exec = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export interface DemoResult {
  customers: Record<string, string>;
  requestCode: string;
}

export function demoClaims(): Record<string, TokenClaims> {
  return {
    operator: { sub: "demo-operator", org: "operator", roles: ["OPERATOR"] },
    contosoAdmin: { sub: "demo-contoso-admin", org: "partner", tid: DEMO.contoso.id, roles: ["GLOBAL_ADMIN"] },
    fabrikamAdmin: { sub: "demo-fabrikam-admin", org: "partner", tid: DEMO.fabrikam.id, roles: ["GLOBAL_ADMIN"] },
    northwindAdmin: { sub: "demo-northwind-admin", org: "partner", tid: DEMO.northwind.id, roles: ["GLOBAL_ADMIN"] },
    adventureAdmin: { sub: "demo-adventure-admin", org: "partner", tid: DEMO.adventure.id, roles: ["GLOBAL_ADMIN"] },
    wideWorldAdmin: { sub: "demo-wideworld-admin", org: "customer", tid: DEMO.wideWorld.id, roles: ["GLOBAL_ADMIN"] },
  };
}

export async function isSeeded(gatewayUrl: string, secret?: string): Promise<boolean> {
  const client = new GraphQLClient(gatewayUrl, { headers: { authorization: `Bearer ${await signDevToken(demoClaims().operator, secret)}` }, errorPolicy: "all" });
  const res = await client.rawRequest<{ partner: { id: string } | null }>(`query($id: ID!) { partner(id: $id) { id } }`, { id: DEMO.contoso.id });
  return !!res.data?.partner;
}

export async function seedDemo(gatewayUrl: string, secret?: string): Promise<DemoResult> {
  const as = async (claims: TokenClaims): Promise<Exec> => {
    const client = new GraphQLClient(gatewayUrl, { headers: { authorization: `Bearer ${await signDevToken(claims, secret)}` } });
    return (query, variables) => client.request(query, variables);
  };
  const c = demoClaims();
  const operator = await as(c.operator);
  const partner = async (p: Partnerish) => as({ sub: `demo-${p.id.slice(-4)}`, org: "partner", tid: p.id, roles: ["GLOBAL_ADMIN"] });
  const customer = async (id: string) => as({ sub: `demo-${id.slice(-4)}`, org: "customer", tid: id, roles: ["GLOBAL_ADMIN"] });

  // Partners (all GLOBAL / US).
  for (const p of [DEMO.contoso, DEMO.fabrikam, DEMO.northwind, DEMO.tailspin, DEMO.litware, DEMO.adventure, DEMO.woodgrove]) {
    await operator(`mutation($i: EnrollPartnerInput!) { enrollPartner(input: $i) { partner { id } } }`, {
      i: { ...p, programs: [...p.programs], cloud: "GLOBAL", country: "US", agreementSigned: true },
    });
  }
  const contoso = await partner(DEMO.contoso);
  const northwind = await partner(DEMO.northwind);
  const adventure = await partner(DEMO.adventure);
  const invite = async (provider: Exec, mpnId: string) =>
    (await provider<any>(`mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { relationship { id } } }`, { m: mpnId })).inviteReseller.relationship.id as string;
  const accept = async (reseller: Partnerish, id: string) =>
    (await partner(reseller))(`mutation($id: ID!) { acceptResellerInvitation(relationshipId: $id) { relationship { id } } }`, { id });

  // Two-tier: Fabrikam active with Contoso and with Northwind; Tailspin pending; Litware terminated.
  await accept(DEMO.fabrikam, await invite(contoso, DEMO.fabrikam.mpnId));
  await accept(DEMO.fabrikam, await invite(northwind, DEMO.fabrikam.mpnId));
  await invite(contoso, DEMO.tailspin.mpnId);
  const litware = await invite(contoso, DEMO.litware.mpnId);
  await accept(DEMO.litware, litware);
  await contoso(`mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id } } }`, { id: litware });

  const createCustomer = async (as: Exec, companyName: string, domain: string, resellerId?: string) =>
    (await as<any>(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }`, {
      i: { companyName, defaultDomain: domain, country: "US", resellerId: resellerId ?? null, billingProfile: { email: `billing@${domain}`, addressLine: "1 Main St", city: "Seattle", postalCode: "98101" } },
    })).createCustomer.customer.id as string;
  const order = async (as: Exec, customerId: string, offerId: string, quantity: number, opts: { resellerId?: string; billingCycle?: string; term?: string } = {}) =>
    (await as<any>(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { subscriptions { id } } } }`, {
      i: {
        customerId,
        resellerId: opts.resellerId ?? null,
        idempotencyKey: `demo-${customerId.slice(0, 8)}-${offerId}-${opts.resellerId ?? "direct"}`,
        lineItems: [{ offerId, quantity, billingCycle: opts.billingCycle ?? "MONTHLY", termDuration: opts.term ?? "P1M" }],
      },
    })).placeOrder.order.subscriptions[0].id as string;

  // A subscription bought 10 days ago: past its cancellation window.
  clock.advance(-10 * DAY_MS);
  const adatum = await createCustomer(adventure, "Adatum Corporation", "adatum.onmicrosoft.com");
  await order(adventure, adatum, "m365-business-standard", 40, { billingCycle: "ANNUAL", term: "P1Y" });
  clock.reset();

  // Adatum works with two partners at once: Adventure Works (Microsoft 365) and Contoso (Azure).
  await order(adventure, adatum, "azure-plan", 1);
  const request = (await contoso<any>(`mutation { createRelationshipRequest { request { code } } }`)).createRelationshipRequest.request.code as string;
  await (await customer(adatum))(`mutation($c: String!) { acceptRelationshipRequest(code: $c) { relationship { id } } }`, { c: request });
  await order(contoso, adatum, "azure-plan", 1);

  // Relecloud: created by Contoso for its reseller Fabrikam (T4), sold through Fabrikam (T5).
  const relecloud = await createCustomer(contoso, "Relecloud", "relecloud.onmicrosoft.com", DEMO.fabrikam.id);
  await order(contoso, relecloud, "m365-e3", 120, { resellerId: DEMO.fabrikam.id, billingCycle: "ANNUAL", term: "P1Y" });
  const suspended = await order(contoso, relecloud, "o365-e1", 15, { resellerId: DEMO.fabrikam.id });
  await contoso(`mutation($id: ID!) { suspendSubscription(id: $id) { subscription { id } } }`, { id: suspended });

  // Contoso's own direct customer, with a cancelled trial purchase.
  const fourthCoffee = await createCustomer(contoso, "Fourth Coffee", "fourthcoffee.onmicrosoft.com");
  await order(contoso, fourthCoffee, "d365-sales-enterprise", 10);
  const cancelled = await order(contoso, fourthCoffee, "m365-business-basic", 5);
  await contoso(`mutation($id: ID!) { cancelSubscription(id: $id) { subscription { id } } }`, { id: cancelled });

  // Wide World Importers: bought outside the program; Adventure Works administers it and supports one subscription.
  await operator(`mutation($i: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $i) { customer { id } } }`, {
    i: { id: DEMO.wideWorld.id, companyName: DEMO.wideWorld.companyName, defaultDomain: DEMO.wideWorld.defaultDomain, cloud: "GLOBAL", country: "US" },
  });
  const external = async (channel: string, offerId: string, quantity: number) =>
    (await operator<any>(`mutation($i: RecordExternalSubscriptionInput!) { recordExternalSubscription(input: $i) { subscription { id } } }`, {
      i: { customerId: DEMO.wideWorld.id, offerId, quantity, channel, billingCycle: "ANNUAL", termDuration: "P1Y" },
    })).recordExternalSubscription.subscription.id as string;
  const ea = await external("ENTERPRISE_AGREEMENT", "m365-e5", 500);
  await external("DIRECT", "o365-e3", 50);
  const wideWorld = await customer(DEMO.wideWorld.id);
  const dap = async (as: Exec, customerId: string, displayName: string, roles: string[], durationDays = 365) =>
    (await as<any>(`mutation($i: CreateDelegatedAdminRelationshipInput!) { createDelegatedAdminRelationship(input: $i) { relationship { id } } }`, {
      i: { customerId, displayName, roles, durationDays, autoExtend: false },
    })).createDelegatedAdminRelationship.relationship.id as string;
  // Delegated admin in each state: expired (never approved, made 100 days ago), terminated, active, pending.
  const customerToCreateDapFor = adatum;
  clock.advance(-100 * DAY_MS);
  await dap(adventure, customerToCreateDapFor, "Adatum helpdesk (lapsed)", ["HELPDESK_ADMINISTRATOR"]);
  clock.reset();
  const ended = await dap(adventure, customerToCreateDapFor, "Adatum licensing (ended)", ["LICENSE_ADMINISTRATOR"]);
  const adatumAdmin = await customer(adatum);
  await adatumAdmin(`mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: ended });
  await adatumAdmin(`mutation($id: ID!) { terminateDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: ended });
  const active = await dap(adventure, customerToCreateDapFor, "Adatum user admin", ["USER_ADMINISTRATOR", "DIRECTORY_READER"]);
  await adatumAdmin(`mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: active });
  await dap(contoso, customerToCreateDapFor, "Adatum Azure ops", ["SERVICE_SUPPORT_ADMINISTRATOR"]);
  // Wide World accepts Adventure Works as a partner, grants it admin roles, and hires it to support its enterprise-agreement subscription.
  const wwRequest = (await adventure<any>(`mutation { createRelationshipRequest { request { code } } }`)).createRelationshipRequest.request.code as string;
  await wideWorld(`mutation($c: String!) { acceptRelationshipRequest(code: $c) { relationship { id } } }`, { c: wwRequest });
  const wwDap = await dap(adventure, DEMO.wideWorld.id, "Wide World admin", ["USER_ADMINISTRATOR"]);
  await wideWorld(`mutation($id: ID!) { approveDelegatedAdminRelationship(id: $id) { relationship { id } } }`, { id: wwDap });
  // A request the Wide World admin can approve (schema/operations/approve-delegated-admin.graphql).
  await dap(adventure, DEMO.wideWorld.id, "Wide World helpdesk", ["HELPDESK_ADMINISTRATOR"], 90);
  await wideWorld(`mutation($s: ID!, $p: ID!) { hireSupportPartner(subscriptionId: $s, partnerId: $p) { subscription { id } } }`, { s: ea, p: DEMO.adventure.id });

  // An open relationship request, for trying acceptRelationshipRequest.
  const open = (await adventure<any>(`mutation { createRelationshipRequest { request { code } } }`)).createRelationshipRequest.request.code as string;
  return { customers: { adatum, relecloud, fourthCoffee, wideWorld: DEMO.wideWorld.id }, requestCode: open };
}

/** The event types the demo endpoint receives: what PlaceOrder and the subscription operations in schema/operations/ cause. */
export const DEMO_WEBHOOK_TYPES = ["ORDER_PLACED", "SUBSCRIPTION_UPDATED", "SUBSCRIPTION_SUSPENDED", "SUBSCRIPTION_REACTIVATED", "SUBSCRIPTION_CANCELLED"];

/**
 * Registers Adventure Works Cloud's webhook endpoint at the demo receiver on the first start,
 * and on later starts rotates its secret: the secret is shown only when made, and the receiver,
 * a new process each start, needs it. Returns the secret the receiver verifies with.
 */
export async function ensureDemoWebhook(gatewayUrl: string, receiverUrl: string, secret?: string): Promise<string> {
  const client = new GraphQLClient(gatewayUrl, { headers: { authorization: `Bearer ${await signDevToken(demoClaims().adventureAdmin, secret)}` } });
  const { webhookEndpoints } = await client.request<{ webhookEndpoints: { id: string; url: string }[] | null }>(`{ webhookEndpoints { id url } }`);
  const existing = (webhookEndpoints ?? []).find((e) => e.url === receiverUrl);
  if (existing) {
    const rotated = await client.request<any>(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: existing.id });
    return rotated.rotateWebhookSecret.secret as string;
  }
  const created = await client.request<any>(`mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }`, {
    i: { url: receiverUrl, eventTypes: DEMO_WEBHOOK_TYPES },
  });
  return created.createWebhookEndpoint.secret as string;
}
