/**
 * The gateway: @apollo/gateway inside @apollo/server, serving the committed
 * schema/supergraph.graphql. It verifies the caller's token (the subgraphs verify it again),
 * forwards it with the subgraph credential and a request id, and serves Apollo Sandbox at
 * `GET /` outside production. Builds without listening, so tests start it on port 0.
 */
import fs from "node:fs";
import { GraphQLError, ValidationRule } from "graphql";
import path from "node:path";
import { IncomingMessage } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloGateway, GraphQLDataSource, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { context as otelContext, propagation } from "@opentelemetry/api";
import { Config, projectRoot, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { DomainError } from "../common/errors";
import { noRoleRefusal } from "../common/authorization";
import { describeError, logger } from "../common/logger";
import { formatError } from "../common/format-error";
import { DEV_CLOCK_PATH, devClockEndpoint, stackClocks } from "./dev-clock";
import { queryLimits } from "./limits";
import { inputPathsPlugin } from "./input-paths";
import { capConnections, httpServerOptions, operationResolutionPlugin } from "./http-hygiene";
import { DEADLINE_HEADER, deadlineFromNow } from "./deadline";
import { callWasNotSent, failedCallResponse } from "./partial-results";
import { mutationOutcomePlugin } from "../common/mutation-outcome";
import { createHttpService, listen, RunningHttpService } from "../common/http";
import { createTokenVerifier, UserPrincipal } from "../common/identity";
import { createSubgraphFetcher, SubgraphFetcher } from "./subgraph-fetcher";
import { createRequestBudget } from "./rate-limit";
import { dedupeRepresentations, expandEntitiesResponse } from "./entity-dedupe";
import type { SubgraphResponse } from "./entities-response";
import { coalesceEntityCall } from "./entity-coalescing";
import { observabilityPlugin } from "../common/observability";
import { requestIdOf } from "../common/request-context";
import { REQUEST_ID_HEADER, SUBGRAPH_SECRET_HEADER } from "../common/wire";

/**
 * The API has no subscription root (a bought offer is `CloudSubscription`, not `Subscription`,
 * which composition would make the root), and @apollo/gateway fails on a subscription operation
 * with an internal error: refuse it as invalid instead.
 */
const NoSubscriptionOperations: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === "subscription") {
      context.reportError(
        new GraphQLError("This API has no subscription operations. A bought offer is the type `CloudSubscription`: read it with `subscription(id:)` inside a query.", { nodes: [node] }),
      );
    }
  },
});

export const SUPERGRAPH_PATH = path.join(projectRoot(), "schema", "supergraph.graphql");

export interface GatewayContext {
  principal: UserPrincipal;
  authorization: string;
  requestId: string;
  /** When the answer is due (R1's overall deadline; gateway/deadline.ts). */
  deadlineAt?: number;
}

/** The operation Sandbox opens with: one of the example operations frontend teams start from. */
export const SANDBOX_DOCUMENT_PATH = path.join(projectRoot(), "schema", "operations", "partner-dashboard.graphql");

/**
 * What the client sees for the part of a query whose subgraph did not answer (refused,
 * reset, timed out, or a 5xx): the other parts' data stay. Never the URL or Node's error text.
 */
export const subgraphUnavailable = () =>
  new DomainError("DEPENDENCY_UNAVAILABLE", "Part of this response is temporarily unavailable; try again shortly.");

/** A subgraph call that gave no answer; `notSent` when it surely never reached the subgraph. */
class SubgraphCallFailed extends Error {
  constructor(readonly notSent: boolean) {
    super("subgraph call failed");
  }
}

/** The operation name the query planner gives each fetch. */
export const FETCH_NAME = /^\s*(query|mutation)\s+[_A-Za-z][_0-9A-Za-z]*/;

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly serviceName: string,
    url: string,
    private readonly secret: string,
    fetcher: SubgraphFetcher,
  ) {
    super({ url, fetcher: fetcher as unknown as RemoteGraphQLDataSource["fetcher"] });
  }
  /** Called when a subgraph gave no usable answer; the operator's log keeps the details. */
  override didEncounterError(error: Error, _request: unknown, response: { status: number } | undefined, context?: Partial<GatewayContext>): never {
    const status = response?.status;
    // A subgraph's own 401/403 (e.g. a token that expired in flight) stays what it is, minus the subgraph's URL.
    if (status === 401 || status === 403) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      throw new DomainError(code === "UNAUTHENTICATED" ? "UNAUTHENTICATED" : "FORBIDDEN", error.message);
    }
    const cause = (error as { cause?: unknown }).cause;
    logger.warn(
      { subgraph: this.serviceName, status, requestId: context?.requestId, error: describeError(error), cause: cause ? describeError(cause) : undefined },
      "subgraph unavailable",
    );
    throw new SubgraphCallFailed(callWasNotSent(error));
  }
  /**
   * `_entities` calls: those a plan makes at once for one client request go as one
   * (gateway/entity-coalescing.ts), with each distinct entity once (gateway/entity-dedupe.ts).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    // Copied now: a coalesced call replaces the variables with every caller's representations.
    const asked = options.request.variables?.representations;
    const representations = Array.isArray(asked) ? [...asked] : undefined;
    try {
      return await this.processCall(options);
    } catch (error) {
      if (!(error instanceof SubgraphCallFailed)) throw error;
      // R1/R2: the parts this call should have given fail one by one, each with its path (gateway/partial-results.ts).
      const { message, extensions } = subgraphUnavailable();
      return failedCallResponse({ query: options.request.query ?? "", representations, error: { message, extensions }, notSent: error.notSent });
    }
  }
  private async processCall(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { representations, ...others } = options.request.variables ?? {};
    if (!Array.isArray(representations) || !options.context) return super.process(options);
    // The plan names each fetch (`CustomerDetail__partners__3`): equal documents but for that name go together.
    const key = `${options.request.query?.replace(FETCH_NAME, "$1")}\n${JSON.stringify(others)}`;
    return coalesceEntityCall(options.context, key, representations, (all) => this.sendEntities(options, all));
  }
  private async sendEntities(options: GraphQLDataSourceProcessOptions<GatewayContext>, representations: unknown[]): Promise<SubgraphResponse> {
    const deduped = dedupeRepresentations(representations);
    options.request.variables = { ...options.request.variables, representations: deduped?.unique ?? representations };
    const response = await super.process(options);
    return deduped ? expandEntitiesResponse(response, deduped) : response;
  }
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    request.http?.headers.set(SUBGRAPH_SECRET_HEADER, this.secret);
    if (context?.authorization) request.http?.headers.set("authorization", context.authorization);
    if (context?.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    if (context?.deadlineAt) request.http?.headers.set(DEADLINE_HEADER, String(context.deadlineAt));
    // W3C traceparent of the active gateway.fetch span: the subgraph's spans join this trace under it.
    const headers = request.http?.headers;
    if (headers) propagation.inject(otelContext.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
  }
}

export interface GatewayOptions {
  config?: Config;
  supergraphSdl?: string;
  /** Subgraph URLs by name (default: configuration). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  /** A token to pre-fill in Sandbox's Authorization header (development only). */
  sandboxToken?: string;
  /** Each subgraph's data source instead of HTTP calls to its URL: the benchmark's floor (bench/floor-server.ts) runs the subgraphs in this process. */
  subgraphService?: (name: SubgraphName) => GraphQLDataSource<GatewayContext>;
}

export interface GatewayServer {
  start(port?: number): Promise<RunningHttpService>;
  stop(): Promise<void>;
}

export function buildGateway(options: GatewayOptions = {}): GatewayServer {
  const config = options.config ?? readConfig();
  const supergraphSdl = options.supergraphSdl ?? fs.readFileSync(SUPERGRAPH_PATH, "utf8");
  const urlOf = (name: string) => options.subgraphUrls?.[name as SubgraphName] ?? config.subgraphUrl(name as SubgraphName);
  const fetchers: SubgraphFetcher[] = [];
  // @apollo/gateway otherwise probes cloud metadata endpoints and reports usage to Apollo every
  // hour: an API on a partner program's private network must not phone home unless its operator
  // chooses to (APOLLO_TELEMETRY_DISABLED=false).
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const inProcess = options.subgraphService?.(name as SubgraphName);
      if (inProcess) return inProcess;
      const fetcher = createSubgraphFetcher({ timeoutMs: config.subgraphTimeoutMs, maxSockets: config.subgraphMaxSockets });
      fetchers.push(fetcher);
      return new SubgraphDataSource(name, urlOf(name), config.subgraphSecret, fetcher);
    },
  });
  const verify = createTokenVerifier(config);
  const budget = createRequestBudget(config.rateLimit);
  const limits = queryLimits(config.queryLimits);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError,
    ...limits.options,
    validationRules: [...limits.options.validationRules, NoSubscriptionOperations],
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (common/service-main): Apollo's own signal handler would stop it before in-flight requests finish.
    stopOnTerminationSignals: false,
    introspection: !config.production,
    plugins: [
      ...limits.plugins,
      // Variables GraphQL refuses name the argument's field too (I4).
      inputPathsPlugin(),
      // An operationName that picks no operation is the client's mistake (R4).
      operationResolutionPlugin(),
      // R2: every DEPENDENCY_UNAVAILABLE of a mutation says whether its change may have happened.
      mutationOutcomePlugin(),
      // No response cache reads cache hints: computing a cache policy per request is wasted work.
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            document: fs.readFileSync(SANDBOX_DOCUMENT_PATH, "utf8"),
            headers: options.sandboxToken ? { Authorization: `Bearer ${options.sandboxToken}` } : undefined,
          }),
      // @apollo/gateway opens its own spans (gateway.request/plan/fetch…); this one feeds the request's log line.
      observabilityPlugin({ executionSpans: false }),
    ],
  });
  const http = createHttpService({
    name: "gateway",
    maxBodyBytes: config.queryLimits.maxBodyBytes,
    cors: { origins: config.corsOrigins, localOrigins: config.corsLocalOrigins },
    health: async () => true,
    // I5: not in production, where the path answers 404 like any other unknown one.
    handlers: config.production ? {} : { [DEV_CLOCK_PATH]: devClockEndpoint({ verify, clocks: stackClocks(config, urlOf) }) },
    serverOptions: httpServerOptions(config.httpLimits),
    routes: {
      "/graphql": { apollo, context: (req) => gatewayContext(req) },
      "/": { apollo, context: (req) => gatewayContext(req) },
    },
  });
  capConnections(http, config.httpLimits);
  async function gatewayContext(req: IncomingMessage): Promise<GatewayContext> {
    // R1: the request's time counts from here, before the token is verified.
    const deadlineAt = deadlineFromNow(config.requestDeadlineMs);
    const principal = await verify(req.headers.authorization);
    if (principal.roles.length === 0) throw noRoleRefusal(principal);
    // Before parsing, planning or any subgraph call (I2): a refused request costs nothing downstream.
    await budget.admit(principal);
    return { principal, authorization: req.headers.authorization!, requestId: requestIdOf(req), deadlineAt };
  }
  let running: RunningHttpService | undefined;
  return {
    async start(port = config.port("gateway")) {
      await apollo.start();
      // A replica counts in the shared budget from its first request (or knows it cannot).
      await budget.connected();
      running = await listen(http, port, config.host, config.shutdownGraceMs);
      return running;
    },
    async stop() {
      await running?.close();
      await apollo.stop();
      for (const fetcher of fetchers) fetcher.destroy();
      await budget.close();
    },
  };
}

export { SUBGRAPH_NAMES };
