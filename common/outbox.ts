/**
 * The transactional outbox (EV1). A subgraph that owns what events are about (partners,
 * customers, subscriptions) writes each mutation's events into its own `outbox_event` table
 * in the mutation's own transaction: a refused or rolled-back mutation leaves none, and an
 * idempotent replay, which writes nothing, records nothing. A relay in the same process then
 * sends the unrelayed rows, oldest first, to the events subgraph's internal `ingestEvents`
 * and marks them relayed only once it has acknowledged them: at least once (the events
 * subgraph deduplicates by event id), and a crash between commit and relay loses nothing,
 * since the next start relays what is left.
 */
import { randomUUID } from "node:crypto";
import {
  Column,
  Entity,
  EntityManager,
  EntitySubscriberInterface,
  Index,
  IsNull,
  PrimaryGeneratedColumn,
  In,
  TransactionCommitEvent,
} from "typeorm";
import { clock } from "./clock";
import type { Config } from "./config";
import { InstantColumn } from "./db";
import type { Database } from "./db";
import { OrganizationKind } from "./enums";
import { AudienceKey, EventType, SUBJECT_TYPE } from "./event-types";
import type { UserPrincipal } from "./identity";
import type { InternalClient } from "./internal-client";
import { describeError, logger } from "./logger";
import type { SubgraphServer } from "./subgraph-server";

@Entity("outbox_event")
// The relay's look-up: the unrelayed rows in write order (a partial index: relayed rows leave it).
@Index("outbox_event_unrelayed", ["position"], { where: '"relayedAt" IS NULL' })
export class OutboxEvent {
  /** Write order in this database: the relay sends in this order. */
  @PrimaryGeneratedColumn({ type: "integer" })
  position!: number;

  /** The event id (and the webhook-id of its deliveries), assigned at write. */
  @Column({ type: "varchar", length: 36, unique: true })
  id!: string;

  @Column({ type: "varchar", length: 40 })
  type!: EventType;

  @InstantColumn()
  occurredAt!: Date;

  @Column({ type: "varchar", length: 40, nullable: true })
  subjectType!: string | null;

  @Column({ type: "varchar", length: 36, nullable: true })
  subjectId!: string | null;

  @Column({ type: "varchar", length: 8 })
  actorKind!: OrganizationKind;

  @Column({ type: "varchar", length: 36, nullable: true })
  actorId!: string | null;

  /** EV2: the organisations that may see the subject when it happened (`partner:<id>`, `customer:<id>`); the operator is implied. */
  @Column({ type: "simple-json" })
  audience!: AudienceKey[];

  /** When the events subgraph acknowledged it; null until then. */
  @InstantColumn({ nullable: true })
  relayedAt!: Date | null;
}

/** One event a mutation (or a time-driven change) records. */
export interface NewEvent {
  type: EventType;
  subjectId: string;
  /** Who may see the subject now, computed by the owner from its own facts in the transaction. */
  audience: (AudienceKey | null | undefined)[];
  /** When it happened; the clock's now when absent (a time-driven change gives the instant it came due). */
  occurredAt?: Date;
}

/** Whose user caused the events: the request's principal, or the program itself for time-driven changes. */
export type EventActor = Pick<UserPrincipal, "org" | "tid"> | "system";

const ACTOR_KIND = { operator: OrganizationKind.OPERATOR, partner: OrganizationKind.PARTNER, customer: OrganizationKind.CUSTOMER } as const;

/** Marks a transaction that wrote outbox rows, so its commit kicks the relay. */
const WROTE_OUTBOX = "outboxWritten";

/**
 * Records events in the caller's transaction, after its writes: if anything later in the
 * transaction fails, they roll back with it. One call per mutation.
 */
export async function recordEvents(em: EntityManager, actor: EventActor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = clock.now();
  const actorKind = actor === "system" ? OrganizationKind.OPERATOR : ACTOR_KIND[actor.org];
  const actorId = actor === "system" ? null : (actor.tid?.toLowerCase() ?? null);
  await em.insert(
    OutboxEvent,
    events.map((e) => ({
      id: randomUUID(),
      type: e.type,
      occurredAt: e.occurredAt ?? now,
      subjectType: SUBJECT_TYPE[e.type],
      subjectId: e.subjectId.toLowerCase(),
      actorKind,
      actorId,
      audience: [...new Set(e.audience.filter((a): a is AudienceKey => !!a))].sort(),
      relayedAt: null,
    })),
  );
  if (em.queryRunner) em.queryRunner.data[WROTE_OUTBOX] = true;
}

export interface RelaySettings {
  intervalMs: number;
  paused: boolean;
  /** Rows per ingest call. */
  batchSize?: number;
}

const INGEST = `mutation($source: String!, $events: [RelayedEventInput!]!) { ingestEvents(source: $source, events: $events) { acknowledged } }`;

/**
 * The relay of one owner's outbox: a pass at start and a kick after each commit that wrote
 * events; a pass that failed (the events subgraph down) is retried every `intervalMs` until
 * one succeeds. A pass kicked while one runs follows it.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly source: string,
    private readonly events: InternalClient,
    private readonly settings: RelaySettings,
  ) {
    const relay = this;
    const kicker: EntitySubscriberInterface = {
      afterTransactionCommit(event: TransactionCommitEvent) {
        if (!event.queryRunner.data[WROTE_OUTBOX]) return;
        event.queryRunner.data[WROTE_OUTBOX] = false;
        relay.kick();
      },
    };
    (db.dataSource.subscribers as EntitySubscriberInterface[]).push(kicker);
  }

  /** At start, one pass relays what a crash or a stop left behind; from then on, commits kick it. */
  start(): void {
    if (this.settings.paused) return;
    this.stopped = false;
    this.kick();
  }

  /** Relays now (or right after the pass under way, which may have missed the newest rows). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().then((failed) => {
      this.running = undefined;
      // A failed pass is retried after intervalMs; an idle relay runs no SQL at all.
      if (failed && !this.stopped && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.kick();
        }, this.settings.intervalMs);
        this.timer.unref();
      }
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sends every unrelayed row, batch after batch, until none is left (false) or a call fails (true: retry later). */
  private async drain(): Promise<boolean> {
    const batchSize = this.settings.batchSize ?? 100;
    try {
      for (;;) {
        // In a transaction of its own: on SQLite, whose one connection the transactions take in
        // turn, that is what keeps it from reading rows of a transaction that has not committed.
        const rows = await this.db.transaction((em) => unrelayed(em, batchSize));
        if (rows.length === 0 || this.stopped) return false;
        const { ingestEvents } = await this.events.request<{ ingestEvents: { acknowledged: string[] } }>(
          INGEST,
          {
            source: this.source,
            events: rows.map((r) => ({
              id: r.id,
              type: r.type,
              occurredAt: r.occurredAt.toISOString(),
              subjectType: r.subjectType,
              subjectId: r.subjectId,
              actorKind: r.actorKind,
              actorId: r.actorId,
              audience: r.audience,
            })),
          },
          "the events subgraph (relaying the outbox)",
        );
        const acknowledged = new Set(ingestEvents.acknowledged.map((id) => id.toLowerCase()));
        const done = rows.filter((r) => acknowledged.has(r.id)).map((r) => r.position);
        if (done.length) await this.db.transaction((em) => em.update(OutboxEvent, { position: In(done) }, { relayedAt: new Date() }));
        if (rows.length < batchSize) return false;
      }
    } catch (error) {
      // The internal client has logged a failed call; rows stay unrelayed until a pass succeeds.
      if (!this.stopped) logger.debug({ source: this.source, error: describeError(error) }, "outbox relay pass failed; retrying");
      return true;
    }
  }
}

/** The oldest unrelayed rows, in write order. */
export function unrelayed(em: EntityManager, limit: number): Promise<OutboxEvent[]> {
  return em.find(OutboxEvent, { where: { relayedAt: IsNull() }, order: { position: "ASC" }, take: limit });
}

/**
 * An owner's server with its relay: started with the server, stopped before it (a pass under
 * way finishes first, so nothing acknowledged is left unmarked but for a crash).
 */
export function withOutboxRelay(server: SubgraphServer, db: Database, events: InternalClient, config: Config): SubgraphServer {
  const relay = new OutboxRelay(db, server.name, events, { intervalMs: config.outboxRelayIntervalMs, paused: config.outboxRelayPaused });
  return {
    ...server,
    async start(port) {
      const running = await server.start(port);
      relay.start();
      return running;
    },
    async stop() {
      await relay.stop();
      await server.stop();
    },
  };
}
