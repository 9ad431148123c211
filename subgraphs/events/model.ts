/**
 * The events subgraph's tables and GraphQL types: every event once, with the feed sequence
 * assigned when it was ingested (EV3), and one audience row per organisation that may see it
 * (EV2). It never reads another subgraph's tables: what it knows of an event is what the owner
 * sent when it relayed it.
 */
import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { InstantColumn } from "../../common/storage/db";
import { OrganizationKind } from "../../common/graphql/enums";
import { EventType } from "../../common/events/event-types";
import { ConnectionType } from "../../common/graphql/graphql-types";

@ObjectType("Event", { description: "Something that happened to what the viewer may see (EV1, EV9)." })
@Entity("event")
// The operator's feed walks `seq`; filtered by type, `(type, seq)`.
@Index("event_seq", ["seq"], { unique: true })
@Index("event_type_seq", ["type", "seq"])
export class FeedEvent {
  @Field(() => ID, { description: "The event's id, assigned when it was recorded (also the webhook-id of its deliveries)." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  /** The feed's order (EV3): assigned at ingest, in commit order. */
  @Column({ type: "integer" })
  seq!: number;

  @Field(() => EventType, { description: "What happened." })
  @Column({ type: "varchar", length: 40 })
  type!: EventType;

  @Field({ description: "When it happened (the owner's clock). Not the feed's order: that is the order events were recorded." })
  @InstantColumn()
  occurredAt!: Date;

  @Field(() => String, { nullable: true, description: "The subject's GraphQL type name (`CloudSubscription`, `Order`, …); null for PING." })
  @Column({ type: "varchar", length: 40, nullable: true })
  subjectType!: string | null;

  @Field(() => ID, { nullable: true, description: "Null for PING." })
  @Column({ type: "varchar", length: 36, nullable: true })
  subjectId!: string | null;

  @Field(() => OrganizationKind, { description: "The organisation whose user caused it (OPERATOR, PARTNER or CUSTOMER); OPERATOR for time-driven changes." })
  @Column({ type: "varchar", length: 8 })
  actorKind!: OrganizationKind;

  @Field(() => ID, { nullable: true, description: "The acting organisation's id; null for the operator and time-driven changes." })
  @Column({ type: "varchar", length: 36, nullable: true })
  actorId!: string | null;

  /** The subgraph that recorded it. */
  @Column({ type: "varchar", length: 32 })
  source!: string;

  /** When the feed stored it (the events subgraph's clock). */
  @InstantColumn()
  ingestedAt!: Date;
}

/**
 * One organisation that may see an event (EV2), with a copy of the event's sequence and type
 * so that an organisation's feed is an index walk: `(audience, seq)`, or `(audience, type, seq)`
 * per type asked for.
 */
@Entity("event_audience")
@Index("event_audience_type_seq", ["audience", "type", "seq"])
export class EventAudience {
  /** `partner:<id>` or `customer:<id>` (common/events/event-types.ts). */
  @PrimaryColumn({ type: "varchar", length: 48 })
  audience!: string;

  @PrimaryColumn({ type: "integer" })
  seq!: number;

  @Column({ type: "varchar", length: 36 })
  eventId!: string;

  @Column({ type: "varchar", length: 40 })
  type!: EventType;
}

export const EventConnection = ConnectionType(FeedEvent, "Event", "event");
