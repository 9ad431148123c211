/** Each subgraph's entities and migrations, for the scripts that work on every database (migrate, generate). */
import type { SubgraphStorage } from "../common/storage/migrations";
import { perSubgraph, SubgraphName } from "./registry";
import { SUBGRAPH_CODE } from "./servers";

export const SUBGRAPH_STORAGE: Record<SubgraphName, SubgraphStorage> = perSubgraph((name) => SUBGRAPH_CODE[name].storage);
