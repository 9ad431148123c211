/**
 * Each registered subgraph's code: its server, its schema alone (for composition) and its
 * storage (entities and migrations). What runs subgraphs reads this map: npm start, the test
 * stack, the load test, compose, migrate. Typed by the registry, so a subgraph added there
 * without its line here does not compile.
 */
import type { BuiltSubgraphSchema } from "../common/federation";
import type { SubgraphStorage } from "../common/migrations";
import type { SubgraphBuildOptions, SubgraphServer } from "../common/subgraph-server";
import { buildEventsSchema, buildEventsServer, EVENTS_STORAGE } from "./events/server";
import { buildCustomersSchema, buildCustomersServer, CUSTOMERS_STORAGE } from "./customers/server";
import { buildPartnersSchema, buildPartnersServer, PARTNERS_STORAGE } from "./partners/server";
import type { SubgraphName } from "./registry";
import { buildSubscriptionsSchema, buildSubscriptionsServer, SUBSCRIPTIONS_STORAGE } from "./subscriptions/server";

export interface SubgraphCode {
  /** Schema, database and HTTP server, not yet listening. */
  buildServer(options?: SubgraphBuildOptions): Promise<SubgraphServer>;
  buildSchema(): Promise<BuiltSubgraphSchema>;
  storage: SubgraphStorage;
}

export const SUBGRAPH_CODE: Record<SubgraphName, SubgraphCode> = {
  partners: { buildServer: buildPartnersServer, buildSchema: buildPartnersSchema, storage: PARTNERS_STORAGE },
  customers: { buildServer: buildCustomersServer, buildSchema: buildCustomersSchema, storage: CUSTOMERS_STORAGE },
  subscriptions: { buildServer: buildSubscriptionsServer, buildSchema: buildSubscriptionsSchema, storage: SUBSCRIPTIONS_STORAGE },
  events: { buildServer: buildEventsServer, buildSchema: buildEventsSchema, storage: EVENTS_STORAGE },
};
