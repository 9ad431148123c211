/**
 * Operations through the gateway: one request id followed through every service it touched,
 * unexpected errors findable by their id, no token or SQL parameter in any log line, one
 * trace across gateway and subgraphs, CORS for listed origins only, automatic persisted queries.
 */
import { createHash, randomUUID } from "node:crypto";
import { SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { assertProductionSafe, DEV_CORS_ORIGINS, readConfig } from "../common/service/config";
import { captureLogs } from "../common/observability/logger";
import { startTelemetry, stopTelemetry } from "../common/observability/telemetry";
import { buildGateway, GatewayServer } from "../gateway/server";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";
import { DIALECTS, operatorToken, Stack, startStack } from "./support/stack";

/** What a partner's portfolio page asks: customers (customers), their subscriptions (subscriptions), the partner of record (partners). */
const PORTFOLIO = `query Portfolio {
  customers(first: 5) { nodes { id companyName subscriptions(first: 5) { nodes { quantity partnerOfRecord { name } } } } }
}`;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** SimpleSpanProcessor exports a server span only after its response is written: wait for it. */
async function eventually<T>(probe: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > until) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("Operations: settings", () => {
  it("Logs: level by environment — info by default, silent under tests, LOG_LEVEL wins, a bad level is named", () => {
    expect(readConfig({}).logLevel).toBe("info");
    expect(readConfig({ NODE_ENV: "production" }).logLevel).toBe("info");
    expect(readConfig({ NODE_ENV: "test" }).logLevel).toBe("silent");
    expect(readConfig({ NODE_ENV: "test", LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(() => readConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("Traces: without OTEL_EXPORTER_OTLP_ENDPOINT no provider is registered and spans record nothing", () => {
    expect(startTelemetry("csp-graph", { config: readConfig({ NODE_ENV: "test" }) })).toBe(false);
    const span = trace.getTracer("probe").startSpan("probe");
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it("CORS: the hosted Sandbox in development, nothing in production unless listed, * refused in production, origins checked", () => {
    expect(readConfig({}).corsOrigins).toEqual(DEV_CORS_ORIGINS);
    expect(readConfig({ NODE_ENV: "production" }).corsOrigins).toEqual([]);
    expect(readConfig({ CORS_ORIGINS: " https://a.example , http://localhost:5173" }).corsOrigins).toEqual(["https://a.example", "http://localhost:5173"]);
    expect(readConfig({ CORS_ORIGINS: "" }).corsOrigins).toEqual([]);
    expect([readConfig({}).corsLocalOrigins, readConfig({ NODE_ENV: "test" }).corsLocalOrigins, readConfig({ NODE_ENV: "production" }).corsLocalOrigins]).toEqual([true, true, false]);
    expect(() => readConfig({ CORS_ORIGINS: "https://a.example/app" })).toThrow(/CORS_ORIGINS: "https:\/\/a.example\/app"/);
    expect(() => readConfig({ CORS_ORIGINS: "a.example" })).toThrow(/CORS_ORIGINS/);
    const production = { NODE_ENV: "production", JWKS_URL: "https://idp.example/jwks", SUBGRAPH_SECRET: "s3cret" };
    expect(() => assertProductionSafe(readConfig({ ...production, CORS_ORIGINS: "*" }))).toThrow(/CORS_ORIGINS/);
    expect(() => assertProductionSafe(readConfig({ ...production, CORS_ORIGINS: "https://app.example" }))).not.toThrow();
    expect(() => assertProductionSafe(readConfig({ CORS_ORIGINS: "*" }))).not.toThrow();
  });
});

// Registered once for the file: tracers taken before a re-registration would keep the old provider.
const spans = new InMemorySpanExporter();
describe("with tracing to memory", () => {
  beforeAll(() => startTelemetry("csp-graph-test", { exporter: spans }));
  afterAll(() => stopTelemetry());

  describe.each(DIALECTS)("Operations through the gateway (%s)", (dialect) => {
    let stack: Stack;
    let partner: { id: string; token: string };
    let customer: { id: string; token: string };
    let operator: string;
    beforeAll(async () => {
      stack = await startStack(dialect);
      partner = await enroll(stack);
      customer = await createCustomer(stack, partner);
      await placeOrder(stack, partner, customer.id);
      operator = await operatorToken();
    });
    afterAll(() => stack?.stop());

    describe("Logs", () => {
      it("Logs: one request id, kept from x-request-id, is on the log line of the gateway and of every subgraph it touched", async () => {
        const logs = captureLogs();
        const requestId = `portfolio-${randomUUID()}`;
        let res: Answer;
        try {
          res = await post(stack.gatewayUrl, { query: PORTFOLIO }, { ...bearer(partner.token), "x-request-id": requestId });
          await eventually(() => (logs.lines.filter((l) => l.requestId === requestId && l.msg === "request").length >= 4 ? true : undefined));
        } finally {
          logs.restore();
        }
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.customers.nodes[0].subscriptions.nodes[0].partnerOfRecord.name).toBeTruthy();
        expect(res.headers.get("x-request-id")).toBe(requestId);

        const requestLines = logs.lines.filter((l) => l.msg === "request" && l.requestId === requestId);
        expect(new Set(requestLines.map((l) => l.service))).toEqual(new Set(["gateway", "customers", "subscriptions", "partners"]));
        for (const line of requestLines) {
          expect(line).toMatchObject({ status: 200, outcome: "ok", level: "info" });
          expect(typeof line.durationMs).toBe("number");
          // Subgraph-to-subgraph questions (/internal/graphql) are anonymous operations.
          if (line.path === "/graphql") expect(typeof line.operation).toBe("string");
        }
        expect(requestLines.find((l) => l.service === "gateway")!.operation).toBe("Portfolio");
      });

      it("Logs: the gateway makes a request id when none (or an unusable one) is given and returns it", async () => {
        const made = await post(stack.gatewayUrl, { query: "{ viewer { userId } }" }, bearer(operator));
        expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
        const unusable = await post(stack.gatewayUrl, { query: "{ viewer { userId } }" }, { ...bearer(operator), "x-request-id": 'bad id "with" spaces' });
        expect(unusable.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      });

      it("Logs: a subgraph's call to another subgraph carries the same request id", async () => {
        // A customer looking at a partner: the partners subgraph asks the customers subgraph for the customer's cloud.
        const fresh = await createCustomer(stack, partner);
        const logs = captureLogs();
        const requestId = `directory-${randomUUID()}`;
        try {
          const res = await post(stack.gatewayUrl, { query: `query($id: ID!) { partner(id: $id) { name } }`, variables: { id: partner.id } }, { ...bearer(fresh.token), "x-request-id": requestId });
          expect(res.body.errors).toBeUndefined();
          await eventually(() => logs.lines.find((l) => l.requestId === requestId && l.path === "/internal/graphql"));
        } finally {
          logs.restore();
        }
        const internal = logs.lines.find((l) => l.requestId === requestId && l.path === "/internal/graphql");
        expect(internal).toMatchObject({ service: "customers", msg: "request", outcome: "ok" });
      });

      it("Errors: an unexpected error is INTERNAL_SERVER_ERROR whose errorId is on a log line with the request id; no token or SQL parameter is logged", async () => {
        const ds = stack.subgraphs.customers.db.dataSource;
        const logs = captureLogs();
        let res: Answer;
        // The table disappears under the subgraph: its lookup by id fails inside the database driver.
        await ds.query(`ALTER TABLE customer RENAME TO customer_away`);
        try {
          res = await post(stack.gatewayUrl, { query: `query One($id: ID!) { customer(id: $id) { companyName } }`, variables: { id: customer.id } }, bearer(operator));
        } finally {
          await ds.query(`ALTER TABLE customer_away RENAME TO customer`);
          logs.restore();
        }
        const error = res.body.errors[0];
        expect(error.extensions.code).toBe("INTERNAL_SERVER_ERROR");
        expect(res.body.data).toEqual({ customer: null });
        const text = JSON.stringify(res.body);
        expect(text).not.toMatch(/customer_away|SELECT|sqlite|relation|stack/i);
        const requestId = res.headers.get("x-request-id");

        const logged = logs.lines.find((l) => l.errorId === error.extensions.errorId);
        expect(logged).toMatchObject({ level: "error", msg: "unexpected error", service: "customers", requestId });
        expect(String(logged!.stack)).toMatch(/no such table|does not exist/);
        expect(logs.lines.find((l) => l.msg === "query failed")).toMatchObject({ service: "customers", requestId });

        // The id was a bound SQL parameter and the token rode in a header: neither reaches the logs.
        const everything = JSON.stringify(logs.lines);
        expect(everything).not.toContain(customer.id);
        expect(everything).not.toContain(operator);
        expect(everything).not.toMatch(/Bearer/);

        // Nothing changed: the customer is whole again once its table is back.
        const again = await post(stack.gatewayUrl, { query: `query($id: ID!) { customer(id: $id) { id } }`, variables: { id: customer.id } }, bearer(operator));
        expect(again.body).toEqual({ data: { customer: { id: customer.id } } });
      });
    });

    describe("Traces", () => {
      it("Traces: one query yields gateway and subgraph spans in one trace, each subgraph's server span under the gateway's fetch span", async () => {
        spans.reset();
        const requestId = `traced-${randomUUID()}`;
        const res = await post(stack.gatewayUrl, { query: PORTFOLIO }, { ...bearer(partner.token), "x-request-id": requestId });
        expect(res.body.errors).toBeUndefined();

        const finished = () => spans.getFinishedSpans();
        const gatewaySpan = await eventually(() =>
          finished().find((s) => s.attributes["csp.request_id"] === requestId && s.attributes["csp.service"] === "gateway"),
        );
        expect(gatewaySpan.kind).toBe(SpanKind.SERVER);
        const traceId = gatewaySpan.spanContext().traceId;
        const inTrace = await eventually(() => {
          const all = finished().filter((s) => s.spanContext().traceId === traceId);
          return all.filter((s) => s.kind === SpanKind.SERVER).length >= 4 ? all : undefined;
        });
        const named = (name: string) => inTrace.filter((s) => s.name === name);
        expect(named("gateway.request").length).toBe(1);
        const fetchIds = new Set(named("gateway.fetch").map((s) => s.spanContext().spanId));
        expect(fetchIds.size).toBeGreaterThanOrEqual(3);

        const servers = inTrace.filter((s) => s.kind === SpanKind.SERVER && s !== gatewaySpan);
        const subgraphServers = servers.filter((s) => s.attributes["url.path"] === "/graphql");
        expect(new Set(subgraphServers.map((s) => s.attributes["csp.service"]))).toEqual(new Set(["customers", "subscriptions", "partners"]));
        for (const server of subgraphServers) {
          expect(fetchIds.has(server.parentSpanId!)).toBe(true);
          expect(server.attributes["csp.request_id"]).toBe(requestId);
          const execution = inTrace.find((s: ReadableSpan) => s.name === "graphql.execute" && s.parentSpanId === server.spanContext().spanId);
          expect(execution).toBeDefined();
        }
        // A subgraph asking another (/internal/graphql) continues the trace under its own server span.
        const subgraphServerIds = new Set(subgraphServers.map((s) => s.spanContext().spanId));
        for (const internal of servers.filter((s) => s.attributes["url.path"] === "/internal/graphql")) {
          expect(subgraphServerIds.has(internal.parentSpanId!)).toBe(true);
        }
      });
    });

    describe("CORS", () => {
      const APP = "https://app.example.com";
      let gateway: GatewayServer;
      let url: string;
      beforeAll(async () => {
        gateway = buildGateway({ config: readConfig({ NODE_ENV: "test", CORS_ORIGINS: `${APP},http://localhost:5173` }), subgraphUrls: stack.subgraphUrls });
        url = (await gateway.start(0)).url;
      });
      afterAll(() => gateway?.stop());

      const preflight = (origin: string) =>
        fetch(url, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, x-request-id, apollo-require-preflight" },
        });

      it("CORS: a listed origin's preflight answers 204 with the methods and headers a frontend needs", async () => {
        const res = await preflight(APP);
        expect(res.status).toBe(204);
        expect(res.headers.get("access-control-allow-origin")).toBe(APP);
        expect(res.headers.get("access-control-allow-methods")).toContain("POST");
        const allowed = res.headers.get("access-control-allow-headers")!.split(", ");
        expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "x-request-id", "apollo-require-preflight"]));
      });

      it("CORS: another origin's preflight answers 204 without any allowance", async () => {
        const res = await preflight("https://evil.example");
        expect(res.status).toBe(204);
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        expect(res.headers.get("access-control-allow-headers")).toBeNull();
      });

      it("CORS: a listed origin's request gets its origin back and may read x-request-id, Retry-After and WWW-Authenticate; another origin gets no CORS header", async () => {
        const allowed = await post(url, { query: "{ viewer { userId } }" }, { ...bearer(operator), origin: APP });
        expect(allowed.body.data.viewer.userId).toBe("operator-user");
        expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
        expect(allowed.headers.get("access-control-expose-headers")).toBe("x-request-id, retry-after, www-authenticate");
        expect(allowed.headers.get("vary")).toContain("Origin");
        const other = await post(url, { query: "{ viewer { userId } }" }, { ...bearer(operator), origin: "https://evil.example" });
        expect(other.headers.get("access-control-allow-origin")).toBeNull();
      });

      it("CORS: in development any http://localhost or http://127.0.0.1 port is allowed without being listed (preflight and POST)", async () => {
        for (const origin of ["http://localhost:3000", "http://localhost:4321", "http://127.0.0.1:8080", "http://localhost"]) {
          const pre = await preflight(origin);
          expect({ origin, status: pre.status, allow: pre.headers.get("access-control-allow-origin") }).toEqual({ origin, status: 204, allow: origin });
          expect(pre.headers.get("access-control-allow-headers")).toContain("authorization");
          const answer = await post(url, { query: "{ viewer { userId } }" }, { ...bearer(operator), origin });
          expect({ origin, allow: answer.headers.get("access-control-allow-origin"), user: answer.body.data?.viewer?.userId }).toEqual({ origin, allow: origin, user: "operator-user" });
        }
      });

      it("CORS: in development hosts that only start like localhost, https or another loopback spelling are not allowed", async () => {
        const lookalikes = [
          "http://localhost.evil.example",
          "http://localhost:3000.evil.example",
          "http://127.0.0.1.evil.example",
          "http://evil.example:3000",
          "http://localhost:3000/path",
          "http://localhost:",
          "https://localhost:3000",
          "http://user@localhost:3000",
        ];
        for (const origin of lookalikes) {
          const pre = await preflight(origin);
          const answer = await post(url, { query: "{ viewer { userId } }" }, { ...bearer(operator), origin });
          expect({ origin, preflight: pre.headers.get("access-control-allow-origin"), post: answer.headers.get("access-control-allow-origin") }).toEqual({ origin, preflight: null, post: null });
        }
      });

      it("CORS: production allows no localhost origin unless CORS_ORIGINS lists it", async () => {
        const production = { NODE_ENV: "production", JWT_SECRET: "a-production-secret-of-its-own", SUBGRAPH_SECRET: "another-secret-of-its-own" };
        for (const [env, allowed] of [
          [{ ...production }, []],
          [{ ...production, CORS_ORIGINS: "http://localhost:5173" }, ["http://localhost:5173"]],
        ] as const) {
          const config = readConfig(env);
          expect(config.corsLocalOrigins).toBe(false);
          const prod = buildGateway({ config, subgraphUrls: stack.subgraphUrls });
          const prodUrl = (await prod.start(0)).url;
          try {
            for (const origin of ["http://localhost:5173", "http://localhost:3000", "http://127.0.0.1:5173"]) {
              const res = await fetch(prodUrl, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
              expect({ origin, allow: res.headers.get("access-control-allow-origin") }).toEqual({ origin, allow: (allowed as readonly string[]).includes(origin) ? origin : null });
            }
          } finally {
            await prod.stop();
          }
        }
      });

      it("CORS: subgraphs answer no preflight (only the gateway is for browsers)", async () => {
        const res = await fetch(stack.subgraphUrls.partners, { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "POST" } });
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
      });
    });

    describe("Automatic persisted queries", () => {
      const query = `query PersistedViewer { viewer { userId kind } }`;
      const sha256Hash = createHash("sha256").update(query).digest("hex");
      const extensions = { persistedQuery: { version: 1, sha256Hash } };

      it("APQ: hash only → PERSISTED_QUERY_NOT_FOUND; hash with query → data; hash only again → data", async () => {
        const unknown = await post(stack.gatewayUrl, { extensions, operationName: "PersistedViewer" }, bearer(operator));
        expect(unknown.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
        expect(unknown.body.data).toBeUndefined();
        const registered = await post(stack.gatewayUrl, { query, extensions }, bearer(operator));
        expect(registered.body).toEqual({ data: { viewer: { userId: "operator-user", kind: "OPERATOR" } } });
        const known = await post(stack.gatewayUrl, { extensions, operationName: "PersistedViewer" }, bearer(operator));
        expect(known.body).toEqual(registered.body);
      });

      it("APQ: a query whose hash does not match is refused, and nothing is stored under that hash", async () => {
        const wrong = createHash("sha256").update("something else").digest("hex");
        const mismatch = await post(stack.gatewayUrl, { query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }, bearer(operator));
        expect(mismatch.status).toBe(400);
        expect(mismatch.body.errors[0].extensions.code).toBe("BAD_REQUEST");
        const after = await post(stack.gatewayUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }, bearer(operator));
        expect(after.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
      });

      it("APQ: by GET with the hash only, when the request carries a CSRF-prevention header; without one it is refused", async () => {
        await post(stack.gatewayUrl, { query, extensions }, bearer(operator));
        const search = new URLSearchParams({ operationName: "PersistedViewer", extensions: JSON.stringify(extensions) });
        const withHeader = await fetch(`${stack.gatewayUrl}?${search}`, { headers: { ...bearer(operator), "apollo-require-preflight": "true" } });
        expect(withHeader.status).toBe(200);
        expect(await withHeader.json()).toEqual({ data: { viewer: { userId: "operator-user", kind: "OPERATOR" } } });
        const bare = await fetch(`${stack.gatewayUrl}?${search}`, { headers: bearer(operator) });
        expect(bare.status).toBe(400);
        expect(((await bare.json()) as any).errors[0].extensions.code).toBe("BAD_REQUEST");
      });
    });
  });
});
