/**
 * `npm run portability`: the API behind a second federation engine. Starts the subgraphs and our
 * gateway in this process over fresh SQLite with the demo data, starts the Grafbase CLI's
 * `grafbase dev` on the same subgraphs (installed on demand into scripts/.grafbase, gitignored;
 * not a project dependency), sends every example operation of schema/operations and a set of
 * refusals through both, and compares the answers: data, and each error's message, path and
 * extensions (code, reason, allowedRoles, field, …). Prints a table; exits 1 on a difference.
 *
 * Mutations change what the next run sees, so each is sent three times: through our gateway
 * twice, then through Grafbase. The two re-runs (ours and Grafbase's) must agree; values that
 * differ between our own two runs (a new id, a new code, a timestamp) are compared by presence only.
 *
 * HTTP statuses are reported, not compared: our gateway refuses a bad token itself (HTTP 401 with
 * WWW-Authenticate); Grafbase does not verify tokens, so the subgraphs refuse it (HTTP 200 with the
 * same GraphQL error, as docs/integration.md says).
 */
import "reflect-metadata";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parse, OperationDefinitionNode } from "graphql";
import { DEV_SUBGRAPH_SECRET, projectRoot, readConfig, SubgraphName, SUBGRAPH_NAMES } from "../common/config";
import { signDevToken, TokenClaims } from "../common/identity";
import { logger } from "../common/logger";
import type { PeerDirectory, SubgraphServer } from "../common/subgraph-server";
import { buildGateway } from "../gateway/server";
import { perSubgraph } from "../subgraphs/registry";
import { SUBGRAPH_CODE } from "../subgraphs/servers";
import { demoClaims, seedDemo } from "./demo";

export const GRAFBASE_CLI_PACKAGE = "@grafbase/cli-x86_64-unknown-linux-musl";
export const GRAFBASE_CLI_VERSION = "0.103.0";

const ROOT = projectRoot();
const OPERATIONS_DIR = path.join(ROOT, "schema", "operations");

/** The Grafbase binary, installing the pinned CLI package first when missing (about 100 MB, once). */
function ensureGrafbase(dir: string): string {
  const manifest = path.join(dir, "package.json");
  const wanted = JSON.stringify({ name: "csp-graph-portability-peer", private: true, dependencies: { [GRAFBASE_CLI_PACKAGE]: GRAFBASE_CLI_VERSION } }, null, 2) + "\n";
  const binary = path.join(dir, "node_modules", ...GRAFBASE_CLI_PACKAGE.split("/"), "grafbase");
  if (!fs.existsSync(binary) || (fs.existsSync(manifest) ? fs.readFileSync(manifest, "utf8") : "") !== wanted) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(manifest, wanted);
    console.log(`Installing ${GRAFBASE_CLI_PACKAGE} ${GRAFBASE_CLI_VERSION} into ${path.relative(process.cwd(), dir)} (once)…`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  }
  return binary;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Grafbase's configuration: our subgraphs' SDL and URLs; the caller's Authorization forwarded and the subgraph credential added, as our gateway does. */
function grafbaseConfig(subgraphUrls: PeerDirectory): string {
  const lines = SUBGRAPH_NAMES.flatMap((name) => [
    `[subgraphs.${name}]`,
    `url = "${subgraphUrls[name]}"`,
    `schema_path = "${path.join(ROOT, "schema", `${name}.graphql`)}"`,
    "",
  ]);
  return [
    "# Written by npm run portability.",
    ...lines,
    "[[headers]]",
    'rule = "forward"',
    'name = "authorization"',
    "",
    "[[headers]]",
    'rule = "insert"',
    'name = "x-subgraph-secret"',
    'value = "{{ env.SUBGRAPH_SECRET }}"',
    "",
  ].join("\n");
}

async function startGrafbase(binary: string, workDir: string, subgraphUrls: PeerDirectory, secret: string): Promise<{ url: string; child: ChildProcess }> {
  const configPath = path.join(workDir, "grafbase.toml");
  fs.writeFileSync(configPath, grafbaseConfig(subgraphUrls));
  const port = await freePort();
  const child = spawn(binary, ["dev", "-c", configPath, "--port", String(port)], { cwd: workDir, env: { ...process.env, SUBGRAPH_SECRET: secret }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const url = `http://127.0.0.1:${port}/graphql`;
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`grafbase dev exited (${child.exitCode}):\n${output.slice(-3000)}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
      if (res.ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill("SIGTERM");
  throw new Error(`grafbase dev did not answer within 120 s:\n${output.slice(-3000)}`);
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] };
}

async function send(url: string, token: string | undefined, query: string, operationName?: string, variables?: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, operationName, variables }),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

/**
 * What must agree: data, and each error's message, path and extensions (the engine's own `service`
 * name aside). No data and data whose every root field is null say the same to a client: our
 * gateway refuses a bad token before executing (no data), a gateway that leaves the token to the
 * subgraphs gets the same error for each root field (null).
 */
function comparable(answer: Answer): unknown {
  const data = answer.body.data;
  const empty = !data || (typeof data === "object" && Object.values(data).every((v) => v === null));
  return {
    data: empty ? null : data,
    errors: (answer.body.errors ?? []).map(({ message, path: at, extensions }) => {
      const { service: _engine, ...rest } = extensions ?? {};
      return { message, path: at ?? null, extensions: rest };
    }),
  };
}

/** `value` with every leaf that differs from `other` replaced by a marker of its presence. */
function maskDifferences(value: unknown, other: unknown): unknown {
  if (Array.isArray(value) && Array.isArray(other) && value.length === other.length) return value.map((v, i) => maskDifferences(v, other[i]));
  if (value && other && typeof value === "object" && typeof other === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDifferences(v, (other as Record<string, unknown>)[k])]));
  }
  return JSON.stringify(value) === JSON.stringify(other) ? value : value === null || value === undefined ? value : "<varies between runs>";
}

interface Case {
  name: string;
  token?: () => Promise<string | undefined>;
  query: string;
  operationName?: string;
  /** Variables, or how to take them from the answer to the case before (as a client reads an id from a list first). */
  variables?: Record<string, unknown> | ((previous: Answer) => Record<string, unknown>);
  mutation: boolean;
}

/** The examples that act on what the query before them lists (as in test/schema-operations.test.ts). */
const VARIABLES_FROM_PREVIOUS: Record<string, (previous: Answer) => Record<string, unknown>> = {
  ApproveDelegatedAdmin: (previous: any) => ({ id: previous.body.data.viewer.customer.delegatedAdminRelationships[0].id }),
  HireSupportPartner: (previous: any) => ({
    subscriptionId: previous.body.data.viewer.customer.subscriptions.edges.map((e: any) => e.node).find((s: any) => s.channel !== "CSP" && !s.supportPartner).id,
  }),
};

function exampleCases(): Case[] {
  const claims = demoClaims();
  return fs
    .readdirSync(OPERATIONS_DIR)
    .filter((f) => f.endsWith(".graphql"))
    .sort()
    .flatMap((file) => {
      const text = fs.readFileSync(path.join(OPERATIONS_DIR, file), "utf8");
      const key = /^# Token: (\w+)/m.exec(text)?.[1];
      const tokenClaims: TokenClaims | undefined = key ? claims[key] : undefined;
      return parse(text)
        .definitions.filter((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")
        .map((op) => ({
          name: `${file} ${op.name?.value}`,
          token: async () => (tokenClaims ? signDevToken(tokenClaims) : undefined),
          query: text,
          operationName: op.name?.value,
          variables: VARIABLES_FROM_PREVIOUS[op.name?.value ?? ""],
          mutation: op.operation === "mutation",
        }));
    });
}

/** Refusals an integration meets, each with its code and extensions. */
function refusalCases(): Case[] {
  const claims = demoClaims();
  const partnerId = claims.contosoAdmin.tid!;
  return [
    { name: "UNAUTHENTICATED: no token", query: `{ viewer { userId } }`, mutation: false },
    { name: "UNAUTHENTICATED: expired token", token: () => signDevToken({ sub: "u", org: "operator", roles: ["OPERATOR"] }, undefined, "-1s"), query: `{ viewer { userId } }`, mutation: false },
    { name: "UNAUTHENTICATED: garbled token", token: async () => "garbage", query: `{ viewer { userId } }`, mutation: false },
    {
      name: "FORBIDDEN: a role that may not create customers",
      token: () => signDevToken({ sub: "helpdesk", org: "partner", tid: partnerId, roles: ["HELPDESK_AGENT"] }),
      query: `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
      variables: { input: { companyName: "Portability Check", defaultDomain: "portability.onmicrosoft.com", country: "US", billingProfile: { email: "billing@portability.example" } } },
      mutation: true,
    },
    {
      name: "BAD_USER_INPUT: an unknown country",
      token: () => signDevToken(claims.contosoAdmin),
      query: `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`,
      variables: { input: { companyName: "Portability Check", defaultDomain: "portability.onmicrosoft.com", country: "XX", billingProfile: { email: "billing@portability.example" } } },
      mutation: true,
    },
    {
      name: "NOT_FOUND: a partner that does not exist",
      token: () => signDevToken(claims.operator),
      query: `query($id: ID!) { partner(id: $id) { id name } }`,
      variables: { id: randomUUID() },
      mutation: false,
    },
  ];
}

async function main() {
  logger.level = process.env.LOG_LEVEL ?? "error";
  const config = readConfig({ ...process.env, NODE_ENV: "development", DATABASE_URL: "", JWT_SECRET: "", SUBGRAPH_SECRET: "", RATE_LIMIT_PER_MINUTE: String(1e9) });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-portability-"));
  const peers: PeerDirectory = perSubgraph(() => "");
  const subgraphs = {} as Record<SubgraphName, SubgraphServer>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await SUBGRAPH_CODE[name].buildServer({ config, peers, dataDir });
  for (const name of SUBGRAPH_NAMES) peers[name] = (await subgraphs[name].start(0)).url;
  const gateway = buildGateway({ config, subgraphUrls: peers });
  const ours = (await gateway.start(0)).url;
  let grafbase: { url: string; child: ChildProcess } | undefined;
  let failed = 0;
  try {
    await seedDemo(ours);
    const binary = ensureGrafbase(path.join(ROOT, "scripts", ".grafbase"));
    grafbase = await startGrafbase(binary, dataDir, peers, DEV_SUBGRAPH_SECRET);
    console.log(`Our gateway ${ours}; Grafbase ${GRAFBASE_CLI_VERSION} (grafbase dev) ${grafbase.url}; the same subgraphs and demo data.\n`);
    const rows: string[][] = [["case", "ours", "grafbase", "answers"]];
    let previous: Answer = { status: 0, body: {} };
    for (const c of [...exampleCases(), ...refusalCases()]) {
      const token = await c.token?.();
      const variables = typeof c.variables === "function" ? c.variables(previous) : c.variables;
      let reference: Answer;
      let masked: (a: Answer) => unknown = comparable;
      if (c.mutation) {
        const first = await send(ours, token, c.query, c.operationName, variables);
        reference = await send(ours, token, c.query, c.operationName, variables);
        const varying = comparable(first);
        masked = (a) => maskDifferences(comparable(a), varying);
      } else {
        reference = await send(ours, token, c.query, c.operationName, variables);
      }
      previous = reference;
      const theirs = await send(grafbase.url, token, c.query, c.operationName, variables);
      const same = JSON.stringify(masked(reference)) === JSON.stringify(masked(theirs));
      const codes = (a: Answer) => [...new Set((a.body.errors ?? []).map((e) => e.extensions?.code))].join(",") || "-";
      rows.push([c.name, `${reference.status} ${codes(reference)}`, `${theirs.status} ${codes(theirs)}`, same ? "identical" : "DIFFERENT"]);
      if (!same) {
        failed++;
        console.log(`--- ${c.name}\nours:     ${JSON.stringify(masked(reference))}\ngrafbase: ${JSON.stringify(masked(theirs))}\n`);
      }
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
    console.log(`\n${rows.length - 1 - failed} of ${rows.length - 1} identical${failed ? `; ${failed} different` : ""}.`);
  } finally {
    grafbase?.child.kill("SIGTERM");
    await gateway.stop();
    for (const name of SUBGRAPH_NAMES) await subgraphs[name].stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
