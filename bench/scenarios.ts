/**
 * The four workloads of the performance targets, each a GraphQL document and a source of requests that
 * rotates through the dataset (several providers, customers, subscriptions), so no run is
 * one hot row. Every request is made as a provider's GLOBAL_ADMIN.
 */
import { randomUUID } from "node:crypto";
import { signDevToken } from "../common/identity/identity";
import type { DatasetIndex } from "./dataset";
import type { GraphQLCall } from "./load";

/** What the dashboard shows of each customer: its first page of subscriptions. */
export const DASHBOARD_CUSTOMER = `id
        companyName
        subscriptions(first: $subscriptions) {
          totalCount
          nodes { id status quantity offer { name } partnerOfRecord { name } }
        }`;

export const DASHBOARD = `query PartnerDashboard($partnerId: ID!, $customers: Int = 50, $subscriptions: Int = 10) {
  partner(id: $partnerId) {
    id
    name
    customers(first: $customers) {
      totalCount
      nodes {
        ${DASHBOARD_CUSTOMER}
      }
    }
  }
}`;

export const CUSTOMER_DETAIL = `query CustomerDetail($id: ID!) {
  customer(id: $id) {
    id
    companyName
    defaultDomain
    country
    billingProfile { email companyName addressLine city postalCode }
    partnerRelationships { id status establishedAt partner { id name } indirectProvider { id name } }
    delegatedAdminRelationships { id displayName roles status endsAt partner { id name } }
    subscriptions(first: 20) {
      totalCount
      nodes { id friendlyName status quantity billingCycle offer { id name } partnerOfRecord { id name } }
    }
  }
}`;

export const SUBSCRIPTION_BY_ID = `query SubscriptionById($id: ID!) {
  subscription(id: $id) {
    id friendlyName status quantity billingCycle termDuration autoRenew createdAt commitmentEndsAt version
    offer { id name productFamily }
    customer { id companyName }
    partnerOfRecord { id name }
    billingPartner { id name }
  }
}`;

export const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id idempotencyKey subscriptions { id status quantity offer { name } partnerOfRecord { name } } }
  }
}`;

export type ScenarioName = "dashboard" | "customerDetail" | "subscriptionById" | "placeOrder";
export const READ_SCENARIOS: ScenarioName[] = ["dashboard", "customerDetail", "subscriptionById"];

export interface Scenario {
  name: ScenarioName;
  title: string;
  next(): GraphQLCall;
  /** What a correct answer looks like (checked once per gateway before the load). */
  check(data: any): string | undefined;
}

/**
 * Request cases per scenario: well above the default 20 connections, so two identical
 * requests (same user, same document) are rarely in flight at once — with 16 cases Hive
 * Gateway's in-flight deduplication answered some requests for free (its SQL per dashboard
 * fell below the plan's minimum), which real traffic of many users does not allow.
 */
const ROTATION = 64;

function rotate<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

export async function buildScenarios(index: DatasetIndex, jwtSecret: string): Promise<Record<ScenarioName, Scenario>> {
  // One user per request case: concurrent identical requests of one user would let a gateway
  // that merges in-flight duplicates (Hive Gateway does) skip work real traffic rarely lets it skip.
  let users = 0;
  const auth = async (partnerId: string) => {
    const token = await signDevToken({ sub: `bench-user-${++users}`, org: "partner", tid: partnerId, roles: ["GLOBAL_ADMIN"] }, jwtSecret, "2h");
    return { authorization: `Bearer ${token}` };
  };
  const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
  const spread = <T>(items: T[]) => items.filter((_, i) => i % Math.max(1, Math.floor(items.length / ROTATION)) === 0).slice(0, ROTATION);

  // The busiest providers: their dashboards fill all 50 rows.
  const providers = [...index.providers].sort((a, b) => b.customers - a.customers).slice(0, 4);
  const dashboard = await Promise.all(
    Array.from({ length: ROTATION }, async (_, i) => {
      const p = providers[i % providers.length];
      return { headers: await auth(p.id), body: body(DASHBOARD, { partnerId: p.id }) };
    }),
  );
  const customers = await Promise.all(spread(index.providerCustomers).map(async (c) => ({ headers: await auth(c.providerId), body: body(CUSTOMER_DETAIL, { id: c.customerId }) })));
  const subscriptions = await Promise.all(spread(index.providerSubscriptions).map(async (s) => ({ headers: await auth(s.providerId), body: body(SUBSCRIPTION_BY_ID, { id: s.subscriptionId }) })));
  const buyers = await Promise.all(spread(index.providerCustomers).map(async (c) => ({ headers: await auth(c.providerId), target: c })));
  const nextBuyer = rotate(buyers);

  return {
    dashboard: {
      name: "dashboard",
      title: "partner dashboard",
      next: rotate(dashboard),
      check: (d) => (d?.partner?.customers?.nodes?.length === 50 && d.partner.customers.nodes.some((c: any) => c.subscriptions.nodes.length > 0) ? undefined : "expected 50 customers with subscriptions"),
    },
    customerDetail: {
      name: "customerDetail",
      title: "customer detail",
      next: rotate(customers),
      check: (d) => (d?.customer?.billingProfile && d.customer.partnerRelationships.length && d.customer.delegatedAdminRelationships.length ? undefined : "expected a billing profile and relationships"),
    },
    subscriptionById: {
      name: "subscriptionById",
      title: "subscription by id",
      next: rotate(subscriptions),
      check: (d) => (d?.subscription?.offer?.name && d.subscription.billingPartner?.name ? undefined : "expected a subscription with offer and billing partner"),
    },
    placeOrder: {
      name: "placeOrder",
      title: "placeOrder",
      next: () => {
        const { headers, target } = nextBuyer();
        const input = {
          customerId: target.customerId,
          resellerId: target.resellerId,
          idempotencyKey: randomUUID(),
          lineItems: [{ offerId: "m365-business-basic", quantity: 5, billingCycle: "MONTHLY", termDuration: "P1M" }],
        };
        return { headers, body: body(PLACE_ORDER, { input }) };
      },
      check: (d) => (d?.placeOrder?.order?.subscriptions?.length === 1 ? undefined : "expected an order with one subscription"),
    },
  };
}
