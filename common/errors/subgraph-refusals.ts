/**
 * How a subgraph answers a caller that holds the subgraph credential but whose user token it
 * refuses (missing, expired, invalid, or without a role): HTTP 200 with the GraphQL error and its
 * code, not HTTP 401/403. A federation gateway treats a subgraph's non-2xx answer as a failed
 * fetch and replaces it with an error of its own (Apollo Router's SUBREQUEST_HTTP_ERROR, or a
 * generic message), which would lose UNAUTHENTICATED and its `reason` on any gateway but ours.
 * The client-facing status and WWW-Authenticate are the gateway's business: ours sets them
 * when it refuses the token itself, before any subgraph is called.
 *
 * Callers without the credential never get this far: the perimeter refuses them with HTTP 403.
 */
import { GraphQLError } from "graphql";

export function asGatewayReadableRefusal(error: unknown): unknown {
  if (!(error instanceof GraphQLError) || error.extensions.http === undefined) return error;
  // Apollo Server takes the answer's status from `extensions.http` (and drops it from the body).
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 200 } } });
}
