/**
 * What a user may see of an error: our refusals and GraphQL's own validation errors pass
 * through; anything unexpected becomes INTERNAL_SERVER_ERROR with an id that the log
 * line carries too — never a stack trace, SQL or an internal name.
 */
import { randomUUID } from "node:crypto";
import { GraphQLFormattedError } from "graphql";
import { ERROR_CODES } from "./errors";

const PASS_THROUGH = new Set<string>([
  ...ERROR_CODES,
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === "string" && PASS_THROUGH.has(code)) {
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const errorId = randomUUID();
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unexpected error",
      errorId,
      path: formatted.path,
      error: original instanceof Error ? `${original.name}: ${original.message}` : String(original),
      stack: original instanceof Error ? original.stack : undefined,
    }),
  );
  return {
    message: `Unexpected error (id ${errorId}).`,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: "INTERNAL_SERVER_ERROR", errorId },
  };
}
