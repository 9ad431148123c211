/**
 * Graceful shutdown: a service run as its own process, as `npm run
 * start:<name>` runs it, gets SIGTERM while a request is in flight. No sleeps: the request
 * is held open by the client (Expect: 100-continue proves the server has it in hand).
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { DEV_SUBGRAPH_SECRET } from "../common/service/config";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { ensureBuilt, startService } from "./support/processes";
import { operatorToken } from "./support/stack";

/** Whether a new TCP connection to `port` is refused (a connection accepted meanwhile is closed idle by the server). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });

/** Polls until `check` holds, for at most `ms`: the log line comes a moment before the listener closes. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("Graceful shutdown on SIGTERM", () => {
  let dataDir: string;
  let entry: string;
  beforeAll(() => {
    entry = ensureBuilt("subgraphs/partners/main.js");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-shutdown-"));
  }, 180_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("Faults: SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0", async () => {
    const service = await startService(entry, { PARTNERS_PORT: "0", DATA_DIR: dataDir });
    try {
      const port = Number(service.url.port);
      const body = JSON.stringify({ query: "{ viewer { userId kind } }" });
      // A keep-alive client, like the gateway's connection pool: shutdown must not wait for it to hang up.
      const request = http.request(service.url, {
        method: "POST",
        agent: new http.Agent({ keepAlive: true }),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          expect: "100-continue",
          authorization: `Bearer ${await operatorToken()}`,
          [SUBGRAPH_SECRET_HEADER]: DEV_SUBGRAPH_SECRET,
        },
      });
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        request.on("response", (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        request.on("error", reject);
      });
      // The server has read the request's head and waits for its body: the request is in flight.
      await new Promise<void>((resolve) => request.once("continue", resolve));

      service.child.kill("SIGTERM");
      await service.logged("shutting down");
      // Not accepting any more, while still finishing the request in flight.
      expect({ newConnectionRefused: await eventually(() => refused(port)), exitCode: service.child.exitCode }).toEqual({ newConnectionRefused: true, exitCode: null });

      request.end(body);
      const answered = await response;
      expect(answered.status).toBe(200);
      expect(JSON.parse(answered.text)).toEqual({ data: { viewer: { userId: "operator-user", kind: "OPERATOR" } } });
      expect(await service.exited).toBe(0);
      // SQLite removes the write-ahead log when the last connection closes cleanly.
      expect(fs.readdirSync(dataDir)).toEqual(["partners.sqlite"]);
    } finally {
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
    }
  });
});
