/**
 * `npm run bench:hop`: what one subgraph hop costs with nothing in it, on this machine. The
 * floor (bench/floor.ts) runs the graph without HTTP; the federated stack pays, per subgraph
 * call, at least an HTTP round trip on loopback between two processes. This measures that
 * least: the gateway's own fetcher (gateway/subgraph-fetcher.ts) calling, from this process,
 * a server in a child process that
 *
 *  - `http`: node:http, reads the body, parses the JSON, answers a canned `_entities` answer;
 *  - `apollo`: the same front every service has (common/http/http.ts) with Apollo Server,
 *    the observability plugin and its log line, answering the same `_entities` document from
 *    memory: the per-call pipeline of a subgraph without token, loaders or SQL.
 *
 * It prints CPU ms per call of the caller and of the server (from /proc and process.cpuUsage)
 * at `--connections` calls in flight. A federated request's fixed cost is at least the number of
 * its subgraph calls times the sum.
 */
import "reflect-metadata";
import { spawn } from "node:child_process";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { createHttpService, listen } from "../common/http/http";
import { subgraphPlugins } from "../common/service/subgraph-server";
import { createSubgraphFetcher } from "../gateway/subgraph-fetcher";
import { cpuMsOf } from "./processes";

type Kind = "http" | "apollo";
const KINDS: Kind[] = ["http", "apollo"];

/** What the planner sends for a partner's name, and what a subgraph answers. */
const DOCUMENT = "query CustomerDetail__partners__3($representations:[_Any!]!){_entities(representations:$representations){...on Partner{id name}}}";
const variables = (i: number) => ({ representations: [{ __typename: "Partner", id: `p-${i % 64}` }] });
const ANSWER = (id: string) => ({ data: { _entities: [{ id, name: `Partner ${id}` }] } });

async function serve(kind: Kind) {
  let server: http.Server;
  if (kind === "http") {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const text = JSON.stringify(ANSWER(body.variables.representations[0].id));
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      });
    });
  } else {
    const schema = buildSubgraphSchema({
      typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Partner @key(fields: "id") { id: ID! name: String! }
        type Query { partner(id: ID!): Partner }`),
      resolvers: { Query: { partner: (_: unknown, { id }: { id: string }) => ({ id, name: `Partner ${id}` }) }, Partner: { __resolveReference: ({ id }: { id: string }) => ({ id, name: `Partner ${id}` }) } } as never,
    });
    const apollo = new ApolloServer({
      schema,
      plugins: subgraphPlugins(),
      stopOnTerminationSignals: false,
    });
    await apollo.start();
    server = createHttpService({ name: "hop", health: async () => true, routes: { "/graphql": { apollo, context: async () => ({}) } } });
  }
  const running = await listen(server, 0);
  process.send!({ port: running.port });
}

async function measure(kind: Kind, connections: number, seconds: number) {
  const child = spawn(process.execPath, ["--max-semi-space-size=64", __filename, "serve", kind], { stdio: ["ignore", "ignore", "inherit", "ipc"], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", NODE_ENV: "production" } });
  // Its log lines go nowhere (reading them would cost this process); it names its port over IPC.
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
  });
  const fetcher = createSubgraphFetcher({ timeoutMs: 10_000, maxSockets: connections });
  const url = `http://127.0.0.1:${port}/graphql`;
  const call = async (i: number) => {
    const res = await fetcher(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: DOCUMENT, variables: variables(i), operationName: "CustomerDetail__partners__3" }) });
    const json = (await res.json()) as { data?: { _entities?: unknown[] } };
    if (!json.data?._entities?.length) throw new Error(`unexpected answer ${JSON.stringify(json).slice(0, 200)}`);
  };
  const loop = async (deadline: number) => {
    let n = 0;
    while (performance.now() < deadline) await call(n++);
    return n;
  };
  await Promise.all(Array.from({ length: connections }, () => loop(performance.now() + 1_000))); // warm-up
  const cpu0 = process.cpuUsage();
  const server0 = cpuMsOf(child.pid!)!;
  const started = performance.now();
  const calls = (await Promise.all(Array.from({ length: connections }, () => loop(started + seconds * 1000)))).reduce((a, b) => a + b, 0);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = cpuMsOf(child.pid!)! - server0;
  fetcher.destroy();
  child.kill();
  const callerMs = (cpu.user + cpu.system) / 1000;
  return { kind, connections, calls, callsPerS: Math.round(calls / (elapsed / 1000)), callerMsPerCall: +(callerMs / calls).toFixed(3), serverMsPerCall: +(serverMs / calls).toFixed(3), bothMsPerCall: +((callerMs + serverMs) / calls).toFixed(3) };
}

async function main() {
  const [mode, kind] = process.argv.slice(2);
  if (mode === "serve") return serve(kind as Kind);
  const connections = Number(process.env.HOP_CONNECTIONS ?? 8);
  const seconds = Number(process.env.HOP_SECONDS ?? 5);
  const rows = [];
  for (const k of KINDS) rows.push(await measure(k, connections, seconds));
  console.log(`One subgraph hop with nothing in it: ${connections} calls in flight, ${seconds} s each, CPU ms per call (caller = the gateway's fetcher, server = the child process)`);
  for (const r of rows) console.log(`  ${r.kind.padEnd(7)} ${String(r.callsPerS).padStart(6)} calls/s  caller ${r.callerMsPerCall.toFixed(3)}  server ${r.serverMsPerCall.toFixed(3)}  both ${r.bothMsPerCall.toFixed(3)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
