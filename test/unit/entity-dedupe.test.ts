/** The gateway sends each distinct entity once per `_entities` call and answers every position as if it had sent them all. */
import { dedupeRepresentations, expandEntitiesResponse } from "../../gateway/entity-dedupe";

const partner = (id: string) => ({ __typename: "Partner", id });

describe("entity representations, once each", () => {
  it("Performance: equal representations are sent once, in first-seen order; all-distinct calls are left alone", () => {
    const deduped = dedupeRepresentations([partner("a"), partner("b"), partner("a"), partner("a"), partner("c"), partner("b")]);
    expect(deduped).toEqual({ unique: [partner("a"), partner("b"), partner("c")], indexOf: [0, 1, 0, 0, 2, 1] });
    expect(dedupeRepresentations([partner("a"), partner("b")])).toBeUndefined();
    // Same id, another type: another entity.
    expect(dedupeRepresentations([partner("a"), { __typename: "Customer", id: "a" }])).toBeUndefined();
  });

  it("Performance: answers go back to every original position, as copies that do not share state", () => {
    const deduped = dedupeRepresentations([partner("a"), partner("b"), partner("a")])!;
    const response = { data: { _entities: [{ name: "A", tags: ["x"] }, { name: "B", tags: [] }] } };
    const expanded = expandEntitiesResponse(response, deduped);
    const entities = (expanded.data as { _entities: { name: string; tags: string[] }[] })._entities;
    expect(entities).toEqual([{ name: "A", tags: ["x"] }, { name: "B", tags: [] }, { name: "A", tags: ["x"] }]);
    // The gateway merges later fetches into each position: one position's merge must not appear in another.
    entities[0].tags.push("merged");
    expect(entities[2].tags).toEqual(["x"]);
    expect(entities[2]).not.toBe(entities[0]);
  });

  it("Performance: a flat answer (scalars only) is shared by its positions, as the gateway's merge only copies its scalars", () => {
    const deduped = dedupeRepresentations([partner("a"), partner("a"), partner("a")])!;
    const nested = { name: "A", owner: { id: "o" } };
    const flat = expandEntitiesResponse({ data: { _entities: [{ name: "A", rank: 1, note: null }] } }, deduped).data as { _entities: unknown[] };
    expect(flat._entities).toEqual([{ name: "A", rank: 1, note: null }, { name: "A", rank: 1, note: null }, { name: "A", rank: 1, note: null }]);
    expect(flat._entities[2]).toBe(flat._entities[0]);
    const deep = expandEntitiesResponse({ data: { _entities: [nested] } }, deduped).data as { _entities: (typeof nested)[] };
    deep._entities[1].owner.id = "changed";
    expect(deep._entities.map((e) => e.owner.id)).toEqual(["o", "changed", "o"]);
  });

  it("Performance: an error about one sent entity is reported at every position that asked for it; other errors stay as they are", () => {
    const deduped = dedupeRepresentations([partner("a"), partner("b"), partner("a")])!;
    const response = {
      data: { _entities: [null, { name: "B" }] },
      errors: [
        { message: "not visible", path: ["_entities", 0, "name"], extensions: { code: "FORBIDDEN" } },
        { message: "whole call", extensions: { code: "INTERNAL_SERVER_ERROR" } },
      ],
    };
    const expanded = expandEntitiesResponse(response, deduped);
    expect(expanded.data).toEqual({ _entities: [null, { name: "B" }, null] });
    expect(expanded.errors).toEqual([
      { message: "not visible", path: ["_entities", 0, "name"], extensions: { code: "FORBIDDEN" } },
      { message: "not visible", path: ["_entities", 2, "name"], extensions: { code: "FORBIDDEN" } },
      { message: "whole call", extensions: { code: "INTERNAL_SERVER_ERROR" } },
    ]);
  });

  it("Performance: a response without data (the call failed) passes through", () => {
    const deduped = dedupeRepresentations([partner("a"), partner("a")])!;
    const response = { errors: [{ message: "down", extensions: { code: "DEPENDENCY_UNAVAILABLE" } }] };
    expect(expandEntitiesResponse(response, deduped)).toEqual(response);
  });
});
