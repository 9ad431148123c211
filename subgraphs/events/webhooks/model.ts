/**
 * The webhooks' tables (EV4, EV5): endpoints, one delivery per event and endpoint, and the
 * log of every attempt. A delivery keeps a copy of what its body carries, so the worker reads
 * one row to send it, and a PING (EV8), which is never in the feed, needs no event row.
 */
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { InstantColumn } from "../../../common/storage/db";
import { OrganizationKind } from "../../../common/graphql/enums";
import { EventType } from "../../../common/events/event-types";
import { ConnectionType } from "../../../common/graphql/graphql-types";

export enum WebhookDeliveryStatus {
  PENDING = "PENDING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
}
registerEnumType(WebhookDeliveryStatus, {
  name: "WebhookDeliveryStatus",
  description: "Where a delivery stands (EV5).",
  valuesConfig: {
    PENDING: { description: "Not yet acknowledged: queued, or failed and waiting for its next attempt." },
    SUCCEEDED: { description: "The endpoint answered 2xx within 10 s. Never sent again, unless redelivered." },
    FAILED: { description: "Given up after 3 days of failed attempts, or its endpoint was deleted." },
  },
});

/** `eventTypes` as one text column: an endpoint subscribes to a handful of types, matched in code. */
const typeList = {
  to: (value?: EventType[] | null) => (Array.isArray(value) ? value.join(",") : value),
  from: (value?: string | null) => (value ? (value.split(",") as EventType[]) : []),
};

@ObjectType("WebhookEndpoint", { description: "Where an organisation receives its events as signed HTTP POSTs (EV4)." })
@Entity("webhook_endpoint")
// An organisation's endpoints in creation order; fan-out reads the enabled ones of an event's audience.
@Index("webhook_endpoint_owner", ["owner", "createdAt", "id"])
export class WebhookEndpoint {
  @Field(() => ID, { description: "The endpoint's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  /** The organisation it belongs to, as an event audience names it (`partner:<id>` / `customer:<id>`). */
  @Column({ type: "varchar", length: 48 })
  owner!: string;

  @Field({ description: "Where deliveries are POSTed." })
  @Column({ type: "varchar", length: 2048 })
  url!: string;

  @Field(() => [EventType], { description: "The event types delivered here (PING is sent only by sendTestEvent)." })
  @Column({ type: "text", transformer: typeList })
  eventTypes!: EventType[];

  @Field({ description: "Whether events are delivered: false when turned off, or disabled after failing for 5 days." })
  @Column({ type: "boolean" })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: "Why deliveries stopped, when the endpoint was disabled after failing too long." })
  @Column({ type: "text", nullable: true })
  disabledReason!: string | null;

  @Field({ description: "When it was registered." })
  @InstantColumn()
  createdAt!: Date;

  /**
   * The signing secret (`whsec_…`), kept because signing needs it (HMAC). Never in the API
   * after the payload that created or rotated it.
   */
  @Column({ type: "varchar", length: 64 })
  secret!: string;

  /** The secret before the last rotation, still signing until 24 h after `rotatedAt`. */
  @Column({ type: "varchar", length: 64, nullable: true })
  previousSecret!: string | null;

  @InstantColumn({ nullable: true })
  rotatedAt!: Date | null;

  /** The first failed attempt since the last acknowledged one; null while it acknowledges (EV5's 5 days count from here). */
  @InstantColumn({ nullable: true })
  failingSince!: Date | null;

  /** Deleted endpoints are kept (their deliveries stay readable by nobody) and never delivered to. */
  @InstantColumn({ nullable: true })
  deletedAt!: Date | null;
}

@ObjectType("WebhookDelivery", { description: "One event sent to one endpoint, with its attempts (EV5)." })
@Entity("webhook_delivery")
// The worker's claim: due PENDING deliveries, earliest first.
@Index("webhook_delivery_due", ["status", "nextAttemptAt"])
// An endpoint's delivery log, newest first, with or without a status filter.
@Index("webhook_delivery_endpoint", ["endpointId", "createdAt", "id"])
@Index("webhook_delivery_endpoint_status", ["endpointId", "status", "createdAt", "id"])
// redeliverEvent looks for a delivery of the event to the endpoint still pending.
@Index("webhook_delivery_event", ["eventId", "endpointId"])
export class WebhookDelivery {
  @Field(() => ID, { description: "The delivery's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 })
  endpointId!: string;

  /** The event's id: the `webhook-id` of every attempt, so receivers deduplicate by it. */
  @Column({ type: "varchar", length: 36 })
  eventId!: string;

  @Column({ type: "varchar", length: 40 })
  eventType!: EventType;

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

  @Field(() => WebhookDeliveryStatus, { description: "PENDING until acknowledged or given up." })
  @Column({ type: "varchar", length: 10 })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: "Attempts made so far." })
  @Column({ type: "integer" })
  attempts!: number;

  /** When it was queued (the delivery log's order). */
  @InstantColumn()
  createdAt!: Date;

  /** The first attempt: a delivery is retried for 3 days from here. */
  @InstantColumn({ nullable: true })
  firstAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When the last attempt was made." })
  @InstantColumn({ nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: "The HTTP status the endpoint answered the last attempt with; null when it did not answer." })
  @Column({ type: "integer", nullable: true })
  lastResponseStatus!: number | null;

  @Field(() => Date, { nullable: true, description: "When the next attempt is due; null once SUCCEEDED or FAILED." })
  @InstantColumn({ nullable: true })
  nextAttemptAt!: Date | null;

  /** Which worker is attempting it now (a process id), and until when (real time): a crashed worker's claim lapses. */
  @Column({ type: "varchar", length: 64, nullable: true })
  leaseOwner!: string | null;

  @InstantColumn({ nullable: true })
  leaseUntil!: Date | null;
}

@ObjectType("WebhookAttempt", { description: "One HTTP POST of a delivery and how the endpoint answered." })
@Entity("webhook_attempt")
@Index("webhook_attempt_delivery", ["deliveryId", "number"], { unique: true })
export class WebhookAttempt {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 })
  deliveryId!: string;

  @Field(() => Int, { description: "1 for the first attempt." })
  @Column({ type: "integer" })
  number!: number;

  @Field({ description: "When it was made." })
  @InstantColumn()
  attemptedAt!: Date;

  @Field(() => Int, { nullable: true, description: "The HTTP status answered; null when there was no answer (refused address, unreachable, 10 s passed)." })
  @Column({ type: "integer", nullable: true })
  responseStatus!: number | null;

  @Field({ description: "Whether it was acknowledged (2xx within 10 s)." })
  @Column({ type: "boolean" })
  succeeded!: boolean;

  @Field(() => String, { nullable: true, description: "Why it failed, when it did." })
  @Column({ type: "text", nullable: true })
  error!: string | null;

  @Field(() => Int, { description: "How long it took, in milliseconds." })
  @Column({ type: "integer" })
  durationMs!: number;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, "WebhookDelivery", "delivery");

export const WEBHOOK_ENTITIES = [WebhookEndpoint, WebhookDelivery, WebhookAttempt];
