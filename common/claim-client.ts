/**
 * The holder's side of a claim (common/claims.ts): the deadline by which what relies on it
 * must commit, and its release once that write has committed or failed. A release that does
 * not arrive (the owner is down, the holder crashes) costs nothing but the lease's time.
 */
import { commitDeadline } from "./claims";
import type { InternalClient } from "./internal-client";
import { describeError, logger } from "./logger";

export interface HeldClaim {
  /** performance.now() after which the holder must not commit (assertWithinLease). */
  deadlineMs: number;
  /** The owner's lease, for a refusal's retryAfter. */
  leaseMs: number;
  release(): Promise<void>;
}

/** `askedAtMs` is performance.now() taken before the claim was asked for. */
export function heldClaim(owner: InternalClient, claimId: string | null, askedAtMs: number, leaseMs: number): HeldClaim {
  let released = false;
  return {
    deadlineMs: commitDeadline(askedAtMs, leaseMs),
    leaseMs,
    async release() {
      if (!claimId || released) return;
      released = true;
      try {
        await owner.request("mutation($id: ID!) { releaseClaim(claimId: $id) }", { id: claimId }, "the release of a claim");
      } catch (error) {
        logger.warn({ claimId, error: describeError(error).slice(0, 200) }, "claim not released; its lease ends it");
      }
    },
  };
}

/** Releases every claim, side by side (one round trip), whatever happened to the write. */
export const releaseAll = (claims: (HeldClaim | null | undefined)[]) => Promise.all(claims.map((c) => c?.release())).then(() => undefined);

/** The customer's facts as they stand under a USE claim on its relationships (X1), and that claim. */
export async function claimCustomer<Facts>(customers: InternalClient, customerId: string, operation: string): Promise<{ facts: Facts | null; claim: HeldClaim }> {
  const askedAt = performance.now();
  const { claimCustomer: answer } = await customers.request<{ claimCustomer: { claimId: string | null; leaseMs: number; facts: Facts | null } }>(
    `mutation($c: ID!, $o: String!) { claimCustomer(customerId: $c, operation: $o) {
      claimId leaseMs facts { id cloud country activeRelationships { partnerId indirectProviderId } delegatedAdminPartnerIds } } }`,
    { c: customerId, o: operation },
    "the customer's relationships",
  );
  return { facts: answer.facts, claim: heldClaim(customers, answer.claimId, askedAt, answer.leaseMs) };
}
