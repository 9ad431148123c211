/**
 * Services run as their own processes, as `npm run start:<name>` runs them in production
 * (one process per subgraph and one for the gateway, talking HTTP), for tests that need real
 * process boundaries: graceful shutdown, and a process killed (kill -9) in the middle of work.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { projectRoot, SubgraphName, SUBGRAPH_NAMES } from "../../common/config";
import { perSubgraph } from "../../subgraphs/registry";
import { Dialect, GqlResult, Stack } from "./stack";
import { GraphQLClient } from "graphql-request";

const ROOT = projectRoot();
const SOURCE_DIRS = ["common", "subgraphs", "gateway"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** `npm run build` when dist/ is missing or older than the sources (CI builds first anyway). */
export function ensureBuilt(entry: string) {
  const built = path.join(ROOT, "dist", entry);
  const stale = !fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(...SOURCE_DIRS.map((d) => newestSource(path.join(ROOT, d))));
  if (!stale) return built;
  try {
    execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
  } catch (error) {
    // Type errors still emit JavaScript; only a missing output is fatal here (`npm run typecheck` reports the rest).
    if (!fs.existsSync(built)) throw error;
  }
  return built;
}

export interface Service {
  child: ChildProcess;
  url: URL;
  /** Resolves with the first log line whose message contains `text`. */
  logged(text: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export async function startService(entry: string, env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "development", LOG_LEVEL: "info", DATABASE_URL: "", JWT_SECRET: "", SUBGRAPH_SECRET: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { text: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      lines.push(line);
      for (const w of waiters.filter((w) => String(line.msg ?? "").includes(w.text))) w.resolve(line);
    }
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const logged = (text: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.find((l) => String(l.msg ?? "").includes(text));
      if (seen) return resolve(seen);
      waiters.push({ text, resolve });
      exited.then((code) => reject(new Error(`service exited (${code}) before logging "${text}": ${stderr.slice(0, 2000)} ${JSON.stringify(lines.slice(-3)).slice(0, 2000)}`)));
    });
  const ready = await logged("ready");
  return { child, url: new URL(String(ready.url)), logged, exited };
}


/** A port free right now (the kernel's pick), for a service that must be told its peers' ports before they start. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** better-sqlite3 has no bundled types; this is the little of it used here. */
const BetterSqlite3 = require("better-sqlite3") as new (file: string) => { prepare(sql: string): { all(): unknown[] }; close(): void };

export type ServiceName = SubgraphName | "gateway";
const ENTRIES: Record<ServiceName, string> = { ...perSubgraph((name) => `subgraphs/${name}/main.js`), gateway: "gateway/main.js" };
const PORT_VARIABLES: Record<ServiceName, string> = { ...perSubgraph((name) => `${name.toUpperCase()}_PORT`), gateway: "PORT" };

/** The production layout: every service its own process, over SQLite files in a temporary folder or a PostgreSQL database of its own. */
export interface ProcessStack {
  dialect: Dialect;
  gatewayUrl: string;
  gql: Stack["gql"];
  /** The SQLite folder (each subgraph's file in it), or the PostgreSQL URL of this stack's database. */
  dataDir: string;
  databaseUrl?: string;
  services: Record<ServiceName, Service>;
  /** kill -9: no shutdown, no release of anything the process held. */
  kill(name: ServiceName): Promise<void>;
  /** Starts a killed service again on its port, over the same database. */
  restart(name: ServiceName): Promise<void>;
  /** SIGSTOP / SIGCONT: the process stops answering (its connections stay open) until resumed. */
  pause(name: ServiceName): void;
  resume(name: ServiceName): void;
  /** Rows of one table of a subgraph's database, read directly (to watch a protocol's progress). */
  rows(subgraph: SubgraphName, table: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** Builds dist/ if needed, then starts every subgraph and the gateway, each as its own process. */
export async function startProcessStack(dialect: Dialect, env: Record<string, string> = {}): Promise<ProcessStack> {
  ensureBuilt(ENTRIES.gateway);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-processes-"));
  let databaseUrl: string | undefined;
  if (dialect === "postgres") {
    // A database of its own: each subgraph process uses its default schema (its name) in it.
    const base = process.env.TEST_DATABASE_URL!;
    const name = `p${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  try {
    return await startOnFreePorts(dialect, env, dataDir, databaseUrl);
  } catch {
    // A port picked free can be taken by another test before the service binds it: once more, on other ports.
    return startOnFreePorts(dialect, env, dataDir, databaseUrl);
  }
}

async function startOnFreePorts(dialect: Dialect, env: Record<string, string>, dataDir: string, databaseUrl: string | undefined): Promise<ProcessStack> {
  const ports = {} as Record<ServiceName, number>;
  for (const name of Object.keys(ENTRIES) as ServiceName[]) ports[name] = await freePort();
  const common: Record<string, string> = {
    ...Object.fromEntries((Object.keys(ENTRIES) as ServiceName[]).map((n) => [PORT_VARIABLES[n], String(ports[n])])),
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? "",
    LOG_LEVEL: "info",
    ...env,
  };
  const services = {} as Record<ServiceName, Service>;
  const start = async (name: ServiceName) => {
    services[name] = await startService(path.join(projectRoot(), "dist", ENTRIES[name]), common);
  };
  // The subgraphs first, side by side (each opens and migrates its own database), then the gateway that composes them.
  try {
    await Promise.all(SUBGRAPH_NAMES.map(start));
    await start("gateway");
  } catch (error) {
    for (const service of Object.values(services)) if (service.child.exitCode === null) service.child.kill("SIGKILL");
    await Promise.all(Object.values(services).map((service) => service.exited));
    throw error;
  }
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  return {
    dialect,
    gatewayUrl,
    dataDir,
    databaseUrl,
    services,
    gql: async (tok, query, variables) => {
      const client = new GraphQLClient(gatewayUrl, { headers: tok ? { authorization: `Bearer ${tok}` } : {}, errorPolicy: "all" });
      try {
        const res = await client.rawRequest(query, variables);
        return { data: res.data as any, errors: res.errors as any } as GqlResult;
      } catch (error: any) {
        if (error?.response) return { data: error.response.data, errors: error.response.errors ?? [{ message: String(error.message), extensions: { status: error.response.status } }] };
        throw error;
      }
    },
    async kill(name) {
      const service = services[name];
      if (service.child.exitCode !== null || service.child.signalCode) return;
      service.child.kill("SIGKILL");
      await service.exited;
    },
    restart: start,
    pause: (name) => services[name].child.kill("SIGSTOP"),
    resume: (name) => services[name].child.kill("SIGCONT"),
    async rows(subgraph, table) {
      if (!/^[a-z_]+$/.test(table)) throw new Error(`table name ${table}`);
      if (databaseUrl) {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          return (await client.query(`SELECT * FROM "${subgraph}"."${table}"`)).rows;
        } finally {
          await client.end();
        }
      }
      const db = new BetterSqlite3(path.join(dataDir, `${subgraph}.sqlite`));
      try {
        return db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
    async stop() {
      for (const service of Object.values(services)) {
        if (service.child.exitCode === null && !service.child.signalCode) {
          service.child.kill("SIGCONT");
          service.child.kill("SIGTERM");
          await service.exited;
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (databaseUrl) {
        const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}
