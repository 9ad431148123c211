/**
 * The one clock every time rule reads (request expiry, delegated admin expiry, the
 * cancellation window). Tests move it, and so does `POST /dev/clock` outside production (I5);
 * nothing else calls `new Date()` for a rule. Token expiry reads the real clock, never this one.
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
  /** How far this clock is ahead of the real one, in ms (I5's development clock reads it). */
  offset(): number {
    return this.fixed ? this.fixed.getTime() - Date.now() : this.offsetMs;
  }
  /** I5: run `ms` ahead of the real clock (no longer frozen). Set, not added: repeating it changes nothing. */
  setOffset(ms: number): void {
    this.fixed = undefined;
    this.offsetMs = ms;
  }
  reset(): void {
    this.fixed = undefined;
    this.offsetMs = 0;
  }
}

export const clock = new AdjustableClock();

/** A clock's time and how far ahead of real time it runs, as the development clock reports them (I5). */
export interface ClockReading {
  now: string;
  offsetMs: number;
}
export const readClock = (): ClockReading => ({ now: clock.now().toISOString(), offsetMs: clock.offset() });

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const addMs = (d: Date, ms: number) => new Date(d.getTime() + ms);
