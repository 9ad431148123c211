/** Builds the events subgraph (schema, database, HTTP server) without listening. */
import { devClockResolvers } from "../../common/time/dev-clock";
import type { Config } from "../../common/service/config";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/graphql/federation";
import type { SubgraphStorage } from "../../common/storage/migrations";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/service/subgraph-server";
import type { EventsContext, EventsServiceContext } from "./context";
import { EventsInternalResolver } from "./internal";
import { EVENTS_MIGRATIONS } from "./migrations";
import { EventAudience, FeedEvent } from "./model";
import { EventFeedResolver, EventSubjectResolver } from "./resolvers";
import { SUBJECT_STUBS } from "./subjects";

export const EVENTS_ENTITIES = [FeedEvent, EventAudience];
export const EVENTS_STORAGE: SubgraphStorage = { entities: EVENTS_ENTITIES, migrations: EVENTS_MIGRATIONS };

export function buildEventsSchema() {
  return buildFederatedSchema({ resolvers: [EventFeedResolver, EventSubjectResolver], orphanedTypes: Object.values(SUBJECT_STUBS) });
}

/** The events subgraph's internal schema (the owners' `ingestEvents`), as its server serves it. */
export function buildEventsInternalSchema(config: Config) {
  return buildCodeFirstSchema([EventsInternalResolver, ...devClockResolvers(config)]);
}

export async function buildEventsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db } = await prepareSubgraph("events", EVENTS_STORAGE, options);
  const { schema } = await buildEventsSchema();
  const internalSchema = await buildEventsInternalSchema(config);
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
