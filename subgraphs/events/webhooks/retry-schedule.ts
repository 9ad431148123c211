/**
 * EV5: when a failed delivery is tried again, when it is given up, and when an endpoint that
 * keeps failing is disabled. Pure functions of the attempt count and times, so the schedule is
 * unit-tested without waiting.
 *
 * The n-th retry waits about 30 s × 2^(n-1) (30 s, 1 min, 2 min, 4 min …), each wait up to 6 h,
 * spread by ±25 % jitter so that endpoints that failed together (an outage of theirs) are not
 * all retried in the same second. A delivery is retried while its next attempt falls within
 * 3 days of its first; an endpoint whose attempts have all failed for 5 days is disabled.
 */
import { DAY_MS, HOUR_MS } from "../../../common/time/clock";

export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 6 * HOUR_MS;
export const JITTER = 0.25;
/** A delivery is tried for this long after its first attempt, then FAILED. */
export const RETRY_WINDOW_MS = 3 * DAY_MS;
/** An endpoint failing for this long without a single success is disabled. */
export const DISABLE_AFTER_MS = 5 * DAY_MS;

/** The wait before retry number `retry` (1 for the first retry), `random` in [0, 1). */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, retry - 1), MAX_RETRY_DELAY_MS);
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * When a delivery that has now failed `attempts` times (this failure included), first tried at
 * `firstAttemptAt`, is tried next: null when that would be past the retry window (it is FAILED).
 */
export function nextAttemptAt(attempts: number, firstAttemptAt: Date, now: Date, random: () => number = Math.random): Date | null {
  const next = new Date(now.getTime() + retryDelayMs(attempts, random));
  return next.getTime() - firstAttemptAt.getTime() <= RETRY_WINDOW_MS ? next : null;
}

/** Whether an endpoint failing since `failingSince` (its first failure after its last success) is disabled at `now`. */
export function shouldDisable(failingSince: Date | null | undefined, now: Date): boolean {
  return !!failingSince && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS;
}

/** The reason shown in `WebhookEndpoint.disabledReason`. */
export function disabledReason(failingSince: Date, lastOutcome: string): string {
  return `Disabled after failing for 5 days (every attempt since ${failingSince.toISOString()} failed; the last: ${lastOutcome}). Update it with enabled: true once it answers again.`;
}
