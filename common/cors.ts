/**
 * CORS for the gateway, so browser frontends on the origins listed in CORS_ORIGINS may call
 * it. Other origins get no CORS headers at all (the browser then withholds the answer).
 * Tokens travel in the Authorization header, not cookies, so credentials mode is never
 * needed and `*` stays a plain wildcard.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { REQUEST_ID_HEADER } from "./request-context";

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
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Sets the CORS headers for `req`; answers a preflight (OPTIONS) itself and returns true then. */
export function applyCors(allowedOrigins: readonly string[], req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const anyOrigin = allowedOrigins.includes("*");
  const allowed = typeof origin === "string" && (anyOrigin || allowedOrigins.includes(origin));
  if (!anyOrigin) res.setHeader("vary", "Origin");
  if (allowed) {
    res.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
    res.setHeader("access-control-expose-headers", REQUEST_ID_HEADER);
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
