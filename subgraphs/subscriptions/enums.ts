/**
 * The subscriptions subgraph's own enums: only its types use them. The enums several
 * subgraphs share are in common/graphql/enums.ts. Values equal names, as there.
 */
import { registerEnumType } from "type-graphql";

export enum SalesChannel {
  CSP = "CSP",
  DIRECT = "DIRECT",
  ENTERPRISE_AGREEMENT = "ENTERPRISE_AGREEMENT",
  OTHER = "OTHER",
}
export enum SubscriptionStatus {
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
  CANCELLED = "CANCELLED",
}
export enum BillingCycle {
  MONTHLY = "MONTHLY",
  ANNUAL = "ANNUAL",
}
export enum ProductFamily {
  MICROSOFT_365 = "MICROSOFT_365",
  OFFICE_365 = "OFFICE_365",
  AZURE = "AZURE",
  DYNAMICS_365 = "DYNAMICS_365",
}

registerEnumType(SalesChannel, {
  name: "SalesChannel",
  description: "Where a subscription was bought.",
  valuesConfig: {
    CSP: { description: "Through a partner of this program." },
    DIRECT: { description: "Straight from the vendor." },
    ENTERPRISE_AGREEMENT: { description: "Under an enterprise agreement." },
    OTHER: { description: "Any other channel outside the program." },
  },
});
registerEnumType(SubscriptionStatus, {
  name: "SubscriptionStatus",
  description: "ACTIVE ⇄ SUSPENDED; either → CANCELLED (final).",
  valuesConfig: {
    ACTIVE: { description: "In use and billed." },
    SUSPENDED: { description: "Paused: takes no quantity change until reactivated." },
    CANCELLED: { description: "Ended. Final." },
  },
});
registerEnumType(BillingCycle, {
  name: "BillingCycle",
  description: "How often a subscription is billed.",
  valuesConfig: {
    MONTHLY: { description: "Billed every month." },
    ANNUAL: { description: "Billed once a year." },
  },
});
registerEnumType(ProductFamily, {
  name: "ProductFamily",
  description: "The product family an offer belongs to.",
  valuesConfig: {
    MICROSOFT_365: { description: "Microsoft 365 suites." },
    OFFICE_365: { description: "Office 365 suites." },
    AZURE: { description: "Azure consumption plans." },
    DYNAMICS_365: { description: "Dynamics 365 business applications." },
  },
});
