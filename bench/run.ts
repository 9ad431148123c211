/**
 * `npm run bench`: generates a dataset into a fresh database, starts the stack as users run
 * it (three subgraphs and the gateway, each its own process, NODE_ENV=production with
 * secrets of its own), and measures the four scenarios of the performance targets — through our gateway
 * and, for the reads, through Hive Gateway on the same subgraphs, interleaved round by
 * round. Writes the figures to bench/results/latest.json and a table to stdout.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { projectRoot, SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { SUBGRAPH_SECRET_HEADER } from "../common/subgraph-server";
import { generateDataset } from "./dataset";
import { callOnce, LoadResult, runLoad } from "./load";
import { HIVE_GATEWAY_VERSION, startHiveGateway } from "./peer";
import { cpuMsOf, memoryOf, ServiceProcess, startService } from "./processes";
import { buildScenarios, READ_SCENARIOS, Scenario, ScenarioName } from "./scenarios";
import { runSkew } from "./skew";
import { BenchSettings, readSettings } from "./settings";

type GatewayName = "ours" | "hive";
interface Measured extends LoadResult {
  round: number;
  sqlPerRequest: number | null;
  /** CPU time each process spent per request during the run (ms); "bench" is the load generator itself. */
  cpuMsPerRequest: Record<string, number>;
}

const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The node arguments of `npm run start:<name>` (package.json), so the benchmark runs what users run. */
function startCommandOf(root: string, name: string): string[] {
  const script: string | undefined = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts?.[`start:${name}`];
  const [node, ...args] = script?.trim().split(/\s+/) ?? [];
  if (node !== "node" || !args.length) throw new Error(`package.json has no "start:${name}" script of the form "node … <script>"`);
  return args;
}
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

function printTable(rows: string[][]) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

async function main(settings: BenchSettings) {
  const benchStarted = Date.now();
  const root = projectRoot();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-bench-"));
  const ports = { gateway: settings.portBase, partners: settings.portBase + 1, customers: settings.portBase + 2, subscriptions: settings.portBase + 3, hive: settings.portBase + 4, events: settings.portBase + 5 };
  const postgres = settings.databaseUrl ? await freshPostgres(settings.databaseUrl) : undefined;
  const where = { dataDir: path.join(workDir, "data"), databaseUrl: postgres?.url };
  const processes: ServiceProcess[] = [];
  let hive: ServiceProcess | undefined;
  let finished = false;
  try {
    console.log(`Dataset: ${settings.partners} partners, ${settings.customers} customers, ${settings.subscriptions} subscriptions${settings.skew ? " and the skewed parents" : ""} on ${postgres ? "PostgreSQL (fresh database)" : `SQLite (${where.dataDir})`}`);
    let t = performance.now();
    const index = await generateDataset(settings, where);
    const datasetMs = performance.now() - t;
    console.log(`  written in ${Math.round(datasetMs)} ms: ${JSON.stringify(index.counts)}`);

    // As users run it in production: secrets of its own, no demo data, its own ports.
    const jwtSecret = randomBytes(32).toString("hex");
    const subgraphSecret = randomBytes(32).toString("hex");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      JWT_SECRET: jwtSecret,
      SUBGRAPH_SECRET: subgraphSecret,
      SEED: "none",
      // A budget no scenario reaches: its counting stays in the measured path, its refusals do not.
      RATE_LIMIT_PER_MINUTE: String(1e9),
      DATA_DIR: where.dataDir,
      DATABASE_URL: where.databaseUrl ?? "",
      LOG_LEVEL: settings.logLevel,
      HOST: "127.0.0.1",
      PORT: String(ports.gateway),
      PARTNERS_PORT: String(ports.partners),
      CUSTOMERS_PORT: String(ports.customers),
      SUBSCRIPTIONS_PORT: String(ports.subscriptions),
      EVENTS_PORT: String(ports.events),
    };
    for (const name of SUBGRAPH_NAMES) delete env[`${name.toUpperCase()}_URL`];
    // Each service exactly as `npm run start:<name>` starts it (node flags included).
    const entries: [string, string[]][] = [...SUBGRAPH_NAMES, "gateway" as const].map((n) => [n, startCommandOf(root, n)]);
    t = performance.now();
    for (const [name, command] of entries) {
      const profile = settings.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(settings.cpuProf)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      const p = await startService({ name, args: [...profile, ...command], env, cwd: root, logDir: workDir, readyLine: /\bready\b/ });
      processes.push(p);
      console.log(`  ${name} ready in ${Math.round(p.coldStartMs)} ms`);
    }
    const stackStartMs = performance.now() - t;
    const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `http://127.0.0.1:${ports[n]}/graphql`])) as Record<SubgraphName, string>;
    if (settings.skew) {
      // List cost against the size of the parent, through our gateway only (bench/skew.ts).
      await runSkew({ settings, index, jwtSecret, gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`, processes, postgresUrl: postgres?.url, sqlStatements: () => sqlStatements(subgraphUrls, subgraphSecret), datasetMs });
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

    // Where the CPU goes: the gateway being measured, the subgraphs, and the load generator.
    const cpuNow = (g: GatewayName) => {
      const servedBy = processes.filter((p) => p.name !== "gateway" || g === "ours");
      const all = g === "hive" && hive ? [...servedBy, hive] : servedBy;
      const usage = process.cpuUsage();
      return { ...Object.fromEntries(all.map((p) => [p.name === "hive-gateway" ? "gateway" : p.name, cpuMsOf(p.pid) ?? NaN])), bench: (usage.user + usage.system) / 1000 };
    };
    const measure = async (g: GatewayName, scenario: Scenario, seconds: number, roundNo: number): Promise<Measured> => {
      const before = await sqlStatements(subgraphUrls, subgraphSecret);
      const cpuBefore = cpuNow(g);
      const result = await runLoad(urls[g], scenario.next, settings.connections, seconds);
      const cpuAfter = cpuNow(g);
      const after = await sqlStatements(subgraphUrls, subgraphSecret);
      const cpuMsPerRequest = Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, result.requests ? Math.round(((ms - (cpuBefore as Record<string, number>)[name]) / result.requests) * 100) / 100 : NaN]));
      return { ...result, round: roundNo, sqlPerRequest: result.requests ? round1((after - before) / result.requests) : null, cpuMsPerRequest };
    };

    console.log(`Warm-up: ${settings.warmupS} s per scenario and gateway`);
    if (settings.warmupS > 0) for (const name of READ_SCENARIOS) for (const g of gateways) await measure(g, scenarios[name], settings.warmupS, 0);

    const runs: Record<string, Record<GatewayName, Measured[]>> = {};
    for (const name of READ_SCENARIOS) runs[name] = { ours: [], hive: [] };
    for (let r = 1; r <= settings.rounds; r++) {
      for (const name of READ_SCENARIOS) {
        // Alternate who goes first, so drift in the machine's load falls on both sides.
        const order = r % 2 ? gateways : [...gateways].reverse();
        for (const g of order) {
          const m = await measure(g, scenarios[name], settings.durationS, r);
          runs[name][g].push(m);
          console.log(`  round ${r} ${scenarios[name].title.padEnd(20)} ${g.padEnd(5)} ${round1(m.rps)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  errors ${m.errors}${m.firstError ? ` (${m.firstError.slice(0, 160)})` : ""}`);
        }
      }
    }
    const order = await measure("ours", scenarios.placeOrder, settings.durationS, 1);
    console.log(`  placeOrder           ours  ${round1(order.rps)} req/s  p50 ${order.p50Ms} ms  p99 ${order.p99Ms} ms  errors ${order.errors}${order.firstError ? ` (${order.firstError.slice(0, 160)})` : ""}`);

    await sleep(2000);
    const memory = processes.map((p) => {
      const m = p.memory();
      return { name: p.name, coldStartMs: Math.round(p.coldStartMs), idleAfterStartMb: round1(idleAfterStart[p.name]), idleSettledMb: round1(idleSettled[p.name]), idleAfterLoadMb: round1(m?.rssMb ?? NaN), peakMb: round1(m?.peakMb ?? NaN) };
    });
    const hiveMemory = hive ? { name: "hive-gateway", coldStartMs: Math.round(hive.coldStartMs), ...(() => { const m = memoryOf(hive!.pid); return { idleAfterLoadMb: round1(m?.rssMb ?? NaN), peakMb: round1(m?.peakMb ?? NaN) }; })() } : undefined;

    const summary = (list: Measured[]) => ({
      rps: round1(median(list.map((m) => m.rps))),
      p50Ms: median(list.map((m) => m.p50Ms)),
      p99Ms: median(list.map((m) => m.p99Ms)),
      errors: list.reduce((a, m) => a + m.errors, 0),
      requests: list.reduce((a, m) => a + m.requests, 0),
      sqlPerRequest: median(list.map((m) => m.sqlPerRequest ?? NaN)),
      cpuMsPerRequest: Object.fromEntries(Object.keys(list[0]?.cpuMsPerRequest ?? {}).map((k) => [k, median(list.map((m) => m.cpuMsPerRequest[k]))])),
    });
    const scenariosOut: Record<string, unknown> = {};
    for (const name of READ_SCENARIOS) {
      const ours = runs[name].ours;
      const theirs = runs[name].hive;
      const ratios = theirs.length ? ours.map((m, i) => Number((m.rps / theirs[i].rps).toFixed(2))) : [];
      scenariosOut[name] = {
        title: scenarios[name].title,
        ours: { ...summary(ours), rounds: ours },
        hive: theirs.length ? { ...summary(theirs), rounds: theirs } : null,
        ratioOursToHive: theirs.length ? { perRound: ratios, median: median(ratios) } : null,
        answerCheck: checks[name] ?? null,
      };
    }
    scenariosOut.placeOrder = { title: "placeOrder", ours: { ...summary([order]), rounds: [order] } };

    const stackIdleAfterStart = round1(memory.reduce((a, m) => a + m.idleAfterStartMb, 0));
    const stackIdleSettled = round1(memory.reduce((a, m) => a + m.idleSettledMb, 0));
    const stackIdleAfterLoad = round1(memory.reduce((a, m) => a + m.idleAfterLoadMb, 0));
    const s = scenariosOut as Record<string, { ours: { p99Ms: number }; ratioOursToHive: { median: number } | null }>;
    const targets = {
      dashboardRatioAtLeast1: s.dashboard.ratioOursToHive ? s.dashboard.ratioOursToHive.median >= 1 : null,
      customerDetailRatioAtLeast1: s.customerDetail.ratioOursToHive ? s.customerDetail.ratioOursToHive.median >= 1 : null,
      dashboardP99Under100ms: s.dashboard.ours.p99Ms < 100,
      stackIdleUnder400MB: stackIdleSettled < 400,
      coldStartUnder5s: memory.every((m) => m.coldStartMs < 5000),
    };
    const results = {
      when: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryMb: Math.round(os.totalmem() / 2 ** 20), loadAverage: os.loadavg().map(round1), node: process.version, platform: `${os.platform()} ${os.release()}` },
      settings: { ...settings, databaseUrl: settings.databaseUrl ? "(given)" : undefined, database: postgres ? "postgres" : "sqlite" },
      dataset: { method: "each subgraph's own tables through its own typeorm entities (bench/dataset.ts)", writeMs: Math.round(datasetMs), counts: index.counts },
      processes: memory,
      peer: hiveMemory ? { ...hiveMemory, version: HIVE_GATEWAY_VERSION } : null,
      stack: { sequentialStartMs: Math.round(stackStartMs), idleAfterStartMb: stackIdleAfterStart, idleSettledMb: stackIdleSettled, idleAfterLoadMb: stackIdleAfterLoad },
      scenarios: scenariosOut,
      targets,
      totalSeconds: Math.round((Date.now() - benchStarted) / 1000),
    };
    const output = path.resolve(root, settings.output);
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, JSON.stringify(results, null, 2) + "\n");

    console.log(`\ncsp-graph benchmark — ${results.machine.cores} cores (${results.machine.cpu}), ${settings.connections} clients, ${settings.rounds} × ${settings.durationS} s per scenario and gateway, ${results.settings.database}; medians over rounds`);
    const rows = [["scenario", "gateway", "req/s", "p50 ms", "p99 ms", "errors", "SQL/req", "ours/hive"]];
    for (const name of [...READ_SCENARIOS, "placeOrder" as ScenarioName]) {
      const out = scenariosOut[name] as { title: string; ours: ReturnType<typeof summary>; hive?: ReturnType<typeof summary> | null; ratioOursToHive?: { median: number } | null };
      for (const [g, m] of [["ours", out.ours], ["hive", out.hive]] as const) {
        if (!m) continue;
        rows.push([out.title, g, String(m.rps), String(m.p50Ms), String(m.p99Ms), String(m.errors), String(m.sqlPerRequest), g === "ours" && out.ratioOursToHive ? `${out.ratioOursToHive.median}×` : ""]);
      }
    }
    printTable(rows);
    console.log("\nCPU ms per request (medians; the gateway column is whichever gateway served):");
    const cpuRows = [["scenario", "gateway", "gateway ms", "partners ms", "customers ms", "subscriptions ms", "load generator ms"]];
    for (const name of [...READ_SCENARIOS, "placeOrder" as ScenarioName]) {
      const out = scenariosOut[name] as { title: string; ours: ReturnType<typeof summary>; hive?: ReturnType<typeof summary> | null };
      for (const [g, m] of [["ours", out.ours], ["hive", out.hive]] as const) {
        if (!m) continue;
        const c = m.cpuMsPerRequest;
        cpuRows.push([out.title, g, ...["gateway", "partners", "customers", "subscriptions", "bench"].map((k) => String(c[k] ?? ""))]);
      }
    }
    printTable(cpuRows);
    console.log("");
    printTable([
      ["process", "cold start ms", "idle MB (5 s after start)", "idle MB (20 s)", "MB (2 s after load)", "peak MB"],
      ...memory.map((m) => [m.name, String(m.coldStartMs), String(m.idleAfterStartMb), String(m.idleSettledMb), String(m.idleAfterLoadMb), String(m.peakMb)]),
      ["whole stack", String(Math.round(stackStartMs)), String(stackIdleAfterStart), String(stackIdleSettled), String(stackIdleAfterLoad), ""],
      ...(hiveMemory ? [[hiveMemory.name, String(hiveMemory.coldStartMs), "", "", String(hiveMemory.idleAfterLoadMb), String(hiveMemory.peakMb)]] : []),
    ]);
    console.log(`\nTargets: ${Object.entries(targets).map(([k, v]) => `${k} ${v === null ? "n/a" : v ? "yes" : "NO"}`).join(", ")}`);
    console.log(`Results: ${path.relative(process.cwd(), output)} (${results.totalSeconds} s in all)`);
    finished = true;
  } finally {
    await Promise.all([...processes, ...(hive ? [hive] : [])].map((p) => p.stop()));
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
