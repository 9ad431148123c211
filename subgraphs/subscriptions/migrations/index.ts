/** The subscriptions subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/migrations";
import { Initial1795271025374 as SqliteInitial1795271025374 } from "./sqlite/1795271025374-Initial";
import { ActivityByOperation1795275082359 as SqliteActivityByOperation1795275082359 } from "./sqlite/1795275082359-ActivityByOperation";
import { PartnerSubscriptionOrder1796157256441 as SqlitePartnerSubscriptionOrder1796157256441 } from "./sqlite/1796157256441-PartnerSubscriptionOrder";
import { SubscriptionCountIndex1796160573897 as SqliteSubscriptionCountIndex1796160573897 } from "./sqlite/1796160573897-SubscriptionCountIndex";
import { SubscriptionCounts1796165691986 as SqliteSubscriptionCounts1796165691986 } from "./sqlite/1796165691986-SubscriptionCounts";
import { EventOutbox1796180179793 as SqliteEventOutbox1796180179793 } from "./sqlite/1796180179793-EventOutbox";
import { Initial1795271025374 as PostgresInitial1795271025374 } from "./postgres/1795271025374-Initial";
import { ActivityByOperation1795275082359 as PostgresActivityByOperation1795275082359 } from "./postgres/1795275082359-ActivityByOperation";
import { PartnerSubscriptionOrder1796157256441 as PostgresPartnerSubscriptionOrder1796157256441 } from "./postgres/1796157256441-PartnerSubscriptionOrder";
import { SubscriptionCountIndex1796160573897 as PostgresSubscriptionCountIndex1796160573897 } from "./postgres/1796160573897-SubscriptionCountIndex";
import { SubscriptionCounts1796165691986 as PostgresSubscriptionCounts1796165691986 } from "./postgres/1796165691986-SubscriptionCounts";
import { EventOutbox1796180179793 as PostgresEventOutbox1796180179793 } from "./postgres/1796180179793-EventOutbox";

export const SUBSCRIPTIONS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteInitial1795271025374,
    SqliteActivityByOperation1795275082359,
    SqlitePartnerSubscriptionOrder1796157256441,
    SqliteSubscriptionCountIndex1796160573897,
    SqliteSubscriptionCounts1796165691986,
    SqliteEventOutbox1796180179793,
  ],
  postgres: [
    PostgresInitial1795271025374,
    PostgresActivityByOperation1795275082359,
    PostgresPartnerSubscriptionOrder1796157256441,
    PostgresSubscriptionCountIndex1796160573897,
    PostgresSubscriptionCounts1796165691986,
    PostgresEventOutbox1796180179793,
  ],
};
