/**
 * The floor of `npm run bench`: the same graph resolved in one process. The gateway of
 * gateway/server.ts (its front, token check, limits, query planner, and the layers of every
 * subgraph call: failed calls answered per part, entity coalescing and de-duplication) with
 * every registered subgraph built in this process and executed in it, no HTTP between them:
 * each subgraph call runs the subgraph's schema with a context built as its server builds one
 * per HTTP request (token verified again, fresh loaders), so the same resolvers, loaders and
 * SQL run on the same database. A subgraph's calls for another's
 * internal facts are executed in-process too. What the federated stack costs above this is
 * what federation costs: processes, HTTP, JSON and the subgraphs' request pipelines.
 *
 * Builds without listening (tests start it on port 0 beside the federated stack); its own
 * process is bench/floor-main.ts.
 */
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { DocumentNode, execute, ExecutionResult, GraphQLError, GraphQLSchema, parse, validate } from "graphql";
import type { Config } from "../common/service/config";
import { dependencyUnavailable } from "../common/errors/errors";
import { formatError } from "../common/errors/format-error";
import type { RunningHttpService } from "../common/http/http";
import type { InternalClient, InternalDocument } from "../common/service/internal-client";
import { describeError, logger } from "../common/observability/logger";
import { currentRequest, runInRequest } from "../common/identity/request-context";
import type { InProcessSubgraph, SubgraphBuildOptions, SubgraphServer } from "../common/service/subgraph-server";
import type { SubgraphResponse } from "../gateway/entities-response";
import { buildGateway, GatewayContext } from "../gateway/server";
import { SubgraphName, SUBGRAPH_NAMES } from "../subgraphs/registry";
import { SUBGRAPH_CODE } from "../subgraphs/servers";

/**
 * Documents parsed and validated once per distinct text, as each subgraph's Apollo Server
 * keeps them (its document store): the planner sends a handful of documents over and over.
 */
class DocumentCache {
  private readonly documents = new Map<string, { document: DocumentNode; errors: readonly GraphQLError[] }>();
  constructor(private readonly schema: GraphQLSchema) {}
  get(source: string, parsed?: DocumentNode) {
    let entry = this.documents.get(source);
    if (!entry) {
      let document: DocumentNode;
      try {
        document = parsed ?? parse(source);
      } catch (error) {
        return { document: undefined, errors: [error instanceof GraphQLError ? error : new GraphQLError(String(error))] };
      }
      entry = { document, errors: validate(this.schema, document) };
      if (this.documents.size >= 1_000) this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(source, entry);
    }
    return entry;
  }
}

/**
 * A call over HTTP answers in a later turn of the event loop at the earliest, and batching
 * depends on turns (the gateway's coalescing of a plan's calls, gateway/entity-coalescing.ts,
 * and the subgraphs' DataLoaders): executed at once (SQLite answers synchronously), a call
 * could finish before a parallel call's batch is sent and its follow-up join that batch,
 * making fewer calls and SQL statements than the federated stack makes for the same plan.
 */
const aTurnLater = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Errors as the subgraph's server would send them (common/errors/format-error.ts masks the unexpected). */
const formatted = (errors: readonly GraphQLError[] | undefined) => errors?.map((error) => formatError(error.toJSON(), error));

async function run(schema: GraphQLSchema, cache: DocumentCache, source: string, parsed: DocumentNode | undefined, variables: Record<string, unknown> | undefined, operationName: string | undefined, contextValue: unknown): Promise<ExecutionResult> {
  const { document, errors } = cache.get(source, parsed);
  if (errors.length || !document) return { errors };
  return execute({ schema, document, variableValues: variables, operationName, contextValue });
}

/**
 * The call to one subgraph, executed here: what its `/graphql` would answer. The gateway
 * wraps it in the layers every subgraph call has (gateway/subgraph-data-source.ts: failed
 * calls answered per part, coalescing, de-duplication), as it wraps its HTTP call.
 */
class InProcessCall implements GraphQLDataSource<GatewayContext> {
  private readonly cache: DocumentCache;
  constructor(
    private readonly name: SubgraphName,
    private readonly subgraph: InProcessSubgraph,
  ) {
    this.cache = new DocumentCache(subgraph.schema);
  }
  process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    return this.call(options, options.request.variables);
  }
  private async call(options: GraphQLDataSourceProcessOptions<GatewayContext>, variables: Record<string, unknown> | undefined): Promise<SubgraphResponse> {
    const context = options.context as Partial<GatewayContext> | undefined;
    const requestId = context?.requestId ?? randomUUID();
    const document = "document" in options ? options.document : undefined;
    await aTurnLater();
    return runInRequest({ requestId, service: this.name }, async () => {
      try {
        const contextValue = await this.subgraph.userContext(context?.authorization, requestId);
        const result = await run(this.subgraph.schema, this.cache, options.request.query ?? "", document, variables, options.request.operationName, contextValue);
        return { data: result.data, errors: formatted(result.errors) };
      } catch (error) {
        // A refusal of the context (token, roles), as the subgraph's HTTP answer would carry it.
        const refusal = error instanceof GraphQLError ? error : new GraphQLError(describeError(error), { originalError: error instanceof Error ? error : undefined });
        return { errors: formatted([refusal]) };
      }
    });
  }
}

/** A subgraph's client for another's internal facts (common/service/internal-client.ts), executed in this process. */
function inProcessInternalClient(owner: SubgraphName, caller: SubgraphName, subgraphs: Partial<Record<SubgraphName, InProcessSubgraph>>): InternalClient {
  let cache: DocumentCache | undefined;
  return {
    async request<Answer, Variables extends Record<string, unknown>>(document: InternalDocument<Answer, Variables>, variables: Variables, what: string): Promise<Answer> {
      const subgraph = subgraphs[owner];
      if (!subgraph) throw dependencyUnavailable(what);
      cache ??= new DocumentCache(subgraph.internalSchema);
      await aTurnLater();
      const requestId = currentRequest()?.requestId ?? randomUUID();
      const result = await runInRequest({ requestId, service: owner }, () =>
        run(subgraph.internalSchema, cache!, document.source, undefined, variables, undefined, subgraph.serviceContext(caller, requestId)),
      );
      if (result.errors?.length) {
        logger.warn({ owner, what, error: result.errors.map((e) => e.message).join("; ").slice(0, 300) }, "internal call failed");
        throw dependencyUnavailable(what);
      }
      return result.data as Answer;
    },
  };
}

export interface FloorServer {
  /** SQL statements run so far by every subgraph in it. */
  statements(): Record<SubgraphName, number>;
  start(port?: number): Promise<RunningHttpService>;
  stop(): Promise<void>;
}

/** Every registered subgraph, built as its own process builds it (configuration, database), behind the gateway in this process. */
export async function buildFloorServer(config: Config, options: Omit<SubgraphBuildOptions, "config" | "internalClients" | "peers"> = {}): Promise<FloorServer> {
  const subgraphs: Partial<Record<SubgraphName, InProcessSubgraph>> = {};
  const servers = {} as Record<SubgraphName, SubgraphServer>;
  for (const name of SUBGRAPH_NAMES) {
    servers[name] = await SUBGRAPH_CODE[name].buildServer({ ...options, config, internalClients: (owner, caller) => inProcessInternalClient(owner, caller, subgraphs) });
    subgraphs[name] = servers[name].inProcess;
  }
  const gateway = buildGateway({ config, subgraphCall: (name) => new InProcessCall(name, subgraphs[name]!) });
  return {
    statements: () => Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, servers[name].db.statements.count])) as Record<SubgraphName, number>,
    start: (port = 0) => gateway.start(port),
    async stop() {
      await gateway.stop();
      for (const name of SUBGRAPH_NAMES) await servers[name].db.close();
    },
  };
}
