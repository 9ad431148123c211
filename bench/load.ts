/**
 * One measured run: autocannon at a fixed concurrency against one GraphQL endpoint, each
 * request built fresh (rotating through the scenario's cases, new idempotency keys), every
 * response checked for GraphQL `errors` — a fast wrong answer must not count as throughput.
 */
import autocannon from "autocannon";

export interface GraphQLCall {
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  /** Answered within the run. */
  requests: number;
  /**
   * Sent, answered or not: a run cut off at its deadline leaves requests in flight, which the
   * services still answer (after the run) and spend CPU on.
   */
  sent: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** non-2xx answers + socket errors/timeouts + 2xx answers carrying GraphQL `errors`. */
  errors: number;
  graphqlErrors: number;
  non2xx: number;
  socketErrors: number;
  /** The first failing body, to say what went wrong. */
  firstError?: string;
}

export async function runLoad(url: string, next: () => GraphQLCall, connections: number, durationS: number): Promise<LoadResult> {
  let graphqlErrors = 0;
  let firstError: string | undefined;
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const call = next();
          return { ...request, method: "POST", headers: { "content-type": "application/json", ...call.headers }, body: call.body };
        },
        onResponse: (status, body) => {
          // `"errors":` is a top-level GraphQL key only: no field of the schema is called `errors`.
          if (status >= 200 && status < 300 && !body.includes('"errors":')) return;
          if (status < 300) graphqlErrors++;
          firstError ??= `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const requests = result["2xx"] + result.non2xx;
  return {
    requests,
    sent: Math.max(requests, result.requests.sent),
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.non2xx + result.errors + graphqlErrors,
    graphqlErrors,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    firstError,
  };
}

/** One request outside the load, for checking an answer's shape. */
export async function callOnce(url: string, call: GraphQLCall): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...call.headers }, body: call.body });
  return { status: res.status, json: await res.json() };
}

/**
 * A closed loop that finishes what it starts: `clients` workers each send the next request
 * when their last one is answered, until `durationS` has passed; requests in flight then are
 * waited for (up to the timeout) and counted. Unlike a run cut off at its deadline, the CPU
 * the services spend during the loop belongs to the requests it counts — what CPU per request
 * needs when a request takes seconds. Each request times out after `timeoutS` (an error).
 */
export async function runClosedLoop(url: string, next: () => GraphQLCall, clients: number, durationS: number, timeoutS = 10): Promise<LoadResult> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let non2xx = 0;
  let socketErrors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const call = next();
      const t = performance.now();
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...call.headers }, body: call.body, signal: AbortSignal.timeout(timeoutS * 1000) });
        const body = await res.text();
        latencies.push(performance.now() - t);
        if (res.status >= 300) non2xx++;
        else if (body.includes('"errors":')) graphqlErrors++;
        else continue;
        firstError ??= `${res.status} ${body.slice(0, 300)}`;
      } catch (error) {
        socketErrors++;
        firstError ??= `${error instanceof Error ? error.name + ": " + error.message : error}`;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const elapsedS = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : NaN);
  const requests = latencies.length;
  return { requests, sent: requests + socketErrors, rps: requests / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), errors: non2xx + graphqlErrors + socketErrors, graphqlErrors, non2xx, socketErrors, firstError };
}
