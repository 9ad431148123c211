/**
 * `npm run bench`: generates a dataset into a fresh database, starts the stack as users run
 * it (every subgraph of subgraphs/registry.ts and the gateway, each its own process, NODE_ENV=production with
 * secrets of its own), and measures the four scenarios of the performance targets — through our gateway
 * and, for the reads, through Hive Gateway on the same subgraphs, interleaved round by
 * round; then latency at half the throughput found, in an open loop (bench/open-loop.ts), and
 * the same scenarios against the floor, the whole graph in one process (bench/floor.ts).
 * Writes the figures to bench/results/latest.json (and, with --record, to a file to commit:
 * bench/results.ts) and a table to stdout.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { projectRoot, SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { generateDataset } from "./dataset";
import { checkFloorAnswers, compareToFloor, Floor, FLOOR_RATIO_TARGET, floorTableRows, logRun, measureFloor, startFloor } from "./floor";
import { callOnce } from "./load";
import { measure, Measured, median, Served, summarize, Summary } from "./measure";
import { OpenLoopResult, runOpenLoop } from "./open-loop";
import { heldEveryRound, HIVE_GATEWAY_VERSION, HIVE_RATIO_TARGET, ratiosPerRound, startHiveGateway } from "./peer";
import { PostgresBackends } from "./postgres-backends";
import { cpuMsOf, memoryOf, ServiceProcess } from "./processes";
import { startStack, stackPorts } from "./stack";
import { provenance, writeResults } from "./results";
import { buildScenarios, READ_SCENARIOS, ScenarioName } from "./scenarios";
import { runSkew } from "./skew";
import { BenchSettings, readSettings } from "./settings";
import { printTable } from "./table";

type GatewayName = "ours" | "hive";
/** Offered open-loop at half their closed-loop throughput. */
const OPEN_LOOP_SCENARIOS: ScenarioName[] = ["dashboard", "customerDetail", "placeOrder"];
const OPEN_LOOP_P99_TARGET_MS = 100;
const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** When idle memory is read, counted from the moment the whole stack is ready. */
const IDLE_FIRST_READ_MS = 5_000;
const IDLE_SETTLED_READ_MS = 20_000;

/** A fresh PostgreSQL database on the given server, dropped at the end. */
async function freshPostgres(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `csp_bench_${randomBytes(4).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function sqlStatements(urls: Record<SubgraphName, string>, secret: string): Promise<number> {
  let total = 0;
  for (const url of Object.values(urls)) {
    const res = await fetch(url.replace(/\/graphql$/, "/metrics"), { headers: { [SUBGRAPH_SECRET_HEADER]: secret } });
    const match = /^csp_sql_statements_total\{[^}]*\} (\d+)/m.exec(await res.text());
    if (!res.ok || !match) throw new Error(`no SQL statement counter at ${url} (${res.status})`);
    total += Number(match[1]);
  }
  return total;
}

async function main(settings: BenchSettings) {
  const benchStarted = Date.now();
  const root = projectRoot();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-"));
  const ports = stackPorts(settings);
  const postgres = settings.databaseUrl ? await freshPostgres(settings.databaseUrl) : undefined;
  const where = { dataDir: path.join(workDir, "data"), databaseUrl: postgres?.url };
  const processes: ServiceProcess[] = [];
  let hive: ServiceProcess | undefined;
  let floor: Floor | undefined;
  let pg: PostgresBackends | undefined;
  let finished = false;
  try {
    console.log(`Dataset: ${settings.partners} partners, ${settings.customers} customers, ${settings.subscriptions} subscriptions${settings.skew ? " and the skewed parents" : ""} on ${postgres ? "PostgreSQL (fresh database)" : `SQLite (${where.dataDir})`}`);
    let t = performance.now();
    const index = await generateDataset(settings, where);
    const datasetMs = performance.now() - t;
    console.log(`  written in ${Math.round(datasetMs)} ms: ${JSON.stringify(index.counts)}`);

    const stack = await startStack({ settings, root, workDir, where, ports, processes, log: console.log });
    const { env, jwtSecret, subgraphSecret, subgraphUrls } = stack;
    const stackStartMs = stack.startMs;
    if (settings.skew) {
      // List cost against the size of the parent, through our gateway only (bench/skew.ts).
      await runSkew({ settings, index, jwtSecret, gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`, processes, postgresUrl: postgres?.url, sqlStatements: () => sqlStatements(subgraphUrls, subgraphSecret), datasetMs, restart: stack.restart });
      finished = true;
      return;
    }
    // "Idle" = started, serving nothing. Read twice: 5 s after start, when V8 still holds the
    // young generation start-up grew (≈ 32 MB a process), and 20 s after, once V8's memory
    // reducer has run in every process (≈ 8 s after its last start-up GC): the footprint an
    // idle stack keeps, which is what the target is about. After-load figures are beside them.
    const rssNow = () => Object.fromEntries(processes.map((p) => [p.name, p.memory()?.rssMb ?? NaN]));
    await sleep(IDLE_FIRST_READ_MS);
    const idleAfterStart = rssNow();
    await sleep(IDLE_SETTLED_READ_MS - IDLE_FIRST_READ_MS);
    const idleSettled = rssNow();

    const urls: Record<GatewayName, string> = { ours: `http://127.0.0.1:${ports.gateway}/graphql`, hive: `http://127.0.0.1:${ports.hive}/graphql` };
    if (settings.peer) {
      hive = await startHiveGateway({
        peerDir: path.join(root, "bench", ".peer"),
        workDir,
        supergraphSdl: fs.readFileSync(path.join(root, "schema", "supergraph.graphql"), "utf8"),
        subgraphUrls,
        port: ports.hive,
        env: { ...process.env, NODE_ENV: "production", SUBGRAPH_SECRET: subgraphSecret },
      });
      console.log(`  hive-gateway ready in ${Math.round(hive.coldStartMs)} ms`);
    }
    const gateways: GatewayName[] = settings.peer ? ["ours", "hive"] : ["ours"];

    const scenarios = await buildScenarios(index, jwtSecret);
    const all = Object.values(scenarios);
    const checks: Record<string, string> = {};
    for (const scenario of all) {
      const answers: Partial<Record<GatewayName, any>> = {};
      const call = scenario.next();
      for (const g of scenario.name === "placeOrder" ? ["ours" as const] : gateways) {
        const { status, json } = await callOnce(urls[g], call);
        const problem = status !== 200 || json.errors ? `${status} ${JSON.stringify(json.errors ?? json).slice(0, 300)}` : scenario.check(json.data);
        if (problem) throw new Error(`${scenario.title} through ${g}: ${problem}`);
        answers[g] = json.data;
      }
      // The same request must get the same answer from both, else the comparison is unfair.
      if (answers.hive) checks[scenario.name] = JSON.stringify(answers.ours) === JSON.stringify(answers.hive) ? "same answer" : "ANSWERS DIFFER";
    }
    console.log(`Answers checked: ${JSON.stringify(checks)}`);

    // Where the CPU goes (bench/measure.ts): the gateway being measured, the subgraphs, PostgreSQL's backends, the load generator.
    pg = postgres ? await PostgresBackends.connect(postgres.url) : undefined;
    const cpuOf = (list: ServiceProcess[]) => Object.fromEntries(list.map((p) => [p.name === "hive-gateway" ? "gateway" : p.name, cpuMsOf(p.pid) ?? NaN]));
    const served: Record<GatewayName, Served> = {
      ours: { url: urls.ours, cpuMs: () => cpuOf(processes), sqlStatements: () => sqlStatements(subgraphUrls, subgraphSecret) },
      hive: { url: urls.hive, cpuMs: () => cpuOf([...processes.filter((p) => p.name !== "gateway"), ...(hive ? [hive] : [])]), sqlStatements: () => sqlStatements(subgraphUrls, subgraphSecret) },
    };
    const run = (g: GatewayName, scenario: ScenarioName, seconds: number, roundNo: number) => measure(served[g], scenarios[scenario], settings.connections, seconds, roundNo, pg);

    console.log(`Warm-up: ${settings.warmupS} s per scenario and gateway`);
    if (settings.warmupS > 0) for (const name of READ_SCENARIOS) for (const g of gateways) await run(g, name, settings.warmupS, 0);

    const runs: Record<string, Record<GatewayName, Measured[]>> = {};
    for (const name of READ_SCENARIOS) runs[name] = { ours: [], hive: [] };
    for (let r = 1; r <= settings.rounds; r++) {
      for (const name of READ_SCENARIOS) {
        // Alternate who goes first, so drift in the machine's load falls on both sides.
        const order = r % 2 ? gateways : [...gateways].reverse();
        for (const g of order) {
          const m = await run(g, name, settings.durationS, r);
          runs[name][g].push(m);
          console.log(`  round ${r} ${scenarios[name].title.padEnd(20)} ${g.padEnd(5)} ${round1(m.rps)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  errors ${m.errors}${m.firstError ? ` (${m.firstError.slice(0, 160)})` : ""}`);
        }
      }
    }

    // Latency at a load users could bring: half the closed loop's throughput, offered open-loop (bench/open-loop.ts).
    const openLoop: Partial<Record<ScenarioName, OpenLoopResult>> = {};
    const offerHalf = async (name: ScenarioName, saturationRps: number) => {
      if (settings.openLoopS <= 0 || !(saturationRps > 0)) return;
      const o = (openLoop[name] = await runOpenLoop(urls.ours, scenarios[name].next, saturationRps / 2, settings.openLoopS));
      console.log(`  open loop ${scenarios[name].title.padEnd(20)} ours  ${o.rate} req/s offered (half of ${round1(saturationRps)}) for ${o.durationS} s: p50 ${o.p50Ms} ms  p99 ${o.p99Ms} ms  max ${o.maxMs} ms  errors ${o.errors}  answered ${o.answered}/${o.sent}${o.firstError ? ` (${o.firstError.slice(0, 160)})` : ""}`);
    };
    for (const name of OPEN_LOOP_SCENARIOS) if (name !== "placeOrder") await offerHalf(name, median(runs[name].ours.map((m) => m.rps)));

    // The floor (bench/floor.ts): the same reads on the same data, before placeOrder adds to it.
    const floorRuns: Record<string, Measured[]> = {};
    let floorChecks: Record<string, string> = {};
    if (settings.floor) {
      floor = await startFloor({ root, env, workDir, subgraphSecret, cpuProf: settings.cpuProf });
      console.log(`Floor (every subgraph in one process with the gateway) ready in ${Math.round(floor.process.coldStartMs)} ms`);
      floorChecks = await checkFloorAnswers(floor, urls.ours, READ_SCENARIOS.map((n) => scenarios[n]));
      console.log(`  answers checked against ours: ${JSON.stringify(floorChecks)}`);
      Object.assign(floorRuns, await measureFloor(floor, READ_SCENARIOS.map((n) => scenarios[n]), settings, pg));
    }

    const order = await run("ours", "placeOrder", settings.durationS, 1);
    console.log(`  placeOrder           ours  ${round1(order.rps)} req/s  p50 ${order.p50Ms} ms  p99 ${order.p99Ms} ms  errors ${order.errors}${order.firstError ? ` (${order.firstError.slice(0, 160)})` : ""}`);
    await offerHalf("placeOrder", order.rps);

    await sleep(2000);
    const memory = processes.map((p) => {
      const m = p.memory();
      return { name: p.name, coldStartMs: Math.round(p.coldStartMs), idleAfterStartMb: round1(idleAfterStart[p.name]), idleSettledMb: round1(idleSettled[p.name]), idleAfterLoadMb: round1(m?.rssMb ?? NaN), peakMb: round1(m?.peakMb ?? NaN) };
    });
    const hiveMemory = hive ? { name: "hive-gateway", coldStartMs: Math.round(hive.coldStartMs), ...(() => { const m = memoryOf(hive!.pid); return { idleAfterLoadMb: round1(m?.rssMb ?? NaN), peakMb: round1(m?.peakMb ?? NaN) }; })() } : undefined;

    if (floor) {
      Object.assign(floorChecks, await checkFloorAnswers(floor, urls.ours, [scenarios.placeOrder]));
      const m = await measure(floor.served, scenarios.placeOrder, settings.connections, settings.durationS, 1, pg);
      floorRuns.placeOrder = [m];
      logRun(1, scenarios.placeOrder, m);
    }
    const floorMemory = floor ? (() => { const m = floor!.process.memory(); return { name: "floor", coldStartMs: Math.round(floor!.process.coldStartMs), afterLoadMb: round1(m?.rssMb ?? NaN), peakMb: round1(m?.peakMb ?? NaN) }; })() : undefined;

    const scenariosOut: Record<string, unknown> = {};
    const federated: Record<string, Summary> = {};
    for (const name of READ_SCENARIOS) {
      const ours = runs[name].ours;
      const theirs = runs[name].hive;
      const ratios = ratiosPerRound(ours, theirs);
      federated[name] = summarize(ours);
      scenariosOut[name] = {
        title: scenarios[name].title,
        ours: { ...federated[name], rounds: ours },
        hive: theirs.length ? { ...summarize(theirs), rounds: theirs } : null,
        ratioOursToHive: theirs.length ? { perRound: ratios, median: median(ratios), [`atLeast${HIVE_RATIO_TARGET}EveryRound`]: heldEveryRound(ratios) } : null,
        answerCheck: checks[name] ?? null,
      };
    }
    federated.placeOrder = summarize([order]);
    scenariosOut.placeOrder = { title: "placeOrder", ours: { ...federated.placeOrder, rounds: [order] } };
    const floorComparison = floor ? compareToFloor(federated, floorRuns) : {};
    for (const [name, out] of Object.entries(scenariosOut) as [ScenarioName, Record<string, unknown>][]) {
      out.openLoop = openLoop[name] ?? null;
      out.floor = floorComparison[name] ? { ...floorComparison[name], answerCheck: floorChecks[name] ?? null } : null;
    }

    const stackIdleAfterStart = round1(memory.reduce((a, m) => a + m.idleAfterStartMb, 0));
    const stackIdleSettled = round1(memory.reduce((a, m) => a + m.idleSettledMb, 0));
    const stackIdleAfterLoad = round1(memory.reduce((a, m) => a + m.idleAfterLoadMb, 0));
    const s = scenariosOut as Record<string, { ours: { p99Ms: number }; ratioOursToHive: { median: number; perRound: number[] } | null }>;
    const hiveRatios = READ_SCENARIOS.map((name) => s[name].ratioOursToHive?.perRound ?? []);
    const targets = {
      dashboardRatioAtLeast1: s.dashboard.ratioOursToHive ? s.dashboard.ratioOursToHive.median >= 1 : null,
      customerDetailRatioAtLeast1: s.customerDetail.ratioOursToHive ? s.customerDetail.ratioOursToHive.median >= 1 : null,
      [`readScenariosAtLeast${HIVE_RATIO_TARGET}xHiveEveryRound`]: settings.peer ? hiveRatios.every((list) => heldEveryRound(list)) : null,
      [`dashboardWithin${FLOOR_RATIO_TARGET}xFloor`]: floorComparison.dashboard?.withinTarget ?? null,
      [`customerDetailWithin${FLOOR_RATIO_TARGET}xFloor`]: floorComparison.customerDetail?.withinTarget ?? null,
      dashboardP99Under100ms: s.dashboard.ours.p99Ms < 100,
      [`dashboardOpenLoopP99Under${OPEN_LOOP_P99_TARGET_MS}ms`]: openLoop.dashboard ? openLoop.dashboard.p99Ms < OPEN_LOOP_P99_TARGET_MS && openLoop.dashboard.errors === 0 : null,
      stackIdleUnder400MB: stackIdleSettled < 400,
      coldStartUnder5s: memory.every((m) => m.coldStartMs < 5000),
    };
    const meta = provenance(root);
    const results = {
      ...meta,
      settings: { ...settings, databaseUrl: settings.databaseUrl ? "(given)" : undefined, database: postgres ? "postgres" : "sqlite" },
      dataset: { method: "each subgraph's own tables through its own typeorm entities (bench/dataset.ts)", writeMs: Math.round(datasetMs), counts: index.counts },
      processes: memory,
      peer: hiveMemory ? { ...hiveMemory, version: HIVE_GATEWAY_VERSION } : null,
      floor: floorMemory ?? null,
      measuredHow: {
        cpu: "per process, /proc/<pid>/stat utime+stime deltas over each run (kept open until the serving processes are quiet again, so requests in flight at the deadline count), divided by the requests sent; `stack` is every serving process (and PostgreSQL's client backends of the bench database, when on PostgreSQL, polled from pg_stat_activity) without the load generator (`bench`)",
        floor: "bench/floor-server.ts (bench/floor-main.ts): the gateway with every subgraph executed in its process (no HTTP between them), one process with the gateway's node flags, on the same database, after the federated read rounds; ratio = federated stack CPU ms per request / the floor's",
        openLoop: `half the closed loop's median throughput, offered at a fixed rate for ${settings.openLoopS} s; latency counted from each request's scheduled send time (bench/open-loop.ts)`,
      },
      stack: { sequentialStartMs: Math.round(stackStartMs), idleAfterStartMb: stackIdleAfterStart, idleSettledMb: stackIdleSettled, idleAfterLoadMb: stackIdleAfterLoad },
      scenarios: scenariosOut,
      targets,
      totalSeconds: Math.round((Date.now() - benchStarted) / 1000),
    };
    const written = writeResults(root, settings.output, results, { record: settings.record, database: results.settings.database });

    console.log(`\ncsp-graph benchmark — ${results.machine.cores} cores (${results.machine.cpu}), ${settings.connections} clients, ${settings.rounds} × ${settings.durationS} s per scenario and gateway, ${results.settings.database}; medians over rounds`);
    const rows = [["scenario", "gateway", "req/s", "p50 ms", "p99 ms", "errors", "SQL/req", "ours/hive"]];
    for (const name of [...READ_SCENARIOS, "placeOrder" as ScenarioName]) {
      const out = scenariosOut[name] as { title: string; ours: Summary; hive?: Summary | null; ratioOursToHive?: { median: number } | null };
      for (const [g, m] of [["ours", out.ours], ["hive", out.hive]] as const) {
        if (!m) continue;
        rows.push([out.title, g, String(m.rps), String(m.p50Ms), String(m.p99Ms), String(m.errors), String(m.sqlPerRequest), g === "ours" && out.ratioOursToHive ? `${out.ratioOursToHive.median}×` : ""]);
      }
    }
    printTable(rows);
    console.log("\nCPU ms per request (medians; the gateway column is whichever gateway served):");
    const cpuColumns = ["gateway", ...SUBGRAPH_NAMES, ...(pg ? ["postgres"] : []), "stack"];
    const cpuRows = [["scenario", "gateway", ...cpuColumns.map((k) => (k === "stack" ? "all serving ms" : `${k} ms`)), "load generator ms"]];
    for (const name of [...READ_SCENARIOS, "placeOrder" as ScenarioName]) {
      const out = scenariosOut[name] as { title: string; ours: Summary; hive?: Summary | null };
      for (const [g, m] of [["ours", out.ours], ["hive", out.hive]] as const) {
        if (!m) continue;
        const c = m.cpuMsPerRequest;
        cpuRows.push([out.title, g, ...[...cpuColumns, "bench"].map((k) => String(c[k] ?? ""))]);
      }
    }
    printTable(cpuRows);
    if (settings.peer) {
      console.log(`\nOurs/Hive throughput per round (target ≥ ${HIVE_RATIO_TARGET}× in every round of every read scenario):`);
      for (const [i, name] of READ_SCENARIOS.entries()) {
        const list = hiveRatios[i];
        console.log(`  ${scenarios[name].title.padEnd(20)} ${list.map((r) => `${r}×`).join("  ")}  — every round ≥ ${HIVE_RATIO_TARGET}×: ${heldEveryRound(list) ? "yes" : "NO"}`);
      }
    }
    if (Object.keys(openLoop).length) {
      console.log(`\nOpen loop, ours, at half the closed loop's throughput (${settings.openLoopS} s each; latency from each request's scheduled send):`);
      printTable([
        ["scenario", "offered req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "answered"],
        ...Object.entries(openLoop).map(([name, o]) => [scenarios[name as ScenarioName].title, String(o.rate), String(o.p50Ms), String(o.p90Ms), String(o.p99Ms), String(o.maxMs), String(o.errors), `${o.answered}/${o.sent}`]),
      ]);
    }
    if (floor) {
      console.log(`\nFederated against the floor (the whole graph in one process), CPU ms per request of all serving processes${pg ? " with PostgreSQL's backends" : ""}, medians; answers ${JSON.stringify(floorChecks)}:`);
      printTable(floorTableRows(Object.fromEntries(Object.entries(scenarios).map(([n, sc]) => [n, sc.title])), floorComparison));
    }
    console.log("");
    printTable([
      ["process", "cold start ms", "idle MB (5 s after start)", "idle MB (20 s)", "MB (2 s after load)", "peak MB"],
      ...memory.map((m) => [m.name, String(m.coldStartMs), String(m.idleAfterStartMb), String(m.idleSettledMb), String(m.idleAfterLoadMb), String(m.peakMb)]),
      ["whole stack", String(Math.round(stackStartMs)), String(stackIdleAfterStart), String(stackIdleSettled), String(stackIdleAfterLoad), ""],
      ...(hiveMemory ? [[hiveMemory.name, String(hiveMemory.coldStartMs), "", "", String(hiveMemory.idleAfterLoadMb), String(hiveMemory.peakMb)]] : []),
      ...(floorMemory ? [[floorMemory.name, String(floorMemory.coldStartMs), "", "", String(floorMemory.afterLoadMb), String(floorMemory.peakMb)]] : []),
    ]);
    console.log(`\nTargets: ${Object.entries(targets).map(([k, v]) => `${k} ${v === null ? "n/a" : v ? "yes" : "NO"}`).join(", ")}`);
    console.log(`Results: ${written.map((f) => path.relative(process.cwd(), f)).join(", ")} (${results.totalSeconds} s in all)`);
    finished = true;
  } finally {
    await Promise.all([...processes, ...(hive ? [hive] : []), ...(floor ? [floor.process] : [])].map((p) => p.stop()));
    await pg?.close();
    await postgres?.drop().catch((error) => console.error(`could not drop the benchmark database: ${error}`));
    // The services' logs stay when something failed.
    if (finished) fs.rmSync(workDir, { recursive: true, force: true });
    else console.error(`Logs and data kept in ${workDir}`);
  }
}

main(readSettings()).catch((error) => {
  console.error(`benchmark failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
