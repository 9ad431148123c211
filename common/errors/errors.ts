/**
 * The refusals of DOMAIN.md's "Error codes", and nothing else: every error a user sees is
 * made here, so codes and messages stay consistent across subgraphs.
 */
import { GraphQLError } from "graphql";

export const ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "CLOUD_MISMATCH",
  "CLOUD_CLOSED",
  "REGION_MISMATCH",
  "INVALID_PARTNER_TYPE",
  "RELATIONSHIP_EXISTS",
  "RESELLER_NOT_AUTHORIZED",
  "INDIRECT_RESELLER_CANNOT_TRANSACT",
  "CUSTOMER_RELATIONSHIP_REQUIRED",
  "REQUEST_EXPIRED",
  "ACTIVE_SUBSCRIPTIONS_EXIST",
  "DUPLICATE_NAME",
  "AUTO_EXTEND_NOT_ALLOWED",
  "CSP_TENANT_PURCHASE_FORBIDDEN",
  "IDEMPOTENCY_KEY_REUSED",
  "NOT_PARTNER_OF_RECORD",
  "INVALID_STATE",
  "CANCELLATION_WINDOW_CLOSED",
  "QUANTITY_DECREASE_NOT_ALLOWED",
  "VERSION_CONFLICT",
  /** The organisation's request budget at the gateway is spent (I2): HTTP 429 with Retry-After. */
  "RATE_LIMITED",
  /** A fact held by another subgraph could not be obtained: the mutation fails closed. */
  "DEPENDENCY_UNAVAILABLE",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The gateway's query limits (gateway/limits.ts): not rules of DOMAIN.md but a refused
 * request (HTTP 400). Depth and aliases are named as Apollo Router names its own limits.
 */
export const QUERY_LIMIT_CODES = ["MAX_DEPTH_LIMIT", "MAX_ALIASES_LIMIT", "MAX_DIRECTIVES_LIMIT", "MAX_TOKENS_LIMIT", "MAX_COST_LIMIT"] as const;
export type QueryLimitCode = (typeof QUERY_LIMIT_CODES)[number];

export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const fail = (code: ErrorCode, message: string) => new DomainError(code, message);

/** Why a request is not authenticated (I3): no bearer token, a token past its `exp`, or any other bad token. */
export type UnauthenticatedReason = "MISSING" | "EXPIRED" | "INVALID";

/**
 * RFC 6750's challenge: a client that sent no token is only told the scheme; one that sent a
 * token learns that this token will not do (`invalid_token`), so it gets a new one instead of retrying.
 */
export function bearerChallenge(reason: UnauthenticatedReason, description: string): string {
  if (reason === "MISSING") return `Bearer realm="csp-graph"`;
  return `Bearer realm="csp-graph", error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"`;
}

/** HTTP 401 with `extensions.reason` and `WWW-Authenticate` (Apollo Server reads `http` and drops it from the answer). */
export const unauthenticated = (reason: UnauthenticatedReason, message: string) =>
  new DomainError("UNAUTHENTICATED", message, {
    reason,
    http: { status: 401, headers: new Map([["www-authenticate", bearerChallenge(reason, message)]]) },
  });

/** Never says whether the thing exists: DOMAIN.md's "a thing you may not see does not exist for you". */
export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found.`);

export const forbidden = (message = "Your roles do not allow this operation.") => new DomainError("FORBIDDEN", message);

/**
 * A missing role (I3): names the roles of the caller's kind of organisation that would do,
 * in the message and in `extensions.allowedRoles` (empty: no user of that kind may).
 */
export function forbiddenRole(orgKind: string, allowedRoles: readonly string[]): DomainError {
  const message = allowedRoles.length
    ? `Your roles do not allow this operation; it needs one of these roles of your ${orgKind} organisation: ${allowedRoles.join(", ")}.`
    : `No user of ${/^[aeiou]/.test(orgKind) ? "an" : "a"} ${orgKind} organisation may do this operation.`;
  return new DomainError("FORBIDDEN", message, { allowedRoles: [...allowedRoles] });
}

/** Refuses a whole request (thrown while building its context): HTTP 403. */
export const forbiddenRequest = (message: string, extra: Record<string, unknown> = {}) =>
  new DomainError("FORBIDDEN", message, { ...extra, http: { status: 403 } });

/** I2: the organisation's budget for this minute is spent; HTTP 429 with Retry-After, and the same seconds in `extensions.retryAfter`. */
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError("RATE_LIMITED", `Your organisation's request budget for this minute is spent; try again in ${retryAfterSeconds} s.`, {
    retryAfter: retryAfterSeconds,
    http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
  });

/** How long a client should wait before retrying after DEPENDENCY_UNAVAILABLE (I3's `extensions.retryAfter`, seconds). */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** `field` is the input path, e.g. `input.mpnId` or `input.lineItems.0.quantity`. */
export const badInput = (field: string, message: string) =>
  new DomainError("BAD_USER_INPUT", `${field}: ${message}`, { field });

/** The service's own database is unreachable (it answers again once the database is back). */
export const databaseUnavailable = () =>
  new DomainError("DEPENDENCY_UNAVAILABLE", "The service's storage is temporarily unavailable; try again shortly.");

/**
 * A fact another subgraph holds could not be obtained. Peers are asked before a mutation's
 * transaction starts (common/storage/db.ts), so its change surely did not happen (R2: NOT_APPLIED).
 */
export const dependencyUnavailable = (what: string) =>
  new DomainError("DEPENDENCY_UNAVAILABLE", `Could not verify ${what} right now; nothing was changed. Try again.`, { outcome: "NOT_APPLIED" });
