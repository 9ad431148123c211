/** A subscription list reads the columns behind the fields asked for on its nodes, and every column when unsure. */
import { FieldNode, Kind, OperationDefinitionNode, parse } from "graphql";
import { DataSource } from "typeorm";
import { ALWAYS_READ, connectionNodeFields, listColumns } from "../../subgraphs/subscriptions/list-columns";
import { CloudSubscription } from "../../subgraphs/subscriptions/model";
import { SUBGRAPH_STORAGE } from "../../subgraphs/storage";

/** The info a resolver of `subscriptions` would get for this document. */
function infoOf(document: string) {
  const doc = parse(document);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])));
  const find = (nodes: readonly any[]): FieldNode | undefined => {
    for (const n of nodes) {
      if (n.kind === Kind.FIELD && n.name.value === "subscriptions") return n;
      const inner = n.selectionSet && find(n.selectionSet.selections);
      if (inner) return inner;
    }
  };
  return { fieldNodes: [find(operation.selectionSet.selections)!], fragments };
}

describe("subscription list columns", () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = new DataSource({ type: "better-sqlite3", database: ":memory:", entities: SUBGRAPH_STORAGE.subscriptions.entities });
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  it("Performance: the dashboard's list reads its five fields' columns and what S1 and paging need — not all 19", () => {
    const info = infoOf(`{ _entities(representations: []) { ... on Customer { subscriptions(first: 10) { totalCount nodes { id status quantity offer { name } partnerOfRecord { __typename id } } } } } }`);
    expect([...connectionNodeFields(info)].sort()).toEqual(["id", "offer", "partnerOfRecord", "quantity", "status"]);
    const columns = listColumns(ds, connectionNodeFields(info))!;
    expect([...columns].sort()).toEqual([...ALWAYS_READ, "offerId", "quantity", "status"].sort());
    expect(ds.getMetadata(CloudSubscription).columns.length).toBe(19);
  });

  it("Performance: fields under edges.node, inline fragments and named fragments all count", () => {
    const info = infoOf(`query { customer(id: "x") { subscriptions { edges { cursor node { ...F } } nodes { ... on CloudSubscription { createdAt } } } } } fragment F on CloudSubscription { friendlyName billingPartner { id } }`);
    expect([...connectionNodeFields(info)].sort()).toEqual(["billingPartner", "createdAt", "friendlyName"]);
    expect(listColumns(ds, connectionNodeFields(info))).toEqual(expect.arrayContaining(["createdAt", "friendlyName", "billingPartnerId"]));
  });

  it("Performance: a field that is neither a column nor known to the list reads every column", () => {
    expect(listColumns(ds, new Set(["id", "somethingNew"]))).toBeNull();
    expect(listColumns(ds, new Set(["__typename"]))).toEqual(ds.getMetadata(CloudSubscription).columns.map((c) => c.propertyName).filter((c) => (ALWAYS_READ as string[]).includes(c)));
  });
});

describe("connection node fields, once per query shape", () => {
  it("Performance: the same field node (a cached document) gives the same answer object on every request, though graphql-js builds a new fieldNodes array each time", () => {
    const info = infoOf(`{ partner(id: "p") { subscriptions { nodes { id quantity } } } }`);
    const first = connectionNodeFields(info);
    expect(connectionNodeFields({ fieldNodes: [...info.fieldNodes], fragments: info.fragments })).toBe(first);
    // Merged from two nodes: both selections count.
    const other = infoOf(`{ partner(id: "p") { subscriptions { nodes { status } } } }`);
    const merged = connectionNodeFields({ fieldNodes: [...info.fieldNodes, ...other.fieldNodes], fragments: {} });
    expect([...merged].sort()).toEqual(["id", "quantity", "status"]);
  });
});
