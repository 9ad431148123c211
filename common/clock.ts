/**
 * The one clock every time rule reads (request expiry, delegated admin expiry, the
 * cancellation window). Tests move it; nothing else calls `new Date()` for a rule.
 */
export interface Clock {
  now(): Date;
}

class AdjustableClock implements Clock {
  private fixed?: Date;
  private offsetMs = 0;
  now(): Date {
    return this.fixed ? new Date(this.fixed) : new Date(Date.now() + this.offsetMs);
  }
  /** Test hook: freeze time at `at`. */
  set(at: Date): void {
    this.fixed = new Date(at);
  }
  /** Test hook: move time forward by `ms` (frozen or not). */
  advance(ms: number): void {
    if (this.fixed) this.fixed = new Date(this.fixed.getTime() + ms);
    else this.offsetMs += ms;
  }
  reset(): void {
    this.fixed = undefined;
    this.offsetMs = 0;
  }
}

export const clock = new AdjustableClock();

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const addMs = (d: Date, ms: number) => new Date(d.getTime() + ms);
