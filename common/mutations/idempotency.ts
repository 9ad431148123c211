/**
 * Caller-chosen idempotency keys (O4 for placeOrder, I1 for the other creates): sending the
 * same key with the same input again answers with the first result and creates nothing; the
 * same key with another input is IDEMPOTENCY_KEY_REUSED. Keys belong to the calling
 * organisation, so two partners never see each other's results through a shared key.
 *
 * Correctness under concurrent duplicates (retries racing each other, or two replicas of a
 * subgraph on one database) comes from a unique index on the key, written inside the
 * create's own transaction: exactly one duplicate commits; every other one either fails on
 * that index or on a rule the winner's write now breaks (a name taken, a relationship
 * that exists), and is then answered with the winner's result.
 *
 * Pure (no database): placeOrder keys its orders themselves; the other creates use the
 * shared record of common/mutations/idempotency-record.ts.
 */
import { createHash } from "node:crypto";
import { fail } from "../errors/errors";
import { text } from "../graphql/validation";

export const IDEMPOTENCY_KEY_MAX = 100;

/** A key given to a mutation: 1 to 100 characters, or none (no deduplication). */
export function idempotencyKeyArg(value: string | null | undefined, field = "input.idempotencyKey"): string | null {
  if (value === null || value === undefined) return null;
  return text(value, field, IDEMPOTENCY_KEY_MAX);
}

/**
 * The fingerprint of a request's normalised input (the key itself left out): equal inputs,
 * equal fingerprints. Callers put values in a fixed order (objects by property order, sets sorted).
 */
export function requestFingerprint(normalisedInput: unknown): string {
  return createHash("sha256").update(JSON.stringify(normalisedInput)).digest("hex");
}

export const keyReused = (what: string) => fail("IDEMPOTENCY_KEY_REUSED", `This idempotency key was used for a different ${what}.`);

/** What a key was first used for: the input's fingerprint and the result to answer again. */
export interface KeyedResult<T> {
  requestHash: string;
  result: T;
}

/**
 * Runs `create` unless the key was used before. The earlier use is looked for first, before
 * any rule that the first call's own effect would now break; and again when `create` fails,
 * because a concurrent duplicate may have committed in between.
 */
export async function oncePerKey<T>(args: {
  /** What is created, for the message of IDEMPOTENCY_KEY_REUSED ("order", "customer"…). */
  what: string;
  fingerprint: string;
  /** The key's earlier use, read outside any transaction (so it sees what others committed). */
  find: () => Promise<KeyedResult<T> | null>;
  /** Checks and writes; its transaction must write the key so that a duplicate cannot commit. */
  create: () => Promise<T>;
}): Promise<T> {
  const replay = (earlier: KeyedResult<T>) => {
    if (earlier.requestHash !== args.fingerprint) throw keyReused(args.what);
    return earlier.result;
  };
  const earlier = await args.find();
  if (earlier) return replay(earlier);
  try {
    return await args.create();
  } catch (error) {
    // Whatever refused this call, a duplicate that won the race makes it a retry.
    const winner = await args.find().catch(() => null);
    if (!winner) throw error;
    return replay(winner);
  }
}
