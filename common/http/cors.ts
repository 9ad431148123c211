/**
 * CORS for the gateway, so browser frontends on the origins listed in CORS_ORIGINS may call
 * it, and outside production a frontend dev server on this machine too (`http://localhost:<port>`,
 * `http://127.0.0.1:<port>`, any port) without configuration. Other origins get no CORS headers
 * at all (the browser then withholds the answer).
 * Tokens travel in the Authorization header, not cookies, so credentials mode is never
 * needed and `*` stays a plain wildcard.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { REQUEST_ID_HEADER } from "./wire";

/** What a browser may send: the token, JSON, a request id, Apollo's CSRF-prevention headers, trace context. */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  REQUEST_ID_HEADER,
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "traceparent",
  "tracestate",
];
/**
 * What a browser page may read of an answer beyond the CORS-safelisted headers: the request id,
 * and what an integration acts on (I2's Retry-After on 429, I3's WWW-Authenticate on 401).
 */
export const CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "retry-after", "www-authenticate"];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * A page served from this machine over plain HTTP, on any port (or none). The whole origin must
 * match: `http://localhost.evil.example` and `http://localhost:3000.evil.example` are other hosts.
 */
const LOCAL_ORIGIN = /^http:\/\/(?:localhost|127\.0\.0\.1)(?::\d{1,5})?$/;

export const isLocalOrigin = (origin: string) => LOCAL_ORIGIN.test(origin);

export interface CorsPolicy {
  /** Origins allowed exactly (CORS_ORIGINS); `*` allows any. */
  origins: readonly string[];
  /** Also allow `http://localhost:<port>` and `http://127.0.0.1:<port>` (development). */
  localOrigins: boolean;
}

/** Sets the CORS headers for `req`; answers a preflight (OPTIONS) itself and returns true then. */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const anyOrigin = policy.origins.includes("*");
  const allowed = typeof origin === "string" && (anyOrigin || policy.origins.includes(origin) || (policy.localOrigins && isLocalOrigin(origin)));
  if (!anyOrigin) res.setHeader("vary", "Origin");
  if (allowed) {
    res.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
    res.setHeader("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
  }
  if (req.method !== "OPTIONS") return false;
  if (allowed) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", CORS_ALLOWED_HEADERS.join(", "));
    res.setHeader("access-control-max-age", String(PREFLIGHT_MAX_AGE_SECONDS));
  }
  res.writeHead(204);
  res.end();
  return true;
}
