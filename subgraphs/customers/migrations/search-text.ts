/**
 * Writes `customer.searchText` for every stored customer, in keyset batches by id (memory bounded
 * by the batch, not the table). SQL cannot fold case and normalise alike on both databases, so the
 * fold is the application's (search.ts). A change to the fold needs a migration that calls this again.
 */
import { QueryRunner } from "typeorm";
import { customerSearchText } from "../search";

export async function writeCustomerSearchText(queryRunner: QueryRunner, dialect: "sqlite" | "postgres", batchSize = 500): Promise<number> {
  let n = 0;
  const param = () => (dialect === "postgres" ? `$${++n}` : "?");
  let after = "";
  let written = 0;
  for (;;) {
    n = 0;
    const rows: { id: string; companyName: string; defaultDomain: string }[] = await queryRunner.query(
      `SELECT "id", "companyName", "defaultDomain" FROM "customer" WHERE "id" > ${param()} ORDER BY "id" LIMIT ${param()}`,
      [after, batchSize],
    );
    if (!rows.length) return written;
    n = 0;
    const values: string[] = [];
    const cases = rows.map((row) => {
      values.push(row.id, customerSearchText(row));
      return `WHEN ${param()} THEN ${param()}`;
    });
    const ids = rows.map((row) => {
      values.push(row.id);
      return param();
    });
    await queryRunner.query(`UPDATE "customer" SET "searchText" = CASE "id" ${cases.join(" ")} END WHERE "id" IN (${ids.join(", ")})`, values);
    written += rows.length;
    after = rows[rows.length - 1].id;
  }
}
