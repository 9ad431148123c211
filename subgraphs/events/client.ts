/**
 * How the other subgraphs talk to the events subgraph (its `/internal/graphql`, internal.ts):
 * each owner relays its outbox with `ingestEvents` (EV1). The document is declared here once,
 * typed (test/unit/internal-documents.test.ts validates it against the events subgraph's
 * internal schema); loading this module loads none of the events subgraph's code.
 */
import { InternalClient, InternalDocument } from "../../common/service/internal-client";
import type { EventIngest, RelayedEvent } from "../../common/events/outbox";

/** Every question other subgraphs ask of the events subgraph. */
export const EVENTS_DOCUMENTS = {
  ingestEvents: new InternalDocument<{ ingestEvents: { acknowledged: string[] } }, { source: string; events: RelayedEvent[] }>(
    "mutation($source: String!, $events: [RelayedEventInput!]!) { ingestEvents(source: $source, events: $events) { acknowledged } }",
  ),
};

/** An owner's way to relay its outbox rows: the ids the events subgraph now holds. */
export function eventsIngest(events: InternalClient): EventIngest {
  return async (source, rows) => {
    const { ingestEvents } = await events.request(EVENTS_DOCUMENTS.ingestEvents, { source, events: rows }, "the events subgraph (relaying the outbox)");
    return ingestEvents.acknowledged;
  };
}
