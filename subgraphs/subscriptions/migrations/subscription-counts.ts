/**
 * The SQL that keeps `subscription_count` (model.ts, `SubscriptionCount`) equal to the
 * subscriptions it counts: triggers on `subscription` for both dialects, and the fill of stored
 * rows. Triggers rather than application code, so every write to a subscription — a mutation,
 * the demo data, the benchmark's bulk writer, a test's direct insert — changes the counts in its
 * own transaction, and no code path can forget them.
 *
 * A subscription counts once under `*` and once under each distinct partner that is its partner
 * of record, billing partner or, bought outside the program, support partner.
 */
import { QueryRunner } from "typeorm";

type Row = "NEW" | "OLD";

const COLUMNS = `"customerId", "viewer", "status", "channel", "n"`;
const KEY = `"customerId", "viewer", "status", "channel"`;

/** The viewers a subscription row counts under (`p`), one row each, duplicates removed. */
function viewersOf(row: Row): string {
  return [
    `SELECT '*' AS "p"`,
    `SELECT ${row}."partnerOfRecordId"`,
    `SELECT ${row}."billingPartnerId"`,
    `SELECT CASE WHEN ${row}."channel" <> 'CSP' THEN ${row}."supportPartnerId" END`,
  ].join(" UNION ");
}

/**
 * One statement applying the change of `removed` (-1) and `added` (+1) rows, netted per count
 * row and written in key order: concurrent writers lock count rows in the same order, so they
 * cannot deadlock on PostgreSQL.
 */
function applyDelta(removed: Row | null, added: Row | null): string {
  const sides = [removed && { row: removed, d: -1 }, added && { row: added, d: 1 }].filter((s): s is { row: Row; d: number } => s !== null);
  const deltas = sides
    .map(({ row, d }) => `SELECT ${row}."customerId" AS "customerId", "v"."p" AS "viewer", ${row}."status" AS "status", ${row}."channel" AS "channel", ${d} AS "d" FROM (${viewersOf(row)}) "v"`)
    .join(" UNION ALL ");
  return (
    `INSERT INTO "subscription_count" (${COLUMNS}) ` +
    `SELECT ${KEY}, SUM("d") FROM (${deltas}) "x" WHERE "viewer" IS NOT NULL GROUP BY ${KEY} HAVING SUM("d") <> 0 ORDER BY ${KEY} ` +
    `ON CONFLICT (${KEY}) DO UPDATE SET "n" = "subscription_count"."n" + excluded."n"`
  );
}

/** The columns whose change moves a subscription between count rows. */
const COUNTED = `"customerId", "status", "channel", "partnerOfRecordId", "billingPartnerId", "supportPartnerId"`;

/** Every stored subscription counted, for the migration that creates the table. */
const FILL =
  `INSERT INTO "subscription_count" (${COLUMNS}) SELECT ${KEY}, COUNT(*) FROM (` +
  [
    `SELECT "id", "customerId", '*' AS "viewer", "status", "channel" FROM "subscription"`,
    `SELECT "id", "customerId", "partnerOfRecordId", "status", "channel" FROM "subscription" WHERE "partnerOfRecordId" IS NOT NULL`,
    `SELECT "id", "customerId", "billingPartnerId", "status", "channel" FROM "subscription" WHERE "billingPartnerId" IS NOT NULL`,
    `SELECT "id", "customerId", "supportPartnerId", "status", "channel" FROM "subscription" WHERE "supportPartnerId" IS NOT NULL AND "channel" <> 'CSP'`,
  ].join(" UNION ") +
  `) "roles" GROUP BY ${KEY}`;

export async function createSubscriptionCountTriggers(queryRunner: QueryRunner, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "sqlite") {
    // SQLite needs a WHERE before an upsert's ON CONFLICT when the INSERT takes a SELECT: applyDelta has one.
    await queryRunner.query(`CREATE TRIGGER "subscription_count_insert" AFTER INSERT ON "subscription" BEGIN ${applyDelta(null, "NEW")}; END`);
    await queryRunner.query(`CREATE TRIGGER "subscription_count_delete" AFTER DELETE ON "subscription" BEGIN ${applyDelta("OLD", null)}; END`);
    await queryRunner.query(`CREATE TRIGGER "subscription_count_update" AFTER UPDATE OF ${COUNTED} ON "subscription" BEGIN ${applyDelta("OLD", "NEW")}; END`);
  } else {
    // SET search_path FROM CURRENT: the function names its tables without a schema, like every
    // statement here, and must find the subgraph's own whatever the calling session's path.
    await queryRunner.query(
      `CREATE FUNCTION "subscription_count_apply"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ BEGIN ` +
        `IF TG_OP = 'INSERT' THEN ${applyDelta(null, "NEW")}; ` +
        `ELSIF TG_OP = 'DELETE' THEN ${applyDelta("OLD", null)}; ` +
        `ELSE ${applyDelta("OLD", "NEW")}; END IF; RETURN NULL; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "subscription_count_change" AFTER INSERT OR DELETE OR UPDATE OF ${COUNTED} ON "subscription" FOR EACH ROW EXECUTE FUNCTION "subscription_count_apply"()`,
    );
  }
  await queryRunner.query(FILL);
}

export async function dropSubscriptionCountTriggers(queryRunner: QueryRunner, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "sqlite") {
    for (const t of ["insert", "delete", "update"]) await queryRunner.query(`DROP TRIGGER "subscription_count_${t}"`);
  } else {
    await queryRunner.query(`DROP TRIGGER "subscription_count_change" ON "subscription"`);
    await queryRunner.query(`DROP FUNCTION "subscription_count_apply"()`);
  }
}
