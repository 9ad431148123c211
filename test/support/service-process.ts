/**
 * A service run as its own process, as `npm run start:<name>` runs it (from dist/, built when
 * missing or older than the sources), with its JSON log lines readable by the test.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../../common/config";

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

/** The built entry point (e.g. `gateway/main.js`), running `tsc -p tsconfig.build.json` first when dist/ is stale. */
export function ensureBuilt(entry: string): string {
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

export interface ServiceProcess {
  child: ChildProcess;
  /** The GraphQL URL from its `ready` line. */
  url: string;
  lines: Record<string, unknown>[];
  /** Resolves with the first log line whose message contains `text`. */
  logged(text: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startServiceProcess(entry: string, env: Record<string, string>): Promise<ServiceProcess> {
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
      exited.then((code) => reject(new Error(`service exited (${code}) before logging "${text}": ${stderr.slice(0, 2000)}`)));
    });
  const ready = await logged("ready");
  return {
    child,
    url: String(ready.url),
    lines,
    logged,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
