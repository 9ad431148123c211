/**
 * Services run as their own processes, as `npm run start:<name>` runs them (from dist/, built
 * when older than the sources): for the tests that need real process boundaries.
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
      exited.then((code) => reject(new Error(`service exited (${code}) before logging "${text}": ${stderr.slice(0, 2000)}`)));
    });
  const ready = await logged("ready");
  return { child, url: new URL(String(ready.url)), logged, exited };
}
