/**
 * Every question a service asks of a subgraph's `/internal/graphql` is a document declared once,
 * in the owner's client module (subgraphs/<owner>/client.ts; the development clock's in
 * common/time/dev-clock-client.ts). Each is validated here against the owner's internal schema, built
 * as the owner's server builds it, so a document naming a field, argument or type the owner does
 * not have (or a variable of the wrong type) fails here rather than at the first request that
 * sends it, where it would read as DEPENDENCY_UNAVAILABLE.
 */
import fs from "node:fs";
import path from "node:path";
import { GraphQLError, GraphQLSchema, parse, validate } from "graphql";
import { Config, projectRoot, readConfig } from "../../common/service/config";
import { DEV_CLOCK_DOCUMENTS } from "../../common/time/dev-clock-client";
import { InternalDocument } from "../../common/service/internal-client";
import { CUSTOMERS_DOCUMENTS } from "../../subgraphs/customers/client";
import { buildCustomersInternalSchema } from "../../subgraphs/customers/server";
import { PARTNERS_DOCUMENTS } from "../../subgraphs/partners/client";
import { buildPartnersInternalSchema } from "../../subgraphs/partners/server";
import { SUBSCRIPTIONS_DOCUMENTS } from "../../subgraphs/subscriptions/client";
import { buildSubscriptionsInternalSchema } from "../../subgraphs/subscriptions/server";
import { EVENTS_DOCUMENTS } from "../../subgraphs/events/client";
import { buildEventsInternalSchema } from "../../subgraphs/events/server";

type Documents = Record<string, InternalDocument<unknown, Record<string, unknown>>>;

const development: Config = readConfig({});
// What production serves: the owner's questions must be answered there, where the development clock is not.
const production: Config = { ...development, production: true };

/** Each owner: its client module, the documents it declares, and its internal schema as its server builds it. */
const OWNERS: { owner: string; client: string; documents: Documents; schema: (config: Config) => Promise<GraphQLSchema> }[] = [
  { owner: "partners", client: "subgraphs/partners/client.ts", documents: PARTNERS_DOCUMENTS, schema: buildPartnersInternalSchema },
  { owner: "customers", client: "subgraphs/customers/client.ts", documents: CUSTOMERS_DOCUMENTS, schema: buildCustomersInternalSchema },
  { owner: "subscriptions", client: "subgraphs/subscriptions/client.ts", documents: SUBSCRIPTIONS_DOCUMENTS, schema: buildSubscriptionsInternalSchema },
  { owner: "events", client: "subgraphs/events/client.ts", documents: EVENTS_DOCUMENTS, schema: buildEventsInternalSchema },
];
const DEV_CLOCK_CLIENT = "common/time/dev-clock-client.ts";

/** What graphql-js finds wrong with the document against the schema: nothing for a document the owner answers. */
function problemsOf(schema: GraphQLSchema, document: InternalDocument<unknown, Record<string, unknown>>): string[] {
  try {
    return validate(schema, parse(document.source)).map((error) => error.message);
  } catch (error) {
    if (error instanceof GraphQLError) return [error.message];
    throw error;
  }
}

const schemas = new Map<string, Promise<GraphQLSchema>>();
const schemaOf = (owner: (typeof OWNERS)[number], mode: "production" | "development") => {
  const key = `${owner.owner}/${mode}`;
  if (!schemas.has(key)) schemas.set(key, owner.schema(mode === "production" ? production : development));
  return schemas.get(key)!;
};
const partners = OWNERS[0];

describe("internal documents", () => {
  it("Internal calls: every document of every owner's client is valid against the owner's internal schema, as production serves it", async () => {
    for (const owner of OWNERS) {
      const schema = await schemaOf(owner, "production");
      expect(Object.keys(owner.documents).length).toBeGreaterThan(0);
      for (const [name, document] of Object.entries(owner.documents)) {
        expect({ owner: owner.owner, name, problems: problemsOf(schema, document) }).toEqual({ owner: owner.owner, name, problems: [] });
      }
    }
  });

  it("I5: the gateway's development clock documents are valid against every subgraph's internal schema outside production, and are not served in production", async () => {
    for (const owner of OWNERS) {
      for (const [name, document] of Object.entries(DEV_CLOCK_DOCUMENTS)) {
        expect({ owner: owner.owner, name, problems: problemsOf(await schemaOf(owner, "development"), document) }).toEqual({ owner: owner.owner, name, problems: [] });
        expect({ owner: owner.owner, name, refused: problemsOf(await schemaOf(owner, "production"), document).length > 0 }).toEqual({ owner: owner.owner, name, refused: true });
      }
    }
  });

  it("Internal calls: the check reports a field, a variable type or an owner that is wrong (so the checks above can fail)", async () => {
    const schema = await schemaOf(partners, "production");
    expect(problemsOf(schema, new InternalDocument("query($ids: [ID!]!) { partners(ids: $ids) { id nickname } }"))).toEqual([
      'Cannot query field "nickname" on type "PartnerFacts".',
    ]);
    expect(problemsOf(schema, new InternalDocument("query($ids: [String!]!) { partners(ids: $ids) { id } }"))).toEqual([
      'Variable "$ids" of type "[String!]!" used in position expecting type "[ID!]!".',
    ]);
    // A customers question sent to the partners subgraph: each document is checked against its own owner only.
    expect(problemsOf(schema, CUSTOMERS_DOCUMENTS.customerFacts)).toEqual([expect.stringContaining('Cannot query field "customers" on type "Query".')]);
    expect(problemsOf(schema, new InternalDocument("query { partners(ids: [) { id } }"))).toEqual([expect.stringContaining("Syntax Error")]);
  });

  it("Internal calls: documents are declared only in client modules, and each client lists every document it declares", () => {
    const root = projectRoot();
    const clients = new Map<string, Documents>([...OWNERS.map((o) => [o.client, o.documents] as const), [DEV_CLOCK_CLIENT, DEV_CLOCK_DOCUMENTS]]);
    // A subgraph with a client module must be an owner above, or its documents would go unchecked.
    for (const name of fs.readdirSync(path.join(root, "subgraphs"))) {
      const client = `subgraphs/${name}/client.ts`;
      if (fs.existsSync(path.join(root, client))) expect({ client, listed: clients.has(client) }).toEqual({ client, listed: true });
    }
    const sources = (dir: string): string[] =>
      fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const file = `${dir}/${entry.name}`;
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(file);
        return entry.name.endsWith(".ts") ? [file] : [];
      });
    const declaring = new Map<string, number>();
    for (const file of ["common", "gateway", "subgraphs", "scripts", "bench"].flatMap(sources)) {
      const count = fs.readFileSync(path.join(root, file), "utf8").match(/new InternalDocument\b/g)?.length ?? 0;
      if (count > 0) declaring.set(file, count);
    }
    expect([...declaring.keys()].sort()).toEqual([...clients.keys()].sort());
    for (const [file, count] of declaring) expect({ file, listed: Object.keys(clients.get(file)!).length }).toEqual({ file, listed: count });
  });
});
