/**
 * The delivery worker (EV5, EV6): claims due deliveries, attempts each outside any
 * transaction, and records the outcome.
 *
 * - Claim: a short transaction picks due PENDING deliveries of enabled endpoints and writes a
 *   lease (worker id, real-time expiry) on them. On PostgreSQL the rows are locked with
 *   `FOR UPDATE SKIP LOCKED` and the lease condition is checked again under the lock, so two
 *   replicas never claim one delivery at once; on SQLite one process owns the database.
 * - Attempt: after the claim commits, over HTTP with its own timeout; no transaction is open
 *   and no lock is held, so neither ingest nor any mutation ever waits for an endpoint.
 * - Record: one transaction writes the attempt log row, the delivery's new state (SUCCEEDED,
 *   or PENDING with its next attempt, or FAILED after 3 days) and the endpoint's failure
 *   streak (disabled after 5 days), only while the lease is still this worker's.
 * - Isolation: each process attempts at most `endpointConcurrency` deliveries of one endpoint
 *   at once and `maxInFlight` in all, and claims again as soon as a slot frees, so an endpoint
 *   that stalls holds its own slots only and every other endpoint keeps being served.
 *
 * A crash loses nothing: a claimed delivery whose worker died is claimed again once its lease
 * lapses (a lease outlives the attempt's timeout), and an acknowledged one is SUCCEEDED in
 * the same transaction that logs the attempt, never claimed again.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { EntityManager, In } from "typeorm";
import { clock } from "../../../common/time/clock";
import type { WebhookSettings } from "../../../common/service/config";
import { Database, inBackground } from "../../../common/storage/db";
import { describeError, logger } from "../../../common/observability/logger";
import { attemptDelivery, AttemptOutcome, serializeBody } from "./attempt";
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from "./model";
import { onDeliveriesQueued } from "./queue-signal";
import { disabledReason, nextAttemptAt, shouldDisable } from "./retry-schedule";
import { activeSecrets, signatureHeaders } from "./signing";
import { LookupAll } from "./url-guard";

export interface DeliveryWorkerOptions extends WebhookSettings {
  db: Database;
  /** EV7: production refuses non-https URLs and internal addresses at every attempt. */
  production: boolean;
  /** The DNS look-up (tests inject one). */
  lookup?: LookupAll;
  random?: () => number;
}

/** How much longer than an attempt's timeout a claim lives: the time to record its outcome. */
const LEASE_MARGIN_MS = 5_000;

export class DeliveryWorker {
  /** Names this worker in the leases it writes. */
  readonly id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Map<string, number>();
  private readonly attempts = new Set<Promise<void>>();
  private total = 0;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private claiming = false;
  private again = false;
  private unsubscribe?: () => void;

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = onDeliveriesQueued(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming and waits for the attempts in flight to be recorded (each ends within its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    while (this.claiming || this.attempts.size) await Promise.race([...this.attempts, new Promise((r) => setTimeout(r, 20))]);
  }

  /** Looks for due deliveries now (one claim at a time; a kick during a claim claims again after it). */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    // Background work: its SQL is not counted as any request's (common/storage/db.ts).
    inBackground(() => this.claimAndLaunch())
      .catch((error) => logger.warn({ error: describeError(error) }, "webhook delivery claim failed"))
      .finally(() => {
        this.claiming = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async claimAndLaunch(): Promise<void> {
    const free = this.options.maxInFlight - this.total;
    if (free <= 0) return;
    const claimed = await this.claim(free);
    for (const { delivery, endpoint } of claimed) this.launch(delivery, endpoint);
  }

  /** Claims up to `limit` due deliveries within the per-endpoint bound, in one short transaction. */
  private async claim(limit: number): Promise<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint }[]> {
    const { db, endpointConcurrency } = this.options;
    const due = clock.now().toISOString();
    const realNow = new Date();
    const claimed = await db.transaction(async (em) => {
      const candidates = await this.candidates(em, due, realNow, limit);
      if (candidates.length === 0) return [];
      // Never more of one endpoint than its free slots in this process.
      const taken = new Map<string, number>();
      const picked = candidates.filter((c) => {
        const used = (this.inFlight.get(c.endpointId) ?? 0) + (taken.get(c.endpointId) ?? 0);
        if (used >= endpointConcurrency) return false;
        taken.set(c.endpointId, (taken.get(c.endpointId) ?? 0) + 1);
        return true;
      });
      if (picked.length === 0) return [];
      const ids = await this.lock(em, picked.map((c) => c.id), realNow);
      if (ids.length === 0) return [];
      const leaseUntil = new Date(realNow.getTime() + this.options.attemptTimeoutMs + LEASE_MARGIN_MS);
      await em.update(WebhookDelivery, { id: In(ids) }, { leaseOwner: this.id, leaseUntil });
      return em.find(WebhookDelivery, { where: { id: In(ids) } });
    });
    if (claimed.length === 0) return [];
    // The endpoint is read after the claim: its URL and secrets as they are now (EV7: checked again at delivery).
    const endpoints = new Map(
      (await db.dataSource.getRepository(WebhookEndpoint).find({ where: { id: In([...new Set(claimed.map((d) => d.endpointId))]) } })).map((e) => [e.id, e]),
    );
    return claimed.flatMap((delivery) => {
      const endpoint = endpoints.get(delivery.endpointId);
      return endpoint ? [{ delivery, endpoint }] : [];
    });
  }

  /**
   * Due deliveries of enabled endpoints not leased now, earliest first, at most
   * `endpointConcurrency` per endpoint (a window over the due rows), so one endpoint's backlog
   * cannot fill a claim and starve the others.
   */
  private async candidates(em: EntityManager, due: string, realNow: Date, limit: number): Promise<{ id: string; endpointId: string }[]> {
    const driver = em.connection.driver;
    const q = (name: string) => driver.escape(name);
    const busy = [...this.inFlight.entries()].filter(([, n]) => n >= this.options.endpointConcurrency).map(([id]) => id);
    const truthy = this.options.db.dialect === "postgres" ? "TRUE" : "1";
    const sql = `SELECT ${q("id")}, ${q("endpointId")} FROM (
        SELECT d.${q("id")}, d.${q("endpointId")}, d.${q("nextAttemptAt")},
               ROW_NUMBER() OVER (PARTITION BY d.${q("endpointId")} ORDER BY d.${q("nextAttemptAt")}, d.${q("id")}) AS ${q("rank")}
        FROM ${q("webhook_delivery")} d JOIN ${q("webhook_endpoint")} e ON e.${q("id")} = d.${q("endpointId")}
        WHERE d.${q("status")} = :status AND d.${q("nextAttemptAt")} <= :due
          AND (d.${q("leaseUntil")} IS NULL OR d.${q("leaseUntil")} < :realNow)
          AND e.${q("enabled")} = ${truthy} AND e.${q("deletedAt")} IS NULL
          ${busy.length ? `AND d.${q("endpointId")} NOT IN (:...busy)` : ""}
      ) ${q("due")} WHERE ${q("rank")} <= :perEndpoint ORDER BY ${q("nextAttemptAt")}, ${q("id")} LIMIT :limit`;
    const [query, bound] = driver.escapeQueryWithParameters(
      sql,
      { status: WebhookDeliveryStatus.PENDING, due, realNow: realNow.toISOString(), busy, perEndpoint: this.options.endpointConcurrency, limit },
    );
    return em.query(query, bound);
  }

  /**
   * PostgreSQL: locks the picked rows still claimable, skipping those another replica holds;
   * the lease is checked again on the locked row (a replica that committed its claim in
   * between is seen). SQLite: one writer, so the picked rows are the claim.
   */
  private async lock(em: EntityManager, ids: string[], realNow: Date): Promise<string[]> {
    if (this.options.db.dialect !== "postgres") return ids;
    const rows: { id: string }[] = await em.query(
      `SELECT "id" FROM "webhook_delivery" WHERE "id" = ANY($1) AND "status" = $2 AND ("leaseUntil" IS NULL OR "leaseUntil" < $3) FOR UPDATE SKIP LOCKED`,
      [ids, WebhookDeliveryStatus.PENDING, realNow.toISOString()],
    );
    return rows.map((r) => r.id);
  }

  private launch(delivery: WebhookDelivery, endpoint: WebhookEndpoint): void {
    this.total++;
    this.inFlight.set(endpoint.id, (this.inFlight.get(endpoint.id) ?? 0) + 1);
    const run = this.deliver(delivery, endpoint)
      .catch((error) => logger.warn({ error: describeError(error), deliveryId: delivery.id }, "webhook delivery could not be recorded"))
      .finally(() => {
        this.total--;
        const left = (this.inFlight.get(endpoint.id) ?? 1) - 1;
        if (left > 0) this.inFlight.set(endpoint.id, left);
        else this.inFlight.delete(endpoint.id);
        this.attempts.delete(run);
        this.kick();
      });
    this.attempts.add(run);
  }

  private async deliver(delivery: WebhookDelivery, endpoint: WebhookEndpoint): Promise<void> {
    const body = serializeBody({
      id: delivery.eventId,
      type: delivery.eventType,
      occurredAt: delivery.occurredAt.toISOString(),
      subjectType: delivery.subjectType,
      subjectId: delivery.subjectId,
      actorKind: delivery.actorKind,
      actorId: delivery.actorId,
    });
    const attemptedAt = clock.now();
    // webhook-timestamp is the real time: receivers compare it with their own clock.
    const headers = signatureHeaders(delivery.eventId, body, activeSecrets(endpoint, attemptedAt), new Date());
    const outcome = await attemptDelivery(endpoint.url, body, headers, {
      production: this.options.production,
      lookup: this.options.lookup,
      timeoutMs: this.options.attemptTimeoutMs,
    });
    await this.record(delivery, endpoint.id, attemptedAt, outcome);
  }

  private async record(delivery: WebhookDelivery, endpointId: string, attemptedAt: Date, outcome: AttemptOutcome): Promise<void> {
    const random = this.options.random;
    await this.options.db.transaction(async (em) => {
      const current = await em.findOne(WebhookDelivery, { where: { id: delivery.id } });
      // Our lease lapsed and another worker took it over: its outcome is the one recorded.
      if (!current || current.leaseOwner !== this.id || current.status !== WebhookDeliveryStatus.PENDING) return;
      const number = current.attempts + 1;
      const firstAttemptAt = current.firstAttemptAt ?? attemptedAt;
      const next = outcome.ok ? null : nextAttemptAt(number, firstAttemptAt, attemptedAt, random);
      await em.insert(WebhookAttempt, {
        id: randomUUID(),
        deliveryId: current.id,
        number,
        attemptedAt,
        responseStatus: outcome.status,
        succeeded: outcome.ok,
        error: outcome.error ?? null,
        durationMs: outcome.durationMs,
      });
      await em.update(
        WebhookDelivery,
        { id: current.id, leaseOwner: this.id },
        {
          attempts: number,
          firstAttemptAt,
          lastAttemptAt: attemptedAt,
          lastResponseStatus: outcome.status,
          status: outcome.ok ? WebhookDeliveryStatus.SUCCEEDED : next ? WebhookDeliveryStatus.PENDING : WebhookDeliveryStatus.FAILED,
          nextAttemptAt: next,
          leaseOwner: null,
          leaseUntil: null,
        },
      );
      await recordEndpointHealth(em, endpointId, attemptedAt, outcome);
    });
  }
}

/** EV5: an acknowledged attempt ends the endpoint's failure streak; a failed one starts or continues it, and 5 days of it disable the endpoint. */
async function recordEndpointHealth(em: EntityManager, endpointId: string, at: Date, outcome: AttemptOutcome): Promise<void> {
  const endpoint = await em.findOne(WebhookEndpoint, { where: { id: endpointId } });
  if (!endpoint) return;
  if (outcome.ok) {
    if (endpoint.failingSince) await em.update(WebhookEndpoint, { id: endpointId }, { failingSince: null });
    return;
  }
  const failingSince = endpoint.failingSince ?? at;
  if (endpoint.enabled && shouldDisable(failingSince, at)) {
    const last = outcome.status != null ? `HTTP ${outcome.status}` : (outcome.error ?? "no answer");
    await em.update(WebhookEndpoint, { id: endpointId }, { failingSince, enabled: false, disabledReason: disabledReason(failingSince, last) });
    logger.warn({ endpointId }, "webhook endpoint disabled after failing for 5 days");
  } else if (!endpoint.failingSince) {
    await em.update(WebhookEndpoint, { id: endpointId }, { failingSince });
  }
}
