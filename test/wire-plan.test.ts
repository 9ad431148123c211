/**
 * The wire-level plan of each example operation: which subgraph calls the gateway makes, with
 * which documents and how many entity representations, recorded by HTTP proxies of the test's
 * own between the gateway and the subgraphs, and pinned by a snapshot (per subgraph and
 * selection, the distinct entities asked for). A change that adds a
 * call, splits one into two selections, or asks for other entities shows here as a diff to review (`jest -u` accepts
 * it). And the same operations through a plain @apollo/gateway (no dedupe, no coalescing)
 * answer exactly what ours answers: our dedupe shares objects across positions and levels of
 * a plan, and a real gateway merging them must give the same response.
 */
import fs from "node:fs";
import path from "node:path";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { parse, print, OperationDefinitionNode } from "graphql";
import { DEV_SUBGRAPH_SECRET, projectRoot, SubgraphName } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { buildGateway, GatewayServer } from "../gateway/server";
import { demoClaims, seedDemo } from "../scripts/demo";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { subgraphProxy } from "./support/http-proxy";
import { Stack, startStack } from "./support/stack";

const OPERATIONS_DIR = path.join(projectRoot(), "schema", "operations");

/** The example operations that run on the demo data as written (the two-step ones' look-up queries included). */
const RUNS: { file: string; operation: string }[] = [
  { file: "partner-dashboard.graphql", operation: "PartnerDashboard" },
  { file: "customer-detail.graphql", operation: "CustomerDetail" },
  { file: "approve-delegated-admin.graphql", operation: "PendingDelegatedAdmin" },
  { file: "hire-support-partner.graphql", operation: "OutsideSubscriptions" },
  { file: "place-order.graphql", operation: "PlaceOrder" },
  { file: "invite-reseller.graphql", operation: "InviteReseller" },
  { file: "request-relationship.graphql", operation: "RequestRelationship" },
];
const QUERIES = RUNS.filter((r) => {
  const op = parse(fs.readFileSync(path.join(OPERATIONS_DIR, r.file), "utf8")).definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition" && d.name?.value === r.operation);
  return op?.operation === "query";
});

interface Call {
  subgraph: SubgraphName;
  document: string;
  /** Representations per entity type, for `_entities` calls. */
  representations?: Record<string, number>;
  /** The representations themselves. */
  reps?: { __typename: string }[];
}

/** The shared subgraph proxy, recording every GraphQL call passing through it. */
async function recordingProxy(subgraph: SubgraphName, target: string, calls: Call[]) {
  return subgraphProxy(target, { kind: "pass" }, (body) => {
    try {
      const json = JSON.parse(body.toString("utf8"));
      const reps: { __typename: string }[] | undefined = json.variables?.representations;
      calls.push({
        subgraph,
        document: print(parse(json.query)),
        ...(reps ? { reps, representations: reps.reduce<Record<string, number>>((n, r) => ({ ...n, [r.__typename]: (n[r.__typename] ?? 0) + 1 }), {}) } : {}),
      });
    } catch {
      calls.push({ subgraph, document: "(not a GraphQL request)" });
    }
  });
}

/**
 * The plan as the snapshot keeps it: per subgraph and selection (the planner's fetch name left
 * out), the distinct entities asked for, by type. Calls of one plan level go in parallel, and
 * whether two with the same selection were coalesced into one depends on the event loop's
 * turns; what was asked of whom does not.
 */
function planOf(list: Call[]) {
  const plan = new Map<string, { subgraph: SubgraphName; document: string; entities: Map<string, Set<string>> }>();
  for (const call of list) {
    const document = call.document.replace(/^(query|mutation) \w+__\w+__\d+/, "$1");
    const key = `${call.subgraph}\n${document}`;
    const entry = plan.get(key) ?? { subgraph: call.subgraph, document, entities: new Map() };
    plan.set(key, entry);
    for (const rep of call.reps ?? []) {
      const seen = entry.entities.get(rep.__typename) ?? new Set<string>();
      entry.entities.set(rep.__typename, seen.add(JSON.stringify(rep)));
    }
  }
  return [...plan.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, e]) => ({ subgraph: e.subgraph, document: e.document, ...(e.entities.size ? { distinctEntities: Object.fromEntries([...e.entities].map(([t, set]) => [t, set.size])) } : {}) }));
}

/** @apollo/gateway as it comes, with only the headers our subgraphs require. */
class PlainDataSource extends RemoteGraphQLDataSource<{ authorization?: string }> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<{ authorization?: string }>) {
    request.http?.headers.set(SUBGRAPH_SECRET_HEADER, DEV_SUBGRAPH_SECRET);
    if (context?.authorization) request.http?.headers.set("authorization", context.authorization);
  }
}

describe("wire plan of the example operations", () => {
  let stack: Stack;
  let recorded: GatewayServer;
  let recordedUrl: string;
  let plain: ApolloServer<{ authorization?: string }>;
  let plainUrl: string;
  const proxies: { close(): Promise<void> }[] = [];
  const calls: Call[] = [];

  beforeAll(async () => {
    stack = await startStack("sqlite");
    await seedDemo(stack.gatewayUrl);
    const urls = {} as Record<SubgraphName, string>;
    for (const [name, url] of Object.entries(stack.subgraphUrls) as [SubgraphName, string][]) {
      const proxy = await recordingProxy(name, url, calls);
      proxies.push(proxy);
      urls[name] = proxy.url;
    }
    recorded = buildGateway({ config: stack.config, subgraphUrls: urls });
    recordedUrl = (await recorded.start(0)).url;
    const gateway = new ApolloGateway({
      supergraphSdl: fs.readFileSync(path.join(projectRoot(), "schema", "supergraph.graphql"), "utf8"),
      buildService: ({ name }) => new PlainDataSource({ url: stack.subgraphUrls[name as SubgraphName] }),
    });
    plain = new ApolloServer({ gateway });
    ({ url: plainUrl } = await startStandaloneServer(plain, { listen: { port: 0, host: "127.0.0.1" }, context: async ({ req }) => ({ authorization: req.headers.authorization }) }));
  }, 120_000);
  afterAll(async () => {
    await plain?.stop();
    await recorded?.stop();
    for (const p of proxies) await p.close();
    await stack?.stop();
  });

  /** Sends an example as Sandbox does: the whole document, the operation's name, its default variables. */
  async function send(url: string, run: { file: string; operation: string }) {
    const text = fs.readFileSync(path.join(OPERATIONS_DIR, run.file), "utf8");
    const token = await signDevToken(demoClaims()[/^# Token: (\w+)/m.exec(text)![1]]);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "apollo-require-preflight": "true" },
      body: JSON.stringify({ query: text, operationName: run.operation }),
    });
    return (await res.json()) as { data?: unknown; errors?: unknown[] };
  }

  it.each(RUNS)("Wire plan: $operation makes the subgraph calls its snapshot records", async (run) => {
    calls.length = 0;
    const answer = await send(recordedUrl, run);
    expect(answer.errors).toBeUndefined();
    expect(planOf(calls)).toMatchSnapshot();
  });

  it.each(QUERIES)("Wire plan: $operation through a plain @apollo/gateway answers exactly what ours answers (dedupe and coalescing change no answer)", async (run) => {
    const [ours, theirs] = [await send(recordedUrl, run), await send(plainUrl, run)];
    expect(ours.errors).toBeUndefined();
    expect(theirs).toEqual(ours);
  });

  it("Wire plan: over three fetch levels whose positions share entities (one partner of record on every row, its own subscriptions' customers), a real ApolloGateway with our dedupe answers what the plain one answers, sending fewer representations", async () => {
    const partner = await enroll(stack);
    const customers = [await createCustomer(stack, partner), await createCustomer(stack, partner)];
    for (const c of customers) for (let i = 0; i < 3; i++) await placeOrder(stack, partner, c.id);
    const query = `query Shared($id: ID!) { partner(id: $id) { subscriptions(first: 20) { edges { node { id customer { id companyName }
      partnerOfRecord { id name subscriptions(first: 6) { edges { node { id customer { id companyName } billingPartner { id name } } } } } } } } } }`;
    const ask = async (url: string, into: Call[]) => {
      into.length = 0;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${partner.token}`, "apollo-require-preflight": "true" },
        body: JSON.stringify({ query, variables: { id: partner.id } }),
      });
      return (await res.json()) as { data?: any; errors?: unknown[] };
    };
    const plainCalls: Call[] = [];
    const proxied = await Promise.all((Object.entries(stack.subgraphUrls) as [SubgraphName, string][]).map(async ([name, url]) => [name, await recordingProxy(name, url, plainCalls)] as const));
    const gateway = new ApolloGateway({
      supergraphSdl: fs.readFileSync(path.join(projectRoot(), "schema", "supergraph.graphql"), "utf8"),
      buildService: ({ name }) => new PlainDataSource({ url: proxied.find(([n]) => n === name)![1].url }),
    });
    const server = new ApolloServer({ gateway });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" }, context: async ({ req }) => ({ authorization: req.headers.authorization }) });
    try {
      const ours = await ask(recordedUrl, calls);
      const oursCalls = [...calls];
      const theirs = await ask(url, plainCalls);
      expect(ours.errors).toBeUndefined();
      expect(ours.data.partner.subscriptions.edges).toHaveLength(6);
      expect(theirs).toEqual(ours);
      const sent = (list: Call[]) => list.reduce((n, c) => n + Object.values(c.representations ?? {}).reduce((x, y) => x + y, 0), 0);
      // Six rows name one partner of record, whose six subscriptions name two customers and one billing partner.
      expect(sent(plainCalls)).toBeGreaterThan(sent(oursCalls));
      expect(oursCalls.filter((c) => c.representations?.Partner).map((c) => c.representations!.Partner)).toEqual([1, 1]);
    } finally {
      await server.stop();
      for (const [, p] of proxied) await p.close();
    }
  });
});
