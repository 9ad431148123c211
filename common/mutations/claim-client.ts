/**
 * The holder's side of a claim (common/mutations/claims.ts): the deadline by which what relies on it
 * must commit, and its release once that write has committed or failed. A release that does
 * not arrive (the owner is down, the holder crashes) costs nothing but the lease's time.
 * The owners' client modules (subgraphs/<owner>/client.ts) take claims and say how each is released.
 */
import { commitDeadline } from "./claims";
import { describeError, logger } from "../observability/logger";

export interface HeldClaim {
  /** performance.now() after which the holder must not commit (assertWithinLease). */
  deadlineMs: number;
  /** The owner's lease, for a refusal's retryAfter. */
  leaseMs: number;
  release(): Promise<void>;
}

/** `askedAtMs` is performance.now() taken before the claim was asked for; `endOnOwner` asks the owner to end it. */
export function heldClaim(endOnOwner: (claimId: string) => Promise<unknown>, claimId: string | null, askedAtMs: number, leaseMs: number): HeldClaim {
  let released = false;
  return {
    deadlineMs: commitDeadline(askedAtMs, leaseMs),
    leaseMs,
    async release() {
      if (!claimId || released) return;
      released = true;
      try {
        await endOnOwner(claimId);
      } catch (error) {
        logger.warn({ claimId, error: describeError(error).slice(0, 200) }, "claim not released; its lease ends it");
      }
    },
  };
}

/** Releases every claim, side by side (one round trip), whatever happened to the write. */
export const releaseAll = (claims: (HeldClaim | null | undefined)[]) => Promise.all(claims.map((c) => c?.release())).then(() => undefined);
