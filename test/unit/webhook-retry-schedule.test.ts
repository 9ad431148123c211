/** Unit tests of subgraphs/events/webhooks/retry-schedule.ts (EV5). */
import { DAY_MS, HOUR_MS } from "../../common/time/clock";
import { DISABLE_AFTER_MS, nextAttemptAt, retryDelayMs, RETRY_WINDOW_MS, shouldDisable } from "../../subgraphs/events/webhooks/retry-schedule";

const low = () => 0;
const high = () => 0.999999;

describe("webhook retry schedule (EV5)", () => {
  it("EV5: the first retry comes within 60 s, whatever the jitter", () => {
    for (const r of [low, high, () => 0.5]) {
      expect(retryDelayMs(1, r)).toBeGreaterThan(0);
      expect(retryDelayMs(1, r)).toBeLessThan(60_000);
    }
  });

  it("EV5: each wait is about double the one before, until the cap of 6 hours", () => {
    const mid = () => 0.5;
    for (let n = 1; n < 10; n++) expect(retryDelayMs(n + 1, mid) / retryDelayMs(n, mid)).toBeCloseTo(2, 5);
    expect(retryDelayMs(30, high)).toBeLessThanOrEqual(6 * HOUR_MS * 1.25);
    expect(retryDelayMs(30, low)).toBeGreaterThanOrEqual(6 * HOUR_MS * 0.75);
  });

  it("EV5: jitter spreads the wait (±25 %), so endpoints that failed together are not retried in the same second", () => {
    expect(retryDelayMs(3, low)).toBe(90_000);
    expect(retryDelayMs(3, high)).toBeCloseTo(150_000, -1);
    const seen = new Set(Array.from({ length: 20 }, () => retryDelayMs(5)));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("EV5: a delivery is retried for up to 3 days after its first attempt, then given up", () => {
    const first = new Date("2026-01-01T00:00:00Z");
    let now = first;
    let attempts = 0;
    let next: Date | null = first;
    const waits: number[] = [];
    while (next) {
      now = next;
      attempts++;
      next = nextAttemptAt(attempts, first, now, () => 0.5);
      if (next) waits.push(next.getTime() - now.getTime());
    }
    expect(now.getTime() - first.getTime()).toBeLessThanOrEqual(RETRY_WINDOW_MS);
    expect(now.getTime() - first.getTime()).toBeGreaterThan(RETRY_WINDOW_MS - 6 * HOUR_MS * 1.25);
    expect(waits[0]).toBeLessThan(60_000);
    expect(attempts).toBeGreaterThan(15);
    expect(attempts).toBeLessThan(40);
  });

  it("EV5: an endpoint is disabled once it has failed for 5 days, not before", () => {
    const since = new Date("2026-01-01T00:00:00Z");
    expect(DISABLE_AFTER_MS).toBe(5 * DAY_MS);
    expect(shouldDisable(since, new Date(since.getTime() + 5 * DAY_MS - 1))).toBe(false);
    expect(shouldDisable(since, new Date(since.getTime() + 5 * DAY_MS))).toBe(true);
    expect(shouldDisable(null, new Date(since.getTime() + 10 * DAY_MS))).toBe(false);
  });
});
