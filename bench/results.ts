/**
 * Where a benchmark's results go, and what every result says about where it came from. Each
 * run writes its JSON to the output setting (bench/results/latest.json, gitignored); with
 * `--record` also to bench/results/<date>-<database>-<commit>.json, a file to commit, so
 * figures quoted anywhere can name the run they came from. Every result carries the date,
 * the machine (CPU model, cores, memory, load average), the commit (and whether the work
 * tree had uncommitted changes) and the Node version.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Provenance {
  when: string;
  machine: { cpu: string | undefined; cores: number; memoryMb: number; loadAverage: number[]; node: string; platform: string };
  commit: { sha: string; short: string; dirty: boolean } | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The checkout's commit; null outside a git work tree. */
function commitOf(root: string): Provenance["commit"] {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const sha = git("rev-parse", "HEAD");
    // Results are not build output: a run with its own files changed still measures the commit's product.
    const dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results").length > 0;
    return { sha, short: sha.slice(0, 7), dirty };
  } catch {
    return null;
  }
}

export function provenance(root: string): Provenance {
  const cpus = os.cpus();
  return {
    when: new Date().toISOString(),
    machine: { cpu: cpus[0]?.model, cores: cpus.length, memoryMb: Math.round(os.totalmem() / 2 ** 20), loadAverage: os.loadavg().map(round1), node: process.version, platform: `${os.platform()} ${os.release()}` },
    commit: commitOf(root),
  };
}

/** The committed file's name: `2026-12-02-sqlite-e9c64fb.json` (`-skew` for the skewed mode; `-2`, `-3` for further runs that day). */
export function recordPath(root: string, meta: Provenance, database: string, kind?: string): string {
  const base = [meta.when.slice(0, 10), database, meta.commit ? meta.commit.short + (meta.commit.dirty ? "-dirty" : "") : "nocommit", ...(kind ? [kind] : [])].join("-");
  const dir = path.join(root, "bench", "results");
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${base}${n > 1 ? `-${n}` : ""}.json`);
    if (!fs.existsSync(file)) return file;
  }
}

/** Writes the results to `output` and, when recording, to their committed file too; returns the paths written. */
export function writeResults(root: string, output: string, results: Provenance & Record<string, unknown>, options: { record: boolean; database: string; kind?: string }): string[] {
  const text = JSON.stringify(results, null, 2) + "\n";
  const files = [path.resolve(root, output)];
  if (options.record) files.push(recordPath(root, results, options.database, options.kind));
  for (const file of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return files;
}
