/**
 * What every subgraph call carries from the client's request, so the subgraph can check and
 * trace it as its own: the caller's token (subgraphs verify it again), the subgraph
 * credential (their perimeter refuses a call without it), the request id (one `grep` over
 * every service's log), the request's deadline (gateway/deadline.ts; the fetcher takes it
 * off again) and the W3C `traceparent` of the active span (the gateway's `gateway.fetch`), so
 * the subgraph's spans join the request's trace.
 *
 * Interface: `propagateToSubgraph(headers, caller, secret)` sets those headers on one call's
 * outgoing headers; `caller` is what the gateway's context knows of the request (absent for
 * calls of no client request). The data source calls it from `willSendRequest`, where the
 * active OpenTelemetry context is the call's `gateway.fetch` span.
 */
import { context as otelContext, propagation } from "@opentelemetry/api";
import { DEADLINE_HEADER } from "./deadline";
import { REQUEST_ID_HEADER, SUBGRAPH_SECRET_HEADER } from "../common/http/wire";

/** The parts of a client request that travel with each of its subgraph calls (the gateway's context has them). */
export interface CallerOfCall {
  /** The client's `Authorization` header, as it came. */
  authorization?: string;
  requestId?: string;
  /** When the client's answer is due (ms since the epoch). */
  deadlineAt?: number;
}

/** The outgoing headers of a call (the data source's `request.http.headers`). */
export interface CallHeaders {
  set(name: string, value: string): void;
}

export function propagateToSubgraph(headers: CallHeaders, caller: CallerOfCall | undefined, secret: string): void {
  headers.set(SUBGRAPH_SECRET_HEADER, secret);
  if (caller?.authorization) headers.set("authorization", caller.authorization);
  if (caller?.requestId) headers.set(REQUEST_ID_HEADER, caller.requestId);
  if (caller?.deadlineAt) headers.set(DEADLINE_HEADER, String(caller.deadlineAt));
  // W3C traceparent of the active gateway.fetch span: the subgraph's spans join this trace under it.
  propagation.inject(otelContext.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}
