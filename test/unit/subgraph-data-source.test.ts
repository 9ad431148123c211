/**
 * The gateway's data source layers (gateway/subgraph-data-source.ts) as @apollo/gateway calls
 * them: each is a GraphQLDataSource around the next, builds requests of its own and leaves
 * the gateway's as they came; a client request is its `incomingRequestContext`.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLDataSourceRequestKind } from "@apollo/gateway/dist/datasources/types";
import { coalescingEntityCalls } from "../../gateway/entity-coalescing";
import { dedupingEntities } from "../../gateway/entity-dedupe";
import type { SubgraphResponse } from "../../gateway/entities-response";
import { answeringFailedCalls, SubgraphCallFailed } from "../../gateway/partial-results";

type Context = Record<string, never>;
/** What @apollo/gateway hands every fetch of one client request's plan. */
type IncomingRequest = Extract<GraphQLDataSourceProcessOptions<Context>, { incomingRequestContext: unknown }>["incomingRequestContext"];
const partner = (id: string) => ({ __typename: "Partner", id });
const ENTITIES = (name: string) => `query ${name}($representations:[_Any!]!){_entities(representations:$representations){...on Partner{name}}}`;

/** A client request as @apollo/gateway hands it to every fetch of its plan (only identity matters here). */
const clientRequest = () => ({}) as IncomingRequest;

/** One fetch of a plan, as executeQueryPlan builds it. */
function fetchOf(incoming: IncomingRequest, operationName: string, representations: unknown[]): GraphQLDataSourceProcessOptions<Context> {
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: ENTITIES(operationName), operationName, variables: { representations } },
    incomingRequestContext: incoming,
    context: {},
  };
}

/** A subgraph that names each partner it is asked for, and keeps every request it got. */
function fakeSubgraph(fail?: Error) {
  const requests: GraphQLDataSourceProcessOptions<Context>["request"][] = [];
  const source: GraphQLDataSource<Context> = {
    async process({ request }): Promise<SubgraphResponse> {
      requests.push(request);
      if (fail) throw fail;
      const representations = request.variables?.representations as { id: string }[];
      return { data: { _entities: representations.map((r) => ({ name: `name of ${r.id}` })) } };
    },
  };
  return { requests, source };
}

describe("the gateway's data source layers", () => {
  it("Performance: dedupe sends each distinct entity once, in a request of its own, and the gateway's request keeps every representation", async () => {
    const subgraph = fakeSubgraph();
    const options = fetchOf(clientRequest(), "Dashboard__partners__1", [partner("p1"), partner("p2"), partner("p1")]);
    const response = await dedupingEntities(subgraph.source).process(options);
    expect(subgraph.requests.map((r) => r.variables?.representations)).toEqual([[partner("p1"), partner("p2")]]);
    expect(subgraph.requests[0]).not.toBe(options.request);
    expect(options.request.variables?.representations).toEqual([partner("p1"), partner("p2"), partner("p1")]);
    expect(response.data).toEqual({ _entities: [{ name: "name of p1" }, { name: "name of p2" }, { name: "name of p1" }] });
  });

  it("Performance: coalescing sends one client request's parallel fetches of one selection as one, whatever the planner named each fetch, and leaves each fetch's request as it was", async () => {
    const subgraph = fakeSubgraph();
    const incoming = clientRequest();
    const fetches = [fetchOf(incoming, "CustomerDetail__partners__1", [partner("p1")]), fetchOf(incoming, "CustomerDetail__partners__2", [partner("p2")])];
    const [a, b] = await Promise.all(fetches.map((f) => coalescingEntityCalls(subgraph.source).process(f)));
    expect(subgraph.requests.map((r) => r.variables?.representations)).toEqual([[partner("p1"), partner("p2")]]);
    expect(fetches.map((f) => f.request.variables?.representations)).toEqual([[partner("p1")], [partner("p2")]]);
    expect([a.data, b.data]).toEqual([{ _entities: [{ name: "name of p1" }] }, { _entities: [{ name: "name of p2" }] }]);
  });

  it("Performance: coalescing never joins fetches of two client requests, nor calls that are no client request's", async () => {
    const subgraph = fakeSubgraph();
    const layer = coalescingEntityCalls(subgraph.source);
    const healthCheck: GraphQLDataSourceProcessOptions<Context> = { kind: GraphQLDataSourceRequestKind.HEALTH_CHECK, request: { query: ENTITIES("Check"), variables: { representations: [partner("p3")] } }, context: {} };
    await Promise.all([layer.process(fetchOf(clientRequest(), "Q__partners__1", [partner("p1")])), layer.process(fetchOf(clientRequest(), "Q__partners__1", [partner("p2")])), layer.process(healthCheck)]);
    expect(subgraph.requests.map((r) => r.variables?.representations)).toEqual(expect.arrayContaining([[partner("p1")], [partner("p2")], [partner("p3")]]));
    expect(subgraph.requests).toHaveLength(3);
    expect(subgraph.requests).toContain(healthCheck.request);
  });

  it("R1: a coalesced call that gave no answer fails each caller's own entities, each with its path and DEPENDENCY_UNAVAILABLE", async () => {
    const subgraph = fakeSubgraph(new SubgraphCallFailed(false));
    const stack = answeringFailedCalls(coalescingEntityCalls(dedupingEntities(subgraph.source)));
    const incoming = clientRequest();
    const [a, b] = await Promise.all([stack.process(fetchOf(incoming, "Q__partners__1", [partner("p1")])), stack.process(fetchOf(incoming, "Q__partners__2", [partner("p2"), partner("p1")]))]);
    // One call went out, with p1 once.
    expect(subgraph.requests.map((r) => r.variables?.representations)).toEqual([[partner("p1"), partner("p2")]]);
    const failed = (path: (string | number)[]) => ({ message: expect.any(String), path, extensions: expect.objectContaining({ code: "DEPENDENCY_UNAVAILABLE" }) });
    expect(a).toEqual({ data: null, errors: [failed(["_entities", 0, "name"])] });
    expect(b).toEqual({ data: null, errors: [failed(["_entities", 0, "name"]), failed(["_entities", 1, "name"])] });
  });

  it("R1: an error other than a failed call passes through the failure layer unchanged", async () => {
    const bug = new Error("not a subgraph failure");
    const stack = answeringFailedCalls(fakeSubgraph(bug).source);
    await expect(stack.process(fetchOf(clientRequest(), "Q__partners__1", [partner("p1")]))).rejects.toBe(bug);
  });
});
