/**
 * R4 at the gateway: a malformed request is a client error, answered in seconds.
 *
 * - An `operationName` that names no operation of the document, or a document of several
 *   operations with none named, is HTTP 400 OPERATION_RESOLUTION_FAILURE (Apollo Server's own
 *   code for it when it runs a schema; behind @apollo/gateway the same request reached the
 *   query planner and came back as 500 INTERNAL_SERVER_ERROR, logged with the whole name).
 *   The message repeats at most a short prefix of the caller's name.
 * - Node's HTTP server gets timeouts an API needs (its defaults: 60 s for headers, 300 s
 *   for the request, checked every 30 s) and a cap on open connections.
 */
import type { Server, ServerOptions } from "node:http";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { HttpLimits } from "../common/service/config";
import { callerText } from "../common/observability/logger";

export const OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE";

/** The refusal of an operation name that does not resolve, or of several operations without a name. */
export function operationResolutionFailure(operationName: string | null | undefined, operationCount: number): GraphQLError {
  const message = operationName
    ? `Unknown operation named "${callerText(operationName, 100)}": the document's operations are named otherwise.`
    : `The document has ${operationCount} operations: name the one to run in operationName.`;
  return new GraphQLError(message, { extensions: { code: OPERATION_RESOLUTION_FAILURE, http: { status: 400 } } });
}

/** Refuses, before planning, a request whose operation Apollo could not pick from the document. */
export function operationResolutionPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (operation) return;
          const count = document.definitions.filter((d) => d.kind === "OperationDefinition").length;
          throw operationResolutionFailure(request.operationName, count);
        },
      };
    },
  };
}

/** Options for http.createServer: how often Node checks the timeouts below (its default is every 30 s). */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };
}

/**
 * The connection cap: beyond it Node closes new connections at once (a load balancer retries
 * elsewhere), so a flood of idle or slow clients cannot exhaust the process's sockets and memory.
 */
export function capConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
