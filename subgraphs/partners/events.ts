/** The partners subgraph's events (EV1, EV2, EV9): a reseller relationship is seen by its two parties (and the operator). */
import { EventType, partnerAudience } from "../../common/event-types";
import type { NewEvent } from "../../common/outbox";
import type { ResellerRelationship } from "./model";

/** The event each relationship mutation records. */
export const RELATIONSHIP_EVENT: Record<string, EventType> = {
  inviteReseller: EventType.RESELLER_INVITED,
  acceptResellerInvitation: EventType.RESELLER_RELATIONSHIP_ACCEPTED,
  terminateResellerRelationship: EventType.RESELLER_RELATIONSHIP_TERMINATED,
};

export function relationshipEvent(operation: string, rel: Pick<ResellerRelationship, "id" | "providerId" | "resellerId">): NewEvent {
  const type = RELATIONSHIP_EVENT[operation];
  if (!type) throw new Error(`no event for ${operation}`);
  return { type, subjectId: rel.id, audience: [partnerAudience(rel.providerId), partnerAudience(rel.resellerId)] };
}
