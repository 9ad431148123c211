/**
 * The event catalogue (EV1, EV9) shared by the subgraphs that record events (partners,
 * customers, subscriptions) and the events subgraph that keeps the feed: the types, the kind
 * of subject each has, and how an organisation is named in an event's audience (EV2).
 */
import { registerEnumType } from "type-graphql";

export enum EventType {
  RESELLER_INVITED = "RESELLER_INVITED",
  RESELLER_RELATIONSHIP_ACCEPTED = "RESELLER_RELATIONSHIP_ACCEPTED",
  RESELLER_RELATIONSHIP_TERMINATED = "RESELLER_RELATIONSHIP_TERMINATED",
  CUSTOMER_CREATED = "CUSTOMER_CREATED",
  CUSTOMER_RELATIONSHIP_ESTABLISHED = "CUSTOMER_RELATIONSHIP_ESTABLISHED",
  CUSTOMER_RELATIONSHIP_REMOVED = "CUSTOMER_RELATIONSHIP_REMOVED",
  DELEGATED_ADMIN_REQUESTED = "DELEGATED_ADMIN_REQUESTED",
  DELEGATED_ADMIN_APPROVED = "DELEGATED_ADMIN_APPROVED",
  DELEGATED_ADMIN_TERMINATED = "DELEGATED_ADMIN_TERMINATED",
  DELEGATED_ADMIN_EXPIRED = "DELEGATED_ADMIN_EXPIRED",
  DELEGATED_ADMIN_EXTENDED = "DELEGATED_ADMIN_EXTENDED",
  ORDER_PLACED = "ORDER_PLACED",
  SUBSCRIPTION_UPDATED = "SUBSCRIPTION_UPDATED",
  SUBSCRIPTION_SUSPENDED = "SUBSCRIPTION_SUSPENDED",
  SUBSCRIPTION_REACTIVATED = "SUBSCRIPTION_REACTIVATED",
  SUBSCRIPTION_CANCELLED = "SUBSCRIPTION_CANCELLED",
  SUPPORT_PARTNER_HIRED = "SUPPORT_PARTNER_HIRED",
  PING = "PING",
}

/** The GraphQL type of each event type's subject (EV9); PING has none. */
export const SUBJECT_TYPE: Record<EventType, string | null> = {
  RESELLER_INVITED: "ResellerRelationship",
  RESELLER_RELATIONSHIP_ACCEPTED: "ResellerRelationship",
  RESELLER_RELATIONSHIP_TERMINATED: "ResellerRelationship",
  CUSTOMER_CREATED: "Customer",
  CUSTOMER_RELATIONSHIP_ESTABLISHED: "CustomerPartnerRelationship",
  CUSTOMER_RELATIONSHIP_REMOVED: "CustomerPartnerRelationship",
  DELEGATED_ADMIN_REQUESTED: "DelegatedAdminRelationship",
  DELEGATED_ADMIN_APPROVED: "DelegatedAdminRelationship",
  DELEGATED_ADMIN_TERMINATED: "DelegatedAdminRelationship",
  DELEGATED_ADMIN_EXPIRED: "DelegatedAdminRelationship",
  DELEGATED_ADMIN_EXTENDED: "DelegatedAdminRelationship",
  ORDER_PLACED: "Order",
  SUBSCRIPTION_UPDATED: "CloudSubscription",
  SUBSCRIPTION_SUSPENDED: "CloudSubscription",
  SUBSCRIPTION_REACTIVATED: "CloudSubscription",
  SUBSCRIPTION_CANCELLED: "CloudSubscription",
  SUPPORT_PARTNER_HIRED: "CloudSubscription",
  PING: null,
};

/**
 * An organisation as an audience entry: `partner:<tenant id>` or `customer:<tenant id>`, the
 * same shape as a list's viewer scope, so a partner id and a customer id never meet by chance.
 * The operator is never listed: it receives every event.
 */
export type AudienceKey = `partner:${string}` | `customer:${string}`;
export const partnerAudience = (id: string): AudienceKey => `partner:${id.toLowerCase()}`;
export const customerAudience = (id: string): AudienceKey => `customer:${id.toLowerCase()}`;

registerEnumType(EventType, {
  name: "EventType",
  description: "What happened (DOMAIN EV9 names each type's subject).",
  valuesConfig: {
    RESELLER_INVITED: { description: "A provider invited a reseller (subject: ResellerRelationship)." },
    RESELLER_RELATIONSHIP_ACCEPTED: { description: "The reseller accepted the invitation (subject: ResellerRelationship)." },
    RESELLER_RELATIONSHIP_TERMINATED: { description: "Either side terminated the relationship (subject: ResellerRelationship)." },
    CUSTOMER_CREATED: { description: "A customer was created by a partner or registered by the operator (subject: Customer)." },
    CUSTOMER_RELATIONSHIP_ESTABLISHED: { description: "A partner gained a reseller relationship with a customer (subject: CustomerPartnerRelationship)." },
    CUSTOMER_RELATIONSHIP_REMOVED: { description: "A reseller relationship with a customer was removed (subject: CustomerPartnerRelationship)." },
    DELEGATED_ADMIN_REQUESTED: { description: "A partner asked a customer for admin roles (subject: DelegatedAdminRelationship)." },
    DELEGATED_ADMIN_APPROVED: { description: "The customer approved it (subject: DelegatedAdminRelationship)." },
    DELEGATED_ADMIN_TERMINATED: { description: "Either side terminated it (subject: DelegatedAdminRelationship)." },
    DELEGATED_ADMIN_EXPIRED: { description: "It expired: unapproved for 90 days, or past its end (subject: DelegatedAdminRelationship)." },
    DELEGATED_ADMIN_EXTENDED: { description: "It reached its end and auto-extended by 180 days (subject: DelegatedAdminRelationship)." },
    ORDER_PLACED: { description: "A partner placed an order (subject: Order)." },
    SUBSCRIPTION_UPDATED: { description: "A subscription's quantity, auto-renewal, name or partner of record changed (subject: CloudSubscription)." },
    SUBSCRIPTION_SUSPENDED: { description: "A subscription was suspended (subject: CloudSubscription)." },
    SUBSCRIPTION_REACTIVATED: { description: "A suspended subscription was reactivated (subject: CloudSubscription)." },
    SUBSCRIPTION_CANCELLED: { description: "A subscription was cancelled (subject: CloudSubscription)." },
    SUPPORT_PARTNER_HIRED: { description: "A customer hired a support partner for a subscription bought elsewhere (subject: CloudSubscription)." },
    PING: { description: "A test delivery to one webhook endpoint (no subject); never in the feed." },
  },
});
