/**
 * The benchmark's settings: environment variables, each overridable by a flag of the same
 * name (`npm run bench -- --customers 500 --no-peer`). Tooling settings, so they live here
 * and not in common/service/config.ts, which is what the services read.
 */
export interface BenchSettings {
  partners: number;
  customers: number;
  subscriptions: number;
  /** Concurrent clients (autocannon connections). */
  connections: number;
  /** Seconds per measured run. */
  durationS: number;
  /** Seconds of unmeasured warm-up per scenario and gateway. */
  warmupS: number;
  /** Rounds of the read scenarios, ours and the peer's interleaved. */
  rounds: number;
  /** Compare with Hive Gateway. */
  peer: boolean;
  /** First of the ports, one after another: the gateway, each subgraph in registry order (subgraphs/registry.ts), the peer gateway. */
  portBase: number;
  /** PostgreSQL server to create a fresh database on; SQLite in a temporary folder when absent. */
  databaseUrl?: string;
  /** The services' LOG_LEVEL while measured. */
  logLevel: string;
  /** Where the JSON results go. */
  output: string;
  /** A folder: every service then runs with `node --cpu-prof` and leaves its profile there. */
  cpuProf?: string;
  /** Multiplies partners, customers and subscriptions (`--scale 10`: 1 000 partners, 20 000 customers, 100 000 subscriptions). */
  scale: number;
  /**
   * Skewed mode: the dataset gains the skewed parents (bench/dataset.ts) and the run measures
   * list cost against the size of the parent (bench/skew.ts) instead of the four scenarios.
   */
  skew: boolean;
  /** After the federated stack, the same scenarios against the floor: the whole graph in one process (bench/floor.ts). */
  floor: boolean;
  /** Seconds of each open-loop run at half the closed loop's throughput (bench/open-loop.ts); 0 skips them. */
  openLoopS: number;
  /** Also write the results to bench/results/<date>-<database>-<commit>.json, a file to commit (bench/results.ts). */
  record: boolean;
}

const FLAGS: Record<string, { env: string; key: keyof BenchSettings; kind: "int" | "string" | "bool" }> = {
  partners: { env: "BENCH_PARTNERS", key: "partners", kind: "int" },
  customers: { env: "BENCH_CUSTOMERS", key: "customers", kind: "int" },
  subscriptions: { env: "BENCH_SUBSCRIPTIONS", key: "subscriptions", kind: "int" },
  connections: { env: "BENCH_CONNECTIONS", key: "connections", kind: "int" },
  duration: { env: "BENCH_DURATION", key: "durationS", kind: "int" },
  warmup: { env: "BENCH_WARMUP", key: "warmupS", kind: "int" },
  rounds: { env: "BENCH_ROUNDS", key: "rounds", kind: "int" },
  peer: { env: "BENCH_PEER", key: "peer", kind: "bool" },
  "port-base": { env: "BENCH_PORT_BASE", key: "portBase", kind: "int" },
  "database-url": { env: "DATABASE_URL", key: "databaseUrl", kind: "string" },
  "log-level": { env: "BENCH_LOG_LEVEL", key: "logLevel", kind: "string" },
  output: { env: "BENCH_OUTPUT", key: "output", kind: "string" },
  "cpu-prof": { env: "BENCH_CPU_PROF", key: "cpuProf", kind: "string" },
  scale: { env: "BENCH_SCALE", key: "scale", kind: "int" },
  skew: { env: "BENCH_SKEW", key: "skew", kind: "bool" },
  floor: { env: "BENCH_FLOOR", key: "floor", kind: "bool" },
  "open-loop": { env: "BENCH_OPEN_LOOP", key: "openLoopS", kind: "int" },
  record: { env: "BENCH_RECORD", key: "record", kind: "bool" },
};

export const DEFAULTS: BenchSettings = {
  partners: 100,
  customers: 2000,
  subscriptions: 10_000,
  connections: 20,
  durationS: 6,
  warmupS: 2,
  rounds: 3,
  peer: true,
  portBase: 4100,
  databaseUrl: undefined,
  logLevel: "info",
  output: "bench/results/latest.json",
  scale: 1,
  skew: false,
  floor: true,
  openLoopS: 10,
  record: false,
};

/** Where the skewed mode writes its JSON unless told. */
export const SKEW_OUTPUT = "bench/results/latest-skew.json";

export function readSettings(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const raw: Record<string, string> = {};
  for (const [flag, spec] of Object.entries(FLAGS)) if (env[spec.env]) raw[flag] = env[spec.env]!;
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !FLAGS[match[2]]) throw new Error(`unknown argument "${argv[i]}"; known: ${Object.keys(FLAGS).map((f) => `--${f}`).join(", ")}`);
    const [, no, flag, inline] = match;
    raw[flag] = no ? "false" : FLAGS[flag].kind === "bool" ? inline ?? "true" : inline ?? argv[++i];
  }
  const settings: BenchSettings = { ...DEFAULTS };
  for (const [flag, value] of Object.entries(raw)) {
    const spec = FLAGS[flag];
    if (spec.kind === "int") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === "rounds" || flag === "connections" || flag === "duration" || flag === "scale" ? 1 : 0)) throw new Error(`--${flag} must be a whole number (got "${value}")`);
      (settings[spec.key] as number) = n;
    } else if (spec.kind === "bool") {
      (settings[spec.key] as boolean) = !["false", "0", "no", "none"].includes(value.toLowerCase());
    } else {
      (settings[spec.key] as string) = value;
    }
  }
  settings.partners *= settings.scale;
  settings.customers *= settings.scale;
  settings.subscriptions *= settings.scale;
  if (settings.skew && !raw.output) settings.output = SKEW_OUTPUT;
  if (settings.customers < 50 || settings.partners < 10) throw new Error("the dashboard needs at least 10 partners and 50 customers");
  return settings;
}
