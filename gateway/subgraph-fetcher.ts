/**
 * The gateway's fetcher for subgraph calls: node:http over a keep-alive Agent with a bounded
 * socket pool per subgraph, instead of the global fetch. Every query costs the gateway one
 * call per subgraph hop, so this is the hottest I/O path it has; global fetch (undici)
 * wraps each call in WHATWG Request/Response streams and an AbortSignal timer. Here a call
 * is one http.request on a reused socket, the body is read as one buffer, and the answer is
 * the small part of the fetch Response that RemoteGraphQLDataSource reads (ok, status,
 * statusText, url, headers.get, json, text). `npm run bench` measured it (README).
 */
import http from "node:http";
import { callBudgetMs, DEADLINE_PASSED } from "./deadline";

export interface SubgraphFetcherOptions {
  /** The whole call (connect, send, answer) must finish within this, else it fails like a network error. */
  timeoutMs: number;
  /** Sockets kept per subgraph; calls beyond it queue (a bounded pool protects the subgraph). */
  maxSockets: number;
}

export interface SubgraphResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export type SubgraphFetcher = ((url: string, init?: FetchInit) => Promise<SubgraphResponse>) & { destroy(): void };

export function createSubgraphFetcher(options: SubgraphFetcherOptions): SubgraphFetcher {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: "lifo" });
  const fetcher = (url: string, init: FetchInit = {}) =>
    new Promise<SubgraphResponse>((resolve, reject) => {
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const headers: Record<string, string | number> = { ...init.headers };
      if (body) headers["content-length"] = body.length;
      const timeoutMs = callBudgetMs(headers, options.timeoutMs);
      if (timeoutMs <= 0) {
        const passed = Object.assign(new Error("the request's deadline passed before this call"), { code: DEADLINE_PASSED });
        return reject(Object.assign(new TypeError("fetch failed"), { cause: passed }));
      }
      const req = http.request(url, { method: init.method ?? "GET", headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          clearTimeout(deadline);
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: res.statusMessage ?? "",
            url,
            headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
            json: async () => JSON.parse(text),
            text: async () => text,
          });
        });
      });
      const timeOut = () => req.destroy(Object.assign(new Error(`subgraph call timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      // `timeout` above is socket inactivity; this bounds the whole call, like AbortSignal.timeout did.
      const deadline = setTimeout(timeOut, timeoutMs);
      req.on("timeout", timeOut);
      req.on("error", (error) => {
        clearTimeout(deadline);
        // Shaped like fetch's failure ("fetch failed" with the socket error as cause), which the data source logs.
        reject(Object.assign(new TypeError("fetch failed"), { cause: error }));
      });
      req.end(body);
    });
  return Object.assign(fetcher, { destroy: () => agent.destroy() });
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}
