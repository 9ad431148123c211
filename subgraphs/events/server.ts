/** Builds the events subgraph (schema, database, HTTP server) without listening. */
import { devClockResolvers } from "../../common/dev-clock";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/federation";
import type { SubgraphStorage } from "../../common/migrations";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/subgraph-server";
import type { EventsContext, EventsServiceContext } from "./context";
import { EventsInternalResolver } from "./internal";
import { EVENTS_MIGRATIONS } from "./migrations";
import { EventAudience, FeedEvent } from "./model";
import { EventFeedResolver } from "./resolvers";

export const EVENTS_ENTITIES = [FeedEvent, EventAudience];
export const EVENTS_STORAGE: SubgraphStorage = { entities: EVENTS_ENTITIES, migrations: EVENTS_MIGRATIONS };

export function buildEventsSchema() {
  return buildFederatedSchema({ resolvers: [EventFeedResolver] });
}

export async function buildEventsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db } = await prepareSubgraph("events", EVENTS_STORAGE, options);
  const { schema } = await buildEventsSchema();
  const internalSchema = await buildCodeFirstSchema([EventsInternalResolver, ...devClockResolvers(config)]);
  return createSubgraphServer<EventsContext, EventsServiceContext>({
    name: "events",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db }),
    serviceContext: (principal, requestId) => ({ principal, requestId, db }),
  });
}
