/**
 * Services as users run them: each its own `node dist/...` process. Output goes to a log file
 * (a pipe would make the benchmark's own process read every request's log line); cold start
 * is the time from spawn to the first output line saying `ready` (or to a readiness URL
 * answering, for a peer that prints no such line). Memory is read from /proc.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface Memory {
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set since start (VmHWM), MB. */
  peakMb: number;
}

export interface ServiceProcess {
  name: string;
  pid: number;
  coldStartMs: number;
  logFile: string;
  memory(): Memory | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logDir: string;
  /** A line of output that means "ready"; or… */
  readyLine?: RegExp;
  /** …a URL that answers 200 once ready. */
  readyUrl?: string;
  timeoutMs?: number;
}

export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined; // not Linux, or the process is gone
  }
}

/** CPU time the process has used so far, user and kernel (system), ms; from /proc/<pid>/stat. */
export function cpuSplitOf(pid: number): { userMs: number; systemMs: number } | undefined {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    return { userMs: (Number(fields[11]) * 1000) / CLOCK_TICKS_PER_S, systemMs: (Number(fields[12]) * 1000) / CLOCK_TICKS_PER_S };
  } catch {
    return undefined; // not Linux, or the process is gone
  }
}

/** CPU time (user + system) the process has used so far, ms. */
export function cpuMsOf(pid: number): number | undefined {
  const split = cpuSplitOf(pid);
  return split && split.userMs + split.systemMs;
}
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS_PER_S = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The node arguments of `npm run start:<name>` (package.json), so the benchmark runs what users run. */
export function startCommandOf(root: string, name: string): string[] {
  const script: string | undefined = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts?.[`start:${name}`];
  const [node, ...args] = script?.trim().split(/\s+/) ?? [];
  if (node !== "node" || !args.length) throw new Error(`package.json has no "start:${name}" script of the form "node … <script>"`);
  return args;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).ok;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export async function startService(options: StartOptions): Promise<ServiceProcess> {
  const logFile = path.join(options.logDir, `${options.name}.log`);
  const out = fs.openSync(logFile, "w");
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, options.args, { cwd: options.cwd, env: options.env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? -1));
  const deadline = started + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`${options.name} exited with ${exited} before it was ready:\n${tail(logFile)}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} not ready after ${options.timeoutMs ?? 60_000} ms:\n${tail(logFile)}`);
    }
    if (options.readyLine ? options.readyLine.test(fs.readFileSync(logFile, "utf8")) : await answers(options.readyUrl!)) break;
    await sleep(10);
  }
  const coldStartMs = performance.now() - started;
  return {
    name: options.name,
    pid: child.pid!,
    coldStartMs,
    logFile,
    memory: () => memoryOf(child.pid!),
    async stop() {
      if (exited !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
