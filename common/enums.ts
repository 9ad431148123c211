/**
 * The contract's enums, registered once for every subgraph: an enum that is both input and
 * output must be identical in all subgraphs for composition to accept it.
 * Values equal names, so no value mapping is needed between TypeScript and GraphQL.
 */
import { registerEnumType } from "type-graphql";

export enum Cloud {
  GLOBAL = "GLOBAL",
  US_GOVERNMENT = "US_GOVERNMENT",
  CHINA = "CHINA",
  GERMANY = "GERMANY",
}
export enum CspProgram {
  DIRECT_BILL = "DIRECT_BILL",
  INDIRECT_PROVIDER = "INDIRECT_PROVIDER",
  INDIRECT_RESELLER = "INDIRECT_RESELLER",
}
export enum OrganizationKind {
  OPERATOR = "OPERATOR",
  PARTNER = "PARTNER",
  CUSTOMER = "CUSTOMER",
}
export enum ResellerRelationshipStatus {
  PENDING = "PENDING",
  ACTIVE = "ACTIVE",
  TERMINATED = "TERMINATED",
}
export enum CustomerRelationshipStatus {
  ACTIVE = "ACTIVE",
  REMOVED = "REMOVED",
}
export enum RelationshipRequestStatus {
  PENDING = "PENDING",
  ACCEPTED = "ACCEPTED",
  EXPIRED = "EXPIRED",
}
export enum DelegatedAdminStatus {
  APPROVAL_PENDING = "APPROVAL_PENDING",
  ACTIVE = "ACTIVE",
  EXPIRED = "EXPIRED",
  TERMINATED = "TERMINATED",
}
export enum AdminRole {
  GLOBAL_ADMINISTRATOR = "GLOBAL_ADMINISTRATOR",
  USER_ADMINISTRATOR = "USER_ADMINISTRATOR",
  HELPDESK_ADMINISTRATOR = "HELPDESK_ADMINISTRATOR",
  BILLING_ADMINISTRATOR = "BILLING_ADMINISTRATOR",
  LICENSE_ADMINISTRATOR = "LICENSE_ADMINISTRATOR",
  SERVICE_SUPPORT_ADMINISTRATOR = "SERVICE_SUPPORT_ADMINISTRATOR",
  DIRECTORY_READER = "DIRECTORY_READER",
}
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

registerEnumType(Cloud, {
  name: "Cloud",
  description: "A separate instance of the program. Every relationship and order stays inside one cloud.",
  valuesConfig: {
    GLOBAL: { description: "The worldwide commercial cloud." },
    US_GOVERNMENT: { description: "The US government cloud." },
    CHINA: { description: "The cloud operated in China by a local company." },
    GERMANY: { description: "The German cloud; it takes no new customers." },
  },
});
registerEnumType(CspProgram, {
  name: "CspProgram",
  description: "A program a partner is enrolled in. A partner may be in several.",
  valuesConfig: {
    DIRECT_BILL: { description: "Buys from the vendor and sells straight to its customers." },
    INDIRECT_PROVIDER: { description: "A distributor: buys from the vendor and sells through indirect resellers." },
    INDIRECT_RESELLER: { description: "Sells to customers through one or more indirect providers." },
  },
});
registerEnumType(OrganizationKind, {
  name: "OrganizationKind",
  description: "The kind of organisation a signed-in user belongs to.",
  valuesConfig: {
    OPERATOR: { description: "The vendor's own back office." },
    PARTNER: { description: "A partner enrolled in the program." },
    CUSTOMER: { description: "A customer tenant." },
  },
});
registerEnumType(ResellerRelationshipStatus, {
  name: "ResellerRelationshipStatus",
  description: "Lifecycle of an indirect provider ↔ indirect reseller relationship.",
  valuesConfig: {
    PENDING: { description: "Invited; waiting for the reseller to accept." },
    ACTIVE: { description: "Accepted by the reseller." },
    TERMINATED: { description: "Ended by either side. Final." },
  },
});
registerEnumType(CustomerRelationshipStatus, {
  name: "CustomerRelationshipStatus",
  description: "Whether a partner's reseller relationship with a customer is in force.",
  valuesConfig: {
    ACTIVE: { description: "The partner may sell to the customer." },
    REMOVED: { description: "Removed by the partner or the customer." },
  },
});
registerEnumType(RelationshipRequestStatus, {
  name: "RelationshipRequestStatus",
  description: "Lifecycle of a reseller relationship request.",
  valuesConfig: {
    PENDING: { description: "Waiting for a customer's global admin to accept it." },
    ACCEPTED: { description: "Accepted; its code cannot be used again." },
    EXPIRED: { description: "Not accepted within 90 days." },
  },
});
registerEnumType(DelegatedAdminStatus, {
  name: "DelegatedAdminStatus",
  description: "Lifecycle of a delegated admin relationship.",
  valuesConfig: {
    APPROVAL_PENDING: { description: "Waiting for the customer's global admin to approve it (90 days at most)." },
    ACTIVE: { description: "Approved and in force until `endsAt`." },
    EXPIRED: { description: "Not approved in time, or past its end. Final." },
    TERMINATED: { description: "Ended by either side. Final." },
  },
});
registerEnumType(AdminRole, {
  name: "AdminRole",
  description: "An admin role a partner may hold in a customer's tenant through delegated administration.",
  valuesConfig: {
    GLOBAL_ADMINISTRATOR: { description: "Every admin permission in the tenant; a relationship holding it cannot auto-extend." },
    USER_ADMINISTRATOR: { description: "Manages users and groups." },
    HELPDESK_ADMINISTRATOR: { description: "Resets passwords and handles support requests of non-admin users." },
    BILLING_ADMINISTRATOR: { description: "Manages purchases, subscriptions and billing." },
    LICENSE_ADMINISTRATOR: { description: "Assigns and removes licences." },
    SERVICE_SUPPORT_ADMINISTRATOR: { description: "Opens support requests with the vendor and reads service health." },
    DIRECTORY_READER: { description: "Reads the tenant's directory." },
  },
});
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
