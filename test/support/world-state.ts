/**
 * "A refused mutation changes nothing, in any subgraph" (DOMAIN.md, Error codes), proved two
 * ways: what the API shows the operator about the organisations a case touches, and every
 * row of every table of every subgraph (relationship requests and activity records
 * included, which no query lists).
 */
import { customerAsOperator } from "./customer-fixtures";
import { outboxesRelayed } from "./event-fixtures";
import { operatorToken, Stack } from "./stack";

const PARTNER_VIEW = `query($id: ID!) { partner(id: $id) {
  id mpnId name programs cloud country agreementSigned
  resellers(first: 100) { totalCount nodes { id status acceptedAt terminatedAt } }
  providers(first: 100) { totalCount nodes { id status acceptedAt terminatedAt } }
  customers(first: 100) { totalCount nodes { id } }
  subscriptions(first: 100) { totalCount nodes { id quantity status autoRenew friendlyName version partnerOfRecord { id } billingPartner { id } supportPartner { id } } }
} }`;

const CUSTOMER_SUBSCRIPTIONS = `query($id: ID!) { customer(id: $id) {
  subscriptions(first: 100) { totalCount nodes { id quantity status autoRenew friendlyName version partnerOfRecord { id } billingPartner { id } supportPartner { id } } }
} }`;

export interface Involved {
  partners?: string[];
  customers?: string[];
}

/** The operator's view, through the gateway, of the program's size and of the organisations involved. */
export async function apiView(stack: Stack, involved: Involved) {
  const op = await operatorToken();
  const read = async (query: string, variables?: Record<string, unknown>) => {
    const res = await stack.gql(op, query, variables);
    if (res.errors?.length) return { errors: res.errors.map((e) => e.extensions?.code) };
    return res.data;
  };
  return {
    customerCount: await read(`{ customers(first: 1) { totalCount } }`),
    partners: await Promise.all((involved.partners ?? []).map((id) => read(PARTNER_VIEW, { id }))),
    customers: await Promise.all(
      (involved.customers ?? []).map(async (id) => ({ customer: await customerAsOperator(stack, id), subscriptions: await read(CUSTOMER_SUBSCRIPTIONS, { id }) })),
    ),
  };
}

/** Every row of every table of every subgraph, in primary-key order. */
export async function everyRow(stack: Stack): Promise<Record<string, unknown[]>> {
  // Events of earlier mutations may still be on their way to the feed: let them arrive first.
  await outboxesRelayed(stack);
  const out: Record<string, unknown[]> = {};
  for (const [name, subgraph] of Object.entries(stack.subgraphs)) {
    const ds = subgraph.db.dataSource;
    for (const meta of ds.entityMetadatas) {
      const rows = await ds.getRepository(meta.target).find();
      const key = (row: any) => JSON.stringify(meta.primaryColumns.map((c) => c.getEntityValue(row)));
      out[`${name}.${meta.tableName}`] = rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }
  }
  return out;
}

/** Both views at once, to compare before and after a refusal with `toEqual`. */
export async function worldState(stack: Stack, involved: Involved) {
  return { api: await apiView(stack, involved), rows: await everyRow(stack) };
}
