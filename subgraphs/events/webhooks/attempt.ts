/**
 * One delivery attempt (EV4, EV5, EV7): an HTTP POST of the event's JSON body, signed, to the
 * endpoint's URL. A 2xx answer within the timeout acknowledges it; any other status, a
 * redirect (3xx: never followed, the Location could point anywhere, EV7), a refused address,
 * a connection error or no answer within 10 s is a failure. The answer's body is not read
 * past a few kilobytes: a receiver cannot make the worker hold a large answer.
 *
 * Runs outside any database transaction: the worker records the outcome afterwards.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { guardedLookup, RefusedUrl, UrlGuardOptions, assertDeliverableUrl } from "./url-guard";
import { SignatureHeaders } from "./signing";

export const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 4096;

/** What a delivery carries (EV4): the event, without its audience or its subject's data. */
export interface WebhookBody {
  id: string;
  type: string;
  occurredAt: string;
  subjectType: string | null;
  subjectId: string | null;
  actorKind: string;
  actorId: string | null;
}

/** The body's JSON in the field order of EV4, exactly as signed. */
export const serializeBody = (b: WebhookBody): string =>
  JSON.stringify({
    id: b.id,
    type: b.type,
    occurredAt: b.occurredAt,
    subjectType: b.subjectType,
    subjectId: b.subjectId,
    actorKind: b.actorKind,
    actorId: b.actorId,
  });

export interface AttemptOutcome {
  ok: boolean;
  /** The HTTP status of the answer; null when there was none (refused, unreachable, timed out). */
  status: number | null;
  /** Why it failed, for the attempt log and the disabled reason. */
  error?: string;
  durationMs: number;
}

export interface AttemptOptions extends UrlGuardOptions {
  timeoutMs?: number;
}

/** POSTs `body` with `headers` to `url`; never throws. */
export async function attemptDelivery(url: string, body: string, headers: SignatureHeaders, options: AttemptOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const done = (o: Omit<AttemptOutcome, "durationMs">): AttemptOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });
  const timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const noAnswer = `no answer within ${timeoutMs / 1000} s`;
  let target: URL;
  try {
    // The look-up counts against the attempt's time too: a slow DNS answer must not outlast the claim's lease.
    target = await withinMs(assertDeliverableUrl(url, options), timeoutMs, noAnswer);
  } catch (error) {
    return done({ ok: false, status: null, error: error instanceof RefusedUrl ? `URL refused: ${error.message}` : error instanceof Error ? error.message : String(error) });
  }
  const remainingMs = Math.max(1, timeoutMs - (performance.now() - started));
  const lookup = nodeLookup(guardedLookup(options));
  const transport = target.protocol === "https:" ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<AttemptOutcome, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(done(o));
    };
    const request = transport.request(
      target,
      {
        method: "POST",
        lookup,
        agent: false, // one connection per attempt: a slow endpoint holds no pooled socket another needs
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "csp-graph-webhooks/1",
          ...headers,
        },
      },
      (answer) => {
        const status = answer.statusCode ?? 0;
        let read = 0;
        answer.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) finish(outcomeOf(status));
        });
        answer.on("end", () => finish(outcomeOf(status)));
        answer.on("error", () => finish(outcomeOf(status)));
      },
    );
    // The whole attempt, answer included, within the timeout: a receiver that sends its
    // headers and then stalls has not acknowledged.
    const timer = setTimeout(() => finish({ ok: false, status: null, error: noAnswer }), remainingMs);
    request.on("error", (error) =>
      finish({ ok: false, status: null, error: error instanceof RefusedUrl ? `URL refused: ${error.message}` : `request failed: ${error.message}` }),
    );
    request.end(body);
  });
}

/** `promise`, or a rejection with `message` once `ms` have passed. */
function withinMs<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function outcomeOf(status: number): Omit<AttemptOutcome, "durationMs"> {
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400) return { ok: false, status, error: `redirect (HTTP ${status}), not followed` };
  return { ok: false, status, error: `HTTP ${status}` };
}

/** Adapts the guarded lookup to the callback form node's sockets call (with or without `all`). */
function nodeLookup(lookup: ReturnType<typeof guardedLookup>): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(Object.assign(error, { code: "EREFUSED" }), "", 0),
    );
  };
}
