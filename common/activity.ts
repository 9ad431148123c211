/**
 * The audit trail: every successful mutation leaves one activity record in the database of
 * the subgraph that made it, written in the mutation's own transaction (so a refused or
 * failed mutation leaves none). One entity and one GraphQL type serve all three subgraphs;
 * each subgraph registers the entity and answers its own `<subgraph>Activity` query.
 */
import { randomBytes } from "node:crypto";
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, ClassType, Ctx, Directive, Field, ID, Info, ObjectType, Query, Resolver } from "type-graphql";
import { Column, DataSource, Entity, EntityManager, Index, PrimaryColumn } from "typeorm";
import { clock } from "./clock";
import { InstantColumn } from "./db";
import { OrganizationKind } from "./enums";
import { requireRole } from "./authorization";
import { ConnectionType, PageArgsType } from "./graphql-types";
import type { UserPrincipal } from "./identity";
import { KeysetList, loadPage, toPageRequest, viewerScope } from "./keyset";
import type { PageArgs } from "./pagination";
import { selectsTotalCount } from "./selection";
import type { UserContext } from "./subgraph-server";
import { text } from "./validation";

@Directive("@shareable")
@ObjectType("Activity", { description: "One successful mutation: who made it, what it changed, and when." })
@Entity("activity")
// The look-ups: everything newest first (operator), one organisation's newest first, and either
// filtered by operation (the operator's filter scanned a third of 100 000 rows with operation alone).
@Index("activity_at_id", ["at", "id"])
@Index("activity_actor_org_at_id", ["actorOrgId", "at", "id"])
@Index("activity_operation_at_id", ["operation", "at", "id"])
export class ActivityRecord {
  @Field(() => ID, { description: "The record's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field({ description: "When the mutation happened." })
  @InstantColumn()
  at!: Date;

  @Field({ description: "The acting user's id (the token's `sub`)." })
  @Column({ type: "text" })
  actorUserId!: string;

  @Field(() => OrganizationKind, { description: "The kind of organisation the acting user belongs to." })
  @Column({ type: "varchar", length: 8 })
  actorOrgKind!: OrganizationKind;

  @Field(() => ID, { nullable: true, description: "The acting organisation's id (partner or customer tenant id); null for the operator." })
  @Column({ type: "varchar", length: 36, nullable: true })
  actorOrgId!: string | null;

  @Field({ description: "The mutation's name, e.g. `placeOrder`." })
  @Column({ type: "varchar", length: 64 })
  operation!: string;

  @Field(() => [ID], { description: "The ids of what the mutation created or changed (first the main one)." })
  @Column({ type: "simple-json" })
  targetIds!: string[];

  @Field({ description: "The request id (`x-request-id`), also carried by the logs." })
  @Column({ type: "varchar", length: 128 })
  requestId!: string;
}

export const ActivityConnection = ConnectionType(ActivityRecord, "Activity", "activity record", { shareable: true });

let lastMs = 0;
let sequence = 0;
/**
 * A UUIDv7 (RFC 9562) from the real wall clock plus a per-process counter: ids grow in the
 * order records are written, so "newest first" holds among records of the same instant
 * (the injectable clock may be frozen, and many mutations share a millisecond).
 */
export function timeOrderedId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // The counter is spent (or the wall clock stepped back): borrow the next millisecond.
    lastMs++;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ORG_KIND = { operator: OrganizationKind.OPERATOR, partner: OrganizationKind.PARTNER, customer: OrganizationKind.CUSTOMER } as const;

/**
 * Records one successful mutation. Call it with the mutation's own transaction manager,
 * after its writes: if anything later in the transaction fails, the record rolls back too.
 * `targetIds`: what was created or changed, the main one first, then the parties involved.
 */
export async function recordActivity(
  em: EntityManager,
  ctx: Pick<UserContext, "principal" | "requestId">,
  operation: string,
  targetIds: (string | null | undefined)[],
): Promise<void> {
  const { principal, requestId } = ctx;
  await em.insert(ActivityRecord, {
    id: timeOrderedId(),
    at: clock.now(),
    actorUserId: principal.userId,
    actorOrgKind: ORG_KIND[principal.org],
    actorOrgId: principal.tid ?? null,
    operation,
    targetIds: [...new Set(targetIds.filter((id): id is string => !!id))],
    requestId,
  });
}

/** Whose records the viewer may read: all (operator), its own organisation's (a GLOBAL_ADMIN), or none. */
function readableScope(principal: UserPrincipal): { kind: OrganizationKind; orgId: string } | "all" {
  if (principal.org === "operator") return "all";
  // Only a global admin reads the activity of its organisation.
  requireRole(principal, principal.org, ["GLOBAL_ADMIN"]);
  return { kind: ORG_KIND[principal.org], orgId: principal.tid! };
}

/** The page of records the viewer may read, newest first (ties: the later-written first). */
export async function readActivity(
  ds: DataSource,
  principal: UserPrincipal,
  args: { operation?: string | null; paging?: PageArgs; withTotal: boolean },
) {
  const scope = readableScope(principal);
  const page = toPageRequest(args.paging);
  const operation = args.operation != null ? text(args.operation, "operation", 64) : null;
  const list: KeysetList<{ operation: string | null }, ActivityRecord> = {
    name: "activity",
    entity: ActivityRecord,
    alias: "a",
    order: ["at", "id"],
    descending: true,
    filterKey: (a) => a.operation ?? "",
    rows: (_parent, a) => {
      const qb = ds.getRepository(ActivityRecord).createQueryBuilder("a");
      if (scope !== "all") qb.andWhere("a.actorOrgId = :orgId AND a.actorOrgKind = :kind", scope);
      if (a.operation != null) qb.andWhere("a.operation = :operation", { operation: a.operation });
      return qb;
    },
  };
  return loadPage(ds, list, viewerScope(principal), { args: { operation }, page, withTotal: args.withTotal });
}

/**
 * The subgraph's own activity query (`partnersActivity`, …): each subgraph owns its table, so
 * each answers for the mutations it made. `holds` says which mutations those are.
 */
export function ActivityResolver(fieldName: string, holds: string): ClassType {
  @Resolver()
  class SubgraphActivityResolver {
    @Query(() => ActivityConnection, {
      name: fieldName,
      deprecationReason: "Use events: every mutation's events, for every organisation that may see their subject, in one feed (Query.events).",
      description:
        `Activity records of the ${holds}, newest first. The operator reads all; a partner's or customer's GLOBAL_ADMIN ` +
        "reads its own organisation's; any other role is FORBIDDEN.",
    })
    activity(
      @Ctx() ctx: UserContext & { ds: DataSource },
      @Info() info: GraphQLResolveInfo,
      @Args(() => PageArgsType) paging: PageArgsType,
      @Arg("operation", () => String, { nullable: true, description: "Only records of this mutation, e.g. `placeOrder`." }) operation?: string | null,
    ) {
      return readActivity(ctx.ds, ctx.principal, { operation, paging, withTotal: selectsTotalCount(info) });
    }
  }
  return SubgraphActivityResolver;
}
