/**
 * `npm run bench:profile -- <scenario> [bench flags]`: where one scenario's CPU goes, per
 * process. Builds the dataset and starts the stack as `npm run bench` does (bench/stack.ts),
 * every service under `node --cpu-prof`, and the floor (the whole graph in one process) too
 * unless `--no-floor`; loads only the named scenario (dashboard, customerDetail,
 * subscriptionById, placeOrder) for `--duration` seconds at `--connections` clients after a
 * warm-up, stops everything so the profiles are written, and prints each process's self time
 * by package and its hottest functions, per request (bench/profile-summary.ts). The profiles
 * stay in `--cpu-prof` (default: a temporary folder, printed) for Chrome DevTools or speedscope.
 * Each measured run also prints every process's user and kernel CPU per request from /proc;
 * `--no-profile` runs without the profiler, for those figures undisturbed by it.
 * `--one-process` also measures the stack as `npm start` runs it: every service in one process,
 * still calling each other over HTTP, which separates what HTTP and the servers' pipelines
 * cost from what running in separate processes costs.
 */
import "reflect-metadata";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../common/service/config";
import { generateDataset } from "./dataset";
import { startFloor } from "./floor";
import { runLoad } from "./load";
import { cpuMsOf, cpuSplitOf, ServiceProcess, startCommandOf, startService } from "./processes";
import { untilQuiet } from "./measure";
import { printSummary, summarize } from "./profile-summary";
import { buildScenarios, ScenarioName } from "./scenarios";
import { readSettings } from "./settings";
import { startStack, stackPorts } from "./stack";

const SCENARIOS: ScenarioName[] = ["dashboard", "customerDetail", "subscriptionById", "placeOrder"];

async function main() {
  const [scenarioName, ...given] = process.argv.slice(2);
  // `--no-profile`: the same runs without the profiler, for its /proc figures undisturbed.
  const profiling = !given.includes("--no-profile");
  // `--one-process`: also the stack as `npm start` runs it, every service in one process with HTTP between them.
  const oneProcess = given.includes("--one-process");
  const flags = given.filter((f) => f !== "--no-profile" && f !== "--one-process");
  if (!SCENARIOS.includes(scenarioName as ScenarioName)) throw new Error(`usage: npm run bench:profile -- <${SCENARIOS.join("|")}> [bench flags]`);
  const settings = readSettings(flags);
  if (settings.databaseUrl) throw new Error("the profiler runs on SQLite (a fresh temporary folder)");
  const root = projectRoot();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-profile-"));
  const profileDir = path.resolve(settings.cpuProf ?? path.join(workDir, "profiles"));
  settings.cpuProf = profiling ? profileDir : undefined;
  fs.mkdirSync(profileDir, { recursive: true });
  const where = { dataDir: path.join(workDir, "data") };
  const processes: ServiceProcess[] = [];
  const requests: Record<string, number> = {};
  const cpuMs: Record<string, number> = {};
  try {
    const index = await generateDataset(settings, where);
    const stack = await startStack({ settings, root, workDir, where, ports: stackPorts(settings), processes, log: console.log });
    const scenario = (await buildScenarios(index, stack.jwtSecret))[scenarioName as ScenarioName];
    const load = async (url: string, label: string, measured: ServiceProcess[]) => {
      const warm = settings.warmupS > 0 ? (await runLoad(url, scenario.next, settings.connections, settings.warmupS)).sent : 0;
      const before = Object.fromEntries(measured.map((p) => [p.name, cpuSplitOf(p.pid)]));
      const r = await runLoad(url, scenario.next, settings.connections, settings.durationS);
      await untilQuiet(() => Object.fromEntries(measured.map((p) => [p.name, cpuMsOf(p.pid) ?? 0])));
      // The measured run alone, from /proc: user and kernel CPU per request sent, per process.
      const split = measured.map((p) => {
        const a = before[p.name], b = cpuSplitOf(p.pid);
        return a && b ? `${p.name} ${((b.userMs - a.userMs) / r.sent).toFixed(2)} user + ${((b.systemMs - a.systemMs) / r.sent).toFixed(2)} system` : p.name;
      });
      console.log(`${label} CPU ms per request (measured run, /proc): ${split.join(", ")}`);
      console.log(`${label}: ${scenario.title} ${Math.round(r.rps)} req/s, ${r.errors} errors, ${warm + r.sent} sent with the warm-up`);
      return warm + r.sent;
    };
    const stackProcesses = [...processes];
    requests.stack = await load(stack.gatewayUrl, "federated", stackProcesses);
    if (settings.floor) {
      const floor = await startFloor({ root, env: stack.env, workDir, subgraphSecret: stack.subgraphSecret, cpuProf: settings.cpuProf });
      processes.push(floor.process);
      requests.floor = await load(floor.served.url, "floor", [floor.process]);
    }
    if (oneProcess) {
      // Its ports are the stack's: the stack stops first (its profiles are written as it exits).
      for (const p of stackProcesses) cpuMs[p.name] = cpuMsOf(p.pid) ?? NaN;
      await Promise.all(stackProcesses.map((p) => p.stop()));
      const flagsOfStart = startCommandOf(root, "gateway").slice(0, -1);
      const profile = settings.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${settings.cpuProf}`, "--cpu-prof-name=one-process.cpuprofile"] : [];
      const one = await startService({ name: "one-process", args: [...profile, ...flagsOfStart, path.join(root, "dist", "scripts", "start-all.js")], env: stack.env, cwd: root, logDir: workDir, readyLine: /csp-graph ready/ });
      processes.push(one);
      requests["one-process"] = await load(stack.gatewayUrl, "one process (npm start), HTTP between its services", [one]);
    }
    // The profiler's own clock counts time a process waited for a core as the function it was in;
    // /proc counts only the CPU it used. Shares come from the profile, milliseconds from /proc.
    for (const p of processes) cpuMs[p.name] ??= cpuMsOf(p.pid) ?? NaN;
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
  // A profile covers start-up and the warm-up too: per request is over every request sent, start-up included (an upper bound).
  for (const file of fs.readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile")).sort()) {
    const name = path.basename(file, ".cpuprofile");
    const n = requests[name] ?? requests.stack;
    printSummary(name, summarize(JSON.parse(fs.readFileSync(path.join(profileDir, file), "utf8"))), n, cpuMs[name]);
  }
  if (profiling) console.log(`\nProfiles: ${profileDir}`);
}

main().catch((error) => {
  console.error(`profile failed: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
