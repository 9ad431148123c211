/**
 * R1: when a subgraph gives no answer to one call of a query plan, the client gets the rest
 * of the answer, `null` where the missing part goes, and one DEPENDENCY_UNAVAILABLE error per
 * missing part, with its `path`. @apollo/gateway adds one error without a path for a failed
 * call, so the data source answers the failed call itself instead, as a subgraph reporting
 * every part it was asked for as failed: one error per field it was asked for — each root field
 * of a root call; each field an `_entities` call asked of each entity (`["_entities", i,
 * field]`, which the gateway re-addresses to where that entity sits in the client's answer).
 *
 * R2: a mutation's root call that failed says whether its change may have happened
 * (`extensions.outcome`): NOT_APPLIED only when the call surely never reached the subgraph.
 *
 * Interface, in two places of a subgraph's data source stack (gateway/subgraph-data-source.ts):
 * - `failureOfCall(subgraph, error, status, requestId)`: what the transport's failure
 *   becomes, for the data source's `didEncounterError` to throw. A subgraph's own 401/403
 *   stays UNAUTHENTICATED/FORBIDDEN (without the subgraph's URL); anything else is logged once
 *   per call sent (`subgraph unavailable`, with subgraph, status, request id and cause) and
 *   becomes a `SubgraphCallFailed`.
 * - `answeringFailedCalls(source)`: a GraphQLDataSource around the rest of the stack that
 *   answers a caller whose call ended in `SubgraphCallFailed` with `failedCallResponse` for
 *   exactly what that caller asked (its own representations when its call was coalesced
 *   with others). Other errors pass through.
 */
import { FieldNode, GraphQLFormattedError, Kind, OperationDefinitionNode, parse, SelectionSetNode } from "graphql";
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { SubgraphResponse } from "./entities-response";
import { DEADLINE_PASSED } from "./deadline";
import { DomainError } from "../common/errors/errors";
import { describeError, logger } from "../common/observability/logger";

/**
 * What the client sees for the part of a query whose subgraph did not answer (refused,
 * reset, timed out, or a 5xx): the other parts' data stay. Never the URL or Node's error text.
 */
export const subgraphUnavailable = () =>
  new DomainError("DEPENDENCY_UNAVAILABLE", "Part of this response is temporarily unavailable; try again shortly.");

/** A subgraph call that gave no answer; `notSent` when it surely never reached the subgraph. */
export class SubgraphCallFailed extends Error {
  constructor(readonly notSent: boolean) {
    super("subgraph call failed");
  }
}

/** The error a subgraph call's failure is thrown as (the operator's log keeps the details). */
export function failureOfCall(subgraph: string, error: Error, status: number | undefined, requestId: string | undefined): Error {
  // A subgraph's own 401/403 (e.g. a token that expired in flight) stays what it is, minus the subgraph's URL.
  if (status === 401 || status === 403) {
    const code = (error as { extensions?: { code?: string } }).extensions?.code;
    return new DomainError(code === "UNAUTHENTICATED" ? "UNAUTHENTICATED" : "FORBIDDEN", error.message);
  }
  const cause = (error as { cause?: unknown }).cause;
  logger.warn({ subgraph, status, requestId, error: describeError(error), cause: cause ? describeError(cause) : undefined }, "subgraph unavailable");
  return new SubgraphCallFailed(callWasNotSent(error));
}

/** `source`, with each failed call answered as R1/R2 say instead of thrown (`TContext`'s bound is @apollo/gateway's own). */
export function answeringFailedCalls<TContext extends Record<string, any>>(source: GraphQLDataSource<TContext>): GraphQLDataSource<TContext> {
  return {
    async process(options: GraphQLDataSourceProcessOptions<TContext>): Promise<SubgraphResponse> {
      try {
        return await source.process(options);
      } catch (error) {
        if (!(error instanceof SubgraphCallFailed)) throw error;
        const asked = options.request.variables?.representations;
        const { message, extensions } = subgraphUnavailable();
        return failedCallResponse({ query: options.request.query ?? "", representations: Array.isArray(asked) ? asked : undefined, error: { message, extensions }, notSent: error.notSent });
      }
    },
  };
}

export type MutationOutcome = "NOT_APPLIED" | "UNKNOWN";

/** Socket errors of a call that never reached the subgraph: nothing was sent, so nothing was done. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", DEADLINE_PASSED]);

/** True when the fetcher's failure (`fetch failed` with the socket error as cause) proves the call was never sent. */
export function callWasNotSent(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === "string" && NOT_SENT_CODES.has(cause.code);
}

/** The response keys a selection asks for (through inline fragments that apply to `typename`, all of them when it is undefined). */
function keysOf(set: SelectionSetNode, typename?: string): string[] {
  const keys = set.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return s.name.value === "__typename" ? [] : [(s as FieldNode).alias?.value ?? s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT && (!typename || !s.typeCondition || s.typeCondition.name.value === typename)) return keysOf(s.selectionSet, typename);
    return [];
  });
  return [...new Set(keys)];
}

/** The selection of the `_entities` field of an entities call. */
function entitiesSelection(operation: OperationDefinitionNode): SelectionSetNode | undefined {
  const field = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === "_entities");
  return field?.selectionSet;
}

export interface FailedCall {
  /** The call's document (a query plan fetch). */
  query: string;
  /** The entities an `_entities` call asked for; absent for a root call. */
  representations?: unknown[];
  error: { message: string; extensions: Record<string, unknown> };
  /** The call failed before it was sent. */
  notSent: boolean;
}

/** What the failed call answers: no data, and an error for each part it should have given. */
export function failedCallResponse(call: FailedCall): SubgraphResponse {
  const operation = parse(call.query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const extensions = { ...call.error.extensions };
  // Only a root call of a mutation writes: an `_entities` call or a query reads.
  if (operation?.operation === "mutation" && !call.representations) extensions.outcome = (call.notSent ? "NOT_APPLIED" : "UNKNOWN") satisfies MutationOutcome;
  const errorAt = (path: (string | number)[]): GraphQLFormattedError => ({ message: call.error.message, path, extensions });
  const entities = operation && call.representations ? entitiesSelection(operation) : undefined;
  const paths: (string | number)[][] = !operation
    ? []
    : call.representations
      ? call.representations.flatMap((representation, i) => {
          const typename = (representation as { __typename?: unknown })?.__typename;
          const keys = entities ? keysOf(entities, typeof typename === "string" ? typename : undefined) : [];
          return keys.length ? keys.map((key) => ["_entities", i, key]) : [["_entities", i]];
        })
      : keysOf(operation.selectionSet).map((key) => [key]);
  return { data: null, errors: paths.length ? paths.map(errorAt) : [{ message: call.error.message, extensions }] };
}
