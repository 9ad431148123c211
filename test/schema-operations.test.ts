/**
 * The example operations in schema/operations/ are valid against the API, name the demo token
 * to run them with, and run as-is (with their default variables) against the demo data, as
 * Sandbox would send them: what each header says a re-run does is what happens.
 */
import fs from "node:fs";
import path from "node:path";
import {
  buildSchema,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { projectRoot } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { DEMO, demoClaims, seedDemo } from "../scripts/demo";
import { codeOf, DIALECTS, GqlResult, Stack, startStack } from "./support/stack";

const OPERATIONS_DIR = path.join(projectRoot(), "schema", "operations");
const EXAMPLES = [
  "approve-delegated-admin.graphql",
  "customer-detail.graphql",
  "hire-support-partner.graphql",
  "invite-reseller.graphql",
  "partner-dashboard.graphql",
  "place-order.graphql",
  "request-relationship.graphql",
];
const read = (file: string) => fs.readFileSync(path.join(OPERATIONS_DIR, file), "utf8");
/** The demo token an example names in its header: `# Token: <key of demoClaims()>`. */
const tokenKeyOf = (text: string) => /^# Token: (\w+)/m.exec(text)?.[1];

/** The fields a selection set asks for by response name, through inline fragments and fragment spreads. */
function selected(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, out = new Map<string, FieldNode[]>()): Map<string, FieldNode[]> {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      out.set(key, [...(out.get(key) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      selected(selection.selectionSet, fragments, out);
    } else {
      selected(fragments.get(selection.name.value)?.selectionSet, fragments, out);
    }
  }
  return out;
}

/**
 * What keeps a normalised client cache from working with an operation: an object of a type with
 * an `id` field selected without `id` (Apollo Client, urql's Graphcache and Relay key entities by
 * it), and a page of a `…Connection` read through `nodes` rather than `edges { cursor node }`
 * with `pageInfo { hasNextPage endCursor }` (Apollo Client's relayStylePagination merges pages
 * through edges; with `nodes` only, fetchMore replaces the first page).
 */
function cacheProblems(schema: GraphQLSchema, document: DocumentNode): string[] {
  const problems: string[] = [];
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = getNamedType(typeInfo.getType());
        if (!node.selectionSet || !(isObjectType(type) || isInterfaceType(type))) return;
        const where = `${typeInfo.getParentType()?.name}.${node.name.value} (line ${node.loc?.startToken.line})`;
        const fields = selected(node.selectionSet, fragments);
        if ("id" in type.getFields() && !fields.has("id")) problems.push(`${where}: ${type.name} without id`);
        if (!type.name.endsWith("Connection")) return;
        if (fields.has("nodes")) problems.push(`${where}: nodes instead of edges`);
        const inside = (name: string) => new Set((fields.get(name) ?? []).flatMap((f) => [...selected(f.selectionSet, fragments).keys()]));
        const edges = inside("edges");
        const pageInfo = inside("pageInfo");
        for (const need of ["cursor", "node"]) if (!edges.has(need)) problems.push(`${where}: edges without ${need}`);
        for (const need of ["hasNextPage", "endCursor"]) if (!pageInfo.has(need)) problems.push(`${where}: pageInfo without ${need}`);
      },
    }),
  );
  return problems;
}

describe("example operations", () => {
  const api = buildSchema(fs.readFileSync(path.join(projectRoot(), "schema", "api.graphql"), "utf8"));

  it("Operations: schema/operations holds the seven examples", () => {
    expect(fs.readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith(".graphql")).sort()).toEqual(EXAMPLES);
  });

  it.each(EXAMPLES)("Operations: %s is valid against schema/api.graphql, its operations are named, and it names a demo token", (file) => {
    const text = read(file);
    const document = parse(text);
    expect(validate(api, document).map((e) => e.message)).toEqual([]);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === "OperationDefinition");
    expect(operations.length).toBeGreaterThan(0);
    for (const op of operations) expect(op.name?.value).toMatch(/^[A-Z]\w+$/);
    expect(Object.keys(demoClaims())).toContain(tokenKeyOf(text));
  });
});

describe("example operations suit normalised client caches", () => {
  const api = buildSchema(fs.readFileSync(path.join(projectRoot(), "schema", "api.graphql"), "utf8"));

  it.each(EXAMPLES)("Operations: %s selects id on every entity and pages through edges { cursor node } with pageInfo, never nodes", (file) => {
    expect(cacheProblems(api, parse(read(file)))).toEqual([]);
  });

  it("Operations: the cache check finds an entity without id, a nodes page and a page without pageInfo (also through fragments)", () => {
    const document = parse(`
      query Bad { customers(first: 1) { nodes { id } } viewer { partner { ...P } } }
      fragment P on Partner { name resellers { edges { node { id } } } }
    `);
    expect(cacheProblems(api, document)).toEqual([
      "Query.customers (line 2): nodes instead of edges",
      "Query.customers (line 2): edges without cursor",
      "Query.customers (line 2): edges without node",
      "Query.customers (line 2): pageInfo without hasNextPage",
      "Query.customers (line 2): pageInfo without endCursor",
      "Viewer.partner (line 2): Partner without id",
      "Partner.resellers (line 3): edges without cursor",
      "Partner.resellers (line 3): pageInfo without hasNextPage",
      "Partner.resellers (line 3): pageInfo without endCursor",
    ]);
  });
});

describe.each(DIALECTS)("example operations run against the demo data (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
    await seedDemo(stack.gatewayUrl);
  }, 120_000);
  afterAll(() => stack?.stop());

  /** Sends an example as Sandbox does: the whole document, the operation's name, and only the variables typed in. */
  async function run<T = any>(file: string, operationName: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
    const text = read(file);
    const token = await signDevToken(demoClaims()[tokenKeyOf(text)!]);
    const res = await fetch(stack.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, operationName, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  }

  it("Operations: PartnerDashboard shows Contoso its resellers, customers and subscriptions", async () => {
    const res = await run("partner-dashboard.graphql", "PartnerDashboard");
    expect(res.errors).toBeUndefined();
    const partner = res.data.viewer.partner;
    expect(partner.name).toBe(DEMO.contoso.name);
    expect(partner.resellers.edges.map((e: any) => e.node.reseller.name)).toEqual(expect.arrayContaining([DEMO.fabrikam.name, DEMO.tailspin.name]));
    expect(partner.subscriptions.totalCount).toBeGreaterThan(0);
    expect(res.data.customers.edges.map((e: any) => e.node.companyName)).toEqual(expect.arrayContaining(["Relecloud", "Fourth Coffee"]));
  });

  it("Operations: CustomerDetail shows Adventure Works the Wide World Importers tenant, outside subscriptions included", async () => {
    const res = await run("customer-detail.graphql", "CustomerDetail");
    expect(res.errors).toBeUndefined();
    const customer = res.data.customer;
    expect(customer.companyName).toBe(DEMO.wideWorld.companyName);
    expect(customer.delegatedAdminRelationships).toEqual(expect.arrayContaining([expect.objectContaining({ displayName: "Wide World admin", status: "ACTIVE" })]));
    expect(customer.subscriptions.edges.map((e: any) => e.node)).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: "ENTERPRISE_AGREEMENT", supportPartner: expect.objectContaining({ name: DEMO.adventure.name }) })]),
    );
  });

  it("Operations: PlaceOrder buys once; re-running it returns the first order", async () => {
    const first = await run("place-order.graphql", "PlaceOrder");
    expect(first.errors).toBeUndefined();
    expect(first.data.placeOrder.order.subscriptions).toEqual([expect.objectContaining({ quantity: 5, status: "ACTIVE" })]);
    const again = await run("place-order.graphql", "PlaceOrder");
    expect(again.data.placeOrder.order).toEqual(first.data.placeOrder.order);
  });

  it("Operations: InviteReseller invites Tailspin for Northwind; re-running it is refused with RELATIONSHIP_EXISTS", async () => {
    const first = await run("invite-reseller.graphql", "InviteReseller");
    expect(first.errors).toBeUndefined();
    expect(first.data.inviteReseller.relationship).toMatchObject({ status: "PENDING", provider: { name: DEMO.northwind.name }, reseller: { name: DEMO.tailspin.name } });
    const again = await run("invite-reseller.graphql", "InviteReseller");
    expect(codeOf(again)).toBe("RELATIONSHIP_EXISTS");
    const pending = await stack.gql(await signDevToken(demoClaims().northwindAdmin), `{ viewer { partner { resellers(status: PENDING) { totalCount } } } }`);
    expect(pending.data.viewer.partner.resellers.totalCount).toBe(1);
  });

  it("Operations: RequestRelationship gives Fabrikam a code naming Contoso; each run makes a new one", async () => {
    const first = await run("request-relationship.graphql", "RequestRelationship");
    expect(first.errors).toBeUndefined();
    expect(first.data.createRelationshipRequest.request).toMatchObject({ status: "PENDING", partner: { name: DEMO.fabrikam.name }, indirectProvider: { name: DEMO.contoso.name } });
    const again = await run("request-relationship.graphql", "RequestRelationship");
    expect(again.data.createRelationshipRequest.request.code).not.toBe(first.data.createRelationshipRequest.request.code);
  });

  it("Operations: ApproveDelegatedAdmin approves the pending request PendingDelegatedAdmin lists; re-running it is refused with INVALID_STATE", async () => {
    const pending = await run("approve-delegated-admin.graphql", "PendingDelegatedAdmin");
    expect(pending.errors).toBeUndefined();
    const [request] = pending.data.viewer.customer.delegatedAdminRelationships;
    expect(request).toMatchObject({ displayName: "Wide World helpdesk", partner: { name: DEMO.adventure.name } });
    const approved = await run("approve-delegated-admin.graphql", "ApproveDelegatedAdmin", { id: request.id });
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveDelegatedAdminRelationship.relationship).toMatchObject({ id: request.id, status: "ACTIVE" });
    const again = await run("approve-delegated-admin.graphql", "ApproveDelegatedAdmin", { id: request.id });
    expect(codeOf(again)).toBe("INVALID_STATE");
    expect((await run("approve-delegated-admin.graphql", "PendingDelegatedAdmin")).data.viewer.customer.delegatedAdminRelationships).toEqual([]);
  });

  it("Operations: HireSupportPartner hires Adventure Works for a subscription OutsideSubscriptions lists; re-running it changes nothing", async () => {
    const listed = await run("hire-support-partner.graphql", "OutsideSubscriptions");
    expect(listed.errors).toBeUndefined();
    const unsupported = listed.data.viewer.customer.subscriptions.edges.map((e: any) => e.node).find((s: any) => s.channel !== "CSP" && !s.supportPartner);
    expect(unsupported).toBeDefined();
    const hired = await run("hire-support-partner.graphql", "HireSupportPartner", { subscriptionId: unsupported.id });
    expect(hired.errors).toBeUndefined();
    expect(hired.data.hireSupportPartner.subscription).toMatchObject({ id: unsupported.id, supportPartner: { name: DEMO.adventure.name } });
    const again = await run("hire-support-partner.graphql", "HireSupportPartner", { subscriptionId: unsupported.id });
    expect(again.errors).toBeUndefined();
    expect(again.data.hireSupportPartner.subscription.supportPartner).toEqual(hired.data.hireSupportPartner.subscription.supportPartner);
  });
});
