/**
 * L1 through the gateway: every connection pages forward (`first`/`after`) and backward
 * (`last`/`before`) through the same fixed order, with Relay's PageInfo, and refuses what is
 * not a page request of that list on the argument it names.
 */
import { approveDap, createDap, establish, REMOVE_RELATIONSHIP, SUSPEND } from "./support/customer-fixtures";
import { createCustomer, enroll, linkReseller, placeOrder } from "./support/fixtures";
import { codeOf, customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

interface PageOf {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** One connection of the API: how to ask for a page of it, as whom. */
interface ListCase {
  name: string;
  token: () => string;
  /** The query; `$first`, `$after`, `$last`, `$before` are its paging variables. */
  query: string;
  pick: (data: any) => PageOf;
}

const PAGE = `edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`;
const VARS = `$first: Int, $after: String, $last: Int, $before: String`;
const ARGS = `first: $first, after: $after, last: $last, before: $before`;

/** The page a query answered, or the errors thrown. */
function list0(res: { data?: any; errors?: unknown[] }, pick: (data: any) => PageOf): PageOf {
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return pick(res.data);
}

/** Pages through `list` with `size` rows a page, forward or backward, and returns the ids in list order. */
async function walk(stack: Stack, list: ListCase, size: number, backward: boolean, between?: (step: number) => Promise<void>): Promise<string[]> {
  const seen: string[][] = [];
  let cursor: string | null = null;
  for (let step = 0; step < 200; step++) {
    const variables = backward ? { last: size, before: cursor } : { first: size, after: cursor };
    const res = await stack.gql(list.token(), list.query, variables);
    if (res.errors) throw new Error(`${list.name}: ${JSON.stringify(res.errors)}`);
    const page = list.pick(res.data);
    const ids = page.edges.map((e) => e.node.id);
    expect(page.edges.length).toBeLessThanOrEqual(size);
    expect([page.pageInfo.startCursor, page.pageInfo.endCursor]).toEqual([page.edges[0]?.cursor ?? null, page.edges.at(-1)?.cursor ?? null]);
    seen.push(ids);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) break;
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    await between?.(step);
  }
  return backward ? seen.reverse().flat() : seen.flat();
}

describe.each(DIALECTS)("L1: paging both ways (%s)", (dialect) => {
  let stack: Stack;
  let operator: string;
  let provider: { id: string; mpnId: string; token: string };
  let reseller: { id: string; mpnId: string; token: string };
  let customer: { id: string; token: string };
  let lists: ListCase[];

  beforeAll(async () => {
    stack = await startStack(dialect);
    operator = await operatorToken();
    provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
    reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    // Four resellers of the provider; four providers of the reseller.
    await linkReseller(stack, provider, reseller);
    for (let i = 0; i < 3; i++) await linkReseller(stack, provider, await enroll(stack, { programs: ["INDIRECT_RESELLER"] }));
    for (let i = 0; i < 3; i++) await linkReseller(stack, await enroll(stack, { programs: ["INDIRECT_PROVIDER"] }), reseller);
    // Five customers of the provider; five subscriptions of the first.
    const customers = [];
    for (let i = 0; i < 5; i++) customers.push(await createCustomer(stack, provider));
    customer = customers[0];
    for (let i = 0; i < 5; i++) await placeOrder(stack, provider, customer.id, { quantity: 10 + i });

    lists = [
      { name: "Query.customers", token: () => provider.token, query: `query(${VARS}) { customers(${ARGS}) { ${PAGE} } }`, pick: (d) => d.customers },
      {
        name: "Partner.customers",
        token: () => provider.token,
        query: `query(${VARS}) { partner(id: "${provider.id}") { customers(${ARGS}) { ${PAGE} } } }`,
        pick: (d) => d.partner.customers,
      },
      {
        name: "Partner.resellers",
        token: () => provider.token,
        query: `query(${VARS}) { partner(id: "${provider.id}") { resellers(${ARGS}) { ${PAGE} } } }`,
        pick: (d) => d.partner.resellers,
      },
      {
        name: "Partner.providers",
        token: () => reseller.token,
        query: `query(${VARS}) { partner(id: "${reseller.id}") { providers(${ARGS}) { ${PAGE} } } }`,
        pick: (d) => d.partner.providers,
      },
      {
        name: "Partner.subscriptions",
        token: () => provider.token,
        query: `query(${VARS}) { partner(id: "${provider.id}") { subscriptions(${ARGS}) { ${PAGE} } } }`,
        pick: (d) => d.partner.subscriptions,
      },
      {
        name: "Customer.subscriptions",
        token: () => customer.token,
        query: `query(${VARS}) { customer(id: "${customer.id}") { subscriptions(${ARGS}) { ${PAGE} } } }`,
        pick: (d) => d.customer.subscriptions,
      },
      { name: "partnersActivity", token: () => operator, query: `query(${VARS}) { partnersActivity(${ARGS}) { ${PAGE} } }`, pick: (d) => d.partnersActivity },
    ];
  });
  afterAll(() => stack?.stop());

  const everyList = () => lists.map((l) => [l.name, l] as const);

  it("L1: every connection walked forward and backward, 1 to 3 a page, shows every row once, in one order", async () => {
    for (const [name, list] of everyList()) {
      const whole = list.pick((await stack.gql(list.token(), list.query, { first: 100 })).data);
      const all = whole.edges.map((e) => e.node.id);
      expect({ name, count: all.length }).toEqual({ name, count: whole.totalCount });
      expect({ name, enough: all.length >= 4 }).toEqual({ name, enough: true });
      for (const size of [1, 2, 3]) {
        expect({ name, size, forward: await walk(stack, list, size, false) }).toEqual({ name, size, forward: all });
        expect({ name, size, backward: await walk(stack, list, size, true) }).toEqual({ name, size, backward: all });
      }
    }
  });

  it("L1: PageInfo as Relay defines it: the far end of the direction walked is exact, and `last` alone is the end of the list", async () => {
    for (const [name, list] of everyList()) {
      const all = list.pick((await stack.gql(list.token(), list.query, { first: 100 })).data).edges;
      const tail = list.pick((await stack.gql(list.token(), list.query, { last: 2 })).data);
      expect({ name, ids: tail.edges.map((e) => e.node.id), prev: tail.pageInfo.hasPreviousPage }).toEqual({ name, ids: all.slice(-2).map((e) => e.node.id), prev: true });
      const head = list.pick((await stack.gql(list.token(), list.query, { first: 2 })).data);
      expect({ name, next: head.pageInfo.hasNextPage, prev: head.pageInfo.hasPreviousPage }).toEqual({ name, next: true, prev: false });
      const empty = list.pick((await stack.gql(list.token(), list.query, { first: 0 })).data);
      expect({ name, edges: empty.edges, start: empty.pageInfo.startCursor, end: empty.pageInfo.endCursor, total: empty.totalCount }).toEqual({
        name,
        edges: [],
        start: null,
        end: null,
        total: all.length,
      });
    }
  });

  it("L1: `first` with `last` is BAD_USER_INPUT on `last`; sizes outside 0..100 on the size named; a string that is no cursor on `after`/`before`", async () => {
    for (const [name, list] of everyList()) {
      const refusal = async (variables: Record<string, unknown>) => {
        const res = await stack.gql(list.token(), list.query, variables);
        return { name, variables, code: codeOf(res), field: res.errors?.[0]?.extensions?.field };
      };
      expect(await refusal({ first: 2, last: 2 })).toEqual({ name, variables: { first: 2, last: 2 }, code: "BAD_USER_INPUT", field: "last" });
      expect(await refusal({ last: 101 })).toEqual({ name, variables: { last: 101 }, code: "BAD_USER_INPUT", field: "last" });
      expect(await refusal({ first: -1 })).toEqual({ name, variables: { first: -1 }, code: "BAD_USER_INPUT", field: "first" });
      expect(await refusal({ after: "nope" })).toEqual({ name, variables: { after: "nope" }, code: "BAD_USER_INPUT", field: "after" });
      expect(await refusal({ last: 1, before: "nope" })).toEqual({ name, variables: { last: 1, before: "nope" }, code: "BAD_USER_INPUT", field: "before" });
    }
  });

  it("L1: a customer's own token pages its subscriptions; another partner's view of the provider's lists is empty, not an error", async () => {
    const stranger = await enroll(stack);
    const res = await stack.gql(stranger.token, `{ partner(id: "${provider.id}") { customers(last: 2) { ${PAGE} } subscriptions(last: 2) { ${PAGE} } } }`);
    expect(res.errors).toBeUndefined();
    expect([res.data.partner.customers.totalCount, res.data.partner.subscriptions.totalCount]).toEqual([0, 0]);
    const own = await stack.gql(await customerToken(customer.id), `{ customer(id: "${customer.id}") { subscriptions(last: 2) { ${PAGE} } } }`);
    expect(own.data.customer.subscriptions.edges).toHaveLength(2);
  });
  /** A walk while rows come and go: no row twice, and every row that matched from start to end is there. */
  async function walkWhileChanging(list: ListCase, size: number, backward: boolean, change: (step: number) => Promise<void>) {
    const ids = async () => list.pick((await stack.gql(list.token(), list.query, { first: 100 })).data).edges.map((e) => e.node.id);
    const before = await ids();
    const walked = await walk(stack, list, size, backward, change);
    const after = await ids();
    const stayed = before.filter((id) => after.includes(id));
    expect({ list: list.name, size, backward, twice: walked.filter((id, i) => walked.indexOf(id) !== i) }).toEqual({ list: list.name, size, backward, twice: [] });
    expect({ list: list.name, size, backward, missing: stayed.filter((id) => !walked.includes(id)) }).toEqual({ list: list.name, size, backward, missing: [] });
    return { before, after, walked };
  }

  it("L1: a partner's customer list walked while customers are created and relationships removed between pages: no row twice, none that stayed skipped", async () => {
    const partner = await enroll(stack);
    const own: string[] = [];
    for (let i = 0; i < 6; i++) own.push((await createCustomer(stack, partner)).id);
    const list: ListCase = {
      name: "Partner.customers",
      token: () => partner.token,
      query: `query(${VARS}) { partner(id: "${partner.id}") { customers(${ARGS}) { ${PAGE} } } }`,
      pick: (d) => d.partner.customers,
    };
    let removed = 0;
    for (const size of [1, 2, 3]) {
      for (const backward of [false, true]) {
        const { before, after } = await walkWhileChanging(list, size, backward, async (step) => {
          if (step > 2) return;
          // Names sort by creation here, so a new one lands at the end and a removed one anywhere.
          await createCustomer(stack, partner);
          const gone = own[removed++];
          if (gone) expect((await stack.gql(partner.token, REMOVE_RELATIONSHIP, { c: gone, p: partner.id })).errors).toBeUndefined();
        });
        expect(after).not.toEqual(before); // the walk really ran while the list changed
      }
    }
  });

  it("L1: a status-filtered subscription list walked while rows are suspended and bought between pages skips none that stayed ACTIVE", async () => {
    const buyer = await createCustomer(stack, provider);
    const subs: string[] = [];
    for (let i = 0; i < 8; i++) subs.push((await placeOrder(stack, provider, buyer.id)).subscriptions[0].id);
    const list: ListCase = {
      name: "Customer.subscriptions(status: ACTIVE)",
      token: () => buyer.token,
      query: `query(${VARS}) { customer(id: "${buyer.id}") { subscriptions(status: ACTIVE, ${ARGS}) { ${PAGE} } } }`,
      pick: (d) => d.customer.subscriptions,
    };
    let suspended = 0;
    for (const size of [1, 2, 3]) {
      for (const backward of [false, true]) {
        await walkWhileChanging(list, size, backward, async (step) => {
          if (step > 1) return;
          await placeOrder(stack, provider, buyer.id);
          const next = subs[suspended++];
          if (next) expect((await stack.gql(provider.token, SUSPEND, { id: next })).errors).toBeUndefined();
        });
      }
    }
    expect(suspended).toBeGreaterThan(4);
  });

  it("L1: the other connections walked while they change between pages (new resellers invited and others terminated, subscriptions bought and suspended, customers created, activity written): no row twice, none that stayed skipped", async () => {
    const owner = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "DIRECT_BILL"] });
    const links: string[] = [];
    for (let i = 0; i < 5; i++) links.push(await linkReseller(stack, owner, await enroll(stack, { programs: ["INDIRECT_RESELLER"] })));
    const buyer = await createCustomer(stack, owner);
    for (let i = 0; i < 4; i++) await createCustomer(stack, owner);
    const bought: string[] = [];
    for (let i = 0; i < 5; i++) bought.push((await placeOrder(stack, owner, buyer.id)).subscriptions[0].id);
    const TERMINATE = `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { relationship { id status } } }`;
    const cases: { list: ListCase; change: () => Promise<void> }[] = [
      {
        list: {
          name: "Partner.resellers(status: ACTIVE)",
          token: () => owner.token,
          query: `query(${VARS}) { partner(id: "${owner.id}") { resellers(status: ACTIVE, ${ARGS}) { ${PAGE} } } }`,
          pick: (d) => d.partner.resellers,
        },
        change: async () => {
          links.push(await linkReseller(stack, owner, await enroll(stack, { programs: ["INDIRECT_RESELLER"] })));
          const gone = links.shift();
          expect((await stack.gql(owner.token, TERMINATE, { id: gone })).errors).toBeUndefined();
        },
      },
      {
        list: {
          name: "Partner.subscriptions(status: ACTIVE)",
          token: () => owner.token,
          query: `query(${VARS}) { partner(id: "${owner.id}") { subscriptions(status: ACTIVE, ${ARGS}) { ${PAGE} } } }`,
          pick: (d) => d.partner.subscriptions,
        },
        change: async () => {
          bought.push((await placeOrder(stack, owner, buyer.id)).subscriptions[0].id);
          expect((await stack.gql(owner.token, SUSPEND, { id: bought.shift() })).errors).toBeUndefined();
        },
      },
      {
        list: { name: "Query.customers", token: () => owner.token, query: `query(${VARS}) { customers(${ARGS}) { ${PAGE} } }`, pick: (d) => d.customers },
        change: async () => void (await createCustomer(stack, owner)),
      },
      {
        list: { name: "partnersActivity", token: () => operator, query: `query(${VARS}) { partnersActivity(${ARGS}) { ${PAGE} } }`, pick: (d) => d.partnersActivity },
        change: async () => void (await enroll(stack)),
      },
    ];
    for (const { list, change } of cases) {
      for (const size of [1, 2, 3]) {
        for (const backward of [false, true]) {
          const { before, after } = await walkWhileChanging(list, size, backward, async (step) => {
            if (step < 2) await change();
          });
          expect({ list: list.name, changed: after.join() !== before.join() }).toEqual({ list: list.name, changed: true });
        }
      }
    }
  }, 120_000);

  it("L1: a customer linked to a provider several ways is one row of its lists, and totalCount counts each customer once (direct, through two resellers, delegated admin only)", async () => {
    const owner = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "DIRECT_BILL"] });
    const r1 = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    const r2 = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
    await linkReseller(stack, owner, r1);
    await linkReseller(stack, owner, r2);
    // X: through r1 (created on its behalf), through r2 (its request naming the provider), and sold directly.
    const x = await createCustomer(stack, owner, { resellerId: r1.id });
    await establish(stack, r2, x.id, owner.id);
    await establish(stack, owner, x.id);
    // Y: sold directly. Z: delegated admin only (its reseller relationship removed afterwards).
    const y = await createCustomer(stack, owner);
    const z = await createCustomer(stack, owner);
    for (const c of [x, z]) await approveDap(stack, c.id, (await createDap(stack, owner, c.id)).id);
    expect((await stack.gql(owner.token, REMOVE_RELATIONSHIP, { c: z.id, p: owner.id })).errors).toBeUndefined();
    const ids = (page: PageOf) => page.edges.map((e) => e.node.id).sort();
    const own = list0(await stack.gql(owner.token, `{ partner(id: "${owner.id}") { customers(first: 100) { ${PAGE} } } }`), (d) => d.partner.customers);
    expect({ ids: ids(own), total: own.totalCount }).toEqual({ ids: [x.id, y.id].sort(), total: 2 });
    const root = list0(await stack.gql(owner.token, `{ customers(first: 100) { ${PAGE} } }`), (d) => d.customers);
    expect({ ids: ids(root), total: root.totalCount }).toEqual({ ids: [x.id, y.id, z.id].sort(), total: 3 });
    const viaR1 = list0(await stack.gql(owner.token, `{ partner(id: "${owner.id}") { customers(resellerId: "${r1.id}", first: 100) { ${PAGE} } } }`), (d) => d.partner.customers);
    expect({ ids: ids(viaR1), total: viaR1.totalCount }).toEqual({ ids: [x.id], total: 1 });
  });

  it("L1: a cursor is valid only for the list that made it: another parent, other filters, another viewer or an edited cursor is BAD_USER_INPUT on the argument", async () => {
    const other = await createCustomer(stack, provider);
    await placeOrder(stack, provider, other.id);
    const SUBS = `query($id: ID!, $status: SubscriptionStatus, ${VARS}) { customer(id: $id) { subscriptions(status: $status, ${ARGS}) { ${PAGE} } } }`;
    const page = (await stack.gql(provider.token, SUBS, { id: customer.id, first: 1 })).data.customer.subscriptions;
    const cursor = page.pageInfo.endCursor as string;
    const use = async (tok: string, variables: Record<string, unknown>) => {
      const res = await stack.gql(tok, SUBS, variables);
      return { code: codeOf(res), field: res.errors?.[0]?.extensions?.field, data: res.data?.customer?.subscriptions ?? null };
    };
    // The same list takes it, both ways.
    expect((await use(provider.token, { id: customer.id, first: 1, after: cursor })).code).toBeUndefined();
    expect((await use(provider.token, { id: customer.id, last: 1, before: cursor })).code).toBeUndefined();
    const refused = { code: "BAD_USER_INPUT", field: "after", data: null };
    expect(await use(provider.token, { id: other.id, first: 1, after: cursor })).toEqual(refused);
    expect(await use(provider.token, { id: customer.id, status: "ACTIVE", first: 1, after: cursor })).toEqual(refused);
    expect(await use(customer.token, { id: customer.id, first: 1, after: cursor })).toEqual(refused);
    const flipped = cursor.slice(0, 3) + (cursor[3] === "A" ? "B" : "A") + cursor.slice(4);
    expect(await use(provider.token, { id: customer.id, first: 1, after: flipped })).toEqual(refused);
    expect(await use(provider.token, { id: customer.id, last: 1, before: flipped })).toEqual({ ...refused, field: "before" });
    // A cursor of another field entirely.
    const customersCursor = (await stack.gql(provider.token, `{ customers(first: 1) { pageInfo { endCursor } } }`)).data.customers.pageInfo.endCursor;
    expect(await use(provider.token, { id: customer.id, first: 1, after: customersCursor })).toEqual(refused);
  });
});
