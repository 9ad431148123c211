/**
 * The gateway: @apollo/gateway inside @apollo/server, serving the committed
 * schema/supergraph.graphql. It verifies the caller's token (the subgraphs verify it again),
 * forwards it with the subgraph credential and a request id, and serves Apollo Sandbox at
 * `GET /` outside production. Builds without listening, so tests start it on port 0.
 */
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { IncomingMessage } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloGateway, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { Config, projectRoot, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { forbiddenRequest } from "../common/errors";
import { formatError } from "../common/format-error";
import { createHttpService, listen, RunningHttpService } from "../common/http";
import { createTokenVerifier, UserPrincipal } from "../common/identity";
import { REQUEST_ID_HEADER, SUBGRAPH_SECRET_HEADER } from "../common/subgraph-server";

export const SUPERGRAPH_PATH = path.join(projectRoot(), "schema", "supergraph.graphql");
export const SUBGRAPH_TIMEOUT_MS = Number(process.env.SUBGRAPH_TIMEOUT_MS ?? 10_000);

export interface GatewayContext {
  principal: UserPrincipal;
  authorization: string;
  requestId: string;
}

/** The query Sandbox opens with: something useful for every kind of user. */
export const SANDBOX_DOCUMENT = `# Who am I, and what can I see?
query Viewer {
  viewer {
    userId
    kind
    roles
    partner { id name programs cloud country }
    customer { id companyName defaultDomain }
  }
  customers(first: 10) {
    totalCount
    nodes {
      id
      companyName
      subscriptions(first: 5) { nodes { friendlyName status quantity partnerOfRecord { name } } }
    }
  }
}
`;

class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(url: string, private readonly secret: string) {
    super({
      url,
      fetcher: ((input: string, init?: RequestInit) =>
        fetch(input, { ...init, signal: AbortSignal.timeout(SUBGRAPH_TIMEOUT_MS) })) as unknown as RemoteGraphQLDataSource["fetcher"],
    });
  }
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    request.http?.headers.set(SUBGRAPH_SECRET_HEADER, this.secret);
    if (context?.authorization) request.http?.headers.set("authorization", context.authorization);
    if (context?.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
  }
}

export interface GatewayOptions {
  config?: Config;
  supergraphSdl?: string;
  /** Subgraph URLs by name (default: configuration). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  /** A token to pre-fill in Sandbox's Authorization header (development only). */
  sandboxToken?: string;
}

export interface GatewayServer {
  start(port?: number): Promise<RunningHttpService>;
  stop(): Promise<void>;
}

export function buildGateway(options: GatewayOptions = {}): GatewayServer {
  const config = options.config ?? readConfig();
  const supergraphSdl = options.supergraphSdl ?? fs.readFileSync(SUPERGRAPH_PATH, "utf8");
  const urlOf = (name: string) => options.subgraphUrls?.[name as SubgraphName] ?? config.subgraphUrl(name as SubgraphName);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => new SubgraphDataSource(urlOf(name), config.subgraphSecret),
  });
  const verify = createTokenVerifier(config);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    plugins: [
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            document: SANDBOX_DOCUMENT,
            headers: options.sandboxToken ? { Authorization: `Bearer ${options.sandboxToken}` } : undefined,
          }),
    ],
  });
  const http = createHttpService({
    health: async () => true,
    routes: {
      "/graphql": { apollo, context: (req) => gatewayContext(req) },
      "/": { apollo, context: (req) => gatewayContext(req) },
    },
  });
  async function gatewayContext(req: IncomingMessage): Promise<GatewayContext> {
    const principal = await verify(req.headers.authorization);
    if (principal.roles.length === 0) throw forbiddenRequest("The token carries no role of its organisation.");
    const given = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    return { principal, authorization: req.headers.authorization!, requestId };
  }
  let running: RunningHttpService | undefined;
  return {
    async start(port = config.port("gateway")) {
      await apollo.start();
      running = await listen(http, port, config.host);
      return running;
    },
    async stop() {
      await running?.close();
      await apollo.stop();
    },
  };
}

export { SUBGRAPH_NAMES };
