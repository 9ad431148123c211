/**
 * The data source the gateway builds for each subgraph: @apollo/gateway's
 * RemoteGraphQLDataSource for the call itself, and our extensions as separate layers around
 * it, each behind @apollo/gateway's own `GraphQLDataSource` interface (`process(options)`
 * answering the subgraph's response), outermost first:
 *
 * 1. `answeringFailedCalls` (gateway/partial-results.ts): a call that gave no answer is
 *    answered as R1/R2 say, one DEPENDENCY_UNAVAILABLE per part the caller asked for.
 * 2. `coalescingEntityCalls` (gateway/entity-coalescing.ts): a client request's parallel
 *    `_entities` calls of one document go as one.
 * 3. `dedupingEntities` (gateway/entity-dedupe.ts): each distinct entity once per call.
 * 4. `SubgraphCall` below, the one that sends: its `willSendRequest` stamps the headers every
 *    call carries (gateway/subgraph-headers.ts), its `didEncounterError` turns a failure into
 *    what layer 1 answers or the client sees (`failureOfCall`, gateway/partial-results.ts,
 *    which logs it once per call sent), and its fetcher is the gateway's pooled one
 *    (gateway/subgraph-fetcher.ts).
 *
 * Failure sits outermost because a coalesced call that fails fails each caller with only
 * the parts it asked for; coalescing sits outside dedupe so that an entity two coalesced
 * calls share is sent once.
 */
import { GraphQLDataSource, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { answeringFailedCalls, failureOfCall } from "./partial-results";
import { coalescingEntityCalls } from "./entity-coalescing";
import { dedupingEntities } from "./entity-dedupe";
import { CallerOfCall, propagateToSubgraph } from "./subgraph-headers";
import type { SubgraphFetcher } from "./subgraph-fetcher";

export interface SubgraphServiceOptions {
  /** The subgraph's name, for the log. */
  name: string;
  url: string;
  /** The subgraph credential (x-subgraph-secret). */
  secret: string;
  fetcher: SubgraphFetcher;
}

/** The whole stack for one subgraph. */
export function subgraphService<TContext extends CallerOfCall>(options: SubgraphServiceOptions): GraphQLDataSource<TContext> {
  return withCallLayers(new SubgraphCall<TContext>(options));
}

/** Layers 1–3 around a call that sends: over HTTP above, or in-process (the benchmark's floor, bench/floor-server.ts). */
export function withCallLayers<TContext extends Record<string, any>>(call: GraphQLDataSource<TContext>): GraphQLDataSource<TContext> {
  return answeringFailedCalls(coalescingEntityCalls(dedupingEntities(call)));
}

/** The call itself: RemoteGraphQLDataSource with our headers, failure mapping and fetcher. */
class SubgraphCall<TContext extends CallerOfCall> extends RemoteGraphQLDataSource<TContext> {
  private readonly serviceName: string;
  private readonly secret: string;
  constructor({ name, url, secret, fetcher }: SubgraphServiceOptions) {
    super({ url, fetcher });
    this.serviceName = name;
    this.secret = secret;
  }
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<TContext>) {
    if (request.http) propagateToSubgraph(request.http.headers, context, this.secret);
  }
  /** Called when a subgraph gave no usable answer. */
  override didEncounterError(error: Error, _request: unknown, response: { status: number } | undefined, context?: TContext): never {
    throw failureOfCall(this.serviceName, error, response?.status, context?.requestId);
  }
}
