/** O4 and I1: the shared idempotency-key logic (common/mutations/idempotency.ts), without a database. */
import { GraphQLError } from "graphql";
import { idempotencyKeyArg, KeyedResult, oncePerKey, requestFingerprint } from "../../common/mutations/idempotency";

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    const ext = (error as GraphQLError).extensions ?? {};
    return { code: ext.code, field: ext.field };
  }
  throw new Error("no refusal");
};

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as GraphQLError).extensions?.code ?? (error as Error).message;
  }
  throw new Error("no rejection");
};

describe("idempotency keys", () => {
  it("I1: a key is optional, 1 to 100 characters, trimmed; anything else is BAD_USER_INPUT on the field", () => {
    expect(idempotencyKeyArg(null)).toBeNull();
    expect(idempotencyKeyArg(undefined)).toBeNull();
    expect(idempotencyKeyArg("  k-1 ")).toBe("k-1");
    expect(idempotencyKeyArg("k".repeat(100))).toHaveLength(100);
    expect(refusal(() => idempotencyKeyArg("  "))).toEqual({ code: "BAD_USER_INPUT", field: "input.idempotencyKey" });
    expect(refusal(() => idempotencyKeyArg("k".repeat(101)))).toEqual({ code: "BAD_USER_INPUT", field: "input.idempotencyKey" });
  });

  it("O4: equal normalised inputs have equal fingerprints, different ones differ", () => {
    expect(requestFingerprint({ a: 1, b: ["x"] })).toBe(requestFingerprint({ a: 1, b: ["x"] }));
    expect(requestFingerprint({ a: 1, b: ["x"] })).not.toBe(requestFingerprint({ a: 2, b: ["x"] }));
    expect(requestFingerprint({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  describe("oncePerKey", () => {
    const store = () => {
      let saved: KeyedResult<string> | null = null;
      return { find: async () => saved, save: (r: KeyedResult<string>) => (saved = r) };
    };

    it("O4: a key seen before answers with its first result without creating; another input is IDEMPOTENCY_KEY_REUSED", async () => {
      const s = store();
      s.save({ requestHash: "h1", result: "first" });
      const create = jest.fn(async () => "second");
      expect(await oncePerKey({ what: "order", fingerprint: "h1", find: s.find, create })).toBe("first");
      expect(await rejection(oncePerKey({ what: "order", fingerprint: "h2", find: s.find, create }))).toBe("IDEMPOTENCY_KEY_REUSED");
      expect(create).not.toHaveBeenCalled();
    });

    it("O4: a create that fails because a concurrent duplicate committed first is answered with the winner's result (or refused if the winner's input differs)", async () => {
      for (const [winnerHash, expected] of [["h1", "winner"], ["other", "IDEMPOTENCY_KEY_REUSED"]]) {
        const s = store();
        const create = async () => {
          s.save({ requestHash: winnerHash, result: "winner" });
          throw new Error("unique violation");
        };
        const answer = oncePerKey({ what: "order", fingerprint: "h1", find: s.find, create });
        expect(await answer.catch((e) => e.extensions?.code ?? e.message)).toBe(expected);
      }
    });

    it("O4: a create that fails with no earlier use of the key fails as it failed, and leaves no key behind", async () => {
      const s = store();
      const error = new Error("refused");
      await expect(oncePerKey({ what: "order", fingerprint: "h1", find: s.find, create: async () => Promise.reject(error) })).rejects.toBe(error);
      expect(await s.find()).toBeNull();
    });
  });
});
