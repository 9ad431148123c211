/** Parallel `_entities` calls of one client request with the same document go as one call; each caller gets exactly its own answers. */
import { coalesceEntityCall, sliceEntitiesResponse } from "../../gateway/entity-coalescing";
import type { SubgraphResponse } from "../../gateway/entities-response";

const partner = (id: string) => ({ __typename: "Partner", id });
/** A subgraph that names each partner it is asked for, and records every call. */
function fakeSubgraph() {
  const calls: unknown[][] = [];
  const send = async (representations: unknown[]): Promise<SubgraphResponse> => {
    calls.push(representations);
    return { data: { _entities: representations.map((r) => ({ name: `name of ${(r as { id: string }).id}` })) } };
  };
  return { calls, send };
}

describe("entity calls, coalesced per client request", () => {
  it("Performance: calls made in the same turn for one request and document go as one, and each caller gets its own slice", async () => {
    const subgraph = fakeSubgraph();
    const request = {};
    const [a, b, c] = await Promise.all([
      coalesceEntityCall(request, "doc", [partner("p1")], subgraph.send),
      coalesceEntityCall(request, "doc", [partner("p2"), partner("p3")], subgraph.send),
      coalesceEntityCall(request, "doc", [partner("p1")], subgraph.send),
    ]);
    expect(subgraph.calls).toEqual([[partner("p1"), partner("p2"), partner("p3"), partner("p1")]]);
    expect(a.data).toEqual({ _entities: [{ name: "name of p1" }] });
    expect(b.data).toEqual({ _entities: [{ name: "name of p2" }, { name: "name of p3" }] });
    expect(c.data).toEqual({ _entities: [{ name: "name of p1" }] });
  });

  it("Performance: another document, another client request, or a later turn is a call of its own", async () => {
    const subgraph = fakeSubgraph();
    const request = {};
    await Promise.all([
      coalesceEntityCall(request, "doc", [partner("p1")], subgraph.send),
      coalesceEntityCall(request, "other doc", [partner("p2")], subgraph.send),
      // Another viewer's request: never mixed with this one's (its token rides on the call).
      coalesceEntityCall({}, "doc", [partner("p3")], subgraph.send),
    ]);
    await coalesceEntityCall(request, "doc", [partner("p4")], subgraph.send);
    expect(subgraph.calls).toEqual([[partner("p1")], [partner("p2")], [partner("p3")], [partner("p4")]]);
  });

  it("Performance: a combined call that fails fails every caller with the same error", async () => {
    const request = {};
    const down = new Error("subgraph unavailable");
    const send = async (): Promise<SubgraphResponse> => {
      throw down;
    };
    const results = await Promise.allSettled([coalesceEntityCall(request, "doc", [partner("p1")], send), coalesceEntityCall(request, "doc", [partner("p2")], send)]);
    expect(results).toEqual([
      { status: "rejected", reason: down },
      { status: "rejected", reason: down },
    ]);
  });

  it("Performance: an error about an entity goes to the caller that asked for it, re-indexed; an error about none goes to every caller", () => {
    const response = {
      data: { _entities: [{ name: "A" }, null, { name: "C" }] },
      errors: [
        { message: "hidden", path: ["_entities", 1, "name"], extensions: { code: "FORBIDDEN" } },
        { message: "partial outage", extensions: { code: "DEPENDENCY_UNAVAILABLE" } },
      ],
    };
    const [first, second] = sliceEntitiesResponse(response, [1, 2]);
    expect(first).toEqual({ data: { _entities: [{ name: "A" }] }, errors: [{ message: "partial outage", extensions: { code: "DEPENDENCY_UNAVAILABLE" } }] });
    expect(second).toEqual({
      data: { _entities: [null, { name: "C" }] },
      errors: [
        { message: "hidden", path: ["_entities", 0, "name"], extensions: { code: "FORBIDDEN" } },
        { message: "partial outage", extensions: { code: "DEPENDENCY_UNAVAILABLE" } },
      ],
    });
  });
});
