/**
 * Brings up the whole stack as users run it — three subgraph HTTP servers and the gateway,
 * each on a real port (0 = any free one) — over in-memory SQLite, or over PostgreSQL (a
 * unique schema per subgraph and run) when the dialect is "postgres".
 */
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { GraphQLClient } from "graphql-request";
import { Config, DEV_SUBGRAPH_SECRET, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../../common/config";
import { clock } from "../../common/clock";
import { signDevToken, TokenClaims } from "../../common/identity";
import { PeerDirectory, SubgraphServer, SUBGRAPH_SECRET_HEADER } from "../../common/subgraph-server";
import { buildGateway, GatewayServer } from "../../gateway/server";
import { perSubgraph } from "../../subgraphs/registry";
import { SUBGRAPH_CODE } from "../../subgraphs/servers";
import { RoundRobin, startRoundRobin } from "./round-robin";

export type Dialect = "sqlite" | "postgres";

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const DIALECTS: Dialect[] = process.env.TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface Stack {
  dialect: Dialect;
  config: Config;
  gatewayUrl: string;
  subgraphUrls: PeerDirectory;
  subgraphs: Record<SubgraphName, SubgraphServer>;
  gateway: GatewayServer;
  /** The balancer in front of each subgraph started with more than one replica (StackOptions.replicas). */
  balancers: Partial<Record<SubgraphName, RoundRobin>>;
  /** Sends a GraphQL request through the gateway as a client would, never throwing on GraphQL errors. */
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Sends a request straight to a subgraph, with the subgraph credential unless `withSecret` is false. */
  subgraphGql<T = any>(name: SubgraphName, token: string | null, query: string, variables?: Record<string, unknown>, withSecret?: boolean): Promise<GqlResult<T>>;
  /** SQL statements run so far by each subgraph. */
  statements(): Record<SubgraphName, number>;
  /** Stops one subgraph (its port refuses connections; its database closes). */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Starts a stopped subgraph again on its old port, over the same database (needs `dataDir` on SQLite). */
  restartSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

export const token = (claims: TokenClaims, expiresIn = "1h") => signDevToken(claims, undefined, expiresIn);
export const operatorToken = () => token({ sub: "operator-user", org: "operator", roles: ["OPERATOR"] });
export const partnerToken = (tid: string, roles: string[] = ["GLOBAL_ADMIN"]) => token({ sub: `user-${tid.slice(0, 8)}`, org: "partner", tid, roles });
export const customerToken = (tid: string, roles: string[] = ["GLOBAL_ADMIN"]) => token({ sub: `user-${tid.slice(0, 8)}`, org: "customer", tid, roles });

async function request(url: string, headers: Record<string, string>, query: string, variables?: Record<string, unknown>): Promise<GqlResult> {
  const client = new GraphQLClient(url, { headers, errorPolicy: "all" });
  try {
    const res = await client.rawRequest(query, variables);
    return { data: res.data as any, errors: res.errors as any };
  } catch (error: any) {
    // Transport-level refusals (401/403/413) carry a GraphQL-shaped body too.
    if (error?.response) return { data: error.response.data, errors: error.response.errors ?? [{ message: String(error.response.error ?? error.message), extensions: { status: error.response.status } }] };
    throw error;
  }
}

/** Requests through a gateway that runs elsewhere (e.g. in its own process), as `Stack.gql` sends them. */
export const gatewayClient = (gatewayUrl: string): Pick<Stack, "gql" | "gatewayUrl"> => ({
  gatewayUrl,
  gql: (tok, query, variables) => request(gatewayUrl, tok ? { authorization: `Bearer ${tok}` } : {}, query, variables),
});

export interface StackOptions {
  /** SQLite folder instead of in-memory databases, so a stopped subgraph can restart over its data. */
  dataDir?: string;
  /** PostgreSQL URL instead of TEST_DATABASE_URL (e.g. through a proxy a test can cut). */
  databaseUrl?: string;
  /** Extra settings, as the environment would give them (e.g. INTERNAL_TIMEOUT_MS). */
  env?: Record<string, string>;
  /**
   * Replicas per subgraph (default 1): more than one are that many servers over the same
   * database (PostgreSQL: the same schema), behind a round-robin balancer whose URL the
   * gateway and the other subgraphs use. `subgraphs[name]` is the first replica.
   */
  replicas?: Partial<Record<SubgraphName, number>>;
}

export async function startStack(dialect: Dialect = "sqlite", options: StackOptions = {}): Promise<Stack> {
  clock.reset();
  // The delegated admin sweep (DA2) runs SQL on its own timer: rarely in a test stack, unless a test asks for it,
  // so that it never lands inside a test's count of a request's statements.
  const config = readConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: "", JWT_SECRET: "", SUBGRAPH_SECRET: "", DELEGATED_ADMIN_SWEEP_MS: "3600000", ...options.env });
  const peers: PeerDirectory = perSubgraph(() => "");
  const runId = `t${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const dbOptions = (name: SubgraphName) =>
    dialect === "postgres"
      ? { config, peers, dataDir: ":memory:", databaseUrl: options.databaseUrl ?? process.env.TEST_DATABASE_URL, schema: `${runId}_${name}` }
      : { config, peers, dataDir: options.dataDir ?? ":memory:" };
  const subgraphs = {} as Record<SubgraphName, SubgraphServer>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await SUBGRAPH_CODE[name].buildServer(dbOptions(name));
  const stopped = new Set<SubgraphName>();
  for (const name of SUBGRAPH_NAMES) {
    peers[name] = (await subgraphs[name].start(0)).url;
  }
  const extraReplicas: SubgraphServer[] = [];
  const balancers: Partial<Record<SubgraphName, RoundRobin>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const count = options.replicas?.[name] ?? 1;
    if (count < 2) continue;
    if (dialect === "sqlite" && !options.dataDir) throw new Error("replicas on SQLite need startStack(dialect, { dataDir }): in-memory databases are not shared");
    const urls = [peers[name]];
    for (let i = 1; i < count; i++) {
      const replica = await SUBGRAPH_CODE[name].buildServer(dbOptions(name));
      extraReplicas.push(replica);
      urls.push((await replica.start(0)).url);
    }
    const balancer = await startRoundRobin(() => urls);
    balancers[name] = balancer;
    peers[name] = balancer.url;
  }
  const gateway = buildGateway({ config, subgraphUrls: peers });
  const gatewayUrl = (await gateway.start(0)).url;
  return {
    dialect,
    config,
    gatewayUrl,
    subgraphUrls: peers,
    subgraphs,
    gateway,
    balancers,
    gql: (tok, query, variables) => request(gatewayUrl, tok ? { authorization: `Bearer ${tok}` } : {}, query, variables),
    subgraphGql: (name, tok, query, variables, withSecret = true) =>
      request(
        peers[name],
        { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(withSecret ? { [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET } : {}) },
        query,
        variables,
      ),
    statements: () => perSubgraph((name) => subgraphs[name].db.statements.count),
    async stopSubgraph(name) {
      stopped.add(name);
      await subgraphs[name].stop();
    },
    async restartSubgraph(name) {
      if (dialect === "sqlite" && !options.dataDir) throw new Error("restartSubgraph on SQLite needs startStack(dialect, { dataDir })");
      subgraphs[name] = await SUBGRAPH_CODE[name].buildServer(dbOptions(name));
      await subgraphs[name].start(Number(new URL(peers[name]).port));
      stopped.delete(name);
    },
    async stop() {
      await gateway.stop();
      for (const balancer of Object.values(balancers)) await balancer.close();
      for (const replica of extraReplicas) await replica.stop();
      for (const name of SUBGRAPH_NAMES) if (!stopped.has(name)) await subgraphs[name].stop();
      if (dialect === "postgres") {
        const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        for (const name of SUBGRAPH_NAMES) await client.query(`DROP SCHEMA IF EXISTS "${runId}_${name}" CASCADE`);
        await client.end();
      }
      clock.reset();
    },
  };
}

/** The first error's code, for `expect(codeOf(res)).toBe("NOT_FOUND")`. */
export const codeOf = (res: GqlResult) => res.errors?.[0]?.extensions?.code;
