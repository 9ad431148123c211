/**
 * A subgraph's answer to an `_entities` call, reshaped for callers that sent other
 * representations than the query plan holds (gateway/entity-dedupe.ts sends fewer,
 * gateway/entity-coalescing.ts sends several calls' at once).
 */
import type { RemoteGraphQLDataSource } from "@apollo/gateway";

/** What a data source's `process` answers (the gateway's GatewayGraphQLResponse). */
export type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource["process"]>>;

/**
 * `response` with its `_entities` list rebuilt by `entities`, and each error about
 * `_entities[i]` re-addressed to every position `positionsOf(i)` names (none: not this
 * caller's). Errors about no entity stay as they are.
 */
export function reshapeEntities(
  response: SubgraphResponse,
  entities: (list: unknown[]) => unknown[],
  positionsOf: (index: number) => number[],
): SubgraphResponse {
  const list = (response.data as { _entities?: unknown } | null | undefined)?._entities;
  const data = Array.isArray(list) ? { ...response.data, _entities: entities(list) } : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [head, index, ...rest] = error.path ?? [];
    if (head !== "_entities" || typeof index !== "number") return [error];
    return positionsOf(index).map((position) => ({ ...error, path: ["_entities", position, ...rest] }));
  });
  return { ...response, data, ...(errors ? { errors } : {}) };
}
