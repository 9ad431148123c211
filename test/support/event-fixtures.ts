/** Reading the event feed through the gateway, and relaying events to the events subgraph's internal endpoint as an owner does. */
import { randomUUID } from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { IsNull } from "typeorm";
import { DEV_SUBGRAPH_SECRET } from "../../common/service/config";
import { OutboxEvent } from "../../common/events/outbox";
import { SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "../../common/http/wire";
import type { GqlResult, Stack } from "./stack";

export interface EventView {
  id: string;
  type: string;
  occurredAt: string;
  subjectType: string | null;
  subjectId: string | null;
  actorKind: string;
  actorId: string | null;
}
export const EVENT_FIELDS = "id type occurredAt subjectType subjectId actorKind actorId";

export const EVENTS = `query($types: [EventType!], $first: Int, $after: String, $last: Int, $before: String) {
  events(types: $types, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { ${EVENT_FIELDS} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

export interface FeedPage {
  totalCount: number;
  edges: { cursor: string; node: EventView }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export async function feedPage(stack: Pick<Stack, "gql">, token: string, args: Record<string, unknown> = {}): Promise<FeedPage> {
  const res = await stack.gql(token, EVENTS, args);
  if (res.errors?.length) throw new Error(`events failed: ${JSON.stringify(res.errors)}`);
  return res.data.events;
}

/** Every event of the viewer's feed, oldest first, walked forward 100 at a time. */
export async function feed(stack: Pick<Stack, "gql">, token: string, types?: string[]): Promise<EventView[]> {
  const all: EventView[] = [];
  let after: string | null = null;
  for (;;) {
    const page: FeedPage = await feedPage(stack, token, { types, first: 100, after });
    all.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return all;
    after = page.pageInfo.endCursor;
  }
}

/** An event as an owner relays it: what the feed shows, and who may see it. */
export interface RelayedEvent extends EventView {
  audience: string[];
}

export const relayedEvent = (over: Partial<RelayedEvent> = {}): RelayedEvent => ({
  id: randomUUID(),
  type: "CUSTOMER_CREATED",
  occurredAt: new Date().toISOString(),
  subjectType: "Customer",
  subjectId: randomUUID(),
  actorKind: "OPERATOR",
  actorId: null,
  audience: [],
  ...over,
});

/** `ingestEvents` on the events subgraph's internal endpoint, as an owner's relay calls it. */
export async function ingest(stack: Stack, events: RelayedEvent[], source = "test"): Promise<GqlResult<{ ingestEvents: { acknowledged: string[]; stored: number } }>> {
  const url = stack.subgraphUrls.events.replace(/\/graphql$/, "/internal/graphql");
  const client = new GraphQLClient(url, { headers: { [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET, [SERVICE_NAME_HEADER]: source }, errorPolicy: "all" });
  const res = await client.rawRequest<{ ingestEvents: { acknowledged: string[]; stored: number } }>(
    `mutation($source: String!, $events: [RelayedEventInput!]!) { ingestEvents(source: $source, events: $events) { acknowledged stored } }`,
    { source, events },
  );
  return { data: res.data, errors: res.errors as GqlResult["errors"] };
}

/**
 * Waits until every owner's outbox is relayed (no row without relayedAt), so that a test
 * comparing rows before and after something sees no relay finishing in between. Nothing to
 * wait for while the events subgraph is stopped (its relays cannot finish).
 */
export async function outboxesRelayed(stack: Pick<Stack, "subgraphs">, timeoutMs = 10_000): Promise<void> {
  if (!stack.subgraphs.events.db.dataSource.isInitialized) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    for (const subgraph of Object.values(stack.subgraphs)) {
      const ds = subgraph.db.dataSource;
      if (!ds.isInitialized || !ds.hasMetadata(OutboxEvent)) continue;
      pending += await ds.getRepository(OutboxEvent).countBy({ relayedAt: IsNull() });
    }
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} outbox event(s) still unrelayed after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
