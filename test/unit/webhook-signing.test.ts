/** Unit tests of subgraphs/events/webhooks/signing.ts (EV4), verified with the Standard Webhooks reference library. */
import { Webhook } from "standardwebhooks";
import { DAY_MS } from "../../common/time/clock";
import { activeSecrets, newWebhookSecret, signatureHeaders } from "../../subgraphs/events/webhooks/signing";

const body = JSON.stringify({ id: "evt-1", type: "ORDER_PLACED" });

describe("webhook signing (EV4)", () => {
  it("EV4: a secret is whsec_ and the base64 of 32 random bytes, new each time", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it("EV4: webhook-id is the event id, webhook-timestamp the attempt's time in seconds, webhook-signature v1,<sig> that the library verifies", () => {
    const secret = newWebhookSecret();
    const now = new Date();
    const headers = signatureHeaders("evt-1", body, [secret], now);
    expect(headers["webhook-id"]).toBe("evt-1");
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, { ...headers })).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body + " ", { ...headers })).toThrow(/No matching signature/);
  });

  it("EV4: for 24 hours after a rotation a delivery carries two signatures, old and new, each verifying; after it only the new one", () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const rotatedAt = new Date("2026-01-01T00:00:00Z");
    const endpoint = { secret: newSecret, previousSecret: oldSecret, rotatedAt };
    const during = activeSecrets(endpoint, new Date(rotatedAt.getTime() + DAY_MS - 1));
    expect(during).toEqual([newSecret, oldSecret]);
    const now = new Date();
    const headers = signatureHeaders("evt-2", body, during, now);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();

    const after = activeSecrets(endpoint, new Date(rotatedAt.getTime() + DAY_MS));
    expect(after).toEqual([newSecret]);
    const later = signatureHeaders("evt-2", body, after, now);
    expect(later["webhook-signature"].split(" ")).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(body, { ...later })).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(body, { ...later })).toThrow(/No matching signature/);
  });

  it("EV4: an endpoint never rotated signs with its one secret", () => {
    const secret = newWebhookSecret();
    expect(activeSecrets({ secret }, new Date())).toEqual([secret]);
    expect(activeSecrets({ secret, previousSecret: null, rotatedAt: null }, new Date())).toEqual([secret]);
  });
});
