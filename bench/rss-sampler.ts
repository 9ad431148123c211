/**
 * The highest resident set each process reaches during a run: /proc/<pid>/status sampled
 * every 100 ms. VmHWM (bench/processes.ts) is the peak since the process started, which
 * cannot tell one run's need from an earlier one's; this is the peak of one window.
 */
import type { ServiceProcess } from "./processes";

export const RSS_SAMPLE_INTERVAL_MS = 100;

export function sampleRss(processes: ServiceProcess[]): { stop(): Record<string, number> } {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const p of processes) {
      const rss = p.memory()?.rssMb;
      if (rss !== undefined && Number.isFinite(rss)) peak[p.name] = Math.max(peak[p.name] ?? 0, rss);
    }
  };
  sample();
  const timer = setInterval(sample, RSS_SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(Object.entries(peak).map(([name, mb]) => [name, Math.round(mb * 10) / 10]));
    },
  };
}
