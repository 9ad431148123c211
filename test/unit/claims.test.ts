/** Unit tests of common/mutations/claims.ts: which claims exclude which (X1), the holder's commit deadline, and the refusal. */
import { assertWithinLease, ClaimKind, claimBlocked, claimBusy, commitDeadline, isLive } from "../../common/mutations/claims";

const claim = (kind: ClaimKind) => ({ kind });

describe("claims (X1)", () => {
  it("X1: a USE claim waits for a live END claim and an END for a live USE; claims of one kind share", () => {
    expect(claimBlocked(ClaimKind.USE, [])).toBe(false);
    expect(claimBlocked(ClaimKind.END, [])).toBe(false);
    expect(claimBlocked(ClaimKind.USE, [claim(ClaimKind.USE), claim(ClaimKind.USE)])).toBe(false);
    expect(claimBlocked(ClaimKind.END, [claim(ClaimKind.END)])).toBe(false);
    expect(claimBlocked(ClaimKind.USE, [claim(ClaimKind.USE), claim(ClaimKind.END)])).toBe(true);
    expect(claimBlocked(ClaimKind.END, [claim(ClaimKind.USE)])).toBe(true);
  });

  it("X1: a claim is live until its expiry, not at it", () => {
    const expiresAt = new Date(10_000);
    expect(isLive({ expiresAt }, 9_999)).toBe(true);
    expect(isLive({ expiresAt }, 10_000)).toBe(false);
  });

  it("X1: a holder may commit only in the first half of its lease, counted from before it asked", () => {
    expect(commitDeadline(1_000, 10_000)).toBe(6_000);
    const now = performance.now();
    expect(() => assertWithinLease({ deadlineMs: now + 60_000, leaseMs: 10_000 }, "The thing")).not.toThrow();
    let thrown: any;
    try {
      assertWithinLease({ deadlineMs: now - 1, leaseMs: 10_000 }, "The thing");
    } catch (error) {
      thrown = error;
    }
    expect(thrown?.extensions).toEqual({ code: "DEPENDENCY_UNAVAILABLE", outcome: "NOT_APPLIED", retryAfter: 10 });
  });

  it("X1: a claim that could not be had is DEPENDENCY_UNAVAILABLE, NOT_APPLIED, with a retryAfter of at least a second", () => {
    expect(claimBusy("The customer's relationship", 0.2).extensions).toEqual({ code: "DEPENDENCY_UNAVAILABLE", outcome: "NOT_APPLIED", retryAfter: 1 });
    expect(claimBusy("The customer's relationship", 2.5).message).toMatch(/nothing was changed/);
  });
});
