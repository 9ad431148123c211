/**
 * What the gateway and the subgraph server need to know about a database (is it up, is this
 * error "unreachable"), apart from common/storage/db.ts: that module loads typeorm (≈330 modules,
 * ≈8 MB RSS), which the gateway — it has no database — would otherwise load through
 * common/errors/format-error.ts and common/service/subgraph-server.ts.
 */
import type { Database } from "./db";

/** A health probe: true when the database answers. */
export async function databaseIsUp(db: Database): Promise<boolean> {
  try {
    await db.dataSource.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

/** Node's socket errors and pg's own words for a connection that is gone or never came. */
const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const CONNECTION_ERROR_TEXT = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is not established|Cannot use a pool after calling end|Query read timeout/i;

/**
 * SQLSTATE 08P01 (protocol_violation) is not an outage when PostgreSQL sends it: the server
 * refuses a message this service built (e.g. a statement binding more than 65 535
 * parameters), and the same request fails the same way every time. Answered as
 * DEPENDENCY_UNAVAILABLE, clients would retry it for ever and the operator would see a
 * warning instead of an error with its id. PgBouncer, though, sends its own refusals with
 * 08P01, and those are transient (no server connection free in time, the server unreachable):
 * they are known by their text.
 */
const PGBOUNCER_UNAVAILABLE_TEXT = /query_wait_timeout|no more connections allowed|pgbouncer cannot connect to server|server login has been failing|server conn crashed|client_login_timeout|server shutting down/i;

/**
 * True when the database could not be reached or dropped the connection (PostgreSQL
 * restarted, the network cut, the pool could not connect in time): the same request may
 * succeed once it is back, so callers answer DEPENDENCY_UNAVAILABLE, not an internal error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } };
  if (!e || typeof e !== "object") return false;
  const code = String(e.driverError?.code ?? e.code ?? "");
  const message = String(e.driverError?.message ?? e.message ?? "");
  if (code === "08P01") return PGBOUNCER_UNAVAILABLE_TEXT.test(message);
  // SQLSTATE class 08 (connection exception), 57P01–57P03 (server shutting down or starting), 53300 (too many connections).
  if (CONNECTION_ERROR_CODES.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code) || code === "53300") return true;
  return CONNECTION_ERROR_TEXT.test(message);
}
