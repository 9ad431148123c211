/** The events subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/storage/migrations";
import { EventFeed1796179114330 as SqliteEventFeed1796179114330 } from "./sqlite/1796179114330-EventFeed";
import { Webhooks1796181792623 as SqliteWebhooks1796181792623 } from "./sqlite/1796181792623-Webhooks";
import { EventFeed1796179114330 as PostgresEventFeed1796179114330 } from "./postgres/1796179114330-EventFeed";
import { Webhooks1796181792623 as PostgresWebhooks1796181792623 } from "./postgres/1796181792623-Webhooks";

export const EVENTS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteEventFeed1796179114330,
    SqliteWebhooks1796181792623,
  ],
  postgres: [
    PostgresEventFeed1796179114330,
    PostgresWebhooks1796181792623,
  ],
};
