/**
 * Keeps a PostgreSQL pool free of half-open connections: sockets the kernel still calls
 * open, on which nothing comes back (a NAT or load balancer that dropped the flow, a frozen
 * middlebox, a cable pulled). TCP keepalive finds such a peer only if nothing in between
 * acknowledges the probes, and only on an idle socket; pg waits for an answer forever unless
 * told otherwise. So, on top of keepalive (set in common/storage/db.ts):
 *
 * - a statement that gets no answer within the query timeout abandons its connection (pg's
 *   own `query_timeout` fails the statement but keeps the connection, with the lost answer
 *   still at the head of its queue, so every later statement on it would wait as long);
 * - a connection handed out after more than `validateAfterIdleMs` of silence is asked
 *   `SELECT 1` first (as HikariCP does), within `pingTimeoutMs`;
 * - once one connection was found dead, every connection that has not been heard from since
 *   is dropped on its next checkout instead of being tried: a network fault rarely takes one
 *   connection alone, and trying each in turn would cost one timeout per pooled connection.
 *
 * pg is passed in (not imported) so SQLite deployments never load it.
 */
import type { Client as PgClient, ClientConfig, Pool, PoolClient, QueryResult } from "pg";
import { describeError, logger } from "../observability/logger";

export interface ConnectionHealthOptions {
  /** A connection silent for longer than this is checked before it is handed out. */
  validateAfterIdleMs: number;
  /** How long that check may take before the connection counts as dead. */
  pingTimeoutMs: number;
}

/** pg's error for a statement that got no answer within `query_timeout`. */
export const QUERY_READ_TIMEOUT = "Query read timeout";

interface Watched {
  /** When the server last said it was ready for a query on this connection. */
  lastHeard: number;
  abandon(reason: string): void;
  /** Destroys the socket: a graceful goodbye on a half-open one would wait for ever, and the pool waits for it before serving its queue. */
  destroySocket(): void;
}

type ClientClass = new (config?: ClientConfig) => PgClient;
type ConnectCallback = (err: Error | undefined, client: PoolClient | undefined, release: (err?: Error | boolean) => void) => void;

export interface ConnectionHealth {
  /** The pg Client class the pool should make its connections with (pg Pool's `Client` option). */
  Client: ClientClass;
  /** Validates connections as `pool` hands them out. Call once, on the pool built with `Client`. */
  watch(pool: Pool): void;
}

export function connectionHealth(pg: { Client: ClientClass }, options: ConnectionHealthOptions): ConnectionHealth {
  /** Connections last heard from before this instant are presumed dead. */
  let suspectBefore = 0;
  const suspectAll = (reason: string) => {
    suspectBefore = Date.now();
    logger.warn({ reason }, "database connection found dead; dropping the connections not heard from since");
  };

  class WatchedClient extends pg.Client implements Watched {
    lastHeard = Date.now();
    constructor(config?: ClientConfig) {
      super(config);
      // pg-pool and typeorm listen for `error` only while they hold the connection; a socket
      // destroyed between their turns must not become an uncaught exception.
      this.on("error", () => undefined);
      const connection = (this as unknown as { connection: NodeJS.EventEmitter }).connection;
      connection.on("readyForQuery", () => (this.lastHeard = Date.now()));
    }
    abandon(reason: string) {
      suspectAll(reason);
      // Destroying the socket makes pg fail whatever is queued on it ("Connection terminated
      // unexpectedly") and emit `error`, on which typeorm releases the connection as broken.
      this.destroySocket();
    }
    destroySocket() {
      (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }
    // The promise form is the one typeorm and the check below use.
    override query(...args: unknown[]): any {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).catch((error: unknown) => {
          if ((error as Error)?.message === QUERY_READ_TIMEOUT) this.abandon("no answer within the query timeout");
        });
      }
      return result;
    }
  }

  const ping = (client: PoolClient) =>
    client.query({ text: "SELECT 1", query_timeout: options.pingTimeoutMs } as never) as unknown as Promise<QueryResult>;

  function watch(pool: Pool) {
    const connect = pool.connect.bind(pool) as (cb: ConnectCallback) => void;
    /** typeorm checks connections out with a callback; the promise form is kept for other callers. */
    function checkedConnect(cb?: ConnectCallback): any {
      if (!cb) return new Promise<PoolClient>((resolve, reject) => checkedConnect((err, client) => (err ? reject(err) : resolve(client!))));
      // Each refused connection leaves the pool, so this ends: at worst with a new connection.
      connect((err, client, release) => {
        if (err || !client) return cb(err, client, release);
        const watched = client as unknown as Watched;
        const discard = (error: Error) => {
          watched.destroySocket();
          release(error);
        };
        if (watched.lastHeard < suspectBefore) {
          discard(new Error("connection not heard from since another was found dead"));
          return checkedConnect(cb);
        }
        if (Date.now() - watched.lastHeard <= options.validateAfterIdleMs) return cb(undefined, client, release);
        ping(client).then(
          () => cb(undefined, client, release),
          (error: unknown) => {
            logger.warn({ error: describeError(error) }, "pooled database connection failed its check; replacing it");
            if ((error as Error)?.message !== QUERY_READ_TIMEOUT) suspectAll("a pooled connection failed its check");
            discard(error instanceof Error ? error : new Error(String(error)));
            checkedConnect(cb);
          },
        );
      });
    }
    (pool as unknown as { connect: typeof checkedConnect }).connect = checkedConnect;
  }

  return { Client: WatchedClient as unknown as ClientClass, watch };
}
