/** The customers subgraph's migrations, oldest first. Written by `npm run migrations:generate`: do not edit by hand. */
import type { DialectMigrations } from "../../../common/migrations";
import { Initial1795271025374 as SqliteInitial1795271025374 } from "./sqlite/1795271025374-Initial";
import { ActivityByOperation1795275082359 as SqliteActivityByOperation1795275082359 } from "./sqlite/1795275082359-ActivityByOperation";
import { CustomerSearchText1796155864674 as SqliteCustomerSearchText1796155864674 } from "./sqlite/1796155864674-CustomerSearchText";
import { RelationshipCustomerName1796157679444 as SqliteRelationshipCustomerName1796157679444 } from "./sqlite/1796157679444-RelationshipCustomerName";
import { DelegatedAdminCustomerName1796158480951 as SqliteDelegatedAdminCustomerName1796158480951 } from "./sqlite/1796158480951-DelegatedAdminCustomerName";
import { IdempotencyRecords1796165758720 as SqliteIdempotencyRecords1796165758720 } from "./sqlite/1796165758720-IdempotencyRecords";
import { RelationshipClaim1796165948416 as SqliteRelationshipClaim1796165948416 } from "./sqlite/1796165948416-RelationshipClaim";
import { EventOutbox1796180179793 as SqliteEventOutbox1796180179793 } from "./sqlite/1796180179793-EventOutbox";
import { Initial1795271025374 as PostgresInitial1795271025374 } from "./postgres/1795271025374-Initial";
import { ActivityByOperation1795275082359 as PostgresActivityByOperation1795275082359 } from "./postgres/1795275082359-ActivityByOperation";
import { CustomerSearchText1796155864674 as PostgresCustomerSearchText1796155864674 } from "./postgres/1796155864674-CustomerSearchText";
import { RelationshipCustomerName1796157679444 as PostgresRelationshipCustomerName1796157679444 } from "./postgres/1796157679444-RelationshipCustomerName";
import { DelegatedAdminCustomerName1796158480951 as PostgresDelegatedAdminCustomerName1796158480951 } from "./postgres/1796158480951-DelegatedAdminCustomerName";
import { IdempotencyRecords1796165758720 as PostgresIdempotencyRecords1796165758720 } from "./postgres/1796165758720-IdempotencyRecords";
import { RelationshipClaim1796165948416 as PostgresRelationshipClaim1796165948416 } from "./postgres/1796165948416-RelationshipClaim";
import { EventOutbox1796180179793 as PostgresEventOutbox1796180179793 } from "./postgres/1796180179793-EventOutbox";

export const CUSTOMERS_MIGRATIONS: DialectMigrations = {
  sqlite: [
    SqliteInitial1795271025374,
    SqliteActivityByOperation1795275082359,
    SqliteCustomerSearchText1796155864674,
    SqliteRelationshipCustomerName1796157679444,
    SqliteDelegatedAdminCustomerName1796158480951,
    SqliteIdempotencyRecords1796165758720,
    SqliteRelationshipClaim1796165948416,
    SqliteEventOutbox1796180179793,
  ],
  postgres: [
    PostgresInitial1795271025374,
    PostgresActivityByOperation1795275082359,
    PostgresCustomerSearchText1796155864674,
    PostgresRelationshipCustomerName1796157679444,
    PostgresDelegatedAdminCustomerName1796158480951,
    PostgresIdempotencyRecords1796165758720,
    PostgresRelationshipClaim1796165948416,
    PostgresEventOutbox1796180179793,
  ],
};
