/**
 * What a user may see of an error: our refusals and GraphQL's own validation errors pass
 * through; anything unexpected becomes INTERNAL_SERVER_ERROR with an id that the log
 * line carries too — never a stack trace, SQL or an internal name.
 */
import { randomUUID } from "node:crypto";
import { GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable } from "../storage/db-status"; // not ./db: the gateway must not load typeorm for this
import { databaseUnavailable, DEPENDENCY_RETRY_AFTER_SECONDS, ERROR_CODES, QUERY_LIMIT_CODES } from "./errors";
import { callerText, describeError, logger, MAX_LOGGED_ERROR_CHARS } from "../observability/logger";

const PASS_THROUGH = new Set<string>([
  ...ERROR_CODES,
  ...QUERY_LIMIT_CODES,
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Apollo Server's own client-side refusals that it sends without a code. */
const UNCODED_BAD_REQUESTS = new Set(["provided sha does not match query"]);

/**
 * I3: every DEPENDENCY_UNAVAILABLE says when to try again, whichever part of the system made it
 * (a subgraph's database, a peer subgraph, the gateway's call to a subgraph); one that names its own keeps it.
 */
function withRetryHint(extensions: Record<string, unknown>): Record<string, unknown> {
  if (extensions.code !== "DEPENDENCY_UNAVAILABLE" || typeof extensions.retryAfter === "number") return extensions;
  return { ...extensions, retryAfter: DEPENDENCY_RETRY_AFTER_SECONDS };
}

const unexpectedMessage = (errorId: string) => `Unexpected error (id ${errorId}).`;

/**
 * A stack for the log: its head (the error's name and message, which may quote the caller) cut
 * to a bounded prefix, then at most 30 frames.
 */
function boundedStack(error: Error): string {
  const lines = (error.stack ?? "").split("\n");
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  const head = firstFrame === -1 ? lines : lines.slice(0, firstFrame);
  const frames = firstFrame === -1 ? [] : lines.slice(firstFrame, firstFrame + 30);
  return [callerText(head.join("\n"), MAX_LOGGED_ERROR_CHARS), ...frames].join("\n");
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === "string" && PASS_THROUGH.has(code)) {
    // The gateway names the subgraph an error came from (serviceName): an internal name, not the client's business.
    const { stacktrace: _drop, serviceName: _internal, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: withRetryHint(extensions) };
  }
  if (UNCODED_BAD_REQUESTS.has(formatted.message)) return { message: formatted.message, extensions: { code: "BAD_REQUEST" } };
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  // graphql-js wraps a thrown value that is not an Error of its realm (as under jest) in NonErrorThrown.
  if (isDatabaseUnavailable((original as { thrownValue?: unknown })?.thrownValue ?? original)) {
    // Not a bug but an outage: a clear code the client may retry on, and no SQL or address.
    logger.warn({ path: formatted.path, error: describeError(original) }, "database unavailable");
    const refusal = databaseUnavailable();
    return { message: refusal.message, path: formatted.path, locations: formatted.locations, extensions: withRetryHint(refusal.extensions) };
  }
  const upstreamId = formatted.extensions?.errorId;
  if (code === "INTERNAL_SERVER_ERROR" && typeof upstreamId === "string" && formatted.message === unexpectedMessage(upstreamId)) {
    // A subgraph masked and logged this one already: its id leads the client straight to that log line.
    return { message: formatted.message, path: formatted.path, locations: formatted.locations, extensions: { code, errorId: upstreamId } };
  }
  const errorId = randomUUID();
  // The request's id comes with the line (logger mixin), so the error can be found from either id.
  logger.error(
    { errorId, path: formatted.path, error: describeError(original), stack: original instanceof Error ? boundedStack(original) : undefined },
    "unexpected error",
  );
  return {
    message: unexpectedMessage(errorId),
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: "INTERNAL_SERVER_ERROR", errorId },
  };
}
