/**
 * R2: a mutation answered with DEPENDENCY_UNAVAILABLE says whether its change was surely not
 * applied (`extensions.outcome: NOT_APPLIED`) or may have been (`UNKNOWN`: retry with the same
 * idempotencyKey, or re-read and retry with expectedVersion).
 *
 * NOT_APPLIED is set only where the code knows: a subgraph's fail-closed check that could not
 * ask a peer (common/errors/errors.ts dependencyUnavailable, before any transaction), or the gateway's
 * call to a subgraph that was never sent (gateway/partial-results.ts). This plugin, on the
 * gateway and on every subgraph, makes the rest UNKNOWN — a database that failed during the
 * commit, a call that timed out after it was sent — and keeps NOT_APPLIED only on a root field
 * (below one, the mutation itself may have succeeded and only a part of its answer be missing).
 * Queries change nothing, so their errors carry no outcome.
 */
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";

export const OUTCOMES = ["NOT_APPLIED", "UNKNOWN"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The error as a mutation (or, `isMutation` false, a query) should give it. */
export function withOutcome(error: GraphQLFormattedError, isMutation: boolean): GraphQLFormattedError {
  const extensions = error.extensions ?? {};
  if (extensions.code !== "DEPENDENCY_UNAVAILABLE") return error;
  if (!isMutation) {
    if (!("outcome" in extensions)) return error;
    const { outcome: _none, ...rest } = extensions;
    return { ...error, extensions: rest };
  }
  const atRoot = (error.path?.length ?? 0) <= 1;
  const outcome: Outcome = extensions.outcome === "NOT_APPLIED" && atRoot ? "NOT_APPLIED" : "UNKNOWN";
  return extensions.outcome === outcome ? error : { ...error, extensions: { ...extensions, outcome } };
}

export function mutationOutcomePlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          if (response.body.kind !== "single") return;
          const result = response.body.singleResult;
          if (!result.errors?.length) return;
          const isMutation = operation?.operation === "mutation";
          result.errors = result.errors.map((error) => withOutcome(error, isMutation));
        },
      };
    },
  };
}
