/**
 * Every setting the services read from the environment, in one place, so the README's
 * configuration table and the code cannot drift apart.
 */
export type SubgraphName = "partners" | "customers" | "subscriptions";
export const SUBGRAPH_NAMES: readonly SubgraphName[] = ["partners", "customers", "subscriptions"];

/** The development signing secret. Documented in the README; refused in production. */
export const DEV_JWT_SECRET = "csp-graph-development-secret-do-not-use-in-production";
/** The development credential the gateway shows subgraphs; refused in production. */
export const DEV_SUBGRAPH_SECRET = "csp-graph-development-subgraph-secret";

const DEFAULT_PORTS: Record<SubgraphName | "gateway", number> = {
  gateway: 4000,
  partners: 4001,
  customers: 4002,
  subscriptions: 4003,
};

export interface Config {
  production: boolean;
  port(service: SubgraphName | "gateway"): number;
  subgraphUrl(name: SubgraphName): string;
  dataDir: string;
  databaseUrl?: string;
  jwtSecret?: string;
  jwtPublicKey?: string;
  jwksUrl?: string;
  subgraphSecret: string;
  seed: "demo" | "none";
  host: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === "production";
  const envPortName = (s: string) => (s === "gateway" ? "PORT" : `${s.toUpperCase()}_PORT`);
  const port = (s: SubgraphName | "gateway") => {
    const raw = env[envPortName(s)];
    return raw ? Number(raw) : DEFAULT_PORTS[s];
  };
  const seed = env.SEED === "none" ? "none" : "demo";
  return {
    production,
    port,
    subgraphUrl: (name) =>
      env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port(name)}/graphql`,
    dataDir: env.DATA_DIR ?? "./data",
    databaseUrl: env.DATABASE_URL || undefined,
    jwtSecret: env.JWT_SECRET || undefined,
    jwtPublicKey: env.JWT_PUBLIC_KEY || undefined,
    jwksUrl: env.JWKS_URL || undefined,
    subgraphSecret: env.SUBGRAPH_SECRET || DEV_SUBGRAPH_SECRET,
    seed,
    host: env.HOST ?? "127.0.0.1",
  };
}

/** Production must never run on the secrets that are printed in the README. */
export function assertProductionSafe(config: Config): void {
  if (!config.production) return;
  const problems: string[] = [];
  if (!config.jwtPublicKey && !config.jwksUrl && (!config.jwtSecret || config.jwtSecret === DEV_JWT_SECRET)) {
    problems.push("set JWT_PUBLIC_KEY or JWKS_URL (or a JWT_SECRET other than the development default)");
  }
  if (config.subgraphSecret === DEV_SUBGRAPH_SECRET) {
    problems.push("set SUBGRAPH_SECRET to a value of your own");
  }
  if (problems.length) {
    throw new Error(`Refusing to start in production: ${problems.join("; ")}.`);
  }
}

/** The repository root (where package.json is), whether running from source or from dist/. */
export function projectRoot(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require("node:fs") as typeof import("node:fs");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path = require("node:path") as typeof import("node:path");
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
