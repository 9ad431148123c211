/**
 * One representation per distinct entity in an `_entities` call. @apollo/gateway sends a
 * representation for every place an entity occurs in the result so far — the dashboard's
 * 250 subscriptions ask the partners subgraph for the same handful of partners 250 times —
 * and the subgraph resolves, serialises and returns each copy. Equal representations get
 * equal answers, so the gateway sends each once and fans the answers (and any error about
 * one) back out to every position the query plan expects.
 *
 * Interface: `dedupingEntities(source)` is a GraphQLDataSource around `source` that sends an
 * `_entities` call with each distinct representation once and answers it as if all had been
 * sent; a call without representations, or with all distinct, goes to `source` as it came.
 * It builds a request of its own for `source` and leaves the gateway's untouched.
 * `dedupeRepresentations` and `expandEntitiesResponse` are its two halves.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { reshapeEntities, SubgraphResponse } from "./entities-response";

/** `source`, sending each distinct entity of an `_entities` call once (`TContext`'s bound is @apollo/gateway's own). */
export function dedupingEntities<TContext extends Record<string, any>>(source: GraphQLDataSource<TContext>): GraphQLDataSource<TContext> {
  return {
    async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
      const { request } = options;
      const representations = request.variables?.representations;
      const deduped = Array.isArray(representations) ? dedupeRepresentations(representations) : undefined;
      if (!deduped) return source.process(options);
      const response = await source.process({ ...options, request: { ...request, variables: { ...request.variables, representations: deduped.unique } } });
      return expandEntitiesResponse(response, deduped);
    },
  };
}

export interface DedupedRepresentations {
  /** Each distinct representation once, in first-seen order. */
  unique: unknown[];
  /** For each original position, its index in `unique`. */
  indexOf: number[];
}

/** Undefined when every representation is already distinct (nothing to gain). */
export function dedupeRepresentations(representations: unknown[]): DedupedRepresentations | undefined {
  const seen = new Map<string, number>();
  const unique: unknown[] = [];
  const indexOf = representations.map((representation) => {
    // The gateway builds representations in selection order, so equal entities serialise equally.
    const key = JSON.stringify(representation);
    let index = seen.get(key);
    if (index === undefined) {
      index = unique.push(representation) - 1;
      seen.set(key, index);
    }
    return index;
  });
  return unique.length < representations.length ? { unique, indexOf } : undefined;
}

/**
 * Can a later merge reach into this answer? The gateway's deepMerge copies scalar fields into
 * its own result but keeps nested objects and lists by reference and merges into them later.
 * A flat answer (the dashboard's partner `{ name }`) can be shared by every position.
 */
function holdsObjects(entity: unknown): boolean {
  if (entity === null || typeof entity !== "object") return false;
  for (const key in entity) {
    const value = (entity as Record<string, unknown>)[key];
    if (value !== null && typeof value === "object") return true;
  }
  return false;
}

/**
 * The response as if every original representation had been sent: `_entities` back to the
 * original length (copies after the first are cloned when they hold objects or lists, so later
 * merges into one position never show up in another) and each error about `_entities[i]` repeated for every position
 * that was `i`.
 */
export function expandEntitiesResponse(response: SubgraphResponse, { indexOf }: DedupedRepresentations): SubgraphResponse {
  const firstUse = new Set<number>();
  return reshapeEntities(
    response,
    (entities) =>
      indexOf.map((u) => {
        if (firstUse.has(u)) return holdsObjects(entities[u]) ? structuredClone(entities[u]) : entities[u];
        firstUse.add(u);
        return entities[u];
      }),
    (u) => {
      const positions = indexOf.flatMap((sent, original) => (sent === u ? [original] : []));
      // An index the call never had (a subgraph's mistake) is passed on as it came, not dropped.
      return positions.length ? positions : [u];
    },
  );
}
