/**
 * R1's overall deadline: a client request to the gateway ends within REQUEST_DEADLINE_MS,
 * however many hops its query plan has. SUBGRAPH_TIMEOUT_MS bounds each subgraph call; a plan
 * of hops one after another (a dashboard's partners → subscriptions → customers → …) would
 * otherwise take one timeout per hop. Each call gets what is left of the request's time, and a
 * call the deadline has already passed is not sent: its part is DEPENDENCY_UNAVAILABLE like
 * any other part that did not answer, and the rest of the answer stays.
 *
 * The data source stamps the deadline on each call as a header (it knows the request's context;
 * the fetcher sees only the call), and the fetcher takes it off again.
 */
export const DEADLINE_HEADER = "x-csp-request-deadline";

/** The error code of a call the fetcher did not send because the request's deadline had passed. */
export const DEADLINE_PASSED = "EDEADLINE";

/** The instant (ms since the epoch) by which a request received now must be answered. */
export const deadlineFromNow = (deadlineMs: number) => Date.now() + deadlineMs;

/**
 * How long a call may take: its own timeout, or less when the request's deadline comes first.
 * Takes the deadline header off `headers`.
 */
export function callBudgetMs(headers: Record<string, string | number>, timeoutMs: number): number {
  const raw = headers[DEADLINE_HEADER];
  delete headers[DEADLINE_HEADER];
  const deadline = Number(raw);
  return raw === undefined || !Number.isFinite(deadline) ? timeoutMs : Math.min(timeoutMs, deadline - Date.now());
}
