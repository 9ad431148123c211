/**
 * `npm run migrate`: applies every pending migration of the three subgraphs to the configured
 * databases (DATABASE_URL: one schema per subgraph, named after it; otherwise the SQLite files
 * under DATA_DIR). The deploy step for NODE_ENV=production, where services do not migrate
 * at start and refuse to start with pending migrations.
 */
import "reflect-metadata";
import { Config, readConfig, SUBGRAPH_NAMES, SubgraphName } from "../common/service/config";
import { openDatabase } from "../common/storage/db";
import { SUBGRAPH_STORAGE } from "../subgraphs/storage";

/** Migrates each subgraph's database; returns the names applied per subgraph. */
export async function migrateAll(config: Config, schemaOf: (name: SubgraphName) => string = (name) => name): Promise<Record<SubgraphName, string[]>> {
  const applied = {} as Record<SubgraphName, string[]>;
  for (const name of SUBGRAPH_NAMES) {
    // No statement timeout here: building an index on a large table may rightly take long.
    const db = await openDatabase({
      name,
      ...SUBGRAPH_STORAGE[name],
      migrate: true,
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      schema: schemaOf(name),
      poolSize: 1,
    });
    await db.close();
    applied[name] = db.appliedMigrations;
  }
  return applied;
}

if (require.main === module) {
  migrateAll(readConfig()).then(
    (applied) => {
      for (const [name, names] of Object.entries(applied)) console.log(`${name}: ${names.length ? `applied ${names.join(", ")}` : "up to date"}`);
    },
    (error) => {
      console.error(`migrate failed: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
