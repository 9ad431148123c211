/**
 * The gateway: @apollo/gateway inside @apollo/server, serving the committed
 * schema/supergraph.graphql. It verifies the caller's token (the subgraphs verify it again),
 * forwards it with the subgraph credential and a request id (each subgraph's data source and
 * its layers: gateway/subgraph-data-source.ts), and serves Apollo Sandbox at `GET /` outside
 * production. Builds without listening, so tests start it on port 0.
 */
import fs from "node:fs";
import { GraphQLError, ValidationRule } from "graphql";
import path from "node:path";
import { IncomingMessage } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloGateway, GraphQLDataSource } from "@apollo/gateway";
import { Config, projectRoot, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { noRoleRefusal } from "../common/identity/authorization";
import { formatError } from "../common/errors/format-error";
import { DEV_CLOCK_PATH, devClockEndpoint, stackClocks } from "./dev-clock";
import { queryLimits } from "./limits";
import { inputPathsPlugin } from "./input-paths";
import { capConnections, httpServerOptions, operationResolutionPlugin } from "./http-hygiene";
import { deadlineFromNow } from "./deadline";
import { mutationOutcomePlugin } from "../common/mutations/mutation-outcome";
import { createHttpService, listen, RunningHttpService } from "../common/http/http";
import { createTokenVerifier, UserPrincipal } from "../common/identity/identity";
import { createSubgraphFetcher, SubgraphFetcher } from "./subgraph-fetcher";
import { createRequestBudget } from "./rate-limit";
import { subgraphService, withCallLayers } from "./subgraph-data-source";
import { observabilityPlugin } from "../common/observability/observability";
import { requestIdOf } from "../common/identity/request-context";

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

/** What a client sees for a part whose subgraph did not answer (kept here for callers of the gateway module). */
export { subgraphUnavailable } from "./partial-results";

export interface GatewayOptions {
  config?: Config;
  supergraphSdl?: string;
  /** Subgraph URLs by name (default: configuration). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  /** A token to pre-fill in Sandbox's Authorization header (development only). */
  sandboxToken?: string;
  /** Each subgraph's call instead of HTTP to its URL, inside the same layers: the benchmark's floor (bench/floor-server.ts) runs the subgraphs in this process. */
  subgraphCall?: (name: SubgraphName) => GraphQLDataSource<GatewayContext>;
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
      const inProcess = options.subgraphCall?.(name as SubgraphName);
      if (inProcess) return withCallLayers(inProcess);
      const fetcher = createSubgraphFetcher({ timeoutMs: config.subgraphTimeoutMs, maxSockets: config.subgraphMaxSockets });
      fetchers.push(fetcher);
      return subgraphService<GatewayContext>({ name, url: urlOf(name), secret: config.subgraphSecret, fetcher });
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
    // Shutdown is ours (common/service/service-main): Apollo's own signal handler would stop it before in-flight requests finish.
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
