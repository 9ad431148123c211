/** The events subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/migrations";
import { EventFeed1796179114330 as SqliteEventFeed1796179114330 } from "./sqlite/1796179114330-EventFeed";
import { Webhooks1796179732254 as SqliteWebhooks1796179732254 } from "./sqlite/1796179732254-Webhooks";
import { EventFeed1796179114330 as PostgresEventFeed1796179114330 } from "./postgres/1796179114330-EventFeed";
import { Webhooks1796179732254 as PostgresWebhooks1796179732254 } from "./postgres/1796179732254-Webhooks";

export const EVENTS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteEventFeed1796179114330,
    SqliteWebhooks1796179732254,
  ],
  postgres: [
    PostgresEventFeed1796179114330,
    PostgresWebhooks1796179732254,
  ],
};
