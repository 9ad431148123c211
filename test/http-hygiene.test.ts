/**
 * R4: the gateway answers every malformed request as a client error, and a client that sends
 * too slowly is cut off within seconds. Real sockets against a real gateway: fetch for what a
 * client library sends, node:http and node:net for what a slow or oversized client does.
 */
import http from "node:http";
import net from "node:net";
import { DEFAULT_HTTP_LIMITS, HttpLimits, readConfig } from "../common/service/config";
import { captureLogs } from "../common/observability/logger";
import { buildGateway, GatewayServer } from "../gateway/server";
import { operatorToken, Stack, startStack } from "./support/stack";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("sqlite");
});
afterAll(() => stack?.stop());

/** A gateway of its own over the stack's subgraphs, with these HTTP limits. */
async function gatewayWith(limits: Partial<HttpLimits>, maxBodyBytes?: number) {
  const config = { ...stack.config, httpLimits: { ...stack.config.httpLimits, ...limits } };
  if (maxBodyBytes) config.queryLimits = { ...config.queryLimits, maxBodyBytes };
  const gateway: GatewayServer = buildGateway({ config, subgraphUrls: stack.subgraphUrls });
  const running = await gateway.start(0);
  return { port: running.port, url: running.url, stop: () => gateway.stop() };
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await operatorToken()}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

/** What a raw socket receives until the server closes it (or `waitMs` passes), and how long that took. */
function rawExchange(port: number, send: (socket: net.Socket) => void, waitMs: number) {
  return new Promise<{ text: string; closedAfterMs: number | undefined }>((resolve) => {
    const started = Date.now();
    let text = "";
    const socket = net.connect(port, "127.0.0.1", () => send(socket));
    const give = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: closed ? Date.now() - started : undefined });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      give(false);
    }, waitMs);
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => give(true));
  });
}

describe("R4: operationName", () => {
  it("R4: an operationName the document does not define is HTTP 400 OPERATION_RESOLUTION_FAILURE, not 500; a 900 KB name adds no more than a bounded prefix to the log and to the answer", async () => {
    const logs = captureLogs("info");
    let res;
    try {
      res = await post(stack.gatewayUrl, { query: "query Mine { viewer { userId } }", operationName: "x".repeat(900_000) });
    } finally {
      logs.restore();
    }
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0].extensions).toEqual({ code: "OPERATION_RESOLUTION_FAILURE" });
    expect(res.body.errors![0].message).toMatch(/^Unknown operation named "x{100}… \(900000 characters\)"/);
    expect(res.body.data).toBeUndefined();
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.filter((l) => l.level === "error")).toEqual([]);
    expect(JSON.stringify(logs.lines).length).toBeLessThan(5_000);
  });

  it("R4: a document of two operations with no operationName is HTTP 400 OPERATION_RESOLUTION_FAILURE; naming one runs it", async () => {
    const query = "query A { viewer { userId } } query B { viewer { kind } }";
    const res = await post(stack.gatewayUrl, { query });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ message: "The document has 2 operations: name the one to run in operationName.", extensions: { code: "OPERATION_RESOLUTION_FAILURE" } }]);
    const named = await post(stack.gatewayUrl, { query, operationName: "B" });
    expect(named.status).toBe(200);
    expect(named.body).toEqual({ data: { viewer: { kind: "OPERATOR" } } });
  });

  it("R4: an operation whose own name is 300 KB long runs, and its request log line carries a bounded prefix of the name", async () => {
    // 300 KB: the plan repeats the name in each subgraph call, whose own body limit is 1 MB.
    const name = `Q${"x".repeat(300_000)}`;
    const logs = captureLogs("info");
    let res;
    try {
      res = await post(stack.gatewayUrl, { query: `query ${name} { viewer { kind } }` });
    } finally {
      logs.restore();
    }
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ viewer: { kind: "OPERATOR" } });
    const requestLines = logs.lines.filter((l) => l.msg === "request" && l.service === "gateway");
    expect(requestLines).toHaveLength(1);
    expect(String(requestLines[0].operation)).toMatch(/^Qx{99}… \(300001 characters\)$/);
    expect(JSON.stringify(logs.lines).length).toBeLessThan(5_000);
  });
});

describe("R4: bodies over the limit", () => {
  /** Streams a chunked body (no Content-Length) until the answer comes, then goes on sending for `afterMs`. */
  function chunkedUpload(port: number, afterMs: number) {
    return new Promise<{ status?: number; body: string; error?: string; sentBytes: number; cutAfterAnswerMs?: number }>((resolve) => {
      const chunk = Buffer.alloc(16_384, "a");
      let sentBytes = 0;
      let answeredAt: number | undefined;
      let body = "";
      let status: number | undefined;
      let done = false;
      const finish = (error?: string) => {
        if (done) return;
        done = true;
        clearInterval(pump);
        resolve({ status, body, error, sentBytes, cutAfterAnswerMs: answeredAt && error ? Date.now() - answeredAt : undefined });
      };
      const req = http.request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        status = res.statusCode;
        answeredAt = Date.now();
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          if (afterMs === 0) {
            req.end();
            finish();
          }
        });
      });
      req.on("error", (e) => finish((e as NodeJS.ErrnoException).code ?? e.message));
      // Once the answer is complete, a cut shows on the socket only.
      req.on("socket", (socket) => socket.on("close", () => finish(answeredAt ? "closed" : "closed before the answer")));
      req.write('{"query":"');
      const pump = setInterval(() => {
        if (answeredAt && Date.now() - answeredAt > afterMs + 10_000) return finish();
        if (!answeredAt || afterMs > 0) {
          req.write(chunk);
          sentBytes += chunk.length;
        }
      }, 5);
    });
  }

  it("R4: a chunked body (no Content-Length) over MAX_BODY_BYTES is answered HTTP 413 PAYLOAD_TOO_LARGE, not a connection reset", async () => {
    const gateway = await gatewayWith({}, 100_000);
    try {
      const upload = await chunkedUpload(gateway.port, 0);
      expect(upload.error).toBeUndefined();
      expect(upload.status).toBe(413);
      expect(JSON.parse(upload.body)).toEqual({ errors: [{ message: "The request body exceeds 100000 bytes.", extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
      expect(upload.sentBytes).toBeGreaterThan(100_000);
    } finally {
      await gateway.stop();
    }
  });

  it("R4: a client that goes on sending after its 413 is cut off about 2 s after the answer", async () => {
    const gateway = await gatewayWith({}, 100_000);
    try {
      const upload = await chunkedUpload(gateway.port, 60_000);
      expect(upload.status).toBe(413);
      expect(upload.error).toBeDefined();
      expect(upload.cutAfterAnswerMs).toBeGreaterThanOrEqual(1_500);
      expect(upload.cutAfterAnswerMs).toBeLessThan(2_000 + 3_000);
    } finally {
      await gateway.stop();
    }
  });

  it("R4: a body whose Content-Length is over the limit is refused with 413 before it is sent", async () => {
    const gateway = await gatewayWith({}, 100_000);
    try {
      const { text } = await rawExchange(
        gateway.port,
        (s) => s.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"),
        3_000,
      );
      expect(text).toMatch(/^HTTP\/1\.1 413 /);
      expect(text).toContain('"code":"PAYLOAD_TOO_LARGE"');
    } finally {
      await gateway.stop();
    }
  });
});

describe("R4: slow clients and the connection cap", () => {
  it("R4: headers that do not arrive within HTTP_HEADERS_TIMEOUT_MS are answered 408 and the connection closed", async () => {
    const gateway = await gatewayWith({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    try {
      const { text, closedAfterMs } = await rawExchange(gateway.port, (s) => s.write("POST /graphql HTTP/1.1\r\nHost: x\r\n"), 10_000);
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeGreaterThanOrEqual(450);
      expect(closedAfterMs).toBeLessThan(500 + 2_500);
    } finally {
      await gateway.stop();
    }
  });

  it("R4: a body sent a byte at a time is cut at HTTP_REQUEST_TIMEOUT_MS with 408, not after minutes", async () => {
    const gateway = await gatewayWith({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    try {
      const { text, closedAfterMs } = await rawExchange(
        gateway.port,
        (s) => {
          s.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n");
          const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write("{")), 100);
          s.on("close", () => clearInterval(drip));
        },
        10_000,
      );
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeGreaterThanOrEqual(950);
      expect(closedAfterMs).toBeLessThan(1_000 + 2_500);
    } finally {
      await gateway.stop();
    }
  });

  it("R4: beyond HTTP_MAX_CONNECTIONS a new connection is closed at once; once one closes, requests are answered again", async () => {
    const gateway = await gatewayWith({ maxConnections: 3 });
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        held.push(await new Promise<net.Socket>((resolve) => { const s = net.connect(gateway.port, "127.0.0.1", () => resolve(s)); }));
      }
      // Let the server register the three before the fourth comes.
      await new Promise((r) => setTimeout(r, 100));
      const refused = await rawExchange(gateway.port, (s) => s.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), 5_000);
      expect(refused.text).toBe("");
      expect(refused.closedAfterMs).toBeLessThan(1_000);

      held.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const answered = await rawExchange(gateway.port, (s) => s.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 5_000);
      expect(answered.text).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      for (const s of held) s.destroy();
      await gateway.stop();
    }
  });

  it("R4: the HTTP limits have API-sized defaults and follow the environment; a headers timeout never exceeds the request timeout", () => {
    expect(readConfig({}).httpLimits).toEqual(DEFAULT_HTTP_LIMITS);
    expect(DEFAULT_HTTP_LIMITS).toEqual({ headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, maxConnections: 1_000 });
    expect(readConfig({ HTTP_HEADERS_TIMEOUT_MS: "2000", HTTP_REQUEST_TIMEOUT_MS: "4000", HTTP_MAX_CONNECTIONS: "50" }).httpLimits).toEqual({
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 4_000,
      maxConnections: 50,
    });
    expect(readConfig({ HTTP_HEADERS_TIMEOUT_MS: "9000", HTTP_REQUEST_TIMEOUT_MS: "3000" }).httpLimits.headersTimeoutMs).toBe(3_000);
    expect(readConfig({ HTTP_MAX_CONNECTIONS: "many" }).httpLimits.maxConnections).toBe(1_000);
  });
});
