/**
 * The record of idempotency keys for creates whose result does not carry its key (I1):
 * registered as an entity by each subgraph that owns such a create, in its own database.
 */
import { Column, DataSource, Entity, EntityManager, PrimaryColumn } from "typeorm";
import { clock } from "../time/clock";
import { InstantColumn } from "../storage/db";
import { notFound } from "../errors/errors";
import { IDEMPOTENCY_KEY_MAX, oncePerKey, requestFingerprint } from "./idempotency";

/**
 * One key's use, for creates whose result is not itself keyed (placeOrder keeps the key on the
 * order). Kept as long as the database keeps it: nothing deletes these rows, so a retry within
 * 24 hours (I1) and long after is answered the same.
 */
@Entity("idempotency_record")
export class IdempotencyRecord {
  /** The calling organisation (partner tenant id): keys are its own. */
  @PrimaryColumn({ type: "varchar", length: 36 }) organisationId!: string;
  /** The mutation the key was used for: each mutation has its own keys. */
  @PrimaryColumn({ type: "varchar", length: 64 }) operation!: string;
  @PrimaryColumn({ type: "varchar", length: IDEMPOTENCY_KEY_MAX }) idempotencyKey!: string;
  @Column({ type: "varchar", length: 64 }) requestHash!: string;
  /** The id of what the first call created. */
  @Column({ type: "varchar", length: 36 }) resultId!: string;
  @InstantColumn() createdAt!: Date;
}

/** Records the key for the id about to be created: the first write of the create's transaction. */
export type ClaimKey = (em: EntityManager, resultId: string) => Promise<void>;

export interface KeyedCreate {
  organisationId: string;
  operation: string;
  /** The caller's key (idempotencyKeyArg), or null: then `create` simply runs. */
  key: string | null;
  /** The normalised input, for requestFingerprint. */
  input: unknown;
  what: string;
}

/**
 * `create` gets `claim(em, resultId)`: the first write of its transaction, recording the key
 * for the id it is about to create (its unique primary key stops a concurrent duplicate,
 * which on PostgreSQL waits for the winner to commit and then fails). `load` reads a
 * result by its id, for the answer to a retry.
 */
export async function idempotentCreate<T>(
  ds: DataSource,
  request: KeyedCreate,
  load: (id: string) => Promise<T | null>,
  create: (claim: ClaimKey) => Promise<T>,
): Promise<T> {
  const { organisationId, operation, key } = request;
  if (key === null) return create(async () => {});
  const fingerprint = requestFingerprint(request.input);
  return oncePerKey({
    what: request.what,
    fingerprint,
    find: async () => {
      const record = await ds.getRepository(IdempotencyRecord).findOneBy({ organisationId, operation, idempotencyKey: key });
      if (!record) return null;
      const result = await load(record.resultId);
      if (result === null) throw notFound(request.what[0].toUpperCase() + request.what.slice(1));
      return { requestHash: record.requestHash, result };
    },
    create: () =>
      create(async (em, resultId) => {
        await em.insert(IdempotencyRecord, { organisationId, operation, idempotencyKey: key, requestHash: fingerprint, resultId, createdAt: clock.now() });
      }),
  });
}
