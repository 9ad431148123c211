/**
 * One `_entities` call per subgraph and document where a query plan makes several at once.
 * A plan's Parallel node fetches the same selection from the same subgraph for different
 * places (customer detail: the names of its relationships' partners, of their indirect
 * providers and of its delegated admins are three calls to the partners subgraph, each one
 * HTTP request and one SQL statement there). Calls of one client request that ask the same
 * document with the same other variables, started in the same turn of the event loop, go
 * as one call with their representations end to end; each caller gets its own slice back.
 *
 * Interface: `coalescingEntityCalls(source)` is a GraphQLDataSource around `source` that does
 * this for the `_entities` calls of client requests; every other call goes to `source` as it
 * came. A client request is its `incomingRequestContext` (one object per request, shared by
 * all its fetches), and a document is the fetch's query without the operation name the
 * planner gives each fetch (`CustomerDetail__partners__3`, the request's `operationName`).
 * The combined call is a request of its own (the first caller's, with every caller's
 * representations); the gateway's requests are left untouched. `coalesceEntityCall` and
 * `sliceEntitiesResponse` are its two halves.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { reshapeEntities, SubgraphResponse } from "./entities-response";

/** `source`, with a client request's parallel `_entities` calls of one document sent as one (`TContext`'s bound is @apollo/gateway's own). */
export function coalescingEntityCalls<TContext extends Record<string, any>>(source: GraphQLDataSource<TContext>): GraphQLDataSource<TContext> {
  return {
    process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
      const { request } = options;
      const { representations, ...others } = request.variables ?? {};
      // Only a client request's calls have one (health checks and schema loads do not).
      if (!("incomingRequestContext" in options) || !Array.isArray(representations)) return source.process(options);
      const key = `${documentOf(request)}\n${JSON.stringify(others)}`;
      return coalesceEntityCall(options.incomingRequestContext, key, representations, (all) =>
        source.process({ ...options, request: { ...request, variables: { ...request.variables, representations: all } } }),
      );
    },
  };
}

/** A fetch's document without its operation name: equal selections of one plan differ only in that name. */
function documentOf({ query = "", operationName }: { query?: string; operationName?: string }): string {
  // The name follows the operation keyword, so its first occurrence is the name itself.
  return operationName ? query.replace(operationName, "") : query;
}

interface Part {
  representations: unknown[];
  resolve(response: SubgraphResponse): void;
  reject(error: unknown): void;
}

interface Batch {
  parts: Part[];
  send(representations: unknown[]): Promise<SubgraphResponse>;
}

/** Batches waiting for the end of this turn, per client request (its context object). */
const waiting = new WeakMap<object, Map<string, Batch>>();

/**
 * Sends `representations` with `send`, together with the other calls made under the same
 * `request` and `key` in this turn (the first caller's `send` carries them all).
 */
export function coalesceEntityCall(request: object, key: string, representations: unknown[], send: Batch["send"]): Promise<SubgraphResponse> {
  let batches = waiting.get(request);
  if (!batches) waiting.set(request, (batches = new Map()));
  let batch = batches.get(key);
  if (!batch) {
    const created: Batch = { parts: [], send };
    batches.set(key, (batch = created));
    // setImmediate, not a microtask: a plan's parallel fetches reach their data source a few
    // awaits apart, all within this turn.
    setImmediate(() => {
      batches!.delete(key);
      void flush(created);
    });
  }
  const parts = batch.parts;
  return new Promise((resolve, reject) => parts.push({ representations, resolve, reject }));
}

async function flush({ parts, send }: Batch): Promise<void> {
  if (parts.length === 1) {
    const [only] = parts;
    return send(only.representations).then(only.resolve, only.reject);
  }
  let response: SubgraphResponse;
  try {
    response = await send(parts.flatMap((p) => p.representations));
  } catch (error) {
    for (const part of parts) part.reject(error);
    return;
  }
  const sizes = parts.map((p) => p.representations.length);
  sliceEntitiesResponse(response, sizes).forEach((slice, i) => parts[i].resolve(slice));
}

/**
 * One combined response cut back into one per caller (`sizes`: each caller's count of
 * representations, in order). An error about `_entities[i]` goes to the caller that sent
 * i, re-indexed; an error about no entity goes to every caller, as separate calls would
 * each have reported it.
 */
export function sliceEntitiesResponse(response: SubgraphResponse, sizes: number[]): SubgraphResponse[] {
  let start = 0;
  return sizes.map((size) => {
    const from = start;
    start += size;
    return reshapeEntities(
      response,
      (entities) => entities.slice(from, from + size),
      (index) => (index >= from && index < from + size ? [index - from] : []),
    );
  });
}
