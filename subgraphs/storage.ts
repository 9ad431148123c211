/** Each subgraph's entities and migrations, for the scripts that work on all three databases (migrate, generate). */
import type { SubgraphName } from "../common/config";
import type { SubgraphStorage } from "../common/migrations";
import { CUSTOMERS_STORAGE } from "./customers/server";
import { PARTNERS_STORAGE } from "./partners/server";
import { SUBSCRIPTIONS_STORAGE } from "./subscriptions/server";

export const SUBGRAPH_STORAGE: Record<SubgraphName, SubgraphStorage> = {
  partners: PARTNERS_STORAGE,
  customers: CUSTOMERS_STORAGE,
  subscriptions: SUBSCRIPTIONS_STORAGE,
};
