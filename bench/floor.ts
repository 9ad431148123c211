/**
 * The floor: the same scenarios, on the same data, against the whole graph resolved in one
 * process (bench/floor-server.ts, its own process bench/floor-main.ts: our gateway with every
 * registered subgraph executed in its process, no HTTP between them). It runs after the
 * federated stack's read rounds, as one process spawned like the others (the gateway's node
 * flags, the same environment and database), and its answers must match the federated
 * stack's before anything is measured.
 *
 * The comparison is CPU per request of the whole path: on the federated side the gateway,
 * every subgraph and (on PostgreSQL) the database's backends; on the floor its one process and
 * the same backends. The load generator is left out of both. The goal: federated ≤ 1.3× the
 * floor on the dashboard and on customer detail.
 */
import fs from "node:fs";
import path from "node:path";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { callOnce } from "./load";
import { measure, Measured, Served, summarize, Summary } from "./measure";
import type { PostgresBackends } from "./postgres-backends";
import { cpuMsOf, ServiceProcess, startCommandOf, startService } from "./processes";
import type { Scenario, ScenarioName } from "./scenarios";
import type { BenchSettings } from "./settings";

/** Federated CPU per request within this multiple of the floor's (the performance goal). */
export const FLOOR_RATIO_TARGET = 1.3;
/** The scenarios the goal holds to it; the others are reported beside them. */
export const FLOOR_TARGET_SCENARIOS: ScenarioName[] = ["dashboard", "customerDetail"];

export interface Floor {
  process: ServiceProcess;
  served: Served;
}

export async function startFloor(options: { root: string; env: NodeJS.ProcessEnv; workDir: string; subgraphSecret: string; cpuProf?: string }): Promise<Floor> {
  // The gateway's node flags (package.json start:gateway), this process's own script.
  const flags = startCommandOf(options.root, "gateway").slice(0, -1);
  const profile = options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(options.cpuProf)}`, "--cpu-prof-name=floor.cpuprofile"] : [];
  const p = await startService({ name: "floor", args: [...profile, ...flags, path.join(__dirname, "floor-main.js")], env: options.env, cwd: options.root, logDir: options.workDir, readyLine: /floor ready/ });
  // It listens on free ports and names them in its ready line.
  const line = fs.readFileSync(p.logFile, "utf8").split("\n").find((l) => l.includes("floor ready")) ?? "";
  const { url, metricsUrl } = JSON.parse(line) as { url?: string; metricsUrl?: string };
  if (!url || !metricsUrl) {
    await p.stop();
    throw new Error(`the floor's ready line names no URLs: ${line.slice(0, 300)}`);
  }
  return {
    process: p,
    served: {
      url,
      cpuMs: () => ({ floor: cpuMsOf(p.pid) ?? NaN }),
      async sqlStatements() {
        const res = await fetch(metricsUrl, { headers: { [SUBGRAPH_SECRET_HEADER]: options.subgraphSecret } });
        const text = await res.text();
        const counts = [...text.matchAll(/^csp_sql_statements_total\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
        if (!res.ok || !counts.length) throw new Error(`no SQL statement counter at ${metricsUrl} (${res.status})`);
        return counts.reduce((a, b) => a + b, 0);
      },
    },
  };
}

/**
 * Each scenario's answer from the floor must be the federated stack's answer to the same
 * request (placeOrder: a correct order, as its keys differ); throws otherwise.
 */
export async function checkFloorAnswers(floor: Floor, federatedUrl: string, scenarios: Scenario[]): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  for (const scenario of scenarios) {
    const call = scenario.next();
    const answers = [];
    for (const url of scenario.name === "placeOrder" ? [floor.served.url] : [federatedUrl, floor.served.url]) {
      const { status, json } = await callOnce(url, call);
      const problem = status !== 200 || json.errors ? `${status} ${JSON.stringify(json.errors ?? json).slice(0, 300)}` : scenario.check(json.data);
      if (problem) throw new Error(`${scenario.title} through ${url === federatedUrl ? "ours" : "the floor"}: ${problem}`);
      answers.push(JSON.stringify(json.data));
    }
    checks[scenario.name] = answers.length === 1 ? "correct answer" : answers[0] === answers[1] ? "same answer" : "ANSWERS DIFFER";
  }
  return checks;
}

/** Warm-up, then `settings.rounds` rounds of each scenario against the floor. */
export async function measureFloor(floor: Floor, scenarios: Scenario[], settings: BenchSettings, pg?: PostgresBackends): Promise<Record<string, Measured[]>> {
  if (settings.warmupS > 0) for (const scenario of scenarios) await measure(floor.served, scenario, settings.connections, settings.warmupS, 0, pg);
  const runs: Record<string, Measured[]> = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  for (let r = 1; r <= settings.rounds; r++) {
    for (const scenario of scenarios) {
      const m = await measure(floor.served, scenario, settings.connections, settings.durationS, r, pg);
      runs[scenario.name].push(m);
      logRun(r, scenario, m);
    }
  }
  return runs;
}

export function logRun(round: number, scenario: Scenario, m: Measured) {
  console.log(`  round ${round} ${scenario.title.padEnd(20)} floor ${Math.round(m.rps * 10) / 10} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  errors ${m.errors}  CPU ms/req ${m.cpuMsPerRequest.stack}${m.firstError ? ` (${m.firstError.slice(0, 160)})` : ""}`);
}

export interface FloorComparison {
  /** Federated CPU ms per request (gateway + subgraphs + PostgreSQL backends), median over its runs. */
  federatedCpuMs: number;
  /** The floor's (its process + PostgreSQL backends), median over its runs. */
  floorCpuMs: number;
  ratio: number;
  federatedSqlPerRequest: number;
  floorSqlPerRequest: number;
  floorRps: number;
  floorErrors: number;
  /** Only for FLOOR_TARGET_SCENARIOS. */
  withinTarget: boolean | null;
}

export function compareToFloor(federated: Record<string, Summary>, floorRuns: Record<string, Measured[]>): Record<string, FloorComparison & { floor: Summary & { rounds: Measured[] } }> {
  const out: Record<string, FloorComparison & { floor: Summary & { rounds: Measured[] } }> = {};
  for (const [name, runs] of Object.entries(floorRuns)) {
    const floor = summarize(runs);
    const fed = federated[name];
    if (!fed) continue;
    const ratio = Math.round((fed.cpuMsPerRequest.stack / floor.cpuMsPerRequest.stack) * 100) / 100;
    out[name] = {
      federatedCpuMs: fed.cpuMsPerRequest.stack,
      floorCpuMs: floor.cpuMsPerRequest.stack,
      ratio,
      federatedSqlPerRequest: fed.sqlPerRequest,
      floorSqlPerRequest: floor.sqlPerRequest,
      floorRps: floor.rps,
      floorErrors: floor.errors,
      withinTarget: FLOOR_TARGET_SCENARIOS.includes(name as ScenarioName) ? Number.isFinite(ratio) && ratio <= FLOOR_RATIO_TARGET && floor.errors === 0 : null,
      floor: { ...floor, rounds: runs },
    };
  }
  return out;
}

export function floorTableRows(titles: Record<string, string>, comparison: Record<string, FloorComparison>): string[][] {
  return [
    ["scenario", "federated CPU ms/req", "floor CPU ms/req", "federated/floor", `≤ ${FLOOR_RATIO_TARGET}×`, "SQL/req fed", "SQL/req floor", "floor req/s", "floor errors"],
    ...Object.entries(comparison).map(([name, c]) => [
      titles[name] ?? name, String(c.federatedCpuMs), String(c.floorCpuMs), `${c.ratio}×`, c.withinTarget === null ? "" : c.withinTarget ? "yes" : "NO",
      String(c.federatedSqlPerRequest), String(c.floorSqlPerRequest), String(c.floorRps), String(c.floorErrors),
    ]),
  ];
}
