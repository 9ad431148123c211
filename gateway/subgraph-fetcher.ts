/**
 * The gateway's fetcher for subgraph calls: node:http over a keep-alive Agent with a bounded
 * socket pool per subgraph, instead of the global fetch. Every query costs the gateway one
 * call per subgraph hop, so this is the hottest I/O path it has; global fetch (undici)
 * wraps each call in WHATWG Request/Response streams and an AbortSignal timer. Here a call
 * is one http.request on a reused socket and the body is read as one buffer. `npm run bench`
 * measured it (README).
 *
 * Interface: `createSubgraphFetcher(options)` returns @apollo/gateway's own `Fetcher` type
 * (what `RemoteGraphQLDataSource.fetcher` holds: `(url, init?) => Promise<FetcherResponse>`),
 * plus `destroy()` to close the pool. `init` is method, headers and body (string or Buffer);
 * the data source passes no `signal`, and the call's own timeout stands in for it. A call
 * that fails without an HTTP answer rejects like fetch does, `TypeError("fetch failed")` with
 * the socket error as `cause` (`ETIMEDOUT` for the timeout, `EDEADLINE` for a call the
 * request's deadline had passed: gateway/deadline.ts), which gateway/partial-results.ts reads.
 */
import http, { IncomingHttpHeaders } from "node:http";
import type { RemoteGraphQLDataSource } from "@apollo/gateway";
import { callBudgetMs, DEADLINE_PASSED } from "./deadline";

/** @apollo/gateway's fetcher type, as its data source declares it. */
type Fetcher = RemoteGraphQLDataSource["fetcher"];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse["headers"];

export interface SubgraphFetcherOptions {
  /** The whole call (connect, send, answer) must finish within this, else it fails like a network error. */
  timeoutMs: number;
  /** Sockets kept per subgraph; calls beyond it queue (a bounded pool protects the subgraph). */
  maxSockets: number;
}

export type SubgraphFetcher = Fetcher & { destroy(): void };

export function createSubgraphFetcher(options: SubgraphFetcherOptions): SubgraphFetcher {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: "lifo" });
  const fetcher: Fetcher = (url, init: FetcherRequestInit = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
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
          resolve(new BufferedResponse(url, res.statusCode ?? 0, res.statusMessage ?? "", new ResponseHeaders(res.headers), Buffer.concat(chunks)));
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

/** A subgraph's answer, read whole before it is handed over (answers are small JSON documents). */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  private read = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: FetcherHeaders,
    private readonly body: Buffer,
  ) {}
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  /** True once read; the buffered body can still be read again (the data source reads it once). */
  get bodyUsed() {
    return this.read;
  }
  async text() {
    this.read = true;
    return this.body.toString("utf8");
  }
  async json() {
    return JSON.parse(await this.text());
  }
  async arrayBuffer() {
    this.read = true;
    return new Uint8Array(this.body).buffer;
  }
  clone() {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

/** A response's headers as node:http parsed them (lower-case names); read-only, as a fetch Response's are. */
class ResponseHeaders implements FetcherHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string) {
    return headerValue(this.raw[name.toLowerCase()]);
  }
  has(name: string) {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  set(): never {
    throw new TypeError("a subgraph response's headers are read-only");
  }
  append(): never {
    throw new TypeError("a subgraph response's headers are read-only");
  }
  delete(): never {
    throw new TypeError("a subgraph response's headers are read-only");
  }
  *entries(): IterableIterator<[string, string]> {
    for (const [name, value] of Object.entries(this.raw)) {
      const joined = headerValue(value);
      if (joined !== null) yield [name, joined];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}
