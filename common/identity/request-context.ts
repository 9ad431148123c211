/**
 * The request a piece of code is running for, without threading it through every call:
 * an AsyncLocalStorage record opened by the HTTP front (common/http/http.ts) for each GraphQL
 * request. Log lines take their requestId and service from it, and the internal client
 * passes the requestId on to the next subgraph.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

import { REQUEST_ID_HEADER } from "../http/wire";

export interface RequestRecord {
  requestId: string;
  /** The service answering: "gateway", "partners", … */
  service: string;
  /** Filled in by the Apollo plugin once the operation is known. */
  operation?: string;
  errorCodes?: string[];
}

const storage = new AsyncLocalStorage<RequestRecord>();

export const currentRequest = (): RequestRecord | undefined => storage.getStore();

export const runInRequest = <T>(record: RequestRecord, work: () => T): T => storage.run(record, work);

/** A caller's id is kept when it is a plain token (it lands in log lines); otherwise a new one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[REQUEST_ID_HEADER];
  return typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/** The id of the request being answered (the one the HTTP front logs and returns). */
export const requestIdOf = (req: IncomingMessage): string => currentRequest()?.requestId ?? requestIdFrom(req.headers);
