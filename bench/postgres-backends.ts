/**
 * CPU of the PostgreSQL server's work for the benchmark: the client backends serving the
 * bench database, counted beside the services' own processes (CPU per request of the whole
 * path, database included), and the rows they read (bench/skew.ts).
 */
import { Client } from "pg";
import { cpuMsOf } from "./processes";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU of the PostgreSQL client backends serving one database: their pids from
 * pg_stat_activity (polled, so backends that come and go during a run are counted up to
 * their last poll), CPU from /proc/<pid>/stat (the server runs on this machine).
 */
export class PostgresBackends {
  private timer?: NodeJS.Timeout;
  private polling = false;
  private base = new Map<number, number>();
  private last = new Map<number, number>();
  private constructor(private readonly client: Client) {}
  static async connect(url: string) {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new PostgresBackends(client);
  }
  private async pids(): Promise<number[]> {
    const { rows } = await this.client.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
    return rows.map((r) => Number(r.pid));
  }
  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const pid of await this.pids()) {
        const ms = cpuMsOf(pid);
        if (ms === undefined) continue;
        if (!this.base.has(pid)) this.base.set(pid, 0); // born during the window: all its CPU is the window's
        this.last.set(pid, ms);
      }
    } finally {
      this.polling = false;
    }
  }
  async start() {
    this.base = new Map();
    this.last = new Map();
    for (const pid of await this.pids()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) this.base.set(pid, ms), this.last.set(pid, ms);
    }
    this.timer = setInterval(() => void this.poll().catch(() => undefined), 200);
  }
  /** CPU ms the backends spent since `start`. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    while (this.polling) await sleep(5);
    await this.poll();
    let total = 0;
    for (const [pid, ms] of this.last) total += ms - (this.base.get(pid) ?? 0);
    return total;
  }
  /** Rows read so far in the database, per subgraph schema: heap rows (sequential + fetched by index) and index entries. */
  async rowsRead(): Promise<Record<string, { heap: number; index: number }>> {
    await this.client.query("SELECT pg_stat_clear_snapshot()");
    const tables = await this.client.query("SELECT schemaname, sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::bigint AS heap FROM pg_stat_user_tables GROUP BY schemaname");
    const indexes = await this.client.query("SELECT schemaname, sum(coalesce(idx_tup_read, 0))::bigint AS index FROM pg_stat_user_indexes GROUP BY schemaname");
    const out: Record<string, { heap: number; index: number }> = {};
    for (const r of tables.rows) out[r.schemaname] = { heap: Number(r.heap), index: 0 };
    for (const r of indexes.rows) (out[r.schemaname] ??= { heap: 0, index: 0 }).index = Number(r.index);
    return out;
  }
  async close() {
    clearInterval(this.timer);
    await this.client.end();
  }
}
