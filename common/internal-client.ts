/**
 * How a subgraph asks another for a fact it does not own: a GraphQL call (graphql-request)
 * to the owner's `/internal/graphql`, carrying the subgraph credential. Never the other's
 * tables. Any failure to get an answer fails closed with DEPENDENCY_UNAVAILABLE.
 */
import { GraphQLClient } from "graphql-request";
import { dependencyUnavailable } from "./errors";
import { SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "./subgraph-server";

export const INTERNAL_TIMEOUT_MS = Number(process.env.INTERNAL_TIMEOUT_MS ?? 5000);

export interface InternalClient {
  request<T>(document: string, variables: Record<string, unknown>, what: string): Promise<T>;
}

/**
 * `graphqlUrl` gives the owner's public subgraph URL (…/graphql) when a call is made (so
 * tests can start servers on port 0 first); the internal endpoint sits beside it.
 */
export function createInternalClient(graphqlUrl: () => string, callerName: string, secret: string): InternalClient {
  const headers = { [SUBGRAPH_SECRET_HEADER]: secret, [SERVICE_NAME_HEADER]: callerName };
  return {
    async request<T>(document: string, variables: Record<string, unknown>, what: string): Promise<T> {
      const url = graphqlUrl().replace(/\/graphql\/?$/, "") + "/internal/graphql";
      try {
        const client = new GraphQLClient(url, { headers });
        return await client.request<T>({ document, variables, signal: AbortSignal.timeout(INTERNAL_TIMEOUT_MS) });
      } catch (error) {
        console.error(JSON.stringify({ level: "warn", msg: "internal call failed", url, what, error: String(error).slice(0, 300) }));
        throw dependencyUnavailable(what);
      }
    },
  };
}
