/**
 * How a subgraph asks another for a fact it does not own: a GraphQL call (graphql-request)
 * to the owner's `/internal/graphql`, carrying the subgraph credential. Never the other's
 * tables. Any failure to get an answer fails closed with DEPENDENCY_UNAVAILABLE.
 *
 * The questions themselves are the owner's: each owner declares its documents once, with the
 * types of their variables and answers, in its client module (`subgraphs/<owner>/client.ts`),
 * and test/unit/internal-documents.test.ts validates every one against the owner's schema.
 */
import { context, propagation } from "@opentelemetry/api";
import { ClientError, GraphQLClient } from "graphql-request";
import { dependencyUnavailable } from "../errors/errors";
import { describeError, logger } from "../observability/logger";
import { currentRequest } from "../identity/request-context";
import { REQUEST_ID_HEADER, SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "../http/wire";

/** A ClientError's own message repeats the request, variables included: keep its status and codes only. */
const failureOf = (error: unknown) =>
  error instanceof ClientError
    ? `status ${error.response.status}: ${(error.response.errors ?? []).map((e) => e.extensions?.code ?? "error").join(", ")}`
    : describeError(error).slice(0, 300);

/** A document for an owner's `/internal/graphql`, typed with its variables and its answer's data. */
export class InternalDocument<Answer, Variables extends Record<string, unknown>> {
  // Never set: they carry the types, so that a request returns the answer's type without a cast where it is asked.
  declare readonly answer?: Answer;
  declare readonly variables?: Variables;
  constructor(readonly source: string) {}
}

export interface InternalClient {
  /** `what` names the fact in the refusal and the log line when the owner does not answer. */
  request<Answer, Variables extends Record<string, unknown>>(document: InternalDocument<Answer, Variables>, variables: Variables, what: string): Promise<Answer>;
}

/**
 * `graphqlUrl` gives the owner's public subgraph URL (…/graphql) when a call is made (so
 * tests can start servers on port 0 first); the internal endpoint sits beside it. A call
 * that takes longer than `timeoutMs` counts as unreachable (INTERNAL_TIMEOUT_MS).
 */
export function createInternalClient(graphqlUrl: () => string, callerName: string, secret: string, timeoutMs: number): InternalClient {
  const headers = { [SUBGRAPH_SECRET_HEADER]: secret, [SERVICE_NAME_HEADER]: callerName };
  return {
    async request<Answer, Variables extends Record<string, unknown>>(document: InternalDocument<Answer, Variables>, variables: Variables, what: string): Promise<Answer> {
      const url = graphqlUrl().replace(/\/graphql\/?$/, "") + "/internal/graphql";
      try {
        // The same request id and trace as the request being answered, so the call can be followed.
        const requestId = currentRequest()?.requestId;
        const callHeaders: Record<string, string> = { ...headers, ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}) };
        propagation.inject(context.active(), callHeaders);
        const client = new GraphQLClient(url, { headers: callHeaders });
        return await client.request<Answer>({ document: document.source, variables, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        logger.warn({ url, what, error: failureOf(error) }, "internal call failed");
        throw dependencyUnavailable(what);
      }
    },
  };
}
