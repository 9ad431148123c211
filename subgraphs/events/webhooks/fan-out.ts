/**
 * The webhooks' hook into ingest: called in the ingest transaction with every event stored
 * for the first time, so a delivery row exists exactly when its event does (EV5: a crash
 * loses no pending delivery). The webhooks part creates one delivery per enabled endpoint of
 * an audience organisation (and of the operator) subscribed to the event's type.
 */
import type { EntityManager } from "typeorm";
import type { EventType } from "../../../common/event-types";

export interface IngestedEvent {
  eventId: string;
  /** Its feed sequence number. */
  seq: number;
  type: EventType;
  /** `partner:<id>` / `customer:<id>`; the operator is implied. */
  audience: string[];
}

/** No endpoints exist yet, so there is nothing to deliver. */
export async function fanOutDeliveries(_manager: EntityManager, _ingested: IngestedEvent[]): Promise<void> {}
