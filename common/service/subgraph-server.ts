/**
 * Everything a subgraph server has in common: the perimeter (only callers holding the
 * subgraph credential), the user's token verified again here, an internal endpoint for
 * facts other subgraphs ask about, /health, and error masking. Builds without listening,
 * so tests run it in-process on port 0.
 */
import { timingSafeEqual } from "node:crypto";
import { IncomingMessage } from "node:http";
import { ApolloServer, BaseContext } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLSchema } from "graphql";
import { Config, readConfig, SubgraphName } from "./config";
import { Database, openDatabase } from "../storage/db";
import { databaseIsUp } from "../storage/db-status";
import type { SubgraphStorage } from "../storage/migrations";
import { formatError } from "../errors/format-error";
import { createHttpService, listen, RunningHttpService } from "../http/http";
import { noRoleRefusal } from "../identity/authorization";
import { asGatewayReadableRefusal } from "../errors/subgraph-refusals";
import { createTokenVerifier, ServicePrincipal, UserPrincipal } from "../identity/identity";
import { createInternalClient, InternalClient } from "./internal-client";
import { mutationOutcomePlugin } from "../mutations/mutation-outcome";
import { observabilityPlugin } from "../observability/observability";
import { requestIdOf } from "../identity/request-context";
import { SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "../http/wire";

// The subgraphs' servers and their tests name these headers through this module too.
export { REQUEST_ID_HEADER, SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "../http/wire";

export interface UserContext extends BaseContext {
  principal: UserPrincipal;
  requestId: string;
}
export interface ServiceContext extends BaseContext {
  principal: ServicePrincipal;
  requestId: string;
}

export interface SubgraphServerOptions<TUser extends UserContext, TService extends ServiceContext> {
  name: string;
  config: Config;
  db: Database;
  schema: GraphQLSchema;
  /** The schema of `/internal/graphql`, answered for other subgraphs only. */
  internalSchema: GraphQLSchema;
  userContext: (principal: UserPrincipal, requestId: string) => TUser;
  serviceContext: (principal: ServicePrincipal, requestId: string) => TService;
}

export interface SubgraphServer {
  name: string;
  db: Database;
  start(port?: number): Promise<RunningHttpService>;
  stop(): Promise<void>;
  /** What the two GraphQL routes run, for executing the subgraph without HTTP (the benchmark's floor). */
  inProcess: InProcessSubgraph;
}

/**
 * The schemas and per-request contexts behind `/graphql` and `/internal/graphql`, so another
 * server in the same process can execute this subgraph without HTTP: `npm run bench`'s floor
 * (bench/floor-server.ts) resolves the whole graph in one process this way, each subgraph
 * request with the token checks, loaders and SQL of a request over HTTP.
 */
export interface InProcessSubgraph {
  schema: GraphQLSchema;
  internalSchema: GraphQLSchema;
  /** `/graphql`'s context for one request: the Authorization header verified (refused without roles), fresh loaders. */
  userContext(authorization: string | undefined, requestId: string): Promise<UserContext>;
  /** `/internal/graphql`'s context for one request of the subgraph named `caller`. */
  serviceContext(caller: string, requestId: string): ServiceContext;
}

/** The subgraph's SQL statement counter (StatementCounter), as a Prometheus counter. */
export function sqlStatementMetrics(subgraph: string, count: number): string {
  return [
    "# HELP csp_sql_statements_total SQL statements this subgraph has run since it started.",
    "# TYPE csp_sql_statements_total counter",
    `csp_sql_statements_total{subgraph="${subgraph}"} ${count}`,
    "",
  ].join("\n");
}

/** The Apollo Server plugins of both of a subgraph's GraphQL routes (bench/hop.ts measures a server with exactly these). */
export function subgraphPlugins() {
  return [
    ApolloServerPluginInlineTraceDisabled(),
    // Nothing reads cache hints (no response cache); on, it wraps every field resolver to collect them.
    ApolloServerPluginCacheControlDisabled(),
    ApolloServerPluginLandingPageDisabled(),
    observabilityPlugin({ executionSpans: true }),
  ];
}

function secretMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createSubgraphServer<TUser extends UserContext, TService extends ServiceContext>(
  options: SubgraphServerOptions<TUser, TService>,
): SubgraphServer {
  const { config } = options;
  const verify = createTokenVerifier(config);
  const publicApollo = new ApolloServer<TUser>({
    schema: options.schema,
    // R2: what a mutation refused as DEPENDENCY_UNAVAILABLE may have changed.
    plugins: [...subgraphPlugins(), mutationOutcomePlugin()],
    formatError,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (common/service/service-main): Apollo's own signal handler would stop it before in-flight requests finish.
    stopOnTerminationSignals: false,
    introspection: !config.production,
  });
  const internalApollo = new ApolloServer<TService>({
    schema: options.internalSchema,
    plugins: subgraphPlugins(),
    formatError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
  });
  const userContext = async (authorization: string | undefined, requestId: string): Promise<TUser> => {
    try {
      const principal = await verify(authorization);
      if (principal.roles.length === 0) throw noRoleRefusal(principal);
      return options.userContext(principal, requestId);
    } catch (error) {
      throw asGatewayReadableRefusal(error);
    }
  };
  const serviceContext = (caller: string, requestId: string): TService => options.serviceContext({ kind: "service", service: caller }, requestId);
  const perimeter = (req: IncomingMessage) =>
    secretMatches(req.headers[SUBGRAPH_SECRET_HEADER], config.subgraphSecret)
      ? undefined
      : "This subgraph answers the gateway only.";

  const http = createHttpService({
    name: options.name,
    health: () => databaseIsUp(options.db),
    // Behind the perimeter like everything else; the benchmark reads it to count SQL per request.
    metrics: (req) => (perimeter(req) ? undefined : sqlStatementMetrics(options.name, options.db.statements.count)),
    routes: {
      "/graphql": {
        apollo: publicApollo,
        guard: perimeter,
        context: (req) => userContext(req.headers.authorization, requestIdOf(req)),
      },
      "/internal/graphql": {
        apollo: internalApollo,
        guard: (req) => perimeter(req) ?? (req.headers[SERVICE_NAME_HEADER] ? undefined : "Internal callers must name themselves."),
        context: async (req) => serviceContext(String(req.headers[SERVICE_NAME_HEADER]), requestIdOf(req)),
      },
    },
  });

  let running: RunningHttpService | undefined;
  return {
    name: options.name,
    db: options.db,
    inProcess: { schema: options.schema, internalSchema: options.internalSchema, userContext, serviceContext },
    async start(port = 0) {
      await Promise.all([publicApollo.start(), internalApollo.start()]);
      running = await listen(http, port, config.host, config.shutdownGraceMs);
      return running;
    },
    async stop() {
      await running?.close();
      await Promise.all([publicApollo.stop(), internalApollo.stop()]);
      await options.db.close();
    },
  };
}

/** Where each subgraph listens; read when a call is made, so tests may fill it in after start. */
export type PeerDirectory = Record<SubgraphName, string>;

export interface SubgraphBuildOptions {
  config?: Config;
  /** Overrides DATA_DIR (":memory:" in tests). */
  dataDir?: string;
  databaseUrl?: string;
  /** PostgreSQL schema (tests use a unique one per run). */
  schema?: string;
  peers?: PeerDirectory;
  /** How this subgraph reaches another's internal facts, instead of HTTP (the benchmark's floor runs every subgraph in one process). */
  internalClients?: (owner: SubgraphName, caller: SubgraphName) => InternalClient;
}

export interface SubgraphFoundation {
  config: Config;
  db: Database;
  /** A client for another subgraph's internal facts, named as this subgraph. */
  peer(name: SubgraphName): InternalClient;
}

/** Configuration, the subgraph's own database, and clients for its peers. */
export async function prepareSubgraph(
  name: SubgraphName,
  storage: SubgraphStorage,
  options: SubgraphBuildOptions,
): Promise<SubgraphFoundation> {
  const config = options.config ?? readConfig();
  const db = await openDatabase({
    name,
    ...storage,
    migrate: config.migrateOnStart,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    queryTimeoutMs: config.databaseQueryTimeoutMs,
    idleInTransactionTimeoutMs: config.databaseIdleInTransactionTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    dataDir: options.dataDir ?? config.dataDir,
    databaseUrl: options.databaseUrl ?? config.databaseUrl,
    schema: options.schema,
  });
  const peers = options.peers;
  return {
    config,
    db,
    peer: (other) => options.internalClients?.(other, name) ?? createInternalClient(() => peers?.[other] ?? config.subgraphUrl(other), name, config.subgraphSecret, config.internalTimeoutMs),
  };
}
