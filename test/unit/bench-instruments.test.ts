/**
 * The benchmark's instruments, on their own: what the open loop offers and counts, how the
 * floor comparison is computed and held to its target, where results are recorded, and the
 * settings that switch them.
 */
import fs from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { compareToFloor, FLOOR_RATIO_TARGET } from "../../bench/floor";
import { freshMemory } from "../../bench/fresh-memory";
import type { Measured, Summary } from "../../bench/measure";
import { runOpenLoop } from "../../bench/open-loop";
import { heldEveryRound, HIVE_RATIO_TARGET, ratiosPerRound } from "../../bench/peer";
import { packageOf, summarize as summarizeProfile } from "../../bench/profile-summary";
import { provenance, recordPath, writeResults } from "../../bench/results";
import { DEFAULTS, readSettings } from "../../bench/settings";

/** A GraphQL-shaped server answering every request after `delayMs`, counting how many it holds at once. */
async function slowServer(delayMs: number, body = '{"data":{"ok":true}}') {
  let open = 0;
  let maxOpen = 0;
  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    maxOpen = Math.max(maxOpen, ++open);
    req.resume();
    setTimeout(() => {
      open--;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    stats: () => ({ maxOpen, received }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
const call = () => ({ headers: {}, body: '{"query":"{ ok }"}' });

describe("bench open loop", () => {
  it("Bench: the open loop sends at the offered rate however slowly answers come, and counts latency from each request's scheduled time", async () => {
    const server = await slowServer(150);
    try {
      const result = await runOpenLoop(server.url, call, 40, 0.5);
      expect(result).toMatchObject({ rate: 40, sent: 20, answered: 20, errors: 0 });
      // A closed loop of one client would hold one request at a time; at 40/s and 150 ms each, about six are in flight.
      expect(server.stats().maxOpen).toBeGreaterThanOrEqual(4);
      expect(result.p50Ms).toBeGreaterThanOrEqual(150);
      expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
    } finally {
      await server.close();
    }
  });

  it("Bench: an answer carrying GraphQL errors counts as an error of the open loop", async () => {
    const server = await slowServer(1, '{"errors":[{"message":"no"}],"data":null}');
    try {
      const result = await runOpenLoop(server.url, call, 50, 0.1);
      expect(result.sent).toBe(5);
      expect(result.errors).toBe(5);
      expect(result.firstError).toContain('"errors"');
    } finally {
      await server.close();
    }
  });
});

describe("bench floor comparison", () => {
  const run = (stack: number, sql = 8): Measured => ({
    requests: 10, sent: 10, rps: 10, p50Ms: 1, p99Ms: 2, maxMs: 3, errors: 0, graphqlErrors: 0, non2xx: 0, socketErrors: 0,
    round: 1, sqlPerRequest: sql, cpuMsPerRequest: { floor: stack, stack, bench: 0.5 },
  });
  const summary = (stack: number): Summary => ({ rps: 10, p50Ms: 1, p99Ms: 2, errors: 0, requests: 10, sqlPerRequest: 8, cpuMsPerRequest: { gateway: 1, stack } });

  it("Bench: federated/floor is the ratio of CPU per request of all serving processes, held to 1.3× on the dashboard and customer detail only", () => {
    const out = compareToFloor(
      { dashboard: summary(13), customerDetail: summary(14), subscriptionById: summary(40) },
      { dashboard: [run(9), run(10), run(11)], customerDetail: [run(10)], subscriptionById: [run(10)] },
    );
    expect(FLOOR_RATIO_TARGET).toBe(1.3);
    expect(out.dashboard).toMatchObject({ federatedCpuMs: 13, floorCpuMs: 10, ratio: 1.3, withinTarget: true });
    expect(out.customerDetail).toMatchObject({ ratio: 1.4, withinTarget: false });
    expect(out.subscriptionById).toMatchObject({ ratio: 4, withinTarget: null });
  });

  it("Bench: a floor that answered with errors does not meet the target, whatever its CPU", () => {
    const failing = { ...run(10), errors: 3 };
    const out = compareToFloor({ dashboard: summary(10) }, { dashboard: [failing] });
    expect(out.dashboard).toMatchObject({ ratio: 1, floorErrors: 3, withinTarget: false });
  });
});

describe("bench rounds against Hive Gateway", () => {
  it("Bench: ours ≥ 1.1× Hive Gateway holds only if it holds in every round", () => {
    expect(HIVE_RATIO_TARGET).toBe(1.1);
    const ratios = ratiosPerRound([{ rps: 120 }, { rps: 100 }, { rps: 130 }], [{ rps: 100 }, { rps: 100 }, { rps: 100 }]);
    expect(ratios).toEqual([1.2, 1, 1.3]);
    expect(heldEveryRound(ratios)).toBe(false);
    expect(heldEveryRound([1.1, 1.25])).toBe(true);
    expect(heldEveryRound([])).toBe(false);
    expect(heldEveryRound([1.2, NaN])).toBe(false);
  });
});

describe("bench results", () => {
  it("Bench: a recorded run is named by date, database and commit, a second one that day gets a file of its own, and both carry where they came from", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "csp-results-"));
    try {
      const meta = { ...provenance(root), when: "2026-12-02T03:00:00.000Z", commit: { sha: "abcdef0123456789", short: "abcdef0", dirty: false } };
      const first = writeResults(root, "bench/results/latest.json", { ...meta, figures: 1 }, { record: true, database: "sqlite" });
      expect(first.map((f) => path.relative(root, f))).toEqual(["bench/results/latest.json", "bench/results/2026-12-02-sqlite-abcdef0.json"]);
      const second = writeResults(root, "bench/results/latest.json", { ...meta, figures: 2 }, { record: true, database: "sqlite" });
      expect(path.relative(root, second[1])).toBe("bench/results/2026-12-02-sqlite-abcdef0-2.json");
      expect(path.basename(recordPath(root, { ...meta, commit: { ...meta.commit, dirty: true } }, "postgres", "skew"))).toBe("2026-12-02-postgres-abcdef0-dirty-skew.json");
      const written = JSON.parse(fs.readFileSync(second[1], "utf8"));
      expect(written).toMatchObject({ figures: 2, when: meta.when, commit: meta.commit, machine: { cores: os.cpus().length, node: process.version } });
      expect(typeof written.machine.cpu).toBe("string");
      // Without --record only the latest file is written.
      expect(writeResults(root, "bench/results/latest.json", meta, { record: false, database: "sqlite" })).toHaveLength(1);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("Bench: the results of this checkout name its commit", () => {
    const meta = provenance(path.join(__dirname, "..", ".."));
    expect(meta.commit?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(meta.commit?.short).toBe(meta.commit?.sha.slice(0, 7));
  });
});

describe("bench settings", () => {
  it("Bench: the floor runs unless --no-floor, results are recorded only with --record, and --open-loop sets the open loop's seconds", () => {
    expect(DEFAULTS).toMatchObject({ floor: true, record: false, openLoopS: 10 });
    expect(readSettings(["--no-floor", "--record", "--open-loop", "3"], {})).toMatchObject({ floor: false, record: true, openLoopS: 3 });
    expect(readSettings([], { BENCH_FLOOR: "false", BENCH_RECORD: "1", BENCH_OPEN_LOOP: "0" })).toMatchObject({ floor: false, record: true, openLoopS: 0 });
    expect(readSettings(["--skew"], {}).output).toBe("bench/results/latest-skew.json");
  });
});

describe("bench memory in fresh processes", () => {
  it("Bench: a shape's rise is its median peak over the default's median peak, per process, and the default's spread is its highest minus lowest reading", () => {
    const memory = freshMemory(
      {
        default: [{ gateway: 200, customers: 100 }, { gateway: 240, customers: 104 }, { gateway: 210, customers: 101 }],
        // One high reading of three does not move the median.
        wide: [{ gateway: 330, customers: 131 }, { gateway: 215, customers: 133 }, { gateway: 220, customers: 130 }],
      },
      "default",
    );
    expect(memory.peakMb).toEqual({ default: { gateway: 210, customers: 101 }, wide: { gateway: 220, customers: 131 } });
    expect(memory.riseMb).toEqual({ wide: { gateway: 10, customers: 30 } });
    expect(memory.baselineSpreadMb).toEqual({ gateway: 40, customers: 4 });
    expect(memory.repeats).toBe(3);
  });

  it("Bench: without readings of the default dashboard there is no baseline to rise over", () => {
    expect(() => freshMemory({ wide: [{ gateway: 1 }] }, "default")).toThrow(/baseline/);
  });
});

describe("bench profile summary", () => {
  it("Bench: a profile's self time is counted by package (node_modules package, node's internals, our folders), without idle time", () => {
    expect(packageOf("file:///app/node_modules/@apollo/server/dist/cjs/ApolloServer.js", "x")).toBe("@apollo/server");
    expect(packageOf("file:///app/node_modules/typeorm/query-builder/QueryBuilder.js", "x")).toBe("typeorm");
    expect(packageOf("node:internal/stream_base_commons", "writevGeneric")).toBe("node");
    expect(packageOf("file:///app/dist/subgraphs/partners/loaders.js", "x")).toBe("subgraphs/partners");
    expect(packageOf("", "(garbage collector)")).toBe("(garbage collector)");
    expect(packageOf("", "writev")).toBe("(native)");
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });
    const profile = {
      nodes: [frame(1, "(root)", "", [2, 3, 4]), frame(2, "(idle)", ""), frame(3, "query", "file:///app/node_modules/typeorm/a.js"), frame(4, "handle", "file:///app/dist/common/http/http.js")],
      // Each sample lasts until the next one: typeorm 3 ms, ours 1 ms, idle 5 ms.
      samples: [3, 4, 2, 3],
      timeDeltas: [0, 3000, 1000, 5000, 0],
      startTime: 0,
      endTime: 9000,
    };
    const s = summarizeProfile(profile);
    expect(s.busyMs).toBe(4);
    expect(s.byPackage).toEqual([["typeorm", 3], ["common/http", 1]]);
    expect(s.byFunction[0]).toEqual(["query a.js:1", 3]);
  });
});
