/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and says where its time went: self time by
 * package (each node_modules package, node's own internals, our modules by folder, garbage
 * collection) and the functions with the most self time. Used by bench/profile.ts; also runs
 * alone: `node dist/bench/profile-summary.js <file.cpuprofile>…`.
 */
import fs from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  byPackage: [string, number][];
  byFunction: [string, number][];
}

/** Where a frame's code lives: a package, node's internals, one of our folders, or a V8 pseudo-frame. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "node_modules/".length).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.indexOf("/dist/");
  if (dist >= 0) return path.dirname(url.slice(dist + "/dist/".length));
  return url;
}

export function summarize(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // Sample i's time is the delta to the next sample.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") continue;
    busyUs += us;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const key = `${functionName || "(anonymous)"} ${url ? `${pkg === "node" ? url : path.basename(url)}:${lineNumber + 1}` : ""}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => [k, Math.round(us / 100) / 10] as [string, number]);
  return { busyMs: Math.round(busyUs / 1000), byPackage: sorted(packages), byFunction: sorted(functions) };
}

/**
 * `cpuMs`, when given, is the CPU the process used in all (from /proc): a sampled profile's
 * clock also counts the time a process waited for a core, so under load its milliseconds run
 * high. Per-request figures then scale each share to the CPU actually used.
 */
export function printSummary(name: string, s: ProfileSummary, requests?: number, cpuMs?: number) {
  const scale = cpuMs && Number.isFinite(cpuMs) ? cpuMs / s.busyMs : 1;
  const per = (ms: number) => (requests ? `  ${((ms * scale) / requests).toFixed(3)} CPU ms/req` : "");
  console.log(`\n${name}: ${s.busyMs} ms sampled busy${cpuMs ? `, ${Math.round(cpuMs)} ms CPU (/proc)` : ""}${requests ? ` over ${requests} requests: ${((s.busyMs * scale) / requests).toFixed(3)} CPU ms/req, start-up included` : ""}`);
  console.log("  self time by package:");
  for (const [k, ms] of s.byPackage) console.log(`    ${String(ms).padStart(8)} ms  ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)} %${per(ms)}  ${k}`);
  console.log("  functions with the most self time:");
  for (const [k, ms] of s.byFunction) console.log(`    ${String(ms).padStart(8)} ms  ${((ms / s.busyMs) * 100).toFixed(1).padStart(5)} %  ${k}`);
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) printSummary(path.basename(file), summarize(JSON.parse(fs.readFileSync(file, "utf8"))));
}
