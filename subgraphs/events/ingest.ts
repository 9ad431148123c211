/**
 * Ingest (EV1, EV3): the owners relay their outbox rows here, at least once. Each event is
 * stored once (deduplicated by its id) and gets the next feed sequence number. Ingests are
 * serialised (PostgreSQL: an EXCLUSIVE lock on the event table, which readers do not wait
 * for; SQLite: one writer at a time), so sequence numbers are assigned and committed in the
 * same order: a poller that has read sequence n never later meets a smaller one committing.
 */
import { EntityManager, In } from "typeorm";
import { clock } from "../../common/time/clock";
import { Database, isUniqueViolation } from "../../common/storage/db";
import { OrganizationKind } from "../../common/graphql/enums";
import { EventType } from "../../common/events/event-types";
import { EventAudience, FeedEvent } from "./model";
import { fanOutDeliveries, IngestedEvent, INSERT_CHUNK } from "./webhooks/fan-out";

/** An event as its owner relays it. */
export interface RelayedEvent {
  id: string;
  type: EventType;
  occurredAt: Date;
  subjectType: string | null;
  subjectId: string | null;
  actorKind: OrganizationKind;
  actorId: string | null;
  audience: string[];
}

const MAX_ATTEMPTS = 5;

/** Stores the events not seen before; returns how many were new. Every id given is acknowledged. */
export async function ingestEvents(db: Database, source: string, events: RelayedEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((em) => ingestIn(db, em, source, events));
    } catch (error) {
      // SQLite replicas over one file: two writers may read the same head; the loser retries.
      if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

async function ingestIn(db: Database, em: EntityManager, source: string, events: RelayedEvent[]): Promise<number> {
  if (db.dialect === "postgres") await em.query('LOCK TABLE "event" IN EXCLUSIVE MODE');
  const ids = [...new Set(events.map((e) => e.id.toLowerCase()))];
  const known = new Set((await em.find(FeedEvent, { select: { id: true }, where: { id: In(ids) } })).map((e) => e.id));
  const head = await em.createQueryBuilder(FeedEvent, "e").select("MAX(e.seq)", "seq").getRawOne<{ seq: number | string | null }>();
  let seq = Number(head?.seq ?? 0);
  const now = clock.now();
  const stored: FeedEvent[] = [];
  const audiences: EventAudience[] = [];
  const ingested: IngestedEvent[] = [];
  for (const event of events) {
    const id = event.id.toLowerCase();
    if (known.has(id)) continue;
    known.add(id);
    seq++;
    const audience = [...new Set(event.audience.map((a) => a.toLowerCase()))];
    const row = Object.assign(new FeedEvent(), {
      id,
      seq,
      type: event.type,
      occurredAt: event.occurredAt,
      subjectType: event.subjectType,
      subjectId: event.subjectId?.toLowerCase() ?? null,
      actorKind: event.actorKind,
      actorId: event.actorId?.toLowerCase() ?? null,
      source,
      ingestedAt: now,
    });
    stored.push(row);
    for (const a of audience) audiences.push(Object.assign(new EventAudience(), { audience: a, seq, eventId: id, type: event.type }));
    ingested.push({ event: row, audience });
  }
  // A relayed batch in a few statements, not two per event: ingests wait for each other's lock.
  for (let i = 0; i < stored.length; i += INSERT_CHUNK) await em.insert(FeedEvent, stored.slice(i, i + INSERT_CHUNK));
  for (let i = 0; i < audiences.length; i += INSERT_CHUNK) await em.insert(EventAudience, audiences.slice(i, i + INSERT_CHUNK));
  if (ingested.length) await fanOutDeliveries(em, ingested);
  return ingested.length;
}
