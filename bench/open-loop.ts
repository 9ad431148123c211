/**
 * Latency at a given load, not at saturation: requests arrive at a fixed rate whatever the
 * answers do (an open loop), the way users' requests arrive. A closed loop (autocannon at
 * 20 connections) measures throughput, but its latency is that of a full queue; and
 * autocannon's `overallRate` still sends on a connection only when its last answer came, so
 * a slow answer delays the requests behind it and their wait is never counted. Here each
 * request is sent at its scheduled time on a connection of its own if need be, and its latency
 * counts from that scheduled time: a stall of the service, or of this generator, shows in the
 * percentiles.
 */
import type { GraphQLCall } from "./load";

export interface OpenLoopResult {
  /** Requests per second offered. */
  rate: number;
  durationS: number;
  /** Requests sent (rate × duration). */
  sent: number;
  /** Answered, of those (within the timeout). */
  answered: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** non-2xx answers + failed or timed-out requests + 2xx answers carrying GraphQL `errors`. */
  errors: number;
  firstError?: string;
  /** How late this generator sent its latest request (ms): if large, it, not the service, was the bottleneck. */
  maxSendLagMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOpenLoop(url: string, next: () => GraphQLCall, rate: number, durationS: number, timeoutS = 10): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(rate * durationS));
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let maxSendLagMs = 0;
  const send = async (scheduledAt: number) => {
    const call = next();
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...call.headers }, body: call.body, signal: AbortSignal.timeout(timeoutS * 1000) });
      const body = await res.text();
      latencies.push(performance.now() - scheduledAt);
      // `"errors":` is a top-level GraphQL key only: no field of the schema is called `errors`.
      if (res.status < 300 && !body.includes('"errors":')) return;
      errors++;
      firstError ??= `${res.status} ${body.slice(0, 300)}`;
    } catch (error) {
      errors++;
      firstError ??= `${error instanceof Error ? error.name + ": " + error.message : error}`;
    }
  };
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const scheduledAt = started + i * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await sleep(wait);
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - scheduledAt);
    inFlight.push(send(scheduledAt));
  }
  await Promise.all(inFlight);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : NaN);
  return {
    rate: Math.round(rate * 10) / 10,
    durationS,
    sent: total,
    answered: latencies.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: at(1),
    errors,
    firstError,
    maxSendLagMs: Math.round(maxSendLagMs),
  };
}
