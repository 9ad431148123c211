/**
 * Unit tests of subgraphs/events/webhooks/attempt.ts (EV4, EV5, EV7) against a real HTTP
 * receiver that verifies signatures with the standardwebhooks package.
 */
import { serializeBody, attemptDelivery, WebhookBody } from "../../subgraphs/events/webhooks/attempt";
import { newWebhookSecret, signatureHeaders } from "../../subgraphs/events/webhooks/signing";
import { startWebhookReceiver, WebhookReceiver } from "../support/webhook-receiver";

const event: WebhookBody = {
  id: "8b7c1f0e-1111-4d5e-9e0a-3a1f6c2d4e5f",
  type: "ORDER_PLACED",
  occurredAt: "2026-01-01T00:00:00.000Z",
  subjectType: "Order",
  subjectId: "order-1",
  actorKind: "PARTNER",
  actorId: "partner-1",
};

describe("webhook attempt (EV4, EV5, EV7)", () => {
  const secret = newWebhookSecret();
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver({ secrets: [secret] });
  });
  afterEach(() => receiver.close());

  const send = (opts: { timeoutMs?: number; production?: boolean; url?: string } = {}) => {
    const body = serializeBody(event);
    return attemptDelivery(opts.url ?? receiver.url, body, signatureHeaders(event.id, body, [secret], new Date()), {
      production: opts.production ?? false,
      timeoutMs: opts.timeoutMs,
    });
  };

  it("EV4: a POST of the JSON body with exactly the event's fields, signed so the receiver verifies it; a 2xx acknowledges", async () => {
    const outcome = await send();
    expect(outcome).toMatchObject({ ok: true, status: 204 });
    expect(receiver.deliveries).toHaveLength(1);
    const [d] = receiver.deliveries;
    expect(d.verifiedWith).toEqual([0]);
    expect(d.id).toBe(event.id);
    expect(Math.abs(d.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(d.body).toEqual(event);
    expect(Object.keys(d.body)).toEqual(["id", "type", "occurredAt", "subjectType", "subjectId", "actorKind", "actorId"]);
  });

  it("EV5: a 5xx is a failed attempt with its status recorded", async () => {
    receiver.mode = { kind: "fail", status: 503 };
    expect(await send()).toMatchObject({ ok: false, status: 503, error: "HTTP 503" });
    receiver.mode = { kind: "ok" };
    expect(await send()).toMatchObject({ ok: true, status: 204 });
  });

  it("EV7: a redirect is a failed attempt and is not followed", async () => {
    const other = await startWebhookReceiver({ secrets: [secret] });
    try {
      receiver.mode = { kind: "redirect", location: other.url };
      expect(await send()).toMatchObject({ ok: false, status: 307, error: expect.stringMatching(/redirect/) });
      expect(other.deliveries).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it("EV5: no answer within the timeout is a failure without a status, and the attempt ends at the timeout", async () => {
    receiver.mode = { kind: "stall", ms: 5_000 };
    const outcome = await send({ timeoutMs: 300 });
    expect(outcome).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/no answer within/) });
    expect(outcome.durationMs).toBeLessThan(2_000);
  });

  it("EV5: an unreachable endpoint is a failure without a status", async () => {
    const url = receiver.url;
    await receiver.close();
    expect(await send({ url })).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/request failed/) });
    receiver = await startWebhookReceiver({ secrets: [secret] });
  });

  it("EV7: in production the check runs again at delivery: a loopback URL is not contacted", async () => {
    const outcome = await send({ production: true, url: receiver.url.replace("http:", "https:") });
    expect(outcome).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/URL refused/) });
    const byName = await send({ production: true, url: receiver.url.replace("http://127.0.0.1", "https://localhost") });
    expect(byName).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/URL refused.*internal address/) });
    expect(receiver.deliveries).toHaveLength(0);
  });

  it("EV7: in production a name that resolves to a public address when checked and to 127.0.0.1 when connecting is refused at the connection", async () => {
    const body = serializeBody(event);
    let lookups = 0;
    const rebinding = async () => [{ address: lookups++ === 0 ? "93.184.216.34" : "127.0.0.1", family: 4 }];
    const outcome = await attemptDelivery(`https://rebind.example.com:${new URL(receiver.url).port}/webhooks`, body, signatureHeaders(event.id, body, [secret], new Date()), {
      production: true,
      lookup: rebinding,
    });
    expect(lookups).toBe(2);
    expect(outcome).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/URL refused.*internal address \(127\.0\.0\.1\)/) });
    expect(receiver.deliveries).toHaveLength(0);
  });
});

describe("webhook attempt time (EV5)", () => {
  it("EV5: a host look-up that never answers fails the attempt within its timeout", async () => {
    const never = () => new Promise<never>(() => undefined);
    const started = performance.now();
    const outcome = await attemptDelivery("https://slow-dns.example.com/in", "{}", { "webhook-id": "x", "webhook-timestamp": "0", "webhook-signature": "v1,x" }, { production: true, lookup: never, timeoutMs: 200 });
    expect(outcome).toMatchObject({ ok: false, status: null, error: "no answer within 0.2 s" });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
