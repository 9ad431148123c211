/**
 * Every setting the services read from the environment, in one place, so the README's
 * configuration table and the code cannot drift apart.
 */
import fs from "node:fs";
import path from "node:path";
import { SUBGRAPH_NAMES, SUBGRAPH_REGISTRY, SubgraphName } from "../../subgraphs/registry";

export { SUBGRAPH_NAMES };
export type { SubgraphName };

/** The development signing secret. Documented in the README; refused in production. */
export const DEV_JWT_SECRET = "csp-graph-development-secret-do-not-use-in-production";
/** The development credential the gateway shows subgraphs; refused in production. */
export const DEV_SUBGRAPH_SECRET = "csp-graph-development-subgraph-secret";

const DEFAULT_PORTS: Record<SubgraphName | "gateway", number> = {
  gateway: 4000,
  ...(Object.fromEntries(SUBGRAPH_REGISTRY.map((s) => [s.name, s.port])) as Record<SubgraphName, number>),
};

export interface Config {
  production: boolean;
  port(service: SubgraphName | "gateway"): number;
  subgraphUrl(name: SubgraphName): string;
  dataDir: string;
  databaseUrl?: string;
  jwtSecret?: string;
  jwtPublicKey?: string;
  jwksUrl?: string;
  subgraphSecret: string;
  seed: "demo" | "none";
  /** Base of the link a relationship request's code is embedded in (RELATIONSHIP_REQUEST_URL). */
  relationshipRequestUrl: string;
  host: string;
  /** pino level (LOG_LEVEL); `silent` by default under NODE_ENV=test so test output stays readable. */
  logLevel: LogLevel;
  /** LOG_FORMAT: `json` (one object a line, for collectors) or `pretty` (one readable line, for people); unset, common/observability/logger.ts chooses. */
  logFormat?: LogFormat;
  /** Where OTLP/HTTP traces go; tracing is off (no provider registered) when unset. */
  otlpEndpoint?: string;
  /** Browser origins the gateway answers cross-origin (CORS_ORIGINS); `*` means any (refused in production). */
  corsOrigins: string[];
  /** Whether the gateway also answers `http://localhost:<port>` and `http://127.0.0.1:<port>`: outside production. */
  corsLocalOrigins: boolean;
  /** How long the gateway waits for a subgraph's answer before that part fails with DEPENDENCY_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /** REQUEST_DEADLINE_MS: a client request to the gateway is answered within this, however many subgraph calls its plan makes one after another (R1). */
  requestDeadlineMs: number;
  /** Keep-alive sockets the gateway holds open to each subgraph (SUBGRAPH_MAX_SOCKETS); further calls queue. */
  subgraphMaxSockets: number;
  /** How long a subgraph waits for another's internal answer before its mutation fails closed. */
  internalTimeoutMs: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  shutdownGraceMs: number;
  /** PostgreSQL: how long to wait for a new connection before the request fails with DEPENDENCY_UNAVAILABLE. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL connections per subgraph process. */
  databasePoolSize: number;
  /** PostgreSQL cancels any statement running longer than this (SQLite has no such limit). */
  databaseStatementTimeoutMs: number;
  /**
   * PostgreSQL: a statement with no answer after this fails on the service's side and its
   * connection is replaced (a half-open connection never answers). Defaults to the statement
   * timeout plus one second, so the server cancels a merely slow statement first.
   */
  databaseQueryTimeoutMs: number;
  /** PostgreSQL ends a session left idle inside a transaction for longer than this, releasing its locks. */
  databaseIdleInTransactionTimeoutMs: number;
  /** X1 (common/mutations/claims.ts): how long a claim on another subgraph's fact lives unless released (CLAIM_LEASE_MS). */
  claimLeaseMs: number;
  /** X1: how long a claim, or an ending, waits for a conflicting claim before DEPENDENCY_UNAVAILABLE (CLAIM_WAIT_MS). */
  claimWaitMs: number;
  /** EV1 (common/events/outbox.ts): how soon an owner tries again to relay its events after a relay failed (OUTBOX_RELAY_INTERVAL_MS). */
  outboxRelayIntervalMs: number;
  /** OUTBOX_RELAY_PAUSED=true: events stay in the outbox, unrelayed (tests of a crash between commit and relay). */
  outboxRelayPaused: boolean;
  /** DA2 (customers): how often delegated admin expiry and auto-extension are looked for, to record their events (DELEGATED_ADMIN_SWEEP_MS). */
  delegatedAdminSweepMs: number;
  /** Apply pending migrations when a subgraph opens its database; off in production, where `npm run migrate` is a deploy step. */
  migrateOnStart: boolean;
  /** What one request to the gateway may ask for (gateway/limits.ts). */
  queryLimits: QueryLimits;
  /** The gateway's HTTP server: how long a client may take to send its request, and how many may connect (gateway/http-hygiene.ts). */
  httpLimits: HttpLimits;
  /** Each organisation's request budget at the gateway (gateway/rate-limit.ts). */
  rateLimit: RateLimitSettings;
  /** The events subgraph's webhook delivery worker (subgraphs/events/webhooks/worker.ts). */
  webhooks: WebhookSettings;
}

/** EV5, EV6: how the delivery worker paces itself; each has its environment variable. */
export interface WebhookSettings {
  /** WEBHOOK_POLL_INTERVAL_MS: how often the worker looks for due deliveries (it is also woken when events arrive). */
  pollIntervalMs: number;
  /** WEBHOOK_ATTEMPT_TIMEOUT_MS: an answer later than this is a failed attempt (EV5: 10 s). */
  attemptTimeoutMs: number;
  /** WEBHOOK_MAX_IN_FLIGHT: attempts one process makes at once, over all endpoints. */
  maxInFlight: number;
  /** WEBHOOK_ENDPOINT_CONCURRENCY: attempts one process makes at once to one endpoint (EV6: a slow one holds no more). */
  endpointConcurrency: number;
}

function webhookSettingsOf(env: NodeJS.ProcessEnv): WebhookSettings {
  return {
    pollIntervalMs: positiveNumber(env.WEBHOOK_POLL_INTERVAL_MS, 1_000),
    attemptTimeoutMs: positiveNumber(env.WEBHOOK_ATTEMPT_TIMEOUT_MS, 10_000),
    maxInFlight: Math.floor(positiveNumber(env.WEBHOOK_MAX_IN_FLIGHT, 32)),
    endpointConcurrency: Math.floor(positiveNumber(env.WEBHOOK_ENDPOINT_CONCURRENCY, 2)),
  };
}

/**
 * Sized for an API client (a partner's backend or a browser app on any network): headers come
 * in one packet, and the largest body (MAX_BODY_BYTES, 1 MB) takes a few seconds even at 1 Mbit/s.
 */
export interface HttpLimits {
  /** HTTP_HEADERS_TIMEOUT_MS: the request line and headers must arrive within this (HTTP 408 after). */
  headersTimeoutMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS: the whole request, body included, must arrive within this (HTTP 408 after). */
  requestTimeoutMs: number;
  /** HTTP_MAX_CONNECTIONS: open connections to one gateway process; further ones are closed at once. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, maxConnections: 1_000 };

function httpLimitsOf(env: NodeJS.ProcessEnv): HttpLimits {
  const d = DEFAULT_HTTP_LIMITS;
  const requestTimeoutMs = positiveNumber(env.HTTP_REQUEST_TIMEOUT_MS, d.requestTimeoutMs);
  return {
    // Node refuses a headers timeout longer than the request's: the request's bounds both.
    headersTimeoutMs: Math.min(positiveNumber(env.HTTP_HEADERS_TIMEOUT_MS, d.headersTimeoutMs), requestTimeoutMs),
    requestTimeoutMs,
    maxConnections: Math.floor(positiveNumber(env.HTTP_MAX_CONNECTIONS, d.maxConnections)),
  };
}

/** I2's budget; each has its environment variable (see `rateLimitOf`). */
export interface RateLimitSettings {
  /** RATE_LIMIT_PER_MINUTE: requests each organisation may send in a minute (the operator is not limited). */
  perMinute: number;
  /** REDIS_URL: where gateway replicas count together; unset, each gateway process counts on its own. */
  redisUrl?: string;
  /** RATE_LIMIT_KEY_PREFIX: the prefix of the budget's Redis keys, so deployments sharing one Redis stay apart. */
  keyPrefix: string;
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6000;

function rateLimitOf(env: NodeJS.ProcessEnv): RateLimitSettings {
  const raw = env.RATE_LIMIT_PER_MINUTE;
  const perMinute = raw === undefined || raw === "" ? DEFAULT_RATE_LIMIT_PER_MINUTE : Number(raw);
  // A typo must not silently become the default, nor "no limit".
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error(`RATE_LIMIT_PER_MINUTE must be a whole number of requests, 1 or more (got "${raw}").`);
  return { perMinute, redisUrl: env.REDIS_URL || undefined, keyPrefix: env.RATE_LIMIT_KEY_PREFIX || "csp-graph:budget" };
}

/** The gateway's query limits; each has its environment variable (see `queryLimitsOf`). */
export interface QueryLimits {
  /** MAX_QUERY_DEPTH: nesting of selections (a fragment spread counts as a level; introspection's `__schema` does not). */
  maxDepth: number;
  /** MAX_QUERY_ALIASES: aliased fields in one operation. */
  maxAliases: number;
  /** MAX_QUERY_DIRECTIVES: directives in one operation. */
  maxDirectives: number;
  /** MAX_QUERY_TOKENS: lexical tokens in the document; the parser stops there. */
  maxTokens: number;
  /** MAX_QUERY_COST: roughly the fields the operation may resolve (objects 2, scalars 1, times each list's `first`). */
  maxCost: number;
  /** MAX_BODY_BYTES: the HTTP request body. */
  maxBodyBytes: number;
  /** BLOCK_FIELD_SUGGESTIONS: drop "Did you mean …?" from errors, so the schema cannot be guessed field by field. */
  hideSuggestions: boolean;
}

/**
 * Defaults sized on this API's own operations (measured in test/query-limits.test.ts): the
 * deepest we know — a provider's dashboard, viewer → partner → resellers → reseller →
 * customers → subscriptions → offer, through edges/node — is depth 14; a partner's dashboard
 * at full pages (customers(first: 100) → subscriptions(first: 100) with offer and partner of
 * record) costs about 190 000; Sandbox's introspection query is under 200 tokens.
 */
export const DEFAULT_QUERY_LIMITS: Omit<QueryLimits, "hideSuggestions"> = {
  maxDepth: 15,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 3_000,
  maxCost: 250_000,
  maxBodyBytes: 1_000_000,
};

function queryLimitsOf(env: NodeJS.ProcessEnv, production: boolean): QueryLimits {
  const limit = (name: string, fallback: number) => Math.floor(positiveNumber(env[name], fallback));
  const d = DEFAULT_QUERY_LIMITS;
  return {
    maxDepth: limit("MAX_QUERY_DEPTH", d.maxDepth),
    maxAliases: limit("MAX_QUERY_ALIASES", d.maxAliases),
    maxDirectives: limit("MAX_QUERY_DIRECTIVES", d.maxDirectives),
    maxTokens: limit("MAX_QUERY_TOKENS", d.maxTokens),
    maxCost: limit("MAX_QUERY_COST", d.maxCost),
    maxBodyBytes: limit("MAX_BODY_BYTES", d.maxBodyBytes),
    hideSuggestions: env.BLOCK_FIELD_SUGGESTIONS ? env.BLOCK_FIELD_SUGGESTIONS === "true" : production,
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === "production";
  const envPortName = (s: string) => (s === "gateway" ? "PORT" : `${s.toUpperCase()}_PORT`);
  const port = (s: SubgraphName | "gateway") => {
    const raw = env[envPortName(s)];
    return raw ? Number(raw) : DEFAULT_PORTS[s];
  };
  const seed = env.SEED === "none" ? "none" : "demo";
  // Every transaction here is a few statements on indexes (other subgraphs are asked before it
  // starts), answered in milliseconds: 5 s is a runaway, and it keeps half-open detection
  // (the query timeout, one second longer) within R3's seconds.
  const statementTimeoutMs = positiveNumber(env.DATABASE_STATEMENT_TIMEOUT_MS, 5_000);
  return {
    production,
    port,
    subgraphUrl: (name) =>
      env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port(name)}/graphql`,
    dataDir: env.DATA_DIR ?? "./data",
    databaseUrl: env.DATABASE_URL || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    jwtPublicKey: env.JWT_PUBLIC_KEY || undefined,
    jwksUrl: env.JWKS_URL || undefined,
    subgraphSecret: env.SUBGRAPH_SECRET || DEV_SUBGRAPH_SECRET,
    seed,
    relationshipRequestUrl: env.RELATIONSHIP_REQUEST_URL || "https://partner.csp.example/customers/accept-relationship",
    host: env.HOST ?? "127.0.0.1",
    logLevel: logLevelOf(env.LOG_LEVEL, env.NODE_ENV === "test" ? "silent" : "info"),
    logFormat: logFormatOf(env.LOG_FORMAT),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    corsOrigins: corsOriginsOf(env.CORS_ORIGINS, production),
    corsLocalOrigins: !production,
    subgraphTimeoutMs: positiveNumber(env.SUBGRAPH_TIMEOUT_MS, 10_000),
    requestDeadlineMs: positiveNumber(env.REQUEST_DEADLINE_MS, 15_000),
    subgraphMaxSockets: Math.floor(positiveNumber(env.SUBGRAPH_MAX_SOCKETS, 64)),
    internalTimeoutMs: positiveNumber(env.INTERNAL_TIMEOUT_MS, 5_000),
    shutdownGraceMs: positiveNumber(env.SHUTDOWN_GRACE_MS, 10_000),
    databaseConnectTimeoutMs: positiveNumber(env.DATABASE_CONNECT_TIMEOUT_MS, 5_000),
    databasePoolSize: Math.floor(positiveNumber(env.DATABASE_POOL_SIZE, 10)),
    databaseStatementTimeoutMs: statementTimeoutMs,
    databaseQueryTimeoutMs: Math.max(positiveNumber(env.DATABASE_QUERY_TIMEOUT_MS, statementTimeoutMs + 1_000), statementTimeoutMs + 1),
    databaseIdleInTransactionTimeoutMs: positiveNumber(env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, 3_000),
    claimLeaseMs: positiveNumber(env.CLAIM_LEASE_MS, 10_000),
    // Below INTERNAL_TIMEOUT_MS by default: a claim asked over the internal endpoint answers before its caller gives up.
    claimWaitMs: positiveNumber(env.CLAIM_WAIT_MS, 3_000),
    outboxRelayIntervalMs: positiveNumber(env.OUTBOX_RELAY_INTERVAL_MS, 1_000),
    outboxRelayPaused: env.OUTBOX_RELAY_PAUSED === "true",
    delegatedAdminSweepMs: positiveNumber(env.DELEGATED_ADMIN_SWEEP_MS, 60_000),
    migrateOnStart: env.MIGRATE_ON_START ? env.MIGRATE_ON_START === "true" : !production,
    queryLimits: queryLimitsOf(env, production),
    httpLimits: httpLimitsOf(env),
    rateLimit: rateLimitOf(env),
    webhooks: webhookSettingsOf(env),
  };
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevelOf(raw: string | undefined, fallback: LogLevel): LogLevel {
  if (!raw) return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got "${raw}").`);
}

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

function logFormatOf(raw: string | undefined): LogFormat | undefined {
  if (!raw) return undefined;
  if ((LOG_FORMATS as readonly string[]).includes(raw)) return raw as LogFormat;
  throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(", ")} (got "${raw}").`);
}

/**
 * Apollo's hosted Sandbox (studio.apollographql.com) calls the gateway from its own origin,
 * so development allows it by default; the Sandbox the gateway serves at `/` is same-origin
 * and needs no CORS. Production allows no origin unless told. (Development also allows any
 * `http://localhost:<port>` / `http://127.0.0.1:<port>`, whatever CORS_ORIGINS says: corsLocalOrigins.)
 */
export const DEV_CORS_ORIGINS = ["https://studio.apollographql.com"];

function corsOriginsOf(raw: string | undefined, production: boolean): string[] {
  if (raw === undefined) return production ? [] : DEV_CORS_ORIGINS;
  return raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      if (o === "*") return o;
      const url = URL.canParse(o) ? new URL(o) : undefined;
      if (!url || !/^https?:$/.test(url.protocol) || url.origin !== o.replace(/\/$/, "")) {
        throw new Error(`CORS_ORIGINS: "${o}" is not an origin (scheme://host[:port], no path).`);
      }
      return url.origin;
    });
}

function positiveNumber(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Production must never run on the secrets that are printed in the README. */
export function assertProductionSafe(config: Config): void {
  if (!config.production) return;
  const problems: string[] = [];
  if (!config.jwtPublicKey && !config.jwksUrl && (!config.jwtSecret || config.jwtSecret === DEV_JWT_SECRET)) {
    problems.push("set JWT_PUBLIC_KEY or JWKS_URL (or a JWT_SECRET other than the development default)");
  }
  if (config.subgraphSecret === DEV_SUBGRAPH_SECRET) {
    problems.push("set SUBGRAPH_SECRET to a value of your own");
  }
  if (config.corsOrigins.includes("*")) {
    problems.push("list the allowed browser origins in CORS_ORIGINS instead of *");
  }
  if (problems.length) {
    throw new Error(`Refusing to start in production: ${problems.join("; ")}.`);
  }
}

/** The repository root (where package.json is), whether running from source or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
