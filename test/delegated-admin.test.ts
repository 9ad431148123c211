/**
 * Delegated administration (DA1–DA5) and what it lets a partner see (CV1), through
 * the gateway. Time moves with the injectable clock.
 */
import { randomUUID } from "node:crypto";
import { clock, DAY_MS } from "../common/time/clock";
import { customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import {
  APPROVE_DAP,
  approveDap,
  CREATE_DAP,
  createDap,
  customerAsOperator,
  dapAsOperator,
  dapInput,
  establish,
  expectNoLeak,
  expectRefusal,
  ok,
  PARTNER_ROLES,
  register,
  REMOVE_RELATIONSHIP,
  subscriptionsAsCustomer,
  TERMINATE_DAP,
  uniqueName,
} from "./support/customer-fixtures";

const LOOKUP = `query($id: ID!) { customer(id: $id) { id billingProfile { email city } } }`;
const LIST = `{ customers(first: 100) { totalCount nodes { id } } }`;
const listIds = async (stack: Stack, token: string) => (await ok(stack, token, LIST)).customers.nodes.map((n: any) => n.id).sort();

describe.each(DIALECTS)("delegated admin (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  /** A partner with an ACTIVE reseller relationship with a new customer (which has a billing profile). */
  async function partnerWithCustomer(seed: { name?: string } = {}) {
    const partner = await enroll(stack, seed);
    const customer = await createCustomer(stack, partner, { billingEmail: "admin@customer.example" });
    return { partner, customer };
  }

  // ---------------------------------------------------------------- DA1

  it("DA1: a partner GLOBAL_ADMIN or ADMIN_AGENT creates an APPROVAL_PENDING relationship", async () => {
    const { partner, customer } = await partnerWithCustomer();
    for (const role of ["GLOBAL_ADMIN", "ADMIN_AGENT"]) {
      const input = dapInput(customer.id, { roles: ["DIRECTORY_READER", "USER_ADMINISTRATOR", "DIRECTORY_READER"], durationDays: 45, autoExtend: true });
      const data = await ok(stack, await partnerToken(partner.id, [role]), CREATE_DAP, { input });
      const dap = data.createDelegatedAdminRelationship.relationship;
      expect(dap).toMatchObject({
        displayName: input.displayName,
        durationDays: 45,
        autoExtend: true,
        status: "APPROVAL_PENDING",
        activatedAt: null,
        endsAt: null,
        partner: { id: partner.id },
        customer: { id: customer.id },
      });
      expect([...dap.roles].sort()).toEqual(["DIRECTORY_READER", "USER_ADMINISTRATOR"]);
      expect(await dapAsOperator(stack, customer.id, dap.id)).toMatchObject({ status: "APPROVAL_PENDING" });
    }
  });

  it("DA1: a pending relationship gives no visibility: billingProfile stays null", async () => {
    const { partner, customer } = await partnerWithCustomer();
    await createDap(stack, partner, customer.id);
    expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.billingProfile).toBeNull();
  });

  it("Role table: createDelegatedAdminRelationship is for partner GLOBAL_ADMIN, ADMIN_AGENT only (FORBIDDEN otherwise)", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const before = await customerAsOperator(stack, customer.id);
    const tokens = [
      ...(await Promise.all(PARTNER_ROLES.filter((r) => r !== "GLOBAL_ADMIN" && r !== "ADMIN_AGENT").map((r) => partnerToken(partner.id, [r])))),
      await operatorToken(),
      customer.token,
      await customerToken(customer.id, ["USER"]),
    ];
    for (const tok of tokens) expectRefusal(await stack.gql(tok, CREATE_DAP, { input: dapInput(customer.id) }), "FORBIDDEN");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    expect(before.delegatedAdminRelationships).toEqual([]);
  });

  it("DA1: a customer the partner cannot see is NOT_FOUND, without leaking it", async () => {
    const { customer } = await partnerWithCustomer({ name: uniqueName("Owner") });
    const stranger = await enroll(stack);
    const before = await customerAsOperator(stack, customer.id);
    for (const id of [customer.id, randomUUID()]) {
      const res = await stack.gql(stranger.token, CREATE_DAP, { input: dapInput(id) });
      expectRefusal(res, "NOT_FOUND");
      expectNoLeak(res, [before.companyName, before.partnerRelationships[0].partner.id]);
    }
    expectRefusal(await stack.gql(stranger.token, CREATE_DAP, { input: dapInput("nope") }), "BAD_USER_INPUT", "input.customerId");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
  });

  it("DA1: a display name already used by the partner is DUPLICATE_NAME (another partner may use it)", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const second = await createCustomer(stack, partner);
    const name = uniqueName("Shared name");
    await createDap(stack, partner, customer.id, { displayName: name });
    const before = [await customerAsOperator(stack, customer.id), await customerAsOperator(stack, second.id)];
    for (const c of [customer, second]) {
      expectRefusal(await stack.gql(partner.token, CREATE_DAP, { input: dapInput(c.id, { displayName: name }) }), "DUPLICATE_NAME");
      expectRefusal(await stack.gql(partner.token, CREATE_DAP, { input: dapInput(c.id, { displayName: `  ${name} ` }) }), "DUPLICATE_NAME");
    }
    expect([await customerAsOperator(stack, customer.id), await customerAsOperator(stack, second.id)]).toEqual(before);
    const other = await enroll(stack);
    await establish(stack, other, customer.id);
    expect((await createDap(stack, other, customer.id, { displayName: name })).displayName).toBe(name);
  });

  it("DA1: displayName (empty, 51 chars), roles (empty) and durationDays (0, 731) are BAD_USER_INPUT with the field", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const before = await customerAsOperator(stack, customer.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ displayName: "" }, "input.displayName"],
      [{ displayName: "   " }, "input.displayName"],
      [{ displayName: "x".repeat(51) }, "input.displayName"],
      [{ roles: [] }, "input.roles"],
      [{ durationDays: 0 }, "input.durationDays"],
      [{ durationDays: 731 }, "input.durationDays"],
      [{ durationDays: -5 }, "input.durationDays"],
    ];
    for (const [overrides, field] of cases) {
      expectRefusal(await stack.gql(partner.token, CREATE_DAP, { input: dapInput(customer.id, overrides) }), "BAD_USER_INPUT", field);
    }
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    // The bounds themselves are accepted.
    expect((await createDap(stack, partner, customer.id, { displayName: "y".repeat(50), durationDays: 1 })).durationDays).toBe(1);
    expect((await createDap(stack, partner, customer.id, { durationDays: 730 })).durationDays).toBe(730);
    // 50 characters, not 50 UTF-16 code units.
    const emoji = "😀".repeat(49) + `${Date.now() % 10}`;
    expect((await createDap(stack, partner, customer.id, { displayName: emoji })).displayName).toBe(emoji);
    expectRefusal(await stack.gql(partner.token, CREATE_DAP, { input: dapInput(customer.id, { displayName: "😀".repeat(51) }) }), "BAD_USER_INPUT", "input.displayName");
  });

  it("DA3: autoExtend with GLOBAL_ADMINISTRATOR is AUTO_EXTEND_NOT_ALLOWED", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const before = await customerAsOperator(stack, customer.id);
    const res = await stack.gql(partner.token, CREATE_DAP, { input: dapInput(customer.id, { roles: ["USER_ADMINISTRATOR", "GLOBAL_ADMINISTRATOR"], autoExtend: true }) });
    expectRefusal(res, "AUTO_EXTEND_NOT_ALLOWED");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    const ok1 = await createDap(stack, partner, customer.id, { roles: ["GLOBAL_ADMINISTRATOR"], autoExtend: false });
    expect(ok1.status).toBe("APPROVAL_PENDING");
  });

  it("DA1: concurrent creations with one display name leave exactly one (the other DUPLICATE_NAME)", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const input = dapInput(customer.id);
    const results = await Promise.all([0, 1, 2].map(() => stack.gql(partner.token, CREATE_DAP, { input })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of results.filter((r) => r.errors)) expectRefusal(r, "DUPLICATE_NAME");
    expect((await customerAsOperator(stack, customer.id)).delegatedAdminRelationships).toHaveLength(1);
  });

  it("DA2/DA4: concurrent approval and termination leave one consistent final state", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const dap = await createDap(stack, partner, customer.id);
    const [approve, terminate] = await Promise.all([stack.gql(customer.token, APPROVE_DAP, { id: dap.id }), stack.gql(partner.token, TERMINATE_DAP, { id: dap.id })]);
    const final = (await dapAsOperator(stack, customer.id, dap.id)).status;
    if (terminate.errors) expectRefusal(terminate, "INVALID_STATE");
    if (approve.errors) expectRefusal(approve, "INVALID_STATE");
    expect(final).toBe(terminate.errors ? "ACTIVE" : "TERMINATED");
    expect([approve, terminate].filter((r) => !r.errors).length).toBeGreaterThanOrEqual(1);
  });

  // ---------------------------------------------------------------- DA2

  it("DA2: the customer's GLOBAL_ADMIN approves: ACTIVE, ending durationDays after approval", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const start = new Date("2030-03-01T10:00:00.000Z");
    clock.set(start);
    const dap = await createDap(stack, partner, customer.id, { durationDays: 30 });
    clock.advance(3 * DAY_MS + 1234);
    const approved = await approveDap(stack, customer.id, dap.id);
    const approvedAt = new Date(start.getTime() + 3 * DAY_MS + 1234);
    expect(approved).toMatchObject({ status: "ACTIVE", activatedAt: approvedAt.toISOString(), endsAt: new Date(approvedAt.getTime() + 30 * DAY_MS).toISOString() });
    expect(await dapAsOperator(stack, customer.id, dap.id)).toMatchObject({ status: "ACTIVE", endsAt: approved.endsAt });
    // Approving again: not pending any more.
    const before = await customerAsOperator(stack, customer.id);
    expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: dap.id }), "INVALID_STATE");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
  });

  it("Role table: approveDelegatedAdminRelationship is for the customer's GLOBAL_ADMIN only; another customer gets NOT_FOUND", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const other = await register(stack);
    const dap = await createDap(stack, partner, customer.id);
    const before = await customerAsOperator(stack, customer.id);
    const tokens = [
      ...(await Promise.all(PARTNER_ROLES.map((r) => partnerToken(partner.id, [r])))),
      await operatorToken(),
      await customerToken(customer.id, ["USER"]),
    ];
    for (const tok of tokens) expectRefusal(await stack.gql(tok, APPROVE_DAP, { id: dap.id }), "FORBIDDEN");
    expectRefusal(await stack.gql(other.token, APPROVE_DAP, { id: dap.id }), "NOT_FOUND");
    expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: randomUUID() }), "NOT_FOUND");
    expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: "x" }), "BAD_USER_INPUT", "id");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    expect((await approveDap(stack, customer.id, dap.id)).status).toBe("ACTIVE");
  });

  it("DA2: unapproved after 90 days it is EXPIRED and can no longer be approved (INVALID_STATE)", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const early = await createDap(stack, partner, customer.id);
    const late = await createDap(stack, partner, customer.id);
    clock.advance(90 * DAY_MS - 60_000);
    expect((await dapAsOperator(stack, customer.id, late.id)).status).toBe("APPROVAL_PENDING");
    expect((await approveDap(stack, customer.id, early.id)).status).toBe("ACTIVE");
    clock.advance(60_000);
    expect((await dapAsOperator(stack, customer.id, late.id)).status).toBe("EXPIRED");
    const before = await customerAsOperator(stack, customer.id);
    expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: late.id }), "INVALID_STATE");
    expectRefusal(await stack.gql(partner.token, TERMINATE_DAP, { id: late.id }), "INVALID_STATE");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    const pending = await ok(stack, customer.token, `query($id: ID!) { customer(id: $id) { delegatedAdminRelationships(status: EXPIRED) { id } } }`, { id: customer.id });
    expect(pending.customer.delegatedAdminRelationships).toEqual([{ id: late.id }]);
  });

  it("DA2: an ACTIVE relationship past its end is EXPIRED (final), and its partner loses what it gave", async () => {
    const { customer } = await partnerWithCustomer();
    const dapPartner = await enroll(stack);
    await establish(stack, dapPartner, customer.id);
    const dap = await createDap(stack, dapPartner, customer.id, { durationDays: 10 });
    await approveDap(stack, customer.id, dap.id);
    // DAP-only: the reseller relationship ends, the delegated admin relationship carries visibility.
    await ok(stack, dapPartner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: dapPartner.id });
    expect((await ok(stack, dapPartner.token, LOOKUP, { id: customer.id })).customer.billingProfile).toEqual({ email: "admin@customer.example", city: "Seattle" });
    clock.advance(10 * DAY_MS - 1000);
    expect((await dapAsOperator(stack, customer.id, dap.id)).status).toBe("ACTIVE");
    expect(await listIds(stack, dapPartner.token)).toEqual([customer.id]);
    clock.advance(1000);
    expect(await dapAsOperator(stack, customer.id, dap.id)).toMatchObject({ status: "EXPIRED" });
    expectRefusal(await stack.gql(dapPartner.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
    expect(await listIds(stack, dapPartner.token)).toEqual([]);
    const before = await customerAsOperator(stack, customer.id);
    expectRefusal(await stack.gql(customer.token, TERMINATE_DAP, { id: dap.id }), "INVALID_STATE");
    expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: dap.id }), "INVALID_STATE");
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
  });

  it("DA2: an auto-extending relationship gains 180 days at its end instead of expiring", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const start = new Date("2031-01-01T00:00:00.000Z");
    clock.set(start);
    const dap = await createDap(stack, partner, customer.id, { durationDays: 20, autoExtend: true });
    const approved = await approveDap(stack, customer.id, dap.id);
    const end = start.getTime() + 20 * DAY_MS;
    expect(approved.endsAt).toBe(new Date(end).toISOString());
    clock.set(new Date(end));
    expect(await dapAsOperator(stack, customer.id, dap.id)).toMatchObject({ status: "ACTIVE", endsAt: new Date(end + 180 * DAY_MS).toISOString() });
    clock.set(new Date(end + 200 * DAY_MS));
    expect(await dapAsOperator(stack, customer.id, dap.id)).toMatchObject({ status: "ACTIVE", endsAt: new Date(end + 360 * DAY_MS).toISOString() });
    // The partner still holds it: billing profile and listing.
    expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.billingProfile).not.toBeNull();
    await ok(stack, partner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: partner.id });
    expect(await listIds(stack, partner.token)).toEqual([customer.id]);
  });

  // ---------------------------------------------------------------- DA4

  it("DA4: the partner (GLOBAL_ADMIN or ADMIN_AGENT) terminates an active one: TERMINATED, final", async () => {
    const { partner, customer } = await partnerWithCustomer();
    for (const role of ["GLOBAL_ADMIN", "ADMIN_AGENT"]) {
      const dap = await createDap(stack, partner, customer.id);
      await approveDap(stack, customer.id, dap.id);
      const data = await ok(stack, await partnerToken(partner.id, [role]), TERMINATE_DAP, { id: dap.id });
      expect(data.terminateDelegatedAdminRelationship.relationship.status).toBe("TERMINATED");
      expect((await dapAsOperator(stack, customer.id, dap.id)).status).toBe("TERMINATED");
      const before = await customerAsOperator(stack, customer.id);
      expectRefusal(await stack.gql(partner.token, TERMINATE_DAP, { id: dap.id }), "INVALID_STATE");
      expectRefusal(await stack.gql(customer.token, APPROVE_DAP, { id: dap.id }), "INVALID_STATE");
      expect(await customerAsOperator(stack, customer.id)).toEqual(before);
    }
  });

  it("DA4: the customer's GLOBAL_ADMIN terminates an active one", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const dap = await createDap(stack, partner, customer.id);
    await approveDap(stack, customer.id, dap.id);
    const data = await ok(stack, customer.token, TERMINATE_DAP, { id: dap.id });
    expect(data.terminateDelegatedAdminRelationship.relationship.status).toBe("TERMINATED");
    expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.billingProfile).toBeNull();
  });

  it("Role table: terminateDelegatedAdminRelationship is for partner GLOBAL_ADMIN, ADMIN_AGENT and customer GLOBAL_ADMIN; strangers get NOT_FOUND", async () => {
    const { partner, customer } = await partnerWithCustomer({ name: uniqueName("Dap Holder") });
    const stranger = await enroll(stack);
    const otherCustomer = await register(stack);
    const dap = await createDap(stack, partner, customer.id);
    await approveDap(stack, customer.id, dap.id);
    const before = await customerAsOperator(stack, customer.id);
    const forbiddenTokens = [
      ...(await Promise.all(PARTNER_ROLES.filter((r) => r !== "GLOBAL_ADMIN" && r !== "ADMIN_AGENT").map((r) => partnerToken(partner.id, [r])))),
      await operatorToken(),
      await customerToken(customer.id, ["USER"]),
    ];
    for (const tok of forbiddenTokens) expectRefusal(await stack.gql(tok, TERMINATE_DAP, { id: dap.id }), "FORBIDDEN");
    for (const tok of [stranger.token, otherCustomer.token]) {
      const res = await stack.gql(tok, TERMINATE_DAP, { id: dap.id });
      expectRefusal(res, "NOT_FOUND");
      expectNoLeak(res, [partner.id, "Dap Holder", before.companyName]);
    }
    expect(await customerAsOperator(stack, customer.id)).toEqual(before);
  });

  it("DA4: expiry and termination change no subscription and no reseller relationship", async () => {
    const { partner, customer } = await partnerWithCustomer();
    await placeOrder(stack, partner, customer.id);
    await placeOrder(stack, partner, customer.id, { offerId: "azure-plan", quantity: 1 });
    const toTerminate = await createDap(stack, partner, customer.id, { durationDays: 5 });
    const toExpire = await createDap(stack, partner, customer.id, { durationDays: 5 });
    const neverApproved = await createDap(stack, partner, customer.id);
    await approveDap(stack, customer.id, toTerminate.id);
    await approveDap(stack, customer.id, toExpire.id);
    const subsBefore = await subscriptionsAsCustomer(stack, customer.id);
    const relsBefore = (await customerAsOperator(stack, customer.id)).partnerRelationships;
    expect(subsBefore).toHaveLength(2);

    await ok(stack, customer.token, TERMINATE_DAP, { id: toTerminate.id });
    clock.advance(91 * DAY_MS);
    const after = await customerAsOperator(stack, customer.id);
    const status = (id: string) => after.delegatedAdminRelationships.find((d: any) => d.id === id).status;
    expect([status(toTerminate.id), status(toExpire.id), status(neverApproved.id)]).toEqual(["TERMINATED", "EXPIRED", "EXPIRED"]);
    expect(await subscriptionsAsCustomer(stack, customer.id)).toEqual(subsBefore);
    expect(after.partnerRelationships).toEqual(relsBefore);
    expect(relsBefore.map((r: any) => r.status)).toEqual(["ACTIVE"]);
    // The partner still sells through its reseller relationship.
    expect((await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.id).toBe(customer.id);
  });

  // ---------------------------------------------------------------- DA5 and CV1

  it("DA5: billingProfile is null without an active delegated admin relationship and present with one", async () => {
    const { partner, customer } = await partnerWithCustomer();
    const read = async () => (await ok(stack, partner.token, LOOKUP, { id: customer.id })).customer.billingProfile;
    expect(await read()).toBeNull();
    const dap = await createDap(stack, partner, customer.id);
    expect(await read()).toBeNull();
    await approveDap(stack, customer.id, dap.id);
    expect(await read()).toEqual({ email: "admin@customer.example", city: "Seattle" });
    // Another partner's DAP gives this one nothing.
    const other = await enroll(stack);
    await establish(stack, other, customer.id);
    expect((await ok(stack, other.token, LOOKUP, { id: customer.id })).customer.billingProfile).toBeNull();
    await ok(stack, partner.token, TERMINATE_DAP, { id: dap.id });
    expect(await read()).toBeNull();
    // The customer and the operator always see it.
    expect((await ok(stack, customer.token, LOOKUP, { id: customer.id })).customer.billingProfile).not.toBeNull();
    expect((await ok(stack, await operatorToken(), LOOKUP, { id: customer.id })).customer.billingProfile).not.toBeNull();
  });

  it("CV1: a partner whose only tie is an active delegated admin relationship looks the customer up and lists it", async () => {
    const { customer } = await partnerWithCustomer();
    const dapPartner = await enroll(stack);
    await establish(stack, dapPartner, customer.id);
    const dap = await createDap(stack, dapPartner, customer.id);
    await approveDap(stack, customer.id, dap.id);
    await ok(stack, dapPartner.token, REMOVE_RELATIONSHIP, { c: customer.id, p: dapPartner.id });
    const seen = await ok(stack, dapPartner.token, `query($id: ID!) { customer(id: $id) { id partnerRelationships { status partner { id } } delegatedAdminRelationships { id status } } }`, { id: customer.id });
    expect(seen.customer).toEqual({
      id: customer.id,
      partnerRelationships: [{ status: "REMOVED", partner: { id: dapPartner.id } }],
      delegatedAdminRelationships: [{ id: dap.id, status: "ACTIVE" }],
    });
    expect(await listIds(stack, dapPartner.token)).toEqual([customer.id]);
    // Not a reseller: Partner.customers (reseller relationships) does not hold it; ordering needs a relationship.
    const own = await ok(stack, dapPartner.token, `query($p: ID!) { partner(id: $p) { customers { totalCount } } }`, { p: dapPartner.id });
    expect(own.partner.customers.totalCount).toBe(0);
    await ok(stack, customer.token, TERMINATE_DAP, { id: dap.id });
    expectRefusal(await stack.gql(dapPartner.token, LOOKUP, { id: customer.id }), "NOT_FOUND");
    expect(await listIds(stack, dapPartner.token)).toEqual([]);
  });
});
