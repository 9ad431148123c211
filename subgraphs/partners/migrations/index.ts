/** The partners subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/migrations";
import { Initial1795271025374 as SqliteInitial1795271025374 } from "./sqlite/1795271025374-Initial";
import { ActivityByOperation1795275082359 as SqliteActivityByOperation1795275082359 } from "./sqlite/1795275082359-ActivityByOperation";
import { ResellerListOrder1796158359467 as SqliteResellerListOrder1796158359467 } from "./sqlite/1796158359467-ResellerListOrder";
import { IdempotencyRecords1796165758720 as SqliteIdempotencyRecords1796165758720 } from "./sqlite/1796165758720-IdempotencyRecords";
import { RelationshipClaim1796165948416 as SqliteRelationshipClaim1796165948416 } from "./sqlite/1796165948416-RelationshipClaim";
import { EventOutbox1796180179793 as SqliteEventOutbox1796180179793 } from "./sqlite/1796180179793-EventOutbox";
import { Initial1795271025374 as PostgresInitial1795271025374 } from "./postgres/1795271025374-Initial";
import { ActivityByOperation1795275082359 as PostgresActivityByOperation1795275082359 } from "./postgres/1795275082359-ActivityByOperation";
import { ResellerListOrder1796158359467 as PostgresResellerListOrder1796158359467 } from "./postgres/1796158359467-ResellerListOrder";
import { IdempotencyRecords1796165758720 as PostgresIdempotencyRecords1796165758720 } from "./postgres/1796165758720-IdempotencyRecords";
import { RelationshipClaim1796165948416 as PostgresRelationshipClaim1796165948416 } from "./postgres/1796165948416-RelationshipClaim";
import { EventOutbox1796180179793 as PostgresEventOutbox1796180179793 } from "./postgres/1796180179793-EventOutbox";

export const PARTNERS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteInitial1795271025374,
    SqliteActivityByOperation1795275082359,
    SqliteResellerListOrder1796158359467,
    SqliteIdempotencyRecords1796165758720,
    SqliteRelationshipClaim1796165948416,
    SqliteEventOutbox1796180179793,
  ],
  postgres: [
    PostgresInitial1795271025374,
    PostgresActivityByOperation1795275082359,
    PostgresResellerListOrder1796158359467,
    PostgresIdempotencyRecords1796165758720,
    PostgresRelationshipClaim1796165948416,
    PostgresEventOutbox1796180179793,
  ],
};
