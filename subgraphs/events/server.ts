/** Builds the events subgraph (schema, database, HTTP server) without listening. */
import type { Config } from "../../common/service/config";
import { ActivityRecord, ActivityResolver } from "../../common/mutations/activity";
import { devClockResolvers } from "../../common/time/dev-clock";
import { buildCodeFirstSchema, buildFederatedSchema } from "../../common/graphql/federation";
import type { SubgraphStorage } from "../../common/storage/migrations";
import { createSubgraphServer, prepareSubgraph, SubgraphBuildOptions, SubgraphServer } from "../../common/service/subgraph-server";
import type { EventsContext, EventsServiceContext } from "./context";
import { EventsInternalResolver } from "./internal";
import { EVENTS_MIGRATIONS } from "./migrations";
import { EventAudience, FeedEvent } from "./model";
import { EventFeedResolver, EventSubjectResolver } from "./resolvers";
import { SUBJECT_STUBS } from "./references";
import { WebhooksInternalResolver } from "./webhooks/internal";
import { WEBHOOK_ENTITIES } from "./webhooks/model";
import { WEBHOOK_RESOLVERS } from "./webhooks/resolvers";
import { WebhookMutations } from "./mutations";
import { DeliveryWorker } from "./webhooks/worker";

const EventsActivityResolver = ActivityResolver(
  "eventsActivity",
  "events subgraph's mutations (createWebhookEndpoint, updateWebhookEndpoint, deleteWebhookEndpoint, rotateWebhookSecret, sendTestEvent, redeliverEvent)",
);

export const EVENTS_ENTITIES = [FeedEvent, EventAudience, ...WEBHOOK_ENTITIES, ActivityRecord];
export const EVENTS_STORAGE: SubgraphStorage = { entities: EVENTS_ENTITIES, migrations: EVENTS_MIGRATIONS };

export function buildEventsSchema() {
  return buildFederatedSchema({
    resolvers: [EventFeedResolver, EventSubjectResolver, ...WEBHOOK_RESOLVERS, WebhookMutations, EventsActivityResolver],
    orphanedTypes: Object.values(SUBJECT_STUBS),
  });
}

/** The events subgraph's internal schema (the owners' `ingestEvents`), as its server serves it. */
export function buildEventsInternalSchema(config: Config) {
  return buildCodeFirstSchema([EventsInternalResolver, WebhooksInternalResolver, ...devClockResolvers(config)]);
}

export async function buildEventsServer(options: SubgraphBuildOptions = {}): Promise<SubgraphServer> {
  const { config, db } = await prepareSubgraph("events", EVENTS_STORAGE, options);
  const { schema } = await buildEventsSchema();
  const internalSchema = await buildEventsInternalSchema(config);
  const webhooks = { production: config.production };
  const server = createSubgraphServer<EventsContext, EventsServiceContext>({
    name: "events",
    config,
    db,
    schema,
    internalSchema,
    userContext: (principal, requestId) => ({ principal, requestId, ds: db.dataSource, db, webhooks }),
    serviceContext: (principal, requestId) => ({ principal, requestId, db }),
  });
  // EV5, EV6: the webhook deliveries are sent by this process's worker, beside the API.
  const worker = new DeliveryWorker({ db, ...webhooks, ...config.webhooks });
  return {
    ...server,
    async start(port) {
      const running = await server.start(port);
      worker.start();
      return running;
    },
    async stop() {
      // Attempts in flight are recorded before the database closes (a stop loses none).
      await worker.stop();
      await server.stop();
    },
  };
}
