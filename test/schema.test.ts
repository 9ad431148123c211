/**
 * The committed schema/ is what `npm run compose` writes, the composed API holds every name
 * of the public contract, and every type, field, argument and enum value is described (and
 * every deprecation gives its reason) for frontend developers.
 */
import fs from "node:fs";
import path from "node:path";
import {
  buildSchema,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
} from "graphql";
import { composeSchemas, schemaFiles } from "../scripts/compose";
import { documentationProblems, userTypes } from "../scripts/schema-governance";

const root = path.resolve(__dirname, "..");
const sharedContract = path.resolve(root, "..", "shared", "contract.graphql");
const contractPath = fs.existsSync(sharedContract) ? sharedContract : path.join(root, "schema", "contract.graphql");
// The events part of the contract (EV1–EV9) extends the main one: read together.
const sharedEventsContract = path.resolve(root, "..", "shared", "contract-events.graphql");
const eventsContractPath = fs.existsSync(sharedEventsContract) ? sharedEventsContract : path.join(root, "schema", "contract-events.graphql");

/**
 * Names of the events contract not built yet (none now: the webhooks, EV4–EV8, are built).
 * Listed by name so that every other name is checked, and checked to be missing still, so
 * that each leaves this list the moment it is built.
 */
const NOT_YET_BUILT = new Set<string>([]);

let api: GraphQLSchema;
let generated: Record<string, string>;

beforeAll(async () => {
  generated = schemaFiles(await composeSchemas());
  api = buildSchema(generated["api.graphql"]);
});

describe("schema/ is up to date", () => {
  it("every file npm run compose writes equals the committed one", () => {
    for (const [file, text] of Object.entries(generated)) {
      const committed = fs.readFileSync(path.join(root, "schema", file), "utf8");
      expect({ file, text: committed }).toEqual({ file, text });
    }
  });

  it("the committed contract copy equals shared/contract.graphql", () => {
    if (!fs.existsSync(sharedContract)) return;
    expect(fs.readFileSync(path.join(root, "schema", "contract.graphql"), "utf8")).toBe(fs.readFileSync(sharedContract, "utf8"));
  });

  it("the committed events contract copy equals shared/contract-events.graphql", () => {
    if (!fs.existsSync(sharedEventsContract)) return;
    expect(fs.readFileSync(path.join(root, "schema", "contract-events.graphql"), "utf8")).toBe(fs.readFileSync(sharedEventsContract, "utf8"));
  });
});

describe("the composed API covers the public contract", () => {
  const contract = buildSchema(`${fs.readFileSync(contractPath, "utf8")}\n${fs.readFileSync(eventsContractPath, "utf8")}`);
  const built = userTypes(contract).filter((t) => !NOT_YET_BUILT.has(t.name));

  it("the events contract is read too: its types are among those checked", () => {
    for (const name of ["Event", "EventType", "EventSubject", "EventConnection", "EventEdge"]) expect(built.map((t) => t.name)).toContain(name);
    expect(contract.getQueryType()!.getFields().events).toBeDefined();
  });

  it("every name listed as not yet built is in the contract and still missing from the API (built ones must leave the list)", () => {
    for (const name of NOT_YET_BUILT) {
      const [typeName, fieldName] = name.split(".");
      const inContract = fieldName ? (contract.getType(typeName) as GraphQLObjectType).getFields()[fieldName] : contract.getType(typeName);
      const inApi = fieldName ? (api.getType(typeName) as GraphQLObjectType | undefined)?.getFields()[fieldName] : api.getType(typeName);
      expect({ name, inContract: !!inContract, inApi: !!inApi }).toEqual({ name, inContract: true, inApi: false });
    }
  });

  it.each(built.map((t) => [t.name, t] as [string, GraphQLNamedType]))("contract type %s exists with all its names", (name, type) => {
    const ours = api.getType(name);
    expect(ours?.constructor.name).toBe(type.constructor.name);
    if (type instanceof GraphQLEnumType) {
      const values = (ours as GraphQLEnumType).getValues().map((v) => v.name);
      expect(values).toEqual(expect.arrayContaining(type.getValues().map((v) => v.name)));
    }
    if (type instanceof GraphQLObjectType || type instanceof GraphQLInputObjectType || type instanceof GraphQLInterfaceType) {
      const ourFields = (ours as GraphQLObjectType).getFields();
      for (const [fieldName, field] of Object.entries(type.getFields())) {
        if (NOT_YET_BUILT.has(`${name}.${fieldName}`)) continue;
        const mine = ourFields[fieldName];
        expect({ field: `${name}.${fieldName}`, type: mine?.type.toString() }).toEqual({ field: `${name}.${fieldName}`, type: field.type.toString() });
        for (const arg of "args" in field ? field.args : []) {
          const ourArg = (mine as unknown as { args?: readonly { name: string; type: unknown }[] }).args?.find((a) => a.name === arg.name);
          expect({ arg: `${name}.${fieldName}(${arg.name})`, type: String(ourArg?.type) }).toEqual({
            arg: `${name}.${fieldName}(${arg.name})`,
            type: arg.type.toString(),
          });
        }
      }
    }
  });

  it("every type, field, argument and enum value of the API carries a description", () => {
    expect(documentationProblems(generated["api.graphql"]).undescribed).toEqual([]);
  });

  it("every deprecation in the API gives a reason", () => {
    expect(documentationProblems(generated["api.graphql"]).deprecatedWithoutReason).toEqual([]);
    // The check reads @deprecated from the SDL, where a bare one has no reason (graphql-js would invent one).
    const sdl = `"""Q."""\ntype Query {\n  """A."""\n  a: Int @deprecated\n  """B."""\n  b(\n    """X."""\n    x: Int @deprecated(reason: "")\n  ): Int\n}\n`;
    expect(documentationProblems(sdl)).toEqual({ undescribed: [], deprecatedWithoutReason: ["Query.a", "Query.b(x:)"] });
  });

  it("contract 0.2: no subscription root in the supergraph or the API (a bought offer is CloudSubscription)", () => {
    expect(api.getSubscriptionType()).toBeUndefined();
    expect(api.getType("Subscription")).toBeUndefined();
    const supergraph = buildSchema(generated["supergraph.graphql"], { assumeValidSDL: true });
    expect(supergraph.getSubscriptionType()).toBeUndefined();
  });

  it("no internal fact query leaks into the API", () => {
    const queries = Object.keys(api.getQueryType()!.getFields());
    expect(queries).not.toEqual(expect.arrayContaining(["activeResellerIds"]));
    expect(queries.sort()).toEqual([
      "customer",
      "customers",
      "customersActivity",
      "events",
      "eventsActivity",
      "offers",
      "partner",
      "partnerByMpnId",
      "partnersActivity",
      "subscription",
      "subscriptionsActivity",
      "viewer",
      "webhookEndpoints",
    ]);
  });
});
