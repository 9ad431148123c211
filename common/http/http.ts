/**
 * A small node:http front for Apollo Server, used by the gateway and by every subgraph:
 * /health, a request-body limit, and the GraphQL endpoint at `/graphql` (and `/`).
 * No web framework: nothing on the hot path but Apollo's own request handling.
 */
import http, { IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { ApolloServer, BaseContext, HeaderMap } from "@apollo/server";
import { DEFAULT_QUERY_LIMITS } from "../service/config";
import { applyCors, CorsPolicy } from "./cors";
import { describeError, logger } from "../observability/logger";
import { observeRequest } from "../observability/observability";
import { lingerAfterRefusal, readBody } from "./request-body";

export const DEFAULT_MAX_BODY_BYTES = DEFAULT_QUERY_LIMITS.maxBodyBytes;

export interface GraphQLRoute<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  /** Refuses a request before GraphQL sees it (e.g. the subgraph perimeter); returns a message or undefined. */
  guard?: (req: IncomingMessage) => string | undefined;
}

export interface HttpServiceOptions {
  /** Path → route. */
  routes: Record<string, GraphQLRoute<any>>;
  health: () => Promise<boolean>;
  maxBodyBytes?: number;
  /** `GET /metrics`: counters in Prometheus text format, or undefined to refuse the caller (403). */
  metrics?: (req: IncomingMessage) => string | undefined;
  /** The service's name in log lines and spans ("gateway", "partners", …). */
  name?: string;
  /** Path → a plain (non-GraphQL) HTTP endpoint, e.g. the gateway's development clock. */
  handlers?: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>;
  /** Browser origins answered cross-origin (the gateway's CORS_ORIGINS, and local ones in development); no CORS handling when absent. */
  cors?: CorsPolicy;
  /** Options of Node's HTTP server (timeouts: gateway/http-hygiene.ts). */
  serverOptions?: http.ServerOptions;
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export const errorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

async function handleGraphQL(route: GraphQLRoute<any>, req: IncomingMessage, res: ServerResponse, url: URL, maxBody: number) {
  const refusal = route.guard?.(req);
  if (refusal) return sendJson(res, 403, errorBody("FORBIDDEN", refusal));

  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  let body: unknown;
  if (req.method === "POST") {
    const text = await readBody(req, maxBody);
    if (text === undefined) {
      sendJson(res, 413, errorBody("PAYLOAD_TOO_LARGE", `The request body exceeds ${maxBody} bytes.`));
      return lingerAfterRefusal(req, res);
    }
    try {
      body = text.length ? JSON.parse(text) : undefined;
    } catch {
      return sendJson(res, 400, errorBody("BAD_REQUEST", "The request body is not valid JSON."));
    }
  }
  const response = await route.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
    context: () => route.context(req),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === "complete") {
    res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

function answerUnexpected(res: ServerResponse, error: unknown) {
  logger.error({ error: describeError(error) }, "http handler failed");
  if (!res.headersSent) sendJson(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Unexpected error."));
  else res.end();
}

export interface RunningHttpService {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function createHttpService(options: HttpServiceOptions): http.Server {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer(options.serverOptions ?? {}, async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === "/health") {
        const up = await options.health();
        return sendJson(res, up ? 200 : 503, { status: up ? "ok" : "unavailable" });
      }
      if (url.pathname === "/metrics" && options.metrics) {
        const text = options.metrics(req);
        if (text === undefined) return sendJson(res, 403, errorBody("FORBIDDEN", "Metrics are for the operator's tools only."));
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        return res.end(text);
      }
      if (options.cors && applyCors(options.cors, req, res)) return;
      const handler = options.handlers?.[url.pathname];
      if (handler) return await observeRequest(options.name ?? "http", url.pathname, req, res, () => handler(req, res).catch((error) => answerUnexpected(res, error)));
      const route = options.routes[url.pathname];
      if (!route) return sendJson(res, 404, errorBody("NOT_FOUND", "No such endpoint."));
      await observeRequest(options.name ?? "http", url.pathname, req, res, () =>
        handleGraphQL(route, req, res, url, maxBody).catch((error) => answerUnexpected(res, error)),
      );
    } catch (error) {
      answerUnexpected(res, error);
    }
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

/**
 * Listens; `close()` is the graceful half of shutdown: stop accepting, let every request in
 * flight finish (its keep-alive connection then closes instead of waiting for the client to
 * hang up), and after `graceMs` cut whatever is still open.
 */
export async function listen(server: http.Server, port: number, host = "127.0.0.1", graceMs = 10_000): Promise<RunningHttpService> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  let closing = false;
  const inFlight = new Set<ServerResponse>();
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    res.once("finish", () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        // Tell clients of requests in flight not to send another on the same connection.
        for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
        const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
