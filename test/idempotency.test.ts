/**
 * I1: idempotency keys on inviteReseller, createCustomer, createRelationshipRequest and
 * createDelegatedAdminRelationship, with O4's meaning, through the gateway: a retry answers
 * with the first result and creates nothing; another input under the key is refused; keys are
 * the calling organisation's; concurrent duplicates make exactly one; and the same holds with
 * two replicas of the owning subgraph on one PostgreSQL database.
 */
import { randomUUID } from "node:crypto";
import { HOUR_MS } from "../common/time/clock";
import { SubgraphName } from "../common/service/config";
import { createCustomer, enroll, linkReseller } from "./support/fixtures";
import { CREATE_CUSTOMER, CREATE_DAP, CREATE_REQUEST, customerInput, dapInput, establish, expectRefusal, uniqueName, withClockAdvanced } from "./support/customer-fixtures";
import { enrollProvider, enrollReseller } from "./support/two-tier-fixtures";
import { codeOf, DIALECTS, GqlResult, Stack, startStack, token } from "./support/stack";
import { worldState } from "./support/world-state";

type Caller = { id: string; token: string };

/** One keyed create, set up fresh for each test: two callers (organisations) and two different inputs. */
interface Case {
  callers: [Caller, Caller];
  /** Sends the mutation as `caller` with input `variant` (0 or 1) under `key`. */
  call(caller: Caller, variant: 0 | 1, key: string | null): Promise<GqlResult>;
  /** The created thing's id in an answer. */
  idOf(res: GqlResult): string;
  /** How many of them the first caller has, counted in the owning subgraph's table. */
  count(): Promise<number>;
  involved: string[];
}

interface Mutation {
  name: string;
  owner: SubgraphName;
  setup(stack: Stack): Promise<Case>;
}

async function rows(stack: Stack, subgraph: SubgraphName, table: string, where: Record<string, unknown>) {
  const ds = stack.subgraphs[subgraph].db.dataSource;
  const meta = ds.entityMetadatas.find((m) => m.tableName === table)!;
  return ds.getRepository(meta.target).countBy(where);
}

const INVITE = `mutation($input: InviteResellerInput!) { inviteReseller(input: $input) { relationship { id status provider { id } reseller { id } } } }`;

const MUTATIONS: Mutation[] = [
  {
    name: "inviteReseller",
    owner: "partners",
    async setup(stack) {
      const [provider, other, r0, r1] = await Promise.all([enrollProvider(stack), enrollProvider(stack), enrollReseller(stack), enrollReseller(stack)]);
      return {
        callers: [provider, other],
        call: (caller, variant, key) => stack.gql(caller.token, INVITE, { input: { resellerMpnId: [r0, r1][variant].mpnId, idempotencyKey: key } }),
        idOf: (res) => res.data.inviteReseller.relationship.id,
        count: () => rows(stack, "partners", "reseller_relationship", { providerId: provider.id }),
        involved: [provider.id, other.id, r0.id, r1.id],
      };
    },
  },
  {
    name: "createCustomer",
    owner: "customers",
    async setup(stack) {
      const [partner, other] = await Promise.all([enroll(stack), enroll(stack)]);
      const inputs = [customerInput(), customerInput()];
      return {
        callers: [partner, other],
        call: (caller, variant, key) => stack.gql(caller.token, CREATE_CUSTOMER, { input: { ...inputs[variant], idempotencyKey: key } }),
        idOf: (res) => res.data.createCustomer.customer.id,
        count: () => rows(stack, "customers", "customer_partner_relationship", { partnerId: partner.id }),
        involved: [partner.id, other.id],
      };
    },
  },
  {
    name: "createRelationshipRequest",
    owner: "customers",
    async setup(stack) {
      const [p0, p1, reseller, other] = await Promise.all([enrollProvider(stack), enrollProvider(stack), enrollReseller(stack), enrollReseller(stack)]);
      for (const provider of [p0, p1]) for (const r of [reseller, other]) await linkReseller(stack, provider, r);
      return {
        callers: [reseller, other],
        call: (caller, variant, key) => stack.gql(caller.token, CREATE_REQUEST, { input: { indirectProviderId: [p0, p1][variant].id, idempotencyKey: key } }),
        idOf: (res) => res.data.createRelationshipRequest.request.id,
        count: () => rows(stack, "customers", "relationship_request", { partnerId: reseller.id }),
        involved: [p0.id, p1.id, reseller.id, other.id],
      };
    },
  },
  {
    name: "createDelegatedAdminRelationship",
    owner: "customers",
    async setup(stack) {
      const [partner, other] = await Promise.all([enroll(stack), enroll(stack)]);
      const customer = await createCustomer(stack, partner);
      await establish(stack, other, customer.id);
      const inputs = [dapInput(customer.id, { displayName: uniqueName("GDAP") }), dapInput(customer.id, { displayName: uniqueName("GDAP") })];
      return {
        callers: [partner, other],
        call: (caller, variant, key) => stack.gql(caller.token, CREATE_DAP, { input: { ...inputs[variant], idempotencyKey: key } }),
        idOf: (res) => res.data.createDelegatedAdminRelationship.relationship.id,
        count: () => rows(stack, "customers", "delegated_admin_relationship", { partnerId: partner.id }),
        involved: [partner.id, other.id],
      };
    },
  },
];

const succeeded = (res: GqlResult) => {
  if (res.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(res.errors)}`);
  return res;
};

/** Another user of the same organisation: keys belong to the organisation, not to the user. */
const colleague = async (caller: Caller): Promise<Caller> => ({ id: caller.id, token: await token({ sub: `colleague-${randomUUID()}`, org: "partner", tid: caller.id, roles: ["GLOBAL_ADMIN"] }) });

describe.each(DIALECTS)("I1: idempotency keys (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  describe.each(MUTATIONS)("$name", (mutation) => {
    it(`I1: ${mutation.name}: the same key and input again, from any user of the organisation, answer with the first result (not a second one, nor the refusal a second one would now meet), and nothing is written`, async () => {
      const c = await mutation.setup(stack);
      const key = `retry-${randomUUID()}`;
      const first = c.idOf(succeeded(await c.call(c.callers[0], 0, key)));
      const before = await worldState(stack, { partners: c.involved });
      const again = await c.call(await colleague(c.callers[0]), 0, key);
      expect(c.idOf(succeeded(again))).toBe(first);
      expect(await worldState(stack, { partners: c.involved })).toEqual(before);
      expect(await c.count()).toBe(1);
    });

    it(`I1: ${mutation.name}: the same key with another input is IDEMPOTENCY_KEY_REUSED, and nothing changes`, async () => {
      const c = await mutation.setup(stack);
      const key = `reuse-${randomUUID()}`;
      succeeded(await c.call(c.callers[0], 0, key));
      const before = await worldState(stack, { partners: c.involved });
      expectRefusal(await c.call(c.callers[0], 1, key), "IDEMPOTENCY_KEY_REUSED");
      expect(await worldState(stack, { partners: c.involved })).toEqual(before);
      expect(await c.count()).toBe(1);
    });

    it(`I1: ${mutation.name}: keys are the calling organisation's own: another organisation's use of the same key is its own request`, async () => {
      const c = await mutation.setup(stack);
      const key = `shared-${randomUUID()}`;
      const mine = c.idOf(succeeded(await c.call(c.callers[0], 0, key)));
      const theirs = c.idOf(succeeded(await c.call(c.callers[1], 1, key)));
      expect(theirs).not.toBe(mine);
      expect(await c.count()).toBe(1);
    });

    it(`I1: ${mutation.name}: 50 concurrent duplicates create exactly one, and every one of them is answered with it`, async () => {
      const c = await mutation.setup(stack);
      const key = `burst-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 50 }, () => c.call(c.callers[0], 0, key)));
      const ids = new Set(results.map((r) => c.idOf(succeeded(r))));
      expect(ids.size).toBe(1);
      expect(await c.count()).toBe(1);
    });

    it(`I1: ${mutation.name}: a key is kept at least 24 hours: a retry 25 hours later still answers with the first result`, async () => {
      const c = await mutation.setup(stack);
      const key = `late-${randomUUID()}`;
      const first = c.idOf(succeeded(await c.call(c.callers[0], 0, key)));
      const late = await withClockAdvanced(25 * HOUR_MS, () => c.call(c.callers[0], 0, key));
      expect(c.idOf(succeeded(late))).toBe(first);
      expect(await c.count()).toBe(1);
    });

    it(`I1: ${mutation.name}: a key of 1 to 100 characters; an empty or longer one is BAD_USER_INPUT on input.idempotencyKey, and nothing changes`, async () => {
      const c = await mutation.setup(stack);
      const before = await worldState(stack, { partners: c.involved });
      expectRefusal(await c.call(c.callers[0], 0, "   "), "BAD_USER_INPUT", "input.idempotencyKey");
      expectRefusal(await c.call(c.callers[0], 0, "k".repeat(101)), "BAD_USER_INPUT", "input.idempotencyKey");
      expect(await worldState(stack, { partners: c.involved })).toEqual(before);
      succeeded(await c.call(c.callers[0], 0, "k".repeat(100)));
    });
  });

  it("I1: without a key nothing is deduplicated: two relationship requests are two", async () => {
    const c = await MUTATIONS.find((m) => m.name === "createRelationshipRequest")!.setup(stack);
    const a = c.idOf(succeeded(await c.call(c.callers[0], 0, null)));
    const b = c.idOf(succeeded(await c.call(c.callers[0], 0, null)));
    expect(a).not.toBe(b);
    expect(await c.count()).toBe(2);
  });

  it("I1: each mutation has its own keys: one key on createCustomer and on createDelegatedAdminRelationship makes both", async () => {
    const partner = await enroll(stack);
    const key = `both-${randomUUID()}`;
    const customer = succeeded(await stack.gql(partner.token, CREATE_CUSTOMER, { input: { ...customerInput(), idempotencyKey: key } })).data.createCustomer.customer;
    const dap = succeeded(await stack.gql(partner.token, CREATE_DAP, { input: { ...dapInput(customer.id), idempotencyKey: key } })).data.createDelegatedAdminRelationship.relationship;
    expect(dap.customer.id).toBe(customer.id);
  });

  it("I1: a refused first call records no key: the corrected retry under the same key is executed", async () => {
    const partner = await enroll(stack);
    const key = `fix-${randomUUID()}`;
    const wrongCountry = await stack.gql(partner.token, CREATE_CUSTOMER, { input: { ...customerInput({ country: "DE" }), idempotencyKey: key } });
    expect(codeOf(wrongCountry)).toBe("REGION_MISMATCH");
    expect(codeOf(await stack.gql(partner.token, CREATE_CUSTOMER, { input: { ...customerInput(), idempotencyKey: key } }))).toBeUndefined();
  });
});

const pgOnly = process.env.TEST_DATABASE_URL ? describe : describe.skip;

pgOnly("I1: idempotency keys with two replicas of the owning subgraph on one PostgreSQL database", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Small pools: several transactions per replica still race on the key, without taking a
    // large share of a PostgreSQL server that other test files use at the same time. Generous
    // timeouts: a burst queued on small pools must not fail for a busy machine's slowness.
    const patient = "60000";
    stack = await startStack("postgres", {
      replicas: { partners: 2, customers: 2 },
      env: { DATABASE_POOL_SIZE: "6", DATABASE_CONNECT_TIMEOUT_MS: patient, INTERNAL_TIMEOUT_MS: patient, SUBGRAPH_TIMEOUT_MS: patient },
    });
  });
  afterAll(() => stack?.stop());

  it.each(MUTATIONS.map((m) => [m.name, m] as const))("I1: %s: 50 concurrent duplicates across two replicas create exactly one, and every one of them is answered with it", async (_name, mutation) => {
    const balancer = stack.balancers[mutation.owner]!;
    const servedBefore = [...balancer.served];
    const c = await mutation.setup(stack);
    const key = `replicas-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 50 }, () => c.call(c.callers[0], 0, key)));
    const ids = new Set(results.map((r) => c.idOf(succeeded(r))));
    expect(ids.size).toBe(1);
    expect(await c.count()).toBe(1);
    // Both replicas answered part of the burst (round robin): the race was between processes' connections.
    expect(balancer.served.map((n, i) => n - (servedBefore[i] ?? 0)).every((n) => n >= 25)).toBe(true);
    // A retry later, on whichever replica, is answered the same.
    const retries = await Promise.all([c.call(c.callers[0], 0, key), c.call(c.callers[0], 0, key)]);
    for (const r of retries) expect(c.idOf(succeeded(r))).toBe([...ids][0]);
    expect(codeOf(await c.call(c.callers[0], 1, key))).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});
