/** The subscriptions subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/migrations";
import { Initial1795271025374 as SqliteInitial1795271025374 } from "./sqlite/1795271025374-Initial";
import { Initial1795271025374 as PostgresInitial1795271025374 } from "./postgres/1795271025374-Initial";

export const SUBSCRIPTIONS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteInitial1795271025374,
  ],
  postgres: [
    PostgresInitial1795271025374,
  ],
};
