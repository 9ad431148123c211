/**
 * The customers subgraph's own enums: only its types use them. The enums several
 * subgraphs share are in common/graphql/enums.ts. Values equal names, as there.
 */
import { registerEnumType } from "type-graphql";

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
