/**
 * DA2's time-driven events (EV1): with the clock moved past an expiry or an end, the customers
 * subgraph records DELEGATED_ADMIN_EXPIRED or DELEGATED_ADMIN_EXTENDED once, dated when it came
 * due, for the relationship's partner and customer (EV2) — however many sweeps see it.
 */
import { clock, DAY_MS } from "../common/clock";
import { createCustomer, enroll } from "./support/fixtures";
import { approveDap, createDap } from "./support/customer-fixtures";
import { EventView, feed, outboxesRelayed } from "./support/event-fixtures";
import { DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

const SWEEP_MS = 50;

describe.each(DIALECTS)("DA2: time-driven delegated admin events (%s)", (dialect) => {
  let stack: Stack;
  let partner: { id: string; token: string };
  let other: { id: string; token: string };
  let customer: { id: string; token: string };
  beforeAll(async () => {
    stack = await startStack(dialect, { env: { DELEGATED_ADMIN_SWEEP_MS: String(SWEEP_MS) } });
    partner = await enroll(stack);
    other = await enroll(stack);
    customer = await createCustomer(stack, partner);
  });
  afterAll(() => stack?.stop());
  afterEach(() => clock.reset());

  const about = async (token: string, id: string): Promise<EventView[]> => {
    await outboxesRelayed(stack);
    return (await feed(stack, token)).filter((e) => e.subjectId === id && (e.type === "DELEGATED_ADMIN_EXPIRED" || e.type === "DELEGATED_ADMIN_EXTENDED"));
  };
  /** Lets several sweeps run, then reads the time-driven events about `id`. */
  async function afterSweeps(token: string, id: string, expected: number): Promise<EventView[]> {
    const deadline = Date.now() + 5_000;
    let events = await about(token, id);
    while (events.length < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, SWEEP_MS));
      events = await about(token, id);
    }
    await new Promise((r) => setTimeout(r, SWEEP_MS * 6));
    return about(token, id);
  }

  it("DA2, EV1: an approved relationship past its end records DELEGATED_ADMIN_EXPIRED once, dated at its end, for its partner and customer, not another partner", async () => {
    const dap = await createDap(stack, partner, customer.id, { durationDays: 10 });
    const approved = await approveDap(stack, customer.id, dap.id);
    expect(await about(partner.token, dap.id)).toEqual([]);
    clock.advance(11 * DAY_MS);
    const events = await afterSweeps(partner.token, dap.id, 1);
    expect(events).toEqual([expect.objectContaining({ type: "DELEGATED_ADMIN_EXPIRED", subjectType: "DelegatedAdminRelationship", actorKind: "OPERATOR", actorId: null, occurredAt: approved.endsAt })]);
    expect((await about(customer.token, dap.id)).map((e) => e.id)).toEqual([events[0].id]);
    expect((await about(await operatorToken(), dap.id)).map((e) => e.id)).toEqual([events[0].id]);
    expect(await about(other.token, dap.id)).toEqual([]);
  });

  it("DA2, EV1: an unapproved relationship records DELEGATED_ADMIN_EXPIRED once after 90 days", async () => {
    const dap = await createDap(stack, partner, customer.id);
    clock.advance(89 * DAY_MS);
    expect(await afterSweeps(partner.token, dap.id, 0)).toEqual([]);
    clock.advance(2 * DAY_MS);
    expect((await afterSweeps(partner.token, dap.id, 1)).map((e) => e.type)).toEqual(["DELEGATED_ADMIN_EXPIRED"]);
  });

  it("DA2, EV1: an auto-extending relationship records DELEGATED_ADMIN_EXTENDED once per extension, each dated at the end it passed, and never EXPIRED", async () => {
    const dap = await createDap(stack, partner, customer.id, { durationDays: 5, autoExtend: true });
    const approved = await approveDap(stack, customer.id, dap.id);
    clock.advance(6 * DAY_MS);
    const once = await afterSweeps(partner.token, dap.id, 1);
    expect(once.map((e) => [e.type, e.occurredAt])).toEqual([["DELEGATED_ADMIN_EXTENDED", approved.endsAt]]);
    clock.advance(180 * DAY_MS);
    const twice = await afterSweeps(customer.token, dap.id, 2);
    const secondEnd = new Date(new Date(approved.endsAt).getTime() + 180 * DAY_MS).toISOString();
    expect(twice.map((e) => [e.type, e.occurredAt])).toEqual([
      ["DELEGATED_ADMIN_EXTENDED", approved.endsAt],
      ["DELEGATED_ADMIN_EXTENDED", secondEnd],
    ]);
  });
});
