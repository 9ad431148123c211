/**
 * The columns a subscription list reads: only those behind the fields the query asks for.
 * The partner dashboard asks five fields of ≈ 250 subscriptions; reading all 19 columns
 * (three of them instants turned into Dates) doubled the list statement's time on SQLite.
 */
import { DataSource } from "typeorm";
import { CloudSubscription } from "./model";

/** Read for every row whatever is asked: S1 (restrictToVisible, canSee) and which parents a row belongs to. */
export const ALWAYS_READ: readonly (keyof CloudSubscription)[] = ["id", "customerId", "channel", "partnerOfRecordId", "billingPartnerId", "supportPartnerId"];

/** GraphQL fields of CloudSubscription resolved from other columns than their own name. */
const FIELD_COLUMNS: Record<string, readonly (keyof CloudSubscription)[]> = {
  __typename: [],
  customer: ["customerId"],
  offer: ["offerId"],
  partnerOfRecord: ["partnerOfRecordId"],
  billingPartner: ["billingPartnerId"],
  supportPartner: ["supportPartnerId"],
};

let entityColumns: ReadonlySet<string> | undefined;
const memo = new WeakMap<ReadonlySet<string>, readonly string[] | null>();

/**
 * The columns for these fields of CloudSubscription, in a stable order (it is part of a DataLoader
 * key); null — every column — when a field is neither a column nor known above, so a field
 * added later is never left without its data.
 */
export function listColumns(ds: DataSource, fields: ReadonlySet<string>): readonly string[] | null {
  if (memo.has(fields)) return memo.get(fields)!;
  entityColumns ??= new Set(ds.getMetadata(CloudSubscription).columns.map((c) => c.propertyName));
  const wanted = new Set<string>(ALWAYS_READ);
  for (const field of fields) {
    const behind = FIELD_COLUMNS[field] ?? (entityColumns.has(field) ? [field] : undefined);
    if (!behind) {
      memo.set(fields, null);
      return null;
    }
    behind.forEach((c) => wanted.add(c));
  }
  const columns = [...entityColumns].filter((c) => wanted.has(c));
  memo.set(fields, columns);
  return columns;
}
