/**
 * EV1 across a crash, with every service its own process: an owner that committed a mutation
 * while the events subgraph was down, and was then killed (kill -9) before it could relay the
 * event, relays it once it starts again; the feed shows it exactly once.
 */
import { randomUUID } from "node:crypto";
import { feed } from "./support/event-fixtures";
import { ProcessStack, startProcessStack } from "./support/processes";
import { DIALECTS, operatorToken } from "./support/stack";

jest.setTimeout(240_000);

describe.each(DIALECTS)("EV1: events survive a crash between commit and relay (%s, separate processes)", (dialect) => {
  let ps: ProcessStack;
  beforeAll(async () => {
    ps = await startProcessStack(dialect, { OUTBOX_RELAY_INTERVAL_MS: "200" });
  }, 240_000);
  afterAll(() => ps?.stop());

  it("EV1: a customer registered while the events subgraph is down, its owner killed before relaying: after both restart, the event is in the feed once", async () => {
    const op = await operatorToken();
    await ps.kill("events");
    const id = randomUUID();
    const registered = await ps.gql(op, `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id } } }`, {
      input: { id, companyName: `Crash ${id.slice(0, 8)}`, defaultDomain: `c${id.slice(0, 8)}.onmicrosoft.com`, cloud: "GLOBAL", country: "US" },
    });
    expect(registered.errors).toBeUndefined();
    // Committed with its event, which could not be relayed.
    const pending = (await ps.rows("customers", "outbox_event")).filter((r) => r.subjectId === id);
    expect(pending).toEqual([expect.objectContaining({ type: "CUSTOMER_CREATED", relayedAt: null })]);

    await ps.kill("customers");
    await ps.restart("events");
    expect((await feed(ps, op)).filter((e) => e.subjectId === id)).toEqual([]);
    await ps.restart("customers");

    const deadline = Date.now() + 20_000;
    let seen = (await feed(ps, op)).filter((e) => e.subjectId === id);
    while (seen.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await feed(ps, op)).filter((e) => e.subjectId === id);
    }
    expect(seen).toEqual([expect.objectContaining({ id: pending[0].id, type: "CUSTOMER_CREATED", subjectType: "Customer" })]);
    const relayed = (await ps.rows("customers", "outbox_event")).filter((r) => r.subjectId === id);
    expect(relayed).toEqual([expect.objectContaining({ id: pending[0].id, relayedAt: expect.any(String) })]);
    // Once: later passes (another registration kicks the relay) send nothing again.
    const other = randomUUID();
    await ps.gql(op, `mutation($input: RegisterCustomerTenantInput!) { registerCustomerTenant(input: $input) { customer { id } } }`, {
      input: { id: other, companyName: `After ${other.slice(0, 8)}`, defaultDomain: `a${other.slice(0, 8)}.onmicrosoft.com`, cloud: "GLOBAL", country: "US" },
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await feed(ps, op)).filter((e) => e.subjectId === id)).toHaveLength(1);
  });
});
