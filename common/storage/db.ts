/**
 * Database setup shared by the subgraphs: embedded SQLite (one file per subgraph under
 * DATA_DIR) by default, PostgreSQL (one schema per subgraph) when a URL is given.
 * Each subgraph gets its own DataSource over its own tables only.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
// Type only: pg (≈4 MB RSS) is required in openDatabase when DATABASE_URL is set; SQLite never loads it.
import type { Pool } from "pg";
import { Column, ColumnOptions, DataSource, EntityManager, Logger, ValueTransformer } from "typeorm";
import { assertMigrated, DialectMigrations } from "./migrations";
// Re-exported: they live in db-status.ts so the gateway can use them without loading typeorm.
export { databaseIsUp, isDatabaseUnavailable } from "./db-status";
import { describeError, logger } from "../observability/logger";
import { connectionHealth } from "./pg-connection-health";

/**
 * PostgreSQL connection checks (common/storage/pg-connection-health.ts). A pooled connection silent
 * for over a second is asked `SELECT 1` before use (a local round trip: well under a
 * millisecond); the check may take 2 s. Keepalive probes start after 2 s of silence.
 */
const VALIDATE_AFTER_IDLE_MS = 1_000;
const PING_TIMEOUT_MS = 2_000;
const KEEPALIVE_INITIAL_DELAY_MS = 2_000;

/**
 * Instants are stored as fixed-width ISO-8601 UTC strings: they sort and compare the same
 * way on SQLite and PostgreSQL, so one entity definition serves both dialects.
 */
export const isoInstant: ValueTransformer = {
  to: (value?: Date | null) => (value instanceof Date ? value.toISOString() : value),
  from: (value?: string | null) => (value ? new Date(value) : null),
};

export function InstantColumn(options: Pick<ColumnOptions, "nullable" | "name"> = {}) {
  return Column({ type: "varchar", length: 24, transformer: isoInstant, nullable: options.nullable ?? false, name: options.name });
}

/** Marks the async work of a background task (see inBackground). */
const backgroundWork = new AsyncLocalStorage<true>();

/**
 * Runs `work` as a service's own background task (the webhook delivery worker): its
 * statements are counted in `StatementCounter.background`, not in `count`, so what a request
 * costs stays exact however busy the task is.
 */
export const inBackground = <T>(work: () => Promise<T>): Promise<T> => backgroundWork.run(true, work);

/** Counts SQL statements, so tests and the benchmark can prove "no N+1". */
export class StatementCounter implements Logger {
  count = 0;
  /** Statements of background tasks (inBackground), which no request caused. */
  background = 0;
  /** The last statement and its parameters, for tests that EXPLAIN what a request ran (never logged). */
  last: { query: string; parameters: unknown[] } | undefined;
  logQuery(query: string, parameters?: unknown[]): void {
    if (backgroundWork.getStore()) {
      this.background++;
      if (logger.isLevelEnabled("trace")) logger.trace({ query, background: true }, "sql");
      return;
    }
    this.count++;
    this.last = { query, parameters: parameters ?? [] };
    // LOG_LEVEL=trace shows every statement (without parameters: they may hold user data).
    if (logger.isLevelEnabled("trace")) logger.trace({ query }, "sql");
  }
  logQueryError(error: string | Error, query: string): void {
    // A unique violation is how a race's loser learns it lost; its caller answers it.
    if (isUniqueViolation(error)) return;
    // Logged without parameters: they may hold user data.
    logger.error({ error: describeError(error), query: query.slice(0, 200) }, "query failed");
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export interface DatabaseOptions {
  /** The subgraph's name: SQLite file name, or PostgreSQL schema. */
  name: string;
  entities: Function[];
  /** The subgraph's migrations; the only way its tables are created or changed. */
  migrations: DialectMigrations;
  /**
   * Apply pending migrations on open; when false, refuse to open a database that has any
   * (production: `npm run migrate` is a deploy step). An in-memory database is always migrated.
   */
  migrate: boolean;
  /** PostgreSQL connections in the pool. */
  poolSize?: number;
  /** PostgreSQL: statements running longer are cancelled (error code 57014); none when absent. */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL: a statement whose answer has not come within this fails on the client side
   * and its connection is dropped (common/storage/pg-connection-health.ts): a half-open connection
   * never answers, so the server's statement_timeout cannot help. Longer than
   * statementTimeoutMs, so a slow statement is cancelled by the server first. None when absent.
   */
  queryTimeoutMs?: number;
  /** PostgreSQL: a session idle inside a transaction for longer is ended by the server, releasing its locks. */
  idleInTransactionTimeoutMs?: number;
  /** PostgreSQL: a new connection not made within this fails (an unreachable database never hangs a request). */
  connectTimeoutMs?: number;
  /** PostgreSQL URL; SQLite when absent. */
  databaseUrl?: string;
  /** Folder of the SQLite files; `:memory:` for an in-memory database. */
  dataDir: string;
  /** PostgreSQL schema name; defaults to `name`. Tests use a unique one per run. */
  schema?: string;
}

export interface Database {
  dataSource: DataSource;
  statements: StatementCounter;
  dialect: "sqlite" | "postgres";
  /** Names of the migrations this open applied (empty when the database was up to date). */
  appliedMigrations: string[];
  /**
   * Runs `work` in one transaction. SQLite has a single connection, so its transactions are
   * queued one after another; PostgreSQL runs them concurrently. Ask other subgraphs for
   * facts *before* calling this, so no lock is held across a network call.
   */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const statements = new StatementCounter();
  let dataSource: DataSource;
  let watchPool: ((ds: DataSource) => void) | undefined;
  const inMemory = !options.databaseUrl && options.dataDir === ":memory:";
  if (options.databaseUrl) {
    const schema = options.schema ?? options.name;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}" (lower-case letters, digits, _)`);
    const pg = require("pg") as typeof import("pg");
    const { Client } = pg;
    const client = new Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await client.end();
    }
    const health = connectionHealth(pg, { validateAfterIdleMs: VALIDATE_AFTER_IDLE_MS, pingTimeoutMs: Math.min(PING_TIMEOUT_MS, options.queryTimeoutMs ?? PING_TIMEOUT_MS) });
    watchPool = (ds) => health.watch((ds.driver as unknown as { master: Pool }).master);
    dataSource = new DataSource({
      type: "postgres",
      url: options.databaseUrl,
      // No typeorm `schema` option: the schema is the connection's search_path, so migrations
      // and index names never contain it and one set of migrations serves every schema.
      entities: options.entities,
      migrations: options.migrations.postgres,
      logger: statements,
      poolSize: options.poolSize,
      extra: {
        Client: health.Client,
        options: `-c search_path=${schema}`,
        // Sent in each session's startup packet, so every connection the pool makes has them.
        statement_timeout: options.statementTimeoutMs,
        idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs,
        query_timeout: options.queryTimeoutMs,
        // Bounds a new connection and also the wait for a free pooled one (STACK.md).
        connectionTimeoutMillis: options.connectTimeoutMs,
        // The kernel probes an idle connection and closes it when the peer is gone.
        keepAlive: true,
        keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      },
    });
  } else {
    if (!inMemory) fs.mkdirSync(options.dataDir, { recursive: true });
    dataSource = new DataSource({
      type: "better-sqlite3",
      database: inMemory ? ":memory:" : path.join(options.dataDir, `${options.name}.sqlite`),
      entities: options.entities,
      migrations: options.migrations.sqlite,
      logger: statements,
      enableWAL: !inMemory,
    });
  }
  await dataSource.initialize();
  watchPool?.(dataSource);
  let appliedMigrations: string[] = [];
  try {
    if (options.migrate || inMemory) appliedMigrations = (await dataSource.runMigrations()).map((m) => m.name);
    else await assertMigrated(options.name, dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  const stopStatistics = options.databaseUrl ? () => undefined : await keepSqliteStatistics(dataSource);
  let queue: Promise<unknown> = Promise.resolve();
  const transaction = <T>(work: (em: EntityManager) => Promise<T>): Promise<T> => {
    if (options.databaseUrl) return dataSource.transaction(work);
    const run = queue.then(() => dataSource.transaction(work));
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    dataSource,
    statements,
    transaction,
    dialect: options.databaseUrl ? "postgres" : "sqlite",
    appliedMigrations,
    close: async () => {
      stopStatistics();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** How often a long-running SQLite connection refreshes its planner statistics. */
export const SQLITE_OPTIMIZE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * SQLite's planner picks indexes from statistics (sqlite_stat1) that only ANALYZE writes.
 * Without them it guessed wrong on the partner dashboard's list: it walked a provider's every
 * subscription through the partner indexes instead of its 50 customers' through the customer
 * index (subscriptions CPU per dashboard −20 % once analysed). SQLite's own advice for
 * long-lived connections: `PRAGMA optimize=0x10002` on open (analyses every table that needs
 * it, with a bounded sample), then `PRAGMA optimize` periodically. PostgreSQL's autovacuum
 * keeps its statistics itself.
 */
async function keepSqliteStatistics(dataSource: DataSource): Promise<() => void> {
  await dataSource.query("PRAGMA optimize=0x10002");
  const timer = setInterval(() => {
    dataSource.query("PRAGMA optimize").catch((error) => logger.warn({ error: describeError(error) }, "could not refresh SQLite statistics"));
  }, SQLITE_OPTIMIZE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** True for a unique-constraint violation on either dialect (the loser of a race). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

type Results<T extends readonly (() => Promise<unknown>)[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs independent reads through `em`: at once on the pool, one after another inside a
 * transaction. A transaction's manager holds one connection, where overlapping queries only
 * queue in pg's client, which deprecates them (pg 9 refuses them); on the pool each read gets
 * a connection of its own, so running them together saves their waits.
 */
export async function readAll<T extends readonly (() => Promise<unknown>)[]>(em: EntityManager, reads: T): Promise<Results<T>> {
  if (!em.queryRunner) return (await Promise.all(reads.map((read) => read()))) as Results<T>;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as Results<T>;
}
