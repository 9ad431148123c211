/**
 * The customers subgraph's events (EV1, EV2, EV9), with their audience as this subgraph's own
 * facts give it at the moment: a customer and its reseller relationships are seen by the
 * customer, the partner and the relationship's indirect provider (CV1, MP2, T7); a delegated
 * admin relationship by its customer and its partner. Never another partner of the customer (MP4).
 */
import { customerAudience, EventType, partnerAudience } from "../../common/event-types";
import type { NewEvent } from "../../common/outbox";
import type { CustomerPartnerRelationship, DelegatedAdminRelationship } from "./model";

type RelationshipParties = Pick<CustomerPartnerRelationship, "id" | "customerId" | "partnerId" | "indirectProviderId">;

const relationshipAudience = (rel: Omit<RelationshipParties, "id">) => [
  customerAudience(rel.customerId),
  partnerAudience(rel.partnerId),
  rel.indirectProviderId ? partnerAudience(rel.indirectProviderId) : null,
];

/** registerCustomerTenant: the customer alone (no partner sees it yet). */
export const customerRegistered = (customerId: string): NewEvent => ({ type: EventType.CUSTOMER_CREATED, subjectId: customerId, audience: [customerAudience(customerId)] });

/** createCustomer: the customer and the reseller relationship it starts with, seen by the same parties. */
export const customerCreated = (rel: RelationshipParties): NewEvent[] => [
  { type: EventType.CUSTOMER_CREATED, subjectId: rel.customerId, audience: relationshipAudience(rel) },
  { type: EventType.CUSTOMER_RELATIONSHIP_ESTABLISHED, subjectId: rel.id, audience: relationshipAudience(rel) },
];

export const relationshipEstablished = (rel: RelationshipParties): NewEvent => ({
  type: EventType.CUSTOMER_RELATIONSHIP_ESTABLISHED,
  subjectId: rel.id,
  audience: relationshipAudience(rel),
});

export const relationshipRemoved = (rel: RelationshipParties): NewEvent => ({
  type: EventType.CUSTOMER_RELATIONSHIP_REMOVED,
  subjectId: rel.id,
  audience: relationshipAudience(rel),
});

/** The event each delegated admin mutation records. */
const DELEGATED_ADMIN_EVENT: Record<string, EventType> = {
  createDelegatedAdminRelationship: EventType.DELEGATED_ADMIN_REQUESTED,
  approveDelegatedAdminRelationship: EventType.DELEGATED_ADMIN_APPROVED,
  terminateDelegatedAdminRelationship: EventType.DELEGATED_ADMIN_TERMINATED,
};

export function delegatedAdminEvent(
  typeOrOperation: EventType | string,
  dap: Pick<DelegatedAdminRelationship, "id" | "customerId" | "partnerId">,
  occurredAt?: Date,
): NewEvent {
  const type = DELEGATED_ADMIN_EVENT[typeOrOperation] ?? (typeOrOperation as EventType);
  if (!(type in EventType)) throw new Error(`no event for ${typeOrOperation}`);
  return { type, subjectId: dap.id, audience: [customerAudience(dap.customerId), partnerAudience(dap.partnerId)], occurredAt };
}
