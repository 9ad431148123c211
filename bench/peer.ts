/**
 * The peer gateway we compare against: Hive Gateway, installed on demand into bench/.peer
 * (gitignored; not a project dependency), serving the same schema/supergraph.graphql with
 * its subgraph URLs pointed at the benchmark's running subgraphs. Like ours, it forwards
 * the caller's Authorization and adds the subgraph credential (x-subgraph-secret).
 *
 * It runs with its Rust query planner (`--hive-router-runtime`): the default runtime answers
 * every field of our `Subscription` entity with an "ID cannot represent value" error, as it
 * takes a type of that name for the subscription root in the subgraph schemas it extracts
 * (composition itself declares `subscription: Subscription`); the router runtime plans from
 * the supergraph and answers exactly as our gateway does (checked before every run).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SubgraphName } from "../common/service/config";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { startService, ServiceProcess } from "./processes";

export const HIVE_GATEWAY_VERSION = "2.15.1";
/** Ours against Hive Gateway, per read scenario and in every round (the performance goal). */
export const HIVE_RATIO_TARGET = 1.1;

/** Ours/Hive throughput of each round (rounds interleave the two, so each pair ran under the same load). */
export const ratiosPerRound = (ours: { rps: number }[], hive: { rps: number }[]): number[] => hive.map((h, i) => Number((ours[i].rps / h.rps).toFixed(2)));

/** Did the ratio reach the target in every round (and was there a round at all)? */
export const heldEveryRound = (ratios: number[], target = HIVE_RATIO_TARGET): boolean => ratios.length > 0 && ratios.every((r) => Number.isFinite(r) && r >= target);
export const HIVE_ROUTER_RUNTIME_VERSION = "1.4.23";

const PEER_PACKAGE = {
  name: "csp-graph-bench-peer",
  private: true,
  description: "Hive Gateway, installed on demand by `npm run bench` to compare against (not a project dependency).",
  dependencies: { "@graphql-hive/gateway": HIVE_GATEWAY_VERSION, "@graphql-hive/router-runtime": HIVE_ROUTER_RUNTIME_VERSION },
  // Without this pin the install resolves a @graphql-tools/delegate that does not match the gateway's runtime.
  overrides: { "@graphql-tools/delegate": "12.2.1" },
};

/** Where the CLI's entry script is, installing Hive Gateway first when missing (about a minute, once). */
export function ensureHiveGateway(peerDir: string): string {
  const bin = path.join(peerDir, "node_modules", "@graphql-hive", "gateway", "package.json");
  const wanted = JSON.stringify(PEER_PACKAGE, null, 2) + "\n";
  const manifest = path.join(peerDir, "package.json");
  const current = fs.existsSync(manifest) ? fs.readFileSync(manifest, "utf8") : "";
  if (!fs.existsSync(bin) || current !== wanted) {
    fs.mkdirSync(peerDir, { recursive: true });
    fs.writeFileSync(manifest, wanted);
    console.log(`Installing @graphql-hive/gateway ${HIVE_GATEWAY_VERSION} into ${path.relative(process.cwd(), peerDir)} (once)…`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: peerDir, stdio: "inherit" });
  }
  const pkg = JSON.parse(fs.readFileSync(bin, "utf8")) as { bin: string | Record<string, string> };
  const entry = typeof pkg.bin === "string" ? pkg.bin : pkg.bin["hive-gateway"];
  return path.join(path.dirname(bin), entry);
}

/** Headers from the client plus the static subgraph credential, read from the environment (never written to disk). */
const CONFIG = `// Written by npm run bench.
export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({
      authorization: request.headers.get("authorization"),
      "${SUBGRAPH_SECRET_HEADER}": process.env.SUBGRAPH_SECRET,
    }),
  },
};
`;

export async function startHiveGateway(options: {
  peerDir: string;
  workDir: string;
  supergraphSdl: string;
  subgraphUrls: Record<SubgraphName, string>;
  port: number;
  env: NodeJS.ProcessEnv;
}): Promise<ServiceProcess> {
  const entry = ensureHiveGateway(options.peerDir);
  let sdl = options.supergraphSdl;
  for (const [name, url] of Object.entries(options.subgraphUrls)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${url}$2`);
  }
  const supergraph = path.join(options.workDir, "supergraph.graphql");
  const config = path.join(options.workDir, "gateway.config.mjs");
  fs.writeFileSync(supergraph, sdl);
  fs.writeFileSync(config, CONFIG);
  return startService({
    name: "hive-gateway",
    args: [entry, "supergraph", supergraph, "-c", config, "--port", String(options.port), "--host", "127.0.0.1", "--hive-router-runtime"],
    env: options.env,
    cwd: options.workDir,
    logDir: options.workDir,
    readyUrl: `http://127.0.0.1:${options.port}/readiness`,
  });
}
