/**
 * The federated stack as `npm run bench` runs it: every subgraph of subgraphs/registry.ts and
 * the gateway, each its own process started exactly as `npm run start:<name>` starts it
 * (node flags included), NODE_ENV=production with secrets of the run's own, no demo data,
 * on ports from `settings.portBase` on. Shared by the standard run (bench/run.ts) and the
 * profiler (bench/profile.ts), so both measure the same thing.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { perSubgraph } from "../subgraphs/registry";
import { ServiceProcess, startCommandOf, startService } from "./processes";
import type { Where } from "./dataset";
import type { BenchSettings } from "./settings";

export interface StackPorts extends Record<SubgraphName, number> {
  gateway: number;
  hive: number;
}

/** The gateway, each subgraph in registry order, then the peer gateway (bench/settings.ts). */
export function stackPorts(settings: BenchSettings): StackPorts {
  return {
    gateway: settings.portBase,
    ...perSubgraph((name) => settings.portBase + 1 + SUBGRAPH_NAMES.indexOf(name)),
    hive: settings.portBase + 1 + SUBGRAPH_NAMES.length,
  };
}

export interface Stack {
  env: NodeJS.ProcessEnv;
  jwtSecret: string;
  subgraphSecret: string;
  /** Subgraphs in registry order, then the gateway. */
  processes: ServiceProcess[];
  subgraphUrls: Record<SubgraphName, string>;
  gatewayUrl: string;
  /** Spawn of the first to `ready` of the last, ms. */
  startMs: number;
  /**
   * Stops every service and starts each again (same environment, ports and data), replacing
   * the entries of `processes` in place: fresh processes for a measurement that must not
   * inherit what earlier runs grew (bench/skew.ts's memory pass).
   */
  restart(): Promise<void>;
}

export async function startStack(options: { settings: BenchSettings; root: string; workDir: string; where: Where; ports: StackPorts; processes: ServiceProcess[]; log?: (line: string) => void }): Promise<Stack> {
  const { settings, ports, where } = options;
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
  };
  for (const name of SUBGRAPH_NAMES) {
    env[`${name.toUpperCase()}_PORT`] = String(ports[name]);
    delete env[`${name.toUpperCase()}_URL`];
  }
  // Each service exactly as `npm run start:<name>` starts it (node flags included).
  const entries: [string, string[]][] = [...SUBGRAPH_NAMES, "gateway" as const].map((n) => [n, startCommandOf(options.root, n)]);
  const spawnAll = async (log: ((line: string) => void) | undefined) => {
    for (const [name, command] of entries) {
      const profile = settings.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(settings.cpuProf)}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      const p = await startService({ name, args: [...profile, ...command], env, cwd: options.root, logDir: options.workDir, readyLine: /\bready\b/ });
      // Pushed as each starts, so the caller stops whatever did start when a later one fails.
      options.processes.push(p);
      log?.(`  ${name} ready in ${Math.round(p.coldStartMs)} ms`);
    }
  };
  const t = performance.now();
  await spawnAll(options.log);
  return {
    env,
    jwtSecret,
    subgraphSecret,
    processes: options.processes,
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `http://127.0.0.1:${ports[n]}/graphql`])) as Record<SubgraphName, string>,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`,
    startMs: performance.now() - t,
    async restart() {
      // The gateway first, as an operator stops a stack; the same secrets, ports and data.
      const running = options.processes.splice(0);
      for (const p of running.reverse()) await p.stop();
      await spawnAll(undefined);
    },
  };
}
