/**
 * `npm run bench -- --skew`: list cost against the size of the parent (DOMAIN.md L2). On a
 * dataset with the skewed parents of bench/dataset.ts beside the default data, the partner
 * dashboard (first 50 customers × first 10 subscriptions, bench/scenarios.ts) of
 *   - the default data's busiest providers (the baseline),
 *   - a provider with 20 000 customers: page 1, the last page (`last: 50`), and the page
 *     before a cursor near the end (the start cursor of one `last: 100` call),
 *   - a provider with 50 customers of 3 000 subscriptions each,
 *   - a direct-bill partner with 200 000 customers under its delegated admin relationships,
 * and that partner reading another partner's `subscriptions` list (the path that binds the
 * ids of every customer it has an active delegated admin relationship with).
 *
 * Each is checked once (answer shape and counts, timed), then measured in interleaved rounds
 * at 4 clients (SKEW_CLIENTS), by a closed loop that waits for the requests it started (a
 * dashboard can take seconds: cut off at a deadline, its abandoned requests' CPU would be
 * charged to the ones counted): CPU per request of every process — the gateway, each subgraph
 * (/proc/<pid>/stat) and, on PostgreSQL, the client backends serving the bench database
 * (their pids from pg_stat_activity, polled during the run, /proc/<pid>/stat of each) — and,
 * on PostgreSQL, rows read per request (pg_stat_user_tables seq_tup_read + idx_tup_fetch, and
 * pg_stat_user_indexes idx_tup_read, deltas over a sequential pass once the backends' stats
 * are flushed). Then a 20-client closed loop on the 20 000-customer dashboard, and the ratios
 * to the baseline against the targets. Memory too: each process's resident set, sampled
 * through every measured run (bench/rss-sampler.ts), and how far each shape's peak rises above
 * the default dashboard's when each is served by freshly started processes, in a pass before
 * the rounds (bench/fresh-memory.ts) — a page costs memory by what it holds, not by the
 * parent's size.
 */
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import type { DatasetIndex, SkewIndex } from "./dataset";
import { callOnce, GraphQLCall, LoadResult, runClosedLoop } from "./load";
import { PostgresBackends } from "./postgres-backends";
import { cpuMsOf, ServiceProcess } from "./processes";
import { provenance, writeResults } from "./results";
import { sampleRss, RSS_SAMPLE_INTERVAL_MS } from "./rss-sampler";
import { FreshMemory, freshMemory, PeaksMb } from "./fresh-memory";
import { buildScenarios, DASHBOARD, DASHBOARD_CUSTOMER } from "./scenarios";
import type { BenchSettings } from "./settings";
import { printTable } from "./table";

/** The dashboard read backward: its last page, or the page before a cursor. */
export const DASHBOARD_BACKWARD = `query PartnerDashboardBackward($partnerId: ID!, $customers: Int = 50, $before: String, $subscriptions: Int = 10) {
  partner(id: $partnerId) {
    id
    name
    customers(last: $customers, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage }
      nodes {
        ${DASHBOARD_CUSTOMER}
      }
    }
  }
}`;

/** One `last:` call, for a cursor near the end of a long list. */
const CURSOR_NEAR_END = `query CursorNearEnd($partnerId: ID!, $last: Int!) {
  partner(id: $partnerId) { customers(last: $last) { pageInfo { startCursor } } }
}`;

/** Another partner's subscription list, as the viewer may see it (S1, MC2). */
export const OTHERS_SUBSCRIPTIONS = `query OthersSubscriptions($partnerId: ID!, $first: Int = 50) {
  partner(id: $partnerId) {
    id
    name
    subscriptions(first: $first) {
      totalCount
      pageInfo { hasNextPage }
      nodes { id status channel customer { id } supportPartner { id } }
    }
  }
}`;

type ShapeName = "default" | "wide" | "wideLast" | "wideBefore" | "deep" | "delegatedAdminDashboard" | "delegatedAdminOthersList";
interface Shape {
  name: ShapeName;
  title: string;
  next(): GraphQLCall;
  check(data: any): string | undefined;
  /** Held to the 1.5× target (the others are reported beside them). */
  target: boolean;
}

const ROTATION = 64;
const rotate = <T>(items: T[]) => {
  let i = 0;
  return () => items[i++ % items.length];
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The rows an answer shows: every element of every `nodes` or `edges` list in it, at any depth. */
function rowsShown(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + rowsShown(v), 0);
  if (!value || typeof value !== "object") return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + (Array.isArray(v) && (k === "nodes" || k === "edges") ? v.length : 0) + rowsShown(v), 0);
}

function checkDashboard(d: any, expect: { total: number; each?: { total: number; page: number }; backward?: { hasNextPage: boolean; hasPreviousPage: boolean } }): string | undefined {
  const c = d?.partner?.customers;
  if (!c) return "no partner.customers";
  if (c.totalCount !== expect.total) return `totalCount ${c.totalCount}, expected ${expect.total}`;
  if (c.nodes?.length !== 50) return `${c.nodes?.length} customers, expected 50`;
  if (expect.backward && (c.pageInfo.hasNextPage !== expect.backward.hasNextPage || c.pageInfo.hasPreviousPage !== expect.backward.hasPreviousPage)) return `pageInfo ${JSON.stringify(c.pageInfo)}, expected ${JSON.stringify(expect.backward)}`;
  if (expect.each) {
    const wrong = c.nodes.find((n: any) => n.subscriptions?.totalCount !== expect.each!.total || n.subscriptions.nodes.length !== expect.each!.page);
    if (wrong) return `customer ${wrong.id}: ${wrong.subscriptions?.totalCount} subscriptions (${wrong.subscriptions?.nodes?.length} on the page), expected ${expect.each.total} (${expect.each.page})`;
  } else if (!c.nodes.some((n: any) => n.subscriptions?.nodes?.length > 0)) return "expected customers with subscriptions";
  return undefined;
}

async function buildShapes(index: DatasetIndex, skew: SkewIndex, jwtSecret: string, gatewayUrl: string): Promise<Shape[]> {
  let users = 0;
  const auth = async (partnerId: string) => ({ authorization: `Bearer ${await signDevToken({ sub: `bench-skew-user-${++users}`, org: "partner", tid: partnerId, roles: ["GLOBAL_ADMIN"] }, jwtSecret, "2h")}` });
  const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
  /** ROTATION cases, each its own user of the partner. */
  const cases = async (partnerId: string, query: string, variables: Record<string, unknown>) => rotate(await Promise.all(Array.from({ length: ROTATION }, async () => ({ headers: await auth(partnerId), body: body(query, variables) }))));

  const wide = skew.wideProvider.id;
  const near = await callOnce(gatewayUrl, { headers: await auth(wide), body: body(CURSOR_NEAR_END, { partnerId: wide, last: 100 }) });
  const before = near.json?.data?.partner?.customers?.pageInfo?.startCursor;
  if (typeof before !== "string") throw new Error(`no cursor near the end of the 20 000-customer list: ${JSON.stringify(near.json).slice(0, 300)}`);

  const support = skew.supportPartner;
  const visible = new Set(support.visibleToDelegatedAdminPartner);
  const baseline = (await buildScenarios(index, jwtSecret)).dashboard;
  return [
    { name: "default", title: "default provider dashboard", next: baseline.next, check: baseline.check, target: false },
    { name: "wide", title: "20 000-customer provider, page 1", next: await cases(wide, DASHBOARD, { partnerId: wide }), check: (d) => checkDashboard(d, { total: skew.wideProvider.customers, each: { total: 2, page: 2 } }), target: true },
    {
      name: "wideLast", title: "20 000-customer provider, last: 50", next: await cases(wide, DASHBOARD_BACKWARD, { partnerId: wide }), target: true,
      check: (d) => checkDashboard(d, { total: skew.wideProvider.customers, each: { total: 2, page: 2 }, backward: { hasNextPage: false, hasPreviousPage: true } }),
    },
    {
      name: "wideBefore", title: "20 000-customer provider, last: 50 before a cursor 100 from the end", next: await cases(wide, DASHBOARD_BACKWARD, { partnerId: wide, before }), target: true,
      check: (d) => checkDashboard(d, { total: skew.wideProvider.customers, each: { total: 2, page: 2 }, backward: { hasNextPage: true, hasPreviousPage: true } }),
    },
    {
      name: "deep", title: "50 customers × 3 000 subscriptions provider", next: await cases(skew.deepProvider.id, DASHBOARD, { partnerId: skew.deepProvider.id }), target: true,
      check: (d) => checkDashboard(d, { total: skew.deepProvider.customers, each: { total: skew.deepProvider.subscriptionsPerCustomer, page: 10 } }),
    },
    {
      name: "delegatedAdminDashboard", title: "200 000-customer delegated admin partner, own dashboard", next: await cases(skew.delegatedAdminPartner.id, DASHBOARD, { partnerId: skew.delegatedAdminPartner.id }), target: true,
      check: (d) => {
        const c = d?.partner?.customers;
        return c?.totalCount === skew.delegatedAdminPartner.customers && c.nodes?.length === 50 ? undefined : `totalCount ${c?.totalCount}, ${c?.nodes?.length} customers; expected ${skew.delegatedAdminPartner.customers}, 50`;
      },
    },
    {
      name: "delegatedAdminOthersList", title: "200 000-customer delegated admin partner reads another partner's subscriptions", target: false,
      next: await cases(skew.delegatedAdminPartner.id, OTHERS_SUBSCRIPTIONS, { partnerId: support.id }),
      check: (d) => {
        const s = d?.partner?.subscriptions;
        if (!s) return "no partner.subscriptions";
        if (s.totalCount !== visible.size) return `totalCount ${s.totalCount}, expected ${visible.size} (the support partner's external subscriptions of the viewer's delegated admin customers)`;
        if (s.nodes.length !== 50 || !s.pageInfo.hasNextPage) return `${s.nodes.length} rows, hasNextPage ${s.pageInfo.hasNextPage}; expected 50, true`;
        const wrong = s.nodes.find((n: any) => n.channel === "CSP" || n.supportPartner?.id !== support.id || !visible.has(n.customer?.id));
        return wrong ? `a row the viewer should not see, or not of this list: ${JSON.stringify(wrong)}` : undefined;
      },
    },
  ];
}

/** A backend flushes its table statistics at most once a second, and when idle within 10 s (PGSTAT_IDLE_INTERVAL). */
const STATS_FLUSH_WAIT_MS = 11_500;
/**
 * Clients of the measured rounds: enough to keep both cores busy, few enough that a request
 * of several seconds stays inside the 10-s timeout (CPU per request does not depend on the
 * queue). Zero errors at 20 clients is checked by its own closed loop.
 */
const SKEW_CLIENTS = 4;
/** Requests in each shape's sequential pass for rows read. */
const ROWS_PASS_REQUESTS = 10;
/** How far a skewed shape's peak resident set may rise above the default dashboard's, per process (MB). */
const RSS_RISE_TARGET_MB = 50;
/** Readings per shape in the memory pass, each in a freshly started stack. */
const MEMORY_READINGS = 3;

export interface SkewContext {
  settings: BenchSettings;
  index: DatasetIndex;
  jwtSecret: string;
  gatewayUrl: string;
  processes: ServiceProcess[];
  /** The fresh PostgreSQL database's URL, when on PostgreSQL. */
  postgresUrl?: string;
  sqlStatements(): Promise<number>;
  datasetMs: number;
  /** Stops and starts every service of the stack, `processes` updated in place (bench/stack.ts). */
  restart(): Promise<void>;
}

interface SkewRun extends LoadResult {
  round: number;
  sqlPerRequest: number;
  cpuMsPerRequest: Record<string, number>;
  /** Each process's highest resident set during the run (MB). */
  peakRssMb: Record<string, number>;
}

export async function runSkew(ctx: SkewContext) {
  const { settings, index } = ctx;
  const skew = index.skew;
  if (!skew) throw new Error("the skewed mode needs the dataset's skewed parents");
  const database = ctx.postgresUrl ? "postgres" : "sqlite";
  const pg = ctx.postgresUrl ? await PostgresBackends.connect(ctx.postgresUrl) : undefined;
  try {
    const shapes = await buildShapes(index, skew, ctx.jwtSecret, ctx.gatewayUrl);

    // ---- one request of each, checked and timed (sequential, nothing else running) ----
    const single: Record<string, { ok: boolean; problem?: string; ms: number[]; status: number; rowsShown: number; serviceLog?: string[] }> = {};
    const logSize = () => Object.fromEntries(ctx.processes.map((p) => [p.name, fs.statSync(p.logFile).size]));
    for (const shape of shapes) {
      const logBefore = logSize();
      const ms: number[] = [];
      let problem: string | undefined;
      let status = 0;
      let shown = 0;
      for (let i = 0; i < 4; i++) {
        const t = performance.now();
        let json: any;
        try {
          ({ status, json } = await callOnce(ctx.gatewayUrl, shape.next()));
        } catch (error) {
          json = { errors: [{ message: String(error) }] };
        }
        ms.push(round1(performance.now() - t));
        problem ??= status !== 200 || json.errors ? `${status} ${JSON.stringify(json.errors ?? json).slice(0, 400)}` : shape.check(json.data);
        shown = Math.max(shown, rowsShown(json?.data));
      }
      // What the services said about a failure: their warnings and errors during the check.
      const serviceLog = problem
        ? ctx.processes.flatMap((p) => {
            const fd = fs.openSync(p.logFile, "r");
            const buffer = Buffer.alloc(Math.min(1_000_000, fs.statSync(p.logFile).size - logBefore[p.name]));
            fs.readSync(fd, buffer, 0, buffer.length, logBefore[p.name]);
            fs.closeSync(fd);
            return buffer.toString("utf8").split("\n").filter((l) => /"level":"(warn|error|fatal)"/.test(l)).slice(0, 4).map((l) => `${p.name}: ${l.slice(0, 400)}`);
          })
        : undefined;
      single[shape.name] = { ok: !problem, problem, ms, status, rowsShown: shown, serviceLog };
      for (const line of serviceLog ?? []) console.log(`    ${line}`);
      console.log(`  check ${shape.title}: ${problem ? `FAILS (${problem})` : "correct"}; ${ms.join(", ")} ms (first call, then three more)`);
    }
    const measured = shapes.filter((s) => single[s.name].ok);

    // ---- rows read per request (PostgreSQL): a sequential pass per shape between flushed statistics ----
    const rows: Record<string, { heap: number; index: number; perSchema: Record<string, { heap: number; index: number }> } | null> = {};
    if (pg) {
      console.log(`Rows read: ${ROWS_PASS_REQUESTS} sequential requests per shape, statistics flushed before and after (${STATS_FLUSH_WAIT_MS / 1000} s pauses)`);
      await sleep(STATS_FLUSH_WAIT_MS);
      let before = await pg.rowsRead();
      for (const shape of measured) {
        for (let i = 0; i < ROWS_PASS_REQUESTS; i++) await callOnce(ctx.gatewayUrl, shape.next());
        await sleep(STATS_FLUSH_WAIT_MS);
        const after = await pg.rowsRead();
        const perSchema: Record<string, { heap: number; index: number }> = {};
        for (const schema of Object.keys(after)) {
          perSchema[schema] = {
            heap: round1((after[schema].heap - (before[schema]?.heap ?? 0)) / ROWS_PASS_REQUESTS),
            index: round1((after[schema].index - (before[schema]?.index ?? 0)) / ROWS_PASS_REQUESTS),
          };
        }
        const sum = (k: "heap" | "index") => round1(Object.values(perSchema).reduce((a, s) => a + s[k], 0));
        rows[shape.name] = { heap: sum("heap"), index: sum("index"), perSchema };
        console.log(`  ${shape.title}: ${rows[shape.name]!.heap} heap rows, ${rows[shape.name]!.index} index entries per request ${JSON.stringify(perSchema)}`);
        before = after;
      }
    }

    // ---- CPU per request: warm-up, then interleaved rounds ----
    const cpuNow = () => Object.fromEntries(ctx.processes.map((p) => [p.name, cpuMsOf(p.pid) ?? NaN]));
    const measure = async (shape: Shape, seconds: number, round: number, connections = SKEW_CLIENTS): Promise<SkewRun> => {
      const sqlBefore = await ctx.sqlStatements();
      const cpuBefore = cpuNow();
      await pg?.start();
      const rss = sampleRss(ctx.processes);
      const result = await runClosedLoop(ctx.gatewayUrl, shape.next, connections, seconds);
      const peakRssMb = rss.stop();
      const pgMs = pg ? await pg.stop() : undefined;
      const cpuAfter = cpuNow();
      const sqlAfter = await ctx.sqlStatements();
      const per = (ms: number) => (result.requests ? round2(ms / result.requests) : NaN);
      const cpuMsPerRequest: Record<string, number> = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, per(cpuAfter[k] - cpuBefore[k])]));
      if (pgMs !== undefined) cpuMsPerRequest.postgres = per(pgMs);
      cpuMsPerRequest.stack = round2(Object.values(cpuMsPerRequest).reduce((a, b) => a + b, 0));
      return { ...result, round, sqlPerRequest: result.requests ? round1((sqlAfter - sqlBefore) / result.requests) : NaN, cpuMsPerRequest, peakRssMb };
    };
    // ---- memory: each shape in fresh processes, against the default in fresh processes ----
    // A peak read after other runs inherits the heap and young generation they grew
    // (bench/fresh-memory.ts): every reading restarts the stack and runs one shape, each shape
    // MEMORY_READINGS times, interleaved, the default dashboard among them.
    const defaultShape = measured.find((s) => s.name === "default");
    let memoryPass: FreshMemory | undefined;
    if (defaultShape) {
      console.log(`Memory: each shape in a fresh stack, ${MEMORY_READINGS} readings per shape, ${settings.durationS} s each at ${SKEW_CLIENTS} clients`);
      const readings: Record<string, PeaksMb[]> = Object.fromEntries(measured.map((s) => [s.name, []]));
      for (let r = 1; r <= MEMORY_READINGS; r++) {
        for (const shape of r % 2 ? measured : [...measured].reverse()) {
          await ctx.restart();
          const m = await measure(shape, settings.durationS, 0);
          readings[shape.name].push(m.peakRssMb);
          console.log(`  reading ${r} ${shape.name.padEnd(24)} peak MB ${JSON.stringify(m.peakRssMb)}${m.errors ? `  errors ${m.errors}` : ""}`);
        }
      }
      memoryPass = freshMemory(readings, defaultShape.name);
      console.log(`  rise of each shape's median peak over the default's, MB ${JSON.stringify(memoryPass.riseMb)}; the default's own spread ${JSON.stringify(memoryPass.baselineSpreadMb)}`);
    }

    console.log(`Warm-up: ${settings.warmupS} s per shape; then ${settings.rounds} interleaved rounds of ${settings.durationS} s at ${SKEW_CLIENTS} clients`);
    if (settings.warmupS > 0) for (const shape of measured) await measure(shape, settings.warmupS, 0);
    const runs: Record<string, SkewRun[]> = Object.fromEntries(measured.map((s) => [s.name, []]));
    for (let r = 1; r <= settings.rounds; r++) {
      for (const shape of r % 2 ? measured : [...measured].reverse()) {
        const m = await measure(shape, settings.durationS, r);
        runs[shape.name].push(m);
        console.log(`  round ${r} ${shape.name.padEnd(24)} ${round1(m.rps)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  errors ${m.errors}  CPU ms/req ${JSON.stringify(m.cpuMsPerRequest)}${m.firstError ? `  (${m.firstError.slice(0, 160)})` : ""}`);
      }
    }

    // ---- 20 clients, closed loop, on the 20 000-customer dashboard ----
    const wide = shapes.find((s) => s.name === "wide")!;
    const closedLoopSeconds = Math.max(10, settings.durationS * 2);
    const closedLoop = single.wide.ok ? await measure(wide, closedLoopSeconds, 0, 20) : null;
    if (closedLoop) console.log(`  closed loop, 20 clients, ${closedLoopSeconds} s, 20 000-customer dashboard: ${closedLoop.requests} requests, ${round1(closedLoop.rps)} req/s, p50 ${closedLoop.p50Ms} ms, p99 ${closedLoop.p99Ms} ms, errors ${closedLoop.errors}${closedLoop.firstError ? ` (${closedLoop.firstError.slice(0, 200)})` : ""}`);

    // ---- summary, ratios, targets ----
    const processNames = [...ctx.processes.map((p) => p.name), ...(pg ? ["postgres"] : []), "stack"];
    const summary = Object.fromEntries(
      shapes.map((s) => {
        const list = runs[s.name] ?? [];
        return [s.name, {
          title: s.title,
          single: single[s.name],
          requests: list.reduce((a, m) => a + m.requests, 0),
          errors: list.reduce((a, m) => a + m.errors, 0),
          rps: round1(median(list.map((m) => m.rps))),
          p50Ms: median(list.map((m) => m.p50Ms)),
          p99Ms: median(list.map((m) => m.p99Ms)),
          sqlPerRequest: median(list.map((m) => m.sqlPerRequest)),
          cpuMsPerRequest: Object.fromEntries(processNames.map((k) => [k, round2(median(list.map((m) => m.cpuMsPerRequest[k])))])),
          peakRssMb: Object.fromEntries(ctx.processes.map((p) => [p.name, round1(median(list.map((m) => m.peakRssMb[p.name])))])),
          rowsPerRequest: rows[s.name] ?? null,
          rounds: list,
        }];
      }),
    );
    const baseline = summary.default.cpuMsPerRequest.stack;
    const ratios = Object.fromEntries(shapes.map((s) => [s.name, round2(summary[s.name].cpuMsPerRequest.stack / baseline)]));
    // A page costs what it holds: the same ratio per row the answer shows (customers and subscriptions on the page).
    const perRowShown = (name: ShapeName) => summary[name].cpuMsPerRequest.stack / Math.max(1, single[name].rowsShown);
    const ratiosPerRow = Object.fromEntries(shapes.map((s) => [s.name, round2(perRowShown(s.name) / perRowShown("default"))]));
    // Memory: each shape's median peak in fresh processes above the default dashboard's, per process.
    const rssRiseMb = memoryPass?.riseMb ?? {};
    const rssWithin = (name: ShapeName) => !!rssRiseMb[name] && Object.values(rssRiseMb[name]).every((mb) => Number.isFinite(mb) && mb <= RSS_RISE_TARGET_MB);
    const within = (name: ShapeName) => single[name].ok && summary[name].errors === 0 && ratios[name] <= 1.5;
    const targets: Record<string, boolean> = {
      ...Object.fromEntries(shapes.filter((s) => s.target).map((s) => [`${s.name}CpuWithin1.5x`, within(s.name)])),
      [`rssRiseWithin${RSS_RISE_TARGET_MB}MB`]: shapes.filter((s) => s.target).every((s) => rssWithin(s.name)),
      delegatedAdminOthersListCorrect: single.delegatedAdminOthersList.ok,
      zeroErrorsAt20Clients: !!closedLoop && closedLoop.errors === 0,
    };

    const results = {
      ...provenance(projectRoot()),
      settings: { ...settings, databaseUrl: settings.databaseUrl ? "(given)" : undefined, database, clientsPerRound: SKEW_CLIENTS },
      dataset: { writeMs: Math.round(ctx.datasetMs), counts: index.counts, skew: { ...skew, supportPartner: { ...skew.supportPartner, visibleToDelegatedAdminPartner: skew.supportPartner.visibleToDelegatedAdminPartner.length } } },
      measuredHow: {
        cpu: "per process, /proc/<pid>/stat utime+stime deltas over each run, divided by the requests answered" + (pg ? "; PostgreSQL: client backends of the bench database (pg_stat_activity, polled every 200 ms during the run), /proc/<pid>/stat of each" : ""),
        memory: `each process's resident set (/proc/<pid>/status VmRSS) sampled every ${RSS_SAMPLE_INTERVAL_MS} ms through each measured run; the memory pass (before the rounds) restarts the whole stack before each reading and runs one shape, ${MEMORY_READINGS} readings per shape interleaved; a shape's rise is the median of its peaks minus the median of the default dashboard's, per process; baselineSpreadMb is the default's highest minus lowest reading (what two identical runs differ by); the rounds' medians, in processes that served every shape, are beside them`,
        rows: pg ? `pg_stat_user_tables seq_tup_read + idx_tup_fetch ("heap") and pg_stat_user_indexes idx_tup_read ("index"), deltas over ${ROWS_PASS_REQUESTS} sequential requests, ${STATS_FLUSH_WAIT_MS / 1000} s pauses for the backends to flush` : "not measured on SQLite",
      },
      shapes: summary,
      ratioToDefault: ratios,
      ratioToDefaultPerRowShown: ratiosPerRow,
      rssRiseMbVsDefault: rssRiseMb,
      memoryPass,
      closedLoop,
      targets,
    };
    const written = writeResults(projectRoot(), settings.output, results, { record: settings.record, database, kind: "skew" });

    console.log(`\ncsp-graph skewed-data benchmark — ${database}, ${results.machine.cores} cores, ${SKEW_CLIENTS} clients, ${settings.rounds} × ${settings.durationS} s per shape; medians over rounds; CPU ms per request`);
    const header = ["shape", "answer", "single ms", "req/s", "p99 ms", "errors", "SQL/req", ...processNames.map((n) => `${n} ms`), "rows/req (heap+index)", "rows shown", "×default", "×default per row shown"];
    const table = [header];
    for (const s of shapes) {
      const m = summary[s.name];
      const r = m.rowsPerRequest;
      table.push([
        s.name, m.single.ok ? "correct" : "FAILS", String(median(m.single.ms.slice(1))), m.requests ? String(m.rps) : "-", m.requests ? String(m.p99Ms) : "-", String(m.errors), m.requests ? String(m.sqlPerRequest) : "-",
        ...processNames.map((n) => (m.requests ? String(m.cpuMsPerRequest[n]) : "-")),
        r ? `${r.heap}+${r.index}` : pg ? "-" : "not measured", String(m.single.rowsShown), m.requests ? `${ratios[s.name]}×` : "-", m.requests ? `${ratiosPerRow[s.name]}×` : "-",
      ]);
    }
    printTable(table);
    for (const s of shapes) if (!single[s.name].ok) console.log(`${s.name}: ${single[s.name].problem}`);
    console.log(`\nPeak resident set, MB: median over the rounds; and, in fresh processes, the rise of each shape's median peak above the default dashboard's (target ≤ ${RSS_RISE_TARGET_MB} MB per process on the target shapes; the default's own spread over ${MEMORY_READINGS} readings ${JSON.stringify(memoryPass?.baselineSpreadMb ?? {})}):`);
    const memoryHeader = ["shape", ...ctx.processes.map((p) => `${p.name} MB`), ...ctx.processes.map((p) => `${p.name} rise`)];
    const signed = (mb: number | undefined) => (mb === undefined ? "-" : `${mb >= 0 ? "+" : ""}${mb}`);
    const memoryTable = [memoryHeader, ...shapes.filter((s) => summary[s.name].requests > 0).map((s) => [s.name, ...ctx.processes.map((p) => String(summary[s.name].peakRssMb[p.name])), ...ctx.processes.map((p) => (s.name === "default" ? "" : signed(rssRiseMb[s.name]?.[p.name])))])];
    printTable(memoryTable);
    console.log(`\nTargets: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? "PASS" : "FAIL"}`).join(", ")}`);
    console.log(`Results: ${written.map((f) => path.relative(process.cwd(), f)).join(", ")}`);
    return results;
  } finally {
    await pg?.close();
  }
}
