/**
 * I5: the development clock of the whole running stack, on the gateway.
 *
 *   GET  /dev/clock                          every service's clock
 *   POST /dev/clock  {"advanceSeconds": N}   moves every service's clock N seconds forward
 *
 * Operator token only; not served in production (404, like any unknown path). Each subgraph
 * keeps its own clock (common/time/clock.ts), set through its internal endpoint; the gateway sets
 * one offset on all of them. The new offset is the furthest-ahead service's offset plus N, so
 * time never goes back, and a service that restarted (and so lost its offset) catches up with
 * the next move: `{"advanceSeconds": 0}` aligns every clock without moving the latest one.
 * Time rules read these clocks; token expiry reads the real one.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { hasRole } from "../common/identity/authorization";
import { clock, ClockReading, readClock } from "../common/time/clock";
import { Config, SubgraphName, SUBGRAPH_NAMES } from "../common/service/config";
import { badInput, DEPENDENCY_RETRY_AFTER_SECONDS, DomainError, forbidden } from "../common/errors/errors";
import { sendJson } from "../common/http/http";
import { readBody } from "../common/http/request-body";
import type { TokenVerifier } from "../common/identity/identity";
import { readDevClock, setDevClockOffset } from "../common/time/dev-clock-client";
import { createInternalClient, InternalClient } from "../common/service/internal-client";

export const DEV_CLOCK_PATH = "/dev/clock";

const MAX_BODY_BYTES = 1024;
/** One move at most a century: any rule's horizon (730 days) many times over, and far from Date's limits. */
export const MAX_ADVANCE_SECONDS = 100 * 365 * 24 * 3600;

export interface ServiceClock {
  name: string;
  read(): Promise<ClockReading>;
  set(offsetMs: number): Promise<ClockReading>;
}

/** The gateway's own clock and each subgraph's, through its internal endpoint. */
export function stackClocks(config: Config, subgraphUrl: (name: SubgraphName) => string): ServiceClock[] {
  const subgraph = (name: SubgraphName, client: InternalClient): ServiceClock => {
    const call = async (ask: (what: string) => Promise<ClockReading>) => {
      try {
        return await ask(`the ${name} subgraph's clock`);
      } catch {
        throw new DomainError(
          "DEPENDENCY_UNAVAILABLE",
          `The ${name} subgraph's clock could not be reached; services already moved keep their new time. Once it is back, POST {"advanceSeconds": 0} aligns every clock.`,
        );
      }
    };
    return {
      name,
      read: () => call((what) => readDevClock(client, what)),
      set: (offsetMs) => call((what) => setDevClockOffset(client, offsetMs, what)),
    };
  };
  return [
    {
      name: "gateway",
      read: async () => readClock(),
      set: async (offsetMs) => {
        clock.setOffset(offsetMs);
        return readClock();
      },
    },
    ...SUBGRAPH_NAMES.map((name) => subgraph(name, createInternalClient(() => subgraphUrl(name), "gateway", config.subgraphSecret, config.internalTimeoutMs))),
  ];
}

/** `{"advanceSeconds": N}`: N a whole number of seconds, 0 to a century; nothing else in the body. */
export function advanceSecondsOf(body: string | undefined): number {
  const shape = 'send a JSON object {"advanceSeconds": N}';
  if (body === undefined) throw badInput("body", `must be at most ${MAX_BODY_BYTES} bytes: ${shape}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw badInput("body", `is not JSON: ${shape}.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badInput("body", `must be a JSON object: ${shape}.`);
  const unknown = Object.keys(parsed).find((key) => key !== "advanceSeconds");
  if (unknown !== undefined) throw badInput(unknown, `is not a field of this request: ${shape}.`);
  const seconds = (parsed as { advanceSeconds?: unknown }).advanceSeconds;
  if (seconds === undefined) throw badInput("advanceSeconds", "is required: a non-negative whole number of seconds.");
  if (typeof seconds !== "number" || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw badInput("advanceSeconds", "must be a non-negative whole number of seconds.");
  }
  if (seconds > MAX_ADVANCE_SECONDS) throw badInput("advanceSeconds", `must be at most ${MAX_ADVANCE_SECONDS} (a century) per call.`);
  return seconds;
}

/** What both methods answer: the stack's time (the furthest-ahead clock) and every service's clock. */
export function clockView(readings: { name: string; reading: ClockReading }[]) {
  const latest = readings.reduce((a, b) => (b.reading.offsetMs > a.reading.offsetMs ? b : a));
  return {
    now: latest.reading.now,
    offsetSeconds: latest.reading.offsetMs / 1000,
    inSync: readings.every((r) => r.reading.offsetMs === latest.reading.offsetMs),
    services: Object.fromEntries(readings.map((r) => [r.name, { now: r.reading.now, offsetSeconds: r.reading.offsetMs / 1000 }])),
  };
}

/** Reads every clock, or moves every clock to the furthest-ahead offset plus `advanceSeconds`. */
export async function moveStackClock(clocks: ServiceClock[], advanceSeconds: number | null) {
  const readings = await Promise.all(clocks.map(async (c) => ({ name: c.name, reading: await c.read() })));
  if (advanceSeconds === null) return clockView(readings);
  const target = Math.max(...readings.map((r) => r.reading.offsetMs)) + advanceSeconds * 1000;
  // Subgraphs first, the gateway last: the gateway never runs ahead of a subgraph it could not move.
  const subgraphs = clocks.filter((c) => c.name !== "gateway");
  const moved = await Promise.all(subgraphs.map(async (c) => ({ name: c.name, reading: await c.set(target) })));
  const gateway = clocks.filter((c) => c.name === "gateway");
  const movedGateway = await Promise.all(gateway.map(async (c) => ({ name: c.name, reading: await c.set(target) })));
  return clockView([...movedGateway, ...moved]);
}

const STATUS: Partial<Record<string, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, DEPENDENCY_UNAVAILABLE: 503 };

/** The `/dev/clock` endpoint (only mounted outside production). */
export function devClockEndpoint(options: { verify: TokenVerifier; clocks: ServiceClock[] }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "POST") {
      res.setHeader("allow", "GET, POST");
      return sendJson(res, 405, { errors: [{ message: "Use GET to read the clock, POST {\"advanceSeconds\": N} to move it.", extensions: { code: "METHOD_NOT_ALLOWED" } }] });
    }
    try {
      const principal = await options.verify(req.headers.authorization);
      if (!hasRole(principal, "operator", ["OPERATOR"])) throw forbidden("Only the operator reads or moves the development clock.");
      const advance = req.method === "POST" ? advanceSecondsOf(await readBody(req, MAX_BODY_BYTES)) : null;
      sendJson(res, 200, await moveStackClock(options.clocks, advance));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const code = error.code;
      if (code === "UNAUTHENTICATED") res.setHeader("www-authenticate", req.headers.authorization ? 'Bearer error="invalid_token"' : "Bearer");
      const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
      // I3: an unreachable service says when to try again, here as on every other path.
      if (code === "DEPENDENCY_UNAVAILABLE") {
        extensions.retryAfter = DEPENDENCY_RETRY_AFTER_SECONDS;
        res.setHeader("retry-after", String(DEPENDENCY_RETRY_AFTER_SECONDS));
      }
      sendJson(res, STATUS[code] ?? 400, { errors: [{ message: error.message, extensions }] });
    }
  };
}
