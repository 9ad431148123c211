/**
 * One measured closed-loop run against whatever serves the graph (our federated stack, Hive
 * Gateway on our subgraphs, or the floor): throughput and latency (bench/load.ts), SQL
 * statements per request, and the CPU time every process serving it spent per request —
 * each process from /proc/<pid>/stat, PostgreSQL's client backends when on PostgreSQL, the
 * load generator itself ("bench"), and `stack`: the sum of all but the load generator, what
 * the whole path costs a request. A run cut off at its deadline (autocannon) leaves requests in
 * flight that the services still answer: the window stays open until they are quiet again, and
 * CPU and SQL are divided by the requests sent, so the cut-off requests' work is neither
 * charged to the answered ones nor left to fall into the next run.
 */
import { LoadResult, runLoad } from "./load";
import type { PostgresBackends } from "./postgres-backends";
import type { Scenario } from "./scenarios";

export interface Served {
  url: string;
  /** CPU ms used so far by each process serving the requests, by name. */
  cpuMs(): Record<string, number>;
  /** SQL statements run so far by every subgraph behind it. */
  sqlStatements(): Promise<number>;
}

export interface Measured extends LoadResult {
  round: number;
  sqlPerRequest: number | null;
  /** CPU time each process spent per request during the run (ms); "bench" is the load generator, "stack" all but it. */
  cpuMsPerRequest: Record<string, number>;
}

export const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CPU the serving processes may use in QUIET_WINDOW_MS and still count as idle (/proc counts in 10-ms ticks). */
const QUIET_WINDOW_MS = 200;
const QUIET_CPU_MS = 10;
const total = (cpu: Record<string, number>) => Object.values(cpu).reduce((a, b) => a + b, 0);

/** Waits until the processes have finished what they were given: a window with (almost) no CPU used, at most `maxMs`. */
export async function untilQuiet(cpuMs: () => Record<string, number>, maxMs = 10_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let last = total(cpuMs());
  while (performance.now() < deadline) {
    await sleep(QUIET_WINDOW_MS);
    const now = total(cpuMs());
    if (now - last <= QUIET_CPU_MS) return;
    last = now;
  }
}

const benchCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export async function measure(served: Served, scenario: Scenario, connections: number, seconds: number, round: number, pg?: PostgresBackends): Promise<Measured> {
  const sqlBefore = await served.sqlStatements();
  const cpuBefore: Record<string, number> = { ...served.cpuMs(), bench: benchCpuMs() };
  await pg?.start();
  const result = await runLoad(served.url, scenario.next, connections, seconds);
  await untilQuiet(served.cpuMs);
  const pgMs = pg ? await pg.stop() : undefined;
  const cpuAfter = { ...served.cpuMs(), bench: benchCpuMs() };
  const sqlAfter = await served.sqlStatements();
  const per = (ms: number) => (result.sent ? round2(ms / result.sent) : NaN);
  const cpuMsPerRequest: Record<string, number> = Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, per(ms - cpuBefore[name])]));
  if (pgMs !== undefined) cpuMsPerRequest.postgres = per(pgMs);
  cpuMsPerRequest.stack = round2(Object.entries(cpuMsPerRequest).reduce((a, [name, ms]) => (name === "bench" ? a : a + ms), 0));
  return { ...result, round, sqlPerRequest: result.sent ? round1((sqlAfter - sqlBefore) / result.sent) : null, cpuMsPerRequest };
}

/** Medians over rounds (errors and requests summed). */
export function summarize(list: Measured[]) {
  return {
    rps: round1(median(list.map((m) => m.rps))),
    p50Ms: median(list.map((m) => m.p50Ms)),
    p99Ms: median(list.map((m) => m.p99Ms)),
    errors: list.reduce((a, m) => a + m.errors, 0),
    requests: list.reduce((a, m) => a + m.requests, 0),
    sqlPerRequest: median(list.map((m) => m.sqlPerRequest ?? NaN)),
    cpuMsPerRequest: Object.fromEntries(Object.keys(list[0]?.cpuMsPerRequest ?? {}).map((k) => [k, median(list.map((m) => m.cpuMsPerRequest[k]))])),
  };
}
export type Summary = ReturnType<typeof summarize>;
