/**
 * DA2's time-driven events (EV1): a delegated admin relationship expires (unapproved for 90
 * days, or past its end) and an auto-extending one gains 180 days, without any mutation: its
 * status is derived from the clock (rules.ts, delegatedAdminState). A sweep looks for the
 * relationships whose derived state has moved past what was last announced, and records
 * DELEGATED_ADMIN_EXPIRED once, or DELEGATED_ADMIN_EXTENDED once per extension, each dated
 * when it came due, together with the new announced state in one transaction.
 */
import { Column, Entity, EntityManager, PrimaryColumn } from "typeorm";
import { addMs, clock } from "../../common/clock";
import { Database, InstantColumn, isUniqueViolation } from "../../common/db";
import { DelegatedAdminStatus } from "../../common/enums";
import { EventType } from "../../common/event-types";
import { describeError, logger } from "../../common/logger";
import { NewEvent, recordEvents } from "../../common/outbox";
import type { SubgraphServer } from "../../common/subgraph-server";
import { delegatedAdminEvent } from "./events";
import { DelegatedAdminRelationship } from "./model";
import { DAP_APPROVAL_WINDOW_MS, DAP_AUTO_EXTENSION_MS } from "./rules";

/** What the events have told of a relationship's time-driven changes so far. */
@Entity("delegated_admin_announced")
export class DelegatedAdminAnnounced {
  @PrimaryColumn({ type: "varchar", length: 36 })
  relationshipId!: string;

  /** The end the last EXTENDED event announced (null: none yet). */
  @InstantColumn({ nullable: true })
  endsAt!: Date | null;

  /** Whether EXPIRED has been recorded. */
  @Column({ type: "boolean" })
  expired!: boolean;
}

/** The time-driven events a relationship owes at `now`, after what `announced` says was recorded. */
export function dueEvents(
  dap: DelegatedAdminRelationship,
  announced: { endsAt: Date | null; expired: boolean } | null,
  now: Date,
): { events: NewEvent[]; endsAt: Date | null; expired: boolean } {
  const none = { events: [], endsAt: announced?.endsAt ?? null, expired: announced?.expired ?? false };
  if (announced?.expired) return none;
  if (dap.storedStatus === DelegatedAdminStatus.APPROVAL_PENDING) {
    const due = addMs(dap.createdAt, DAP_APPROVAL_WINDOW_MS);
    return now >= due ? { events: [delegatedAdminEvent(EventType.DELEGATED_ADMIN_EXPIRED, dap, due)], endsAt: null, expired: true } : none;
  }
  if (dap.storedStatus !== DelegatedAdminStatus.ACTIVE || !dap.storedEndsAt) return none;
  let end = announced?.endsAt ?? dap.storedEndsAt;
  if (now < end) return none;
  if (!dap.autoExtend) return { events: [delegatedAdminEvent(EventType.DELEGATED_ADMIN_EXPIRED, dap, end)], endsAt: announced?.endsAt ?? null, expired: true };
  const events: NewEvent[] = [];
  while (now >= end) {
    events.push(delegatedAdminEvent(EventType.DELEGATED_ADMIN_EXTENDED, dap, end));
    end = addMs(end, DAP_AUTO_EXTENSION_MS);
  }
  return { events, endsAt: end, expired: false };
}

const BATCH = 200;

/** One pass: records the events every relationship owes now. Returns how many were recorded. */
export async function sweepDelegatedAdmin(db: Database): Promise<number> {
  const now = clock.now();
  const candidates = await db.dataSource
    .getRepository(DelegatedAdminRelationship)
    .createQueryBuilder("d")
    .leftJoin(DelegatedAdminAnnounced, "a", "a.relationshipId = d.id")
    .where("(a.expired IS NULL OR a.expired = :no)", { no: false })
    .andWhere(
      "((d.storedStatus = :pending AND d.createdAt <= :cutoff) OR (d.storedStatus = :active AND COALESCE(a.endsAt, d.storedEndsAt) <= :now))",
      {
        pending: DelegatedAdminStatus.APPROVAL_PENDING,
        cutoff: addMs(now, -DAP_APPROVAL_WINDOW_MS).toISOString(),
        active: DelegatedAdminStatus.ACTIVE,
        now: now.toISOString(),
      },
    )
    .orderBy("d.id")
    .limit(BATCH)
    .getMany();
  let recorded = 0;
  for (const candidate of candidates) {
    try {
      recorded += await db.transaction((em) => announce(em, candidate.id, now));
    } catch (error) {
      // Another sweep (a replica) announced it first: nothing is owed any more.
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return recorded;
}

/** Re-reads the relationship and its announcement in the transaction, then records what is owed and moves the announcement. */
async function announce(em: EntityManager, id: string, now: Date): Promise<number> {
  const dap = await em.findOneBy(DelegatedAdminRelationship, { id });
  if (!dap) return 0;
  const announced = await em.findOneBy(DelegatedAdminAnnounced, { relationshipId: id });
  const due = dueEvents(dap, announced, now);
  if (due.events.length === 0) return 0;
  if (!announced) {
    // A concurrent sweep inserting the same row fails one of the two on the primary key.
    await em.insert(DelegatedAdminAnnounced, { relationshipId: id, endsAt: due.endsAt, expired: due.expired });
  } else {
    // Only from the state read: a concurrent sweep that moved it first leaves this one nothing to do.
    const update = em
      .createQueryBuilder()
      .update(DelegatedAdminAnnounced)
      .set({ endsAt: due.endsAt, expired: due.expired })
      .where("relationshipId = :id AND expired = :no", { id, no: false });
    if (announced.endsAt) update.andWhere("endsAt = :old", { old: announced.endsAt.toISOString() });
    else update.andWhere("endsAt IS NULL");
    const moved = await update.execute();
    if (!moved.affected) return 0;
  }
  await recordEvents(em, "system", due.events);
  return due.events.length;
}

/** The server with the sweep running every `intervalMs` while it runs. */
export function withDelegatedAdminSweep(server: SubgraphServer, db: Database, intervalMs: number): SubgraphServer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = sweepDelegatedAdmin(db)
      .catch((error) => logger.warn({ error: describeError(error) }, "delegated admin sweep failed; retrying"))
      .finally(() => (running = undefined));
  };
  return {
    ...server,
    async start(port) {
      const listening = await server.start(port);
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
      return listening;
    },
    async stop() {
      clearInterval(timer);
      await running;
      await server.stop();
    },
  };
}
