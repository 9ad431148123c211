/**
 * Memory by the page, read in fresh processes (bench/skew.ts's memory pass). V8 keeps heap it
 * has grown and sizes its young generation by the allocation rate it has seen, so a process's
 * peak after earlier runs says as much about what ran before as about the page it serves.
 * Each reading therefore restarts the stack and runs one shape; every shape, the default
 * dashboard included, is read several times, interleaved. A shape's rise is the median of its
 * peaks minus the median of the default's, per process; the default's own spread (highest
 * minus lowest of its readings) is how far two identical runs differ, the reading's noise.
 */
import { median, round1 } from "./measure";

/** Each process's peak resident set in one reading, MB. */
export type PeaksMb = Record<string, number>;

export interface FreshMemory {
  /** Readings per shape. */
  repeats: number;
  /** Per shape, each reading's peaks in the order they were taken. */
  readingsMb: Record<string, PeaksMb[]>;
  /** Per shape, the median of its readings per process. */
  peakMb: Record<string, PeaksMb>;
  /** Per shape other than the baseline, its median peak minus the baseline's, per process. */
  riseMb: Record<string, PeaksMb>;
  /** The baseline's highest minus lowest reading, per process. */
  baselineSpreadMb: PeaksMb;
}

/** Medians, rises over `baseline` and its spread, from every shape's readings (each holding every process). */
export function freshMemory(readingsMb: Record<string, PeaksMb[]>, baseline: string): FreshMemory {
  const base = readingsMb[baseline];
  if (!base?.length) throw new Error(`no readings of the baseline shape ${baseline}`);
  const processes = Object.keys(base[0]);
  const medianOf = (readings: PeaksMb[]) => Object.fromEntries(processes.map((p) => [p, round1(median(readings.map((r) => r[p]).filter(Number.isFinite)))]));
  const peakMb = Object.fromEntries(Object.entries(readingsMb).map(([shape, readings]) => [shape, medianOf(readings)]));
  const riseMb = Object.fromEntries(
    Object.keys(readingsMb)
      .filter((shape) => shape !== baseline)
      .map((shape) => [shape, Object.fromEntries(processes.map((p) => [p, round1(peakMb[shape][p] - peakMb[baseline][p])]))]),
  );
  const baselineSpreadMb = Object.fromEntries(processes.map((p) => [p, round1(Math.max(...base.map((r) => r[p])) - Math.min(...base.map((r) => r[p])))]));
  return { repeats: Math.max(...Object.values(readingsMb).map((r) => r.length)), readingsMb, peakMb, riseMb, baselineSpreadMb };
}
