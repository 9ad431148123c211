/**
 * The columns a subscription list reads: only those behind the fields the query asks for.
 * The partner dashboard asks five fields of ≈ 250 subscriptions; reading all 19 columns
 * (three of them instants turned into Dates) doubled the list statement's time on SQLite.
 */
import { FieldNode, GraphQLResolveInfo } from "graphql";
import { DataSource } from "typeorm";
import { eachField } from "../../common/graphql/selection";
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

// Parsed documents are cached by Apollo Server, so a field's AST node is the same object on
// every request of a query (the `fieldNodes` array around it is not: graphql-js builds it per
// execution). A lone node decides its selection, fragments included, so it is the memo key:
// the walk runs once per query shape. Fields merged from several nodes are walked each time.
const nodeFieldsMemo = new WeakMap<FieldNode, ReadonlySet<string>>();

/**
 * Names of the fields selected on the nodes of the connection field being resolved
 * (`nodes { … }` and `edges { node { … } }`): what listColumns reads columns for.
 */
export function connectionNodeFields(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): ReadonlySet<string> {
  const lone = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const cached = lone && nodeFieldsMemo.get(lone);
  if (cached) return cached;
  const names = new Set<string>();
  const collect = (field: FieldNode) => names.add(field.name.value);
  for (const connection of info.fieldNodes) {
    eachField(connection.selectionSet, info.fragments, (field) => {
      if (field.name.value === "nodes") eachField(field.selectionSet, info.fragments, collect);
      if (field.name.value === "edges") eachField(field.selectionSet, info.fragments, (inner) => inner.name.value === "node" && eachField(inner.selectionSet, info.fragments, collect));
    });
  }
  if (lone) nodeFieldsMemo.set(lone, names);
  return names;
}
