/**
 * R1 on the example operations (schema/operations/), run as Sandbox sends them against the
 * demo data, with each subgraph stopped in turn: the answer keeps every other subgraph's data,
 * has `null` where the stopped subgraph's part goes, and one DEPENDENCY_UNAVAILABLE per missing
 * part with its `path`. A query's answer is compared with the same query's answer while all is
 * up: every difference is a null that an error's path explains.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { projectRoot, SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { DEMO, demoClaims, seedDemo } from "../scripts/demo";
import { enroll } from "./support/fixtures";
import { CREATE_DAP, dapInput } from "./support/customer-fixtures";
import { DIALECTS, GqlResult, Stack, startStack } from "./support/stack";

type Path = (string | number)[];
type Vars = Record<string, unknown>;

interface Example {
  file: string;
  operation: string;
  kind: "query" | "mutation";
}

const EXAMPLES: Example[] = [
  { file: "partner-dashboard.graphql", operation: "PartnerDashboard", kind: "query" },
  { file: "customer-detail.graphql", operation: "CustomerDetail", kind: "query" },
  { file: "approve-delegated-admin.graphql", operation: "PendingDelegatedAdmin", kind: "query" },
  { file: "hire-support-partner.graphql", operation: "OutsideSubscriptions", kind: "query" },
  { file: "approve-delegated-admin.graphql", operation: "ApproveDelegatedAdmin", kind: "mutation" },
  { file: "hire-support-partner.graphql", operation: "HireSupportPartner", kind: "mutation" },
  { file: "invite-reseller.graphql", operation: "InviteReseller", kind: "mutation" },
  { file: "place-order.graphql", operation: "PlaceOrder", kind: "mutation" },
  { file: "request-relationship.graphql", operation: "RequestRelationship", kind: "mutation" },
];

const read = (file: string) => fs.readFileSync(path.join(projectRoot(), "schema", "operations", file), "utf8");
const tokenKeyOf = (text: string) => /^# Token: (\w+)/m.exec(text)![1];
const same = (a: Path, b: Path) => a.length === b.length && a.every((x, i) => x === b[i]);
const under = (p: Path, prefix: Path) => prefix.length <= p.length && prefix.every((x, i) => x === p[i]);

/** The value at `p`, or `undefined` when the answer stops above it (a null on the way). */
function at(data: unknown, p: Path): unknown {
  let value = data;
  for (const key of p) {
    if (value === null || value === undefined) return value;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/**
 * Where `partial` differs from `whole`, as paths. Each must be a null in `partial` (a missing
 * part), never another value: the other subgraphs' data are the same as when all is up.
 */
function differences(whole: unknown, partial: unknown, p: Path = [], out: { nulls: Path[]; other: Path[] } = { nulls: [], other: [] }) {
  if (partial === null && whole !== null) out.nulls.push(p);
  else if (Array.isArray(whole) && Array.isArray(partial) && whole.length === partial.length) whole.forEach((w, i) => differences(w, partial[i], [...p, i], out));
  else if (whole && partial && typeof whole === "object" && typeof partial === "object" && !Array.isArray(whole) && !Array.isArray(partial)) {
    for (const key of new Set([...Object.keys(whole), ...Object.keys(partial)])) differences((whole as Vars)[key], (partial as Vars)[key], [...p, key], out);
  } else if (JSON.stringify(whole) !== JSON.stringify(partial)) out.other.push(p);
  return out;
}

/** The R1 shape of any answer with a subgraph down: every error a DEPENDENCY_UNAVAILABLE with a path, one per path, each path at (or under) a null. */
function expectPartialShape(res: GqlResult, status: number, kind: Example["kind"]) {
  expect(status).toBe(200);
  // A refused mutation's payload is non-null in the contract, so its `data` is null; a query keeps its data.
  if (kind === "query" || res.data !== null) expect(res.data).toEqual(expect.any(Object));
  const paths = (res.errors ?? []).map((e) => e.path as Path);
  for (const error of res.errors ?? []) {
    expect(error.extensions?.code).toBe("DEPENDENCY_UNAVAILABLE");
    expect(error.path).toEqual(expect.any(Array));
    expect(error.path!.length).toBeGreaterThan(0);
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toMatch(/127\.0\.0\.1|ECONN|fetch failed|socket|serviceName/);
    // Null where the missing part goes: at the path, or above it when the field is non-null and its parent took the null.
    expect([null, undefined]).toContain(at(res.data, error.path!));
  }
  paths.forEach((p, i) => expect(paths.findIndex((q) => same(p, q))).toBe(i));
  return paths;
}

/** PARTIAL_REPORT=1 prints what each answer was (for docs/faults.md). */
function report(down: string, operation: string, body: GqlResult) {
  if (!process.env.PARTIAL_REPORT) return;
  const errors = (body.errors ?? []).map((e) => `${e.path!.join(".")}${e.extensions?.outcome ? ` (${e.extensions.outcome})` : ""}`);
  process.stdout.write(`PARTIAL ${down} down | ${operation} | data ${body.data === null ? "null" : "kept"} | ${errors.length} errors: ${errors.slice(0, 4).join(", ")}${errors.length > 4 ? ", …" : ""}\n`);
}

describe.each(DIALECTS)("R1: each example operation with one subgraph down (%s)", (dialect) => {
  let stack: Stack;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-partial-"));
    stack = await startStack(dialect, { dataDir });
    await seedDemo(stack.gatewayUrl);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends an example as Sandbox does: the whole document, the operation's name, the variables typed in. */
  async function run(example: Example, variables: Vars = {}) {
    const text = read(example.file);
    const token = await signDevToken(demoClaims()[tokenKeyOf(text)]);
    const res = await fetch(stack.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, operationName: example.operation, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlResult };
  }

  describe.each(SUBGRAPH_NAMES)("with the %s subgraph down", (down: SubgraphName) => {
    const whole = new Map<string, GqlResult>();
    const variables = new Map<string, Vars>();
    beforeAll(async () => {
      // Fresh inputs for the mutations, made while everything is up, so each does what its header says.
      const adventure = await signDevToken(demoClaims().adventureAdmin);
      const pending = await stack.gql(adventure, CREATE_DAP, { input: dapInput(DEMO.wideWorld.id) });
      variables.set("ApproveDelegatedAdmin", { id: pending.data.createDelegatedAdminRelationship.relationship.id });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      variables.set("InviteReseller", { resellerMpnId: reseller.mpnId });
      variables.set("PlaceOrder", {
        input: {
          customerId: DEMO.wideWorld.id,
          idempotencyKey: `partial-${randomUUID()}`,
          lineItems: [{ offerId: "m365-business-basic", quantity: 5, billingCycle: "MONTHLY", termDuration: "P1M" }],
        },
      });
      for (const example of EXAMPLES.filter((e) => e.kind === "query")) {
        const res = await run(example);
        expect(res.body.errors).toBeUndefined();
        whole.set(example.operation, res.body);
      }
      const outside = whole.get("OutsideSubscriptions")!.data.viewer.customer.subscriptions.edges.find((e: any) => e.node.channel !== "CSP");
      variables.set("HireSupportPartner", { subscriptionId: outside.node.id });
      await stack.stopSubgraph(down);
    }, 60_000);
    afterAll(() => stack.restartSubgraph(down));

    it.each(EXAMPLES.filter((e) => e.kind === "query").map((e) => [e.operation, e]))(
      `R1: %s keeps every other subgraph's data; each part the ${down} subgraph gives is null with one DEPENDENCY_UNAVAILABLE at its path`,
      async (_name, example) => {
        const { status, body } = await run(example);
        const paths = expectPartialShape(body, status, "query");
        report(down, example.operation, body);
        const diff = differences(whole.get(example.operation)!.data, body.data);
        // Nothing but nulls changed, and each null is explained by an error at it or below it.
        expect(diff.other).toEqual([]);
        for (const nulled of diff.nulls) expect(paths.some((p) => under(p, nulled))).toBe(true);
        // Each error explains a null that was data when all was up.
        for (const p of paths) expect(diff.nulls.some((nulled) => under(p, nulled))).toBe(true);
      },
    );

    it.each(EXAMPLES.filter((e) => e.kind === "mutation").map((e) => [e.operation, e]))(
      `R1/R2: %s answers with what it has: each part the ${down} subgraph gives is null with one DEPENDENCY_UNAVAILABLE at its path, and says whether the change happened`,
      async (_name, example) => {
        const { status, body } = await run(example, variables.get(example.operation));
        const paths = expectPartialShape(body, status, "mutation");
        report(down, example.operation, body);
        for (const error of body.errors ?? []) expect(["NOT_APPLIED", "UNKNOWN"]).toContain(error.extensions?.outcome);
        if (body.data === null) {
          // Refused as a whole: the one error is its root field's.
          expect(paths).toHaveLength(1);
          expect(paths[0]).toHaveLength(1);
        } else {
          // Applied: only parts of its answer are missing, and none is its root.
          for (const p of paths) expect(p.length).toBeGreaterThan(1);
        }
      },
    );
  });
});
