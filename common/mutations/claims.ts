/**
 * Claims: how a rule in one subgraph may rely on a fact another subgraph owns (X1) without
 * reading the other's database. The owner of a fact (a customer's relationships, a
 * provider↔reseller relationship) keeps short-lived claims on it in its own database:
 *
 * - a USE claim is taken, through the owner's internal endpoint, by a write elsewhere that
 *   relies on the fact (an order, a customer created for a reseller, a support-partner hire).
 *   It is taken only while the fact holds, and the fact cannot end while it is live;
 * - an END claim is taken by an ending (a reseller relationship removal) that must ask another
 *   subgraph something before it commits: no USE claim can be taken while it is live.
 *   An ending that needs no other subgraph (T3, DA4) checks for live USE claims in the same
 *   transaction as its change and needs no row of its own.
 *
 * Every claim is a lease: it ends when released or when `expiresAt` passes, whichever comes
 * first, so a crashed holder blocks nothing for longer than the lease. A holder commits only
 * within the first half of its lease (`commitDeadline`), leaving the other half for its commit
 * to land before the owner may treat the claim as gone. docs/consistency.md has the argument.
 * Leases run on the real clock, never the development clock (I5), which can jump by days.
 */
import { randomUUID } from "node:crypto";
import { Column, Entity, EntityManager, Index, In, PrimaryColumn } from "typeorm";
import type { Database } from "../storage/db";
import { InstantColumn } from "../storage/db";
import { DomainError } from "../errors/errors";

export enum ClaimKind {
  USE = "USE",
  END = "END",
}

@Entity("relationship_claim")
@Index(["subjectId", "expiresAt"])
@Index(["claimId"])
export class RelationshipClaim {
  /** One row per claimed subject. */
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  /** What the holder releases: one claim may cover several subjects. */
  @Column({ type: "varchar", length: 36 })
  claimId!: string;

  /** The claimed fact's row: a customer (its relationships) or a provider↔reseller relationship. */
  @Column({ type: "varchar", length: 36 })
  subjectId!: string;

  @Column({ type: "varchar", length: 3 })
  kind!: ClaimKind;

  /** The operation holding it (placeOrder, createCustomer, …), for whoever reads the table. */
  @Column({ type: "varchar", length: 64 })
  operation!: string;

  @InstantColumn()
  expiresAt!: Date;
}

export interface ClaimSettings {
  /** How long a claim lives unless released (CLAIM_LEASE_MS). */
  leaseMs: number;
  /** How long a claim or an ending waits for a conflicting claim to go (CLAIM_WAIT_MS). */
  waitMs: number;
}

/** A live claim: not released (its row exists) and not expired. */
export const isLive = (claim: Pick<RelationshipClaim, "expiresAt">, nowMs: number) => claim.expiresAt.getTime() > nowMs;

/**
 * Whether a claim of `kind` must wait for these live claims on the same subject: USE and END
 * exclude each other; USE claims share (orders for one customer run side by side), and so do
 * END claims (each ending writes only its own row).
 */
export function claimBlocked(kind: ClaimKind, live: Pick<RelationshipClaim, "kind">[]): boolean {
  return live.some((c) => c.kind !== kind);
}

/**
 * The last moment (performance.now() of the holder) at which it may still commit what relies on
 * its claim: half the lease after it *asked* for the claim. Measured on the holder's own
 * monotonic clock from before the request, it never ends later than the owner's expiry, however
 * the two machines' clocks differ in setting; the other half is the commit's margin.
 */
export const commitDeadline = (askedAtMs: number, leaseMs: number) => askedAtMs + leaseMs / 2;

/** The refusal when a claim could not be had in time; nothing was changed, and retrying later works. */
export function claimBusy(what: string, retryAfterSeconds: number) {
  return new DomainError("DEPENDENCY_UNAVAILABLE", `${what} is being changed by another request; nothing was changed. Try again.`, {
    outcome: "NOT_APPLIED",
    retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}

/** Refuses to commit a write whose claim may no longer be held (the holder was too slow). */
export function assertWithinLease(claim: { deadlineMs: number; leaseMs: number }, what: string) {
  if (performance.now() > claim.deadlineMs) throw claimBusy(what, claim.leaseMs / 1000);
}

/**
 * Locks the rows whose facts are claimed (PostgreSQL: FOR UPDATE), so that a claim and an ending
 * on the same subject run one after the other. SQLite runs one write transaction at a time anyway.
 */
export async function lockSubjects(db: Database, em: EntityManager, table: string, ids: string[]): Promise<void> {
  if (db.dialect !== "postgres" || ids.length === 0) return;
  const sorted = [...ids].sort(); // one order for every locker: no deadlock between two of them
  const placeholders = sorted.map((_, i) => `$${i + 1}`).join(", ");
  await em.query(`SELECT 1 FROM "${table}" WHERE "id" IN (${placeholders}) ORDER BY "id" FOR UPDATE`, sorted);
}

/**
 * PostgreSQL: this transaction's commit need not wait for its WAL flush. Only for changes whose
 * loss in a database crash is safe: a release (the lease ends the claim anyway) and an END claim
 * (an ending that lost it finds its claim gone at commit and refuses). A later synchronous commit
 * flushes them first, so they are never lost behind a change that depended on them.
 */
export async function withoutFlushWait(db: Database, em: EntityManager): Promise<void> {
  if (db.dialect === "postgres") await em.query("SET LOCAL synchronous_commit = off");
}

/**
 * The live claims on these subjects. Expired ones are deleted on the way (one statement more,
 * only when there are any), so that an expired claim is gone for good: an ending whose END claim
 * expired finds it missing at commit, whatever its clock says.
 */
export async function liveClaimsOn(em: EntityManager, subjectIds: string[], nowMs = Date.now()): Promise<RelationshipClaim[]> {
  if (subjectIds.length === 0) return [];
  const claims = await em.findBy(RelationshipClaim, { subjectId: In(subjectIds) });
  const expired = claims.filter((c) => !isLive(c, nowMs));
  if (expired.length) await em.delete(RelationshipClaim, { id: In(expired.map((c) => c.id)) });
  return claims.filter((c) => isLive(c, nowMs));
}

export async function insertClaim(em: EntityManager, kind: ClaimKind, subjectIds: string[], operation: string, leaseMs: number): Promise<string> {
  const claimId = randomUUID();
  const expiresAt = new Date(Date.now() + leaseMs);
  for (const subjectId of subjectIds) {
    await em.insert(RelationshipClaim, { id: randomUUID(), claimId, subjectId, kind, operation: operation.slice(0, 64), expiresAt });
  }
  return claimId;
}

/** The sign an attempt gives when a conflicting claim is live: wait and try again. */
export const BLOCKED = Symbol("blocked");

/**
 * Runs `attempt` (one short transaction) until it is not BLOCKED, backing off between tries,
 * for at most `waitMs`; then refuses with DEPENDENCY_UNAVAILABLE (NOT_APPLIED). A conflicting
 * claim is normally released within one internal round trip; a crashed holder's lasts at most
 * the lease, which `retryAfter` tells the caller.
 */
export async function untilUnblocked<T>(settings: ClaimSettings, what: string, attempt: () => Promise<T | typeof BLOCKED>): Promise<T> {
  const until = performance.now() + settings.waitMs;
  let pause = 5;
  for (;;) {
    const result = await attempt();
    if (result !== BLOCKED) return result;
    if (performance.now() + pause > until) throw claimBusy(what, settings.leaseMs / 1000);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 100);
  }
}

export async function releaseClaim(db: Database, claimId: string): Promise<boolean> {
  const result = await db.transaction(async (em) => {
    await withoutFlushWait(db, em);
    return em.delete(RelationshipClaim, { claimId });
  });
  return !!result.affected;
}

/** At start: rows of claims that expired while no process was there to delete them. */
export async function purgeExpiredClaims(db: Database): Promise<number> {
  const result = await db.transaction((em) =>
    em.createQueryBuilder().delete().from(RelationshipClaim).where(`"expiresAt" <= :now`, { now: new Date().toISOString() }).execute(),
  );
  return result.affected ?? 0;
}
