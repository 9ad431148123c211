/**
 * Schema migrations: each subgraph keeps one ordered list of typeorm migration classes per
 * dialect (PostgreSQL's generated SQL does not run on SQLite, and the reverse), written by
 * `npm run migrations:generate` and applied by `npm run migrate` or at start.
 */
import { DataSource, MigrationExecutor, MigrationInterface } from "typeorm";

export type Dialect = "sqlite" | "postgres";
export type MigrationClass = new () => MigrationInterface;

/** One subgraph's migrations, oldest first, per dialect. */
export type DialectMigrations = Record<Dialect, MigrationClass[]>;

/** What a subgraph stores: its entities and the migrations that create their tables. */
export interface SubgraphStorage {
  entities: Function[];
  migrations: DialectMigrations;
}

export async function pendingMigrationNames(dataSource: DataSource): Promise<string[]> {
  return (await new MigrationExecutor(dataSource).getPendingMigrations()).map((m) => m.name);
}

/** Thrown when a service may not migrate by itself and its database is behind its code. */
export class PendingMigrationsError extends Error {
  constructor(
    readonly subgraph: string,
    readonly pending: string[],
  ) {
    super(
      `the ${subgraph} database has ${pending.length} pending migration(s): ${pending.join(", ")}. ` +
        "Run `npm run migrate` against the same DATABASE_URL (or DATA_DIR) first; " +
        "with NODE_ENV=production services do not migrate at start (MIGRATE_ON_START=true would let them).",
    );
    this.name = "PendingMigrationsError";
  }
}

export async function assertMigrated(subgraph: string, dataSource: DataSource): Promise<void> {
  const pending = await pendingMigrationNames(dataSource);
  if (pending.length) throw new PendingMigrationsError(subgraph, pending);
}

/**
 * The SQL typeorm's schema builder would run to make the database match the entities (and
 * to undo that): empty when the applied migrations already cover every entity.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<{ up: SchemaQuery[]; down: SchemaQuery[] }> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  const plain = (q: SchemaQuery) => ({ query: q.query, parameters: q.parameters });
  // typeorm lists the undo queries in execution order of `up`; undoing runs them backwards.
  return { up: sql.upQueries.map(plain), down: sql.downQueries.map(plain).reverse() };
}

export interface SchemaQuery {
  query: string;
  parameters?: unknown[];
}
