/**
 * Database setup shared by the subgraphs: embedded SQLite (one file per subgraph under
 * DATA_DIR) by default, PostgreSQL (one schema per subgraph) when a URL is given.
 * Each subgraph gets its own DataSource over its own tables only.
 */
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { Column, ColumnOptions, DataSource, EntityManager, Logger, ValueTransformer } from "typeorm";

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

/** Counts SQL statements, so tests and the benchmark can prove "no N+1". */
export class StatementCounter implements Logger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
  logQueryError(error: string | Error, query: string): void {
    // A unique violation is how a race's loser learns it lost; its caller answers it.
    if (isUniqueViolation(error)) return;
    // Logged without parameters: they may hold user data.
    console.error(JSON.stringify({ level: "error", msg: "query failed", error: String(error), query: query.slice(0, 200) }));
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
  if (options.databaseUrl) {
    const schema = options.schema ?? options.name;
    const client = new Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, "")}"`);
    } finally {
      await client.end();
    }
    dataSource = new DataSource({
      type: "postgres",
      url: options.databaseUrl,
      schema,
      entities: options.entities,
      synchronize: true,
      logger: statements,
      poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    });
  } else {
    const inMemory = options.dataDir === ":memory:";
    if (!inMemory) fs.mkdirSync(options.dataDir, { recursive: true });
    dataSource = new DataSource({
      type: "better-sqlite3",
      database: inMemory ? ":memory:" : path.join(options.dataDir, `${options.name}.sqlite`),
      entities: options.entities,
      synchronize: true,
      logger: statements,
      enableWAL: !inMemory,
    });
  }
  await dataSource.initialize();
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
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** A health probe: true when the database answers. */
export async function databaseIsUp(db: Database): Promise<boolean> {
  try {
    await db.dataSource.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

/** True for a unique-constraint violation on either dialect (the loser of a race). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
