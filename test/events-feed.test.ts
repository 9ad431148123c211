/**
 * The events subgraph's feed on its own (EV2, EV3): events relayed over its internal endpoint
 * are stored once each, in the order ingested, and each organisation reads those it is in
 * the audience of; the operator reads all; PING is never in a feed.
 */
import { randomUUID } from "node:crypto";
import { customerAudience, partnerAudience } from "../common/event-types";
import { feed, feedPage, ingest, relayedEvent } from "./support/event-fixtures";
import { codeOf, customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack } from "./support/stack";

describe.each(DIALECTS)("events feed (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("EV1: an event relayed twice is stored once (the events subgraph deduplicates by id) and both relays are acknowledged", async () => {
    const partner = randomUUID();
    const event = relayedEvent({ audience: [partnerAudience(partner)] });
    const first = await ingest(stack, [event]);
    const again = await ingest(stack, [event, event]);
    expect(first.data!.ingestEvents).toEqual({ acknowledged: [event.id], stored: 1 });
    expect(again.data!.ingestEvents).toEqual({ acknowledged: [event.id, event.id], stored: 0 });
    expect((await feed(stack, await partnerToken(partner))).map((e) => e.id)).toEqual([event.id]);
  });

  it("EV2: an organisation reads only the events it is in the audience of; the operator reads every one; PING is in no feed", async () => {
    const [a, b, customer] = [randomUUID(), randomUUID(), randomUUID()];
    const forA = relayedEvent({ audience: [partnerAudience(a), customerAudience(customer)] });
    const forB = relayedEvent({ audience: [partnerAudience(b)] });
    const ping = relayedEvent({ type: "PING", subjectType: null, subjectId: null, audience: [partnerAudience(a)] });
    await ingest(stack, [forA, forB, ping]);
    expect((await feed(stack, await partnerToken(a))).map((e) => e.id)).toEqual([forA.id]);
    expect((await feed(stack, await partnerToken(b))).map((e) => e.id)).toEqual([forB.id]);
    expect((await feed(stack, await customerToken(customer))).map((e) => e.id)).toEqual([forA.id]);
    // A partner whose id is the customer's never reads the customer's events: audiences name the kind too.
    expect(await feed(stack, await partnerToken(customer))).toEqual([]);
    const all = (await feed(stack, await operatorToken())).map((e) => e.id);
    expect(all).toEqual(expect.arrayContaining([forA.id, forB.id]));
    expect(all).not.toContain(ping.id);
    expect((await feed(stack, await partnerToken(a), ["PING"])).length).toBe(0);
  });

  it("EV3: the feed is in ingest order with keyset cursors, forward and backward, filtered by type", async () => {
    const partner = randomUUID();
    const audience = [partnerAudience(partner)];
    // occurredAt runs backwards: the feed's order is the order of recording, not occurredAt.
    const events = Array.from({ length: 7 }, (_, i) =>
      relayedEvent({ type: i % 2 ? "ORDER_PLACED" : "CUSTOMER_CREATED", subjectType: i % 2 ? "Order" : "Customer", occurredAt: new Date(Date.now() - i * 1000).toISOString(), audience }),
    );
    for (const e of events) await ingest(stack, [e]);
    const tok = await partnerToken(partner);
    const ids = events.map((e) => e.id);
    expect((await feed(stack, tok)).map((e) => e.id)).toEqual(ids);

    const first = await feedPage(stack, tok, { first: 3 });
    expect(first.edges.map((e) => e.node.id)).toEqual(ids.slice(0, 3));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.totalCount).toBe(7);
    const second = await feedPage(stack, tok, { first: 3, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node.id)).toEqual(ids.slice(3, 6));
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const back = await feedPage(stack, tok, { last: 2, before: second.pageInfo.startCursor });
    expect(back.edges.map((e) => e.node.id)).toEqual(ids.slice(1, 3));

    const orders = await feed(stack, tok, ["ORDER_PLACED"]);
    expect(orders.map((e) => e.id)).toEqual(ids.filter((_, i) => i % 2));
    expect(orders.every((e) => e.type === "ORDER_PLACED" && e.subjectType === "Order")).toBe(true);
  });

  it("L1: a cursor of another viewer's or another filter's feed is BAD_USER_INPUT on after", async () => {
    const partner = randomUUID();
    await ingest(stack, [relayedEvent({ audience: [partnerAudience(partner)] }), relayedEvent({ audience: [partnerAudience(partner)] })]);
    const mine = await feedPage(stack, await partnerToken(partner), { first: 1 });
    const other = await stack.gql(await partnerToken(randomUUID()), `query($a: String) { events(first: 1, after: $a) { totalCount } }`, { a: mine.pageInfo.endCursor });
    expect(codeOf(other)).toBe("BAD_USER_INPUT");
    expect(other.errors![0].extensions!.field).toBe("after");
    const filtered = await stack.gql(await partnerToken(partner), `query($a: String) { events(types: [ORDER_PLACED], first: 1, after: $a) { totalCount } }`, { a: mine.pageInfo.endCursor });
    expect(codeOf(filtered)).toBe("BAD_USER_INPUT");
  });
});
