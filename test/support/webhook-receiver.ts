/**
 * A webhook receiver for tests: a real HTTP server on a free port that verifies each
 * delivery's Standard Webhooks signature with the `standardwebhooks` package (as a partner's
 * receiver would) and records it. It can be told to fail (5xx), to stall past the delivery
 * timeout, to redirect, and to come back to acknowledging.
 */
import http from "node:http";
import net from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceiverMode =
  | { kind: "ok" }
  | { kind: "fail"; status?: number }
  | { kind: "stall"; ms: number }
  | { kind: "redirect"; location: string };

export interface ReceivedDelivery {
  id: string;
  timestamp: number;
  signatures: string[];
  /** Which of the receiver's secrets verified the signature (by index into `secrets`); empty when none did. */
  verifiedWith: number[];
  body: any;
  rawBody: string;
  /** What the receiver answered. */
  answered: number | "stalled";
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  mode: ReceiverMode;
  /** The secrets to verify with (a rotation adds one); each delivery records which verified it. */
  secrets: string[];
  deliveries: ReceivedDelivery[];
  /** Deliveries whose signature verified with at least one secret, acknowledged or not. */
  verified(): ReceivedDelivery[];
  /** Requests with this webhook-id, in arrival order. */
  byId(id: string): ReceivedDelivery[];
  /** Resolves once `count` requests matching `filter` have arrived (rejects after `timeoutMs`). */
  waitFor(filter: (d: ReceivedDelivery) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { secrets?: string[]; mode?: ReceiverMode; path?: string } = {}): Promise<WebhookReceiver> {
  const sockets = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  const stalls = new Set<NodeJS.Timeout>();
  const receiver: WebhookReceiver = {
    url: "",
    mode: options.mode ?? { kind: "ok" },
    secrets: options.secrets ?? [],
    deliveries: [],
    verified: () => receiver.deliveries.filter((d) => d.verifiedWith.length > 0),
    byId: (id) => receiver.deliveries.filter((d) => d.id === id),
    waitFor: (filter, count = 1, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const matching = receiver.deliveries.filter(filter);
          if (matching.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(matching);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: ${receiver.deliveries.filter(filter).length} of ${count} deliveries after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v ?? "")]));
      const verifiedWith = receiver.secrets.flatMap((secret, i) => {
        try {
          new Webhook(secret).verify(rawBody, headers);
          return [i];
        } catch {
          return [];
        }
      });
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const mode = receiver.mode;
      const delivery: ReceivedDelivery = {
        id: headers["webhook-id"] ?? "",
        timestamp: Number(headers["webhook-timestamp"]),
        signatures: (headers["webhook-signature"] ?? "").split(" ").filter(Boolean),
        verifiedWith,
        body,
        rawBody,
        answered: mode.kind === "stall" ? "stalled" : mode.kind === "fail" ? (mode.status ?? 503) : mode.kind === "redirect" ? 307 : verifiedWith.length ? 204 : 401,
        receivedAt: Date.now(),
      };
      receiver.deliveries.push(delivery);
      for (const w of [...waiters]) w();
      if (mode.kind === "stall") {
        const stall = setTimeout(() => {
          stalls.delete(stall);
          if (!res.destroyed) res.writeHead(204).end();
        }, mode.ms);
        stalls.add(stall);
        return;
      }
      if (mode.kind === "redirect") return void res.writeHead(307, { location: mode.location }).end();
      res.writeHead(delivery.answered as number).end();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${options.path ?? "/webhooks"}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const t of stalls) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return receiver;
}
