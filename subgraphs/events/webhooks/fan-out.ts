/**
 * The webhooks' hook into ingest: called in the ingest transaction with every event stored
 * for the first time, so a delivery row exists exactly when its event does (EV5: a crash
 * loses no pending delivery, and a relayed duplicate, not new, queues nothing). One PENDING
 * delivery per enabled endpoint of an audience organisation subscribed to the event's type,
 * due at once. Nothing is sent here: the delivery worker sends after the commit, outside any
 * transaction, so no endpoint can slow an ingest (EV6).
 */
import { randomUUID } from "node:crypto";
import { EntityManager, In, IsNull } from "typeorm";
import { clock } from "../../../common/time/clock";
import type { FeedEvent } from "../model";
import { WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from "./model";
import { deliveriesQueued } from "./queue-signal";

export interface IngestedEvent {
  /** The event as ingest has just stored it (its feed sequence included). */
  event: FeedEvent;
  /** `partner:<id>` / `customer:<id>`; the operator is implied (and registers no endpoints). */
  audience: string[];
}

/** Rows per INSERT: well under SQLite's bound on parameters per statement. */
export const INSERT_CHUNK = 200;

export async function fanOutDeliveries(manager: EntityManager, ingested: IngestedEvent[]): Promise<void> {
  const owners = [...new Set(ingested.flatMap((e) => e.audience))];
  if (owners.length === 0) return;
  const endpoints = await manager.find(WebhookEndpoint, {
    select: { id: true, owner: true, eventTypes: true },
    where: { owner: In(owners), enabled: true, deletedAt: IsNull() },
  });
  if (endpoints.length === 0) return;
  const now = clock.now();
  const rows: WebhookDelivery[] = [];
  for (const { event, audience } of ingested) {
    const audiences = new Set(audience);
    for (const endpoint of endpoints)
      if (audiences.has(endpoint.owner) && endpoint.eventTypes.includes(event.type)) rows.push(newDelivery(endpoint.id, event, now));
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await manager.insert(WebhookDelivery, rows.slice(i, i + INSERT_CHUNK));
  if (rows.length) deliveriesQueued();
}

/** A delivery of `event` to one endpoint, due at `now`. */
export function newDelivery(
  endpointId: string,
  event: Pick<FeedEvent, "id" | "type" | "occurredAt" | "subjectType" | "subjectId" | "actorKind" | "actorId">,
  now: Date,
): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    id: randomUUID(),
    endpointId,
    eventId: event.id,
    eventType: event.type,
    occurredAt: event.occurredAt,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    actorKind: event.actorKind,
    actorId: event.actorId,
    status: WebhookDeliveryStatus.PENDING,
    attempts: 0,
    createdAt: now,
    firstAttemptAt: null,
    lastAttemptAt: null,
    lastResponseStatus: null,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
  });
}
