/**
 * `npm start`'s own webhook receiver: the demo data registers one endpoint (Adventure Works
 * Cloud, ORDER_PLACED and the subscription events) pointing here, so that running PlaceOrder in
 * Sandbox shows, a moment later, a log line of the delivery that arrived, its Standard Webhooks
 * signature verified with the `standardwebhooks` package as a partner's receiver would.
 */
import http from "node:http";
import type net from "node:net";
import { Webhook } from "standardwebhooks";
import { logger } from "../common/observability/logger";

export interface DemoWebhookReceiver {
  url: string;
  /** The endpoint's current secret (set once the endpoint is registered or its secret rotated). */
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startDemoWebhookReceiver(port: number, host: string): Promise<DemoWebhookReceiver> {
  let verifier: Webhook | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v ?? "")]));
      try {
        if (!verifier) throw new Error("no secret yet");
        const event = verifier.verify(body, headers) as { type: string; id: string; subjectType: string | null; subjectId: string | null };
        logger.info({ webhookId: event.id }, `demo webhook receiver: ${event.type}${event.subjectType ? ` ${event.subjectType} ${event.subjectId}` : ""} (signature verified)`);
        res.writeHead(204).end();
      } catch (error) {
        logger.warn({ webhookId: headers["webhook-id"] }, `demo webhook receiver: refused a delivery whose signature did not verify (${(error as Error).message})`);
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://${host}:${address.port}/webhooks/demo`,
    setSecret: (secret) => (verifier = new Webhook(secret)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
