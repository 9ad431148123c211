/**
 * The subscriptions subgraph's tables and GraphQL types. It owns the offer catalogue,
 * orders and subscriptions, and adds `subscriptions` to Customer and Partner.
 */
import { Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { InstantColumn } from "../../common/db";
import { BillingCycle, Cloud, ProductFamily, SalesChannel, SubscriptionStatus } from "../../common/enums";
import { ConnectionType } from "../../common/graphql-types";

@ObjectType({ description: "A product a partner can sell: its quantity bounds, billing cycles, terms and clouds." })
@Entity("offer")
export class Offer {
  @Field(() => ID, { description: "The offer's id, e.g. `m365-business-basic`." })
  @PrimaryColumn({ type: "varchar", length: 64 })
  id!: string;

  @Field({ description: "The product's name." })
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(() => ProductFamily, { description: "The product family." })
  @Column({ type: "varchar", length: 20 })
  productFamily!: ProductFamily;

  @Field(() => Int, { description: "Fewest licences per subscription." })
  @Column({ type: "integer" })
  minQuantity!: number;

  @Field(() => Int, { description: "Most licences per subscription." })
  @Column({ type: "integer" })
  maxQuantity!: number;

  @Field(() => [BillingCycle], { description: "Billing cycles on offer." })
  @Column({ type: "simple-array" })
  billingCycles!: BillingCycle[];

  @Field(() => [String], { description: "Term durations on offer, as ISO-8601 durations (P1M, P1Y, P3Y)." })
  @Column({ type: "simple-array" })
  termDurations!: string[];

  @Field(() => [Cloud], { description: "The clouds where the offer is available." })
  @Column({ type: "simple-array" })
  clouds!: Cloud[];
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "Licences of one offer for one customer. Who sees and changes it: S1, S2." })
@Entity("subscription")
@Index(["customerId", "createdAt"])
@Index(["partnerOfRecordId", "status"])
@Index(["billingPartnerId", "status"])
// Partner.subscriptions reads each role column in list order (createdAt, id): keyset pages.
@Index(["partnerOfRecordId", "createdAt"])
@Index(["billingPartnerId", "createdAt"])
@Index(["supportPartnerId", "createdAt"])
// Covers a customer's subscription count as any viewer may see it (S1's columns), so totalCount
// reads index entries only, not rows.
@Index("subscription_customer_visibility", ["customerId", "status", "channel", "partnerOfRecordId", "billingPartnerId", "supportPartnerId"])
@Index(["orderId"])
export class CloudSubscription {
  @Field(() => ID, { description: "The subscription's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 }) customerId!: string;
  @Column({ type: "varchar", length: 64 }) offerId!: string;

  @Field({ description: "A name the partner or customer gives it." })
  @Column({ type: "varchar", length: 100 })
  friendlyName!: string;

  @Field(() => Int, { description: "Number of licences." })
  @Column({ type: "integer" })
  quantity!: number;

  @Field(() => SubscriptionStatus, { description: "ACTIVE ⇄ SUSPENDED; either → CANCELLED (final)." })
  @Column({ type: "varchar", length: 10 })
  status!: SubscriptionStatus;

  @Field(() => BillingCycle, { description: "How often it is billed." })
  @Column({ type: "varchar", length: 10 })
  billingCycle!: BillingCycle;

  @Field({ description: "Commitment term, as an ISO-8601 duration (P1M, P1Y, P3Y)." })
  @Column({ type: "varchar", length: 8 })
  termDuration!: string;

  @Field({ description: "Whether it renews at the end of its term." })
  @Column({ type: "boolean" })
  autoRenew!: boolean;

  @Field(() => SalesChannel, { description: "CSP, or the channel outside the program it was bought through." })
  @Column({ type: "varchar", length: 24 })
  channel!: SalesChannel;

  @Column({ type: "varchar", length: 36, nullable: true }) partnerOfRecordId!: string | null;
  @Column({ type: "varchar", length: 36, nullable: true }) billingPartnerId!: string | null;
  @Column({ type: "varchar", length: 36, nullable: true }) supportPartnerId!: string | null;

  @Field(() => ID, { nullable: true, description: "The order that created it; null for subscriptions bought outside the program." })
  @Column({ type: "varchar", length: 36, nullable: true })
  orderId!: string | null;

  /** Its line item's position in the order (0-based), so `Order.subscriptions` follows the line items; null outside the program. */
  @Column({ type: "integer", nullable: true })
  lineNumber!: number | null;

  @Field({ description: "When it was bought." })
  @InstantColumn()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the commitment term ends." })
  @InstantColumn({ nullable: true })
  commitmentEndsAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "Purchase + 168 hours: until then it may be cancelled or its quantity lowered (S4)." })
  @InstantColumn({ nullable: true })
  cancellationAllowedUntil!: Date | null;

  @Field(() => Int, { description: "Grows by one with each change; pass it as `expectedVersion` to avoid lost edits (S5)." })
  @Column({ type: "integer" })
  version!: number;
}

export const CloudSubscriptionConnection = ConnectionType(CloudSubscription, "CloudSubscription", "subscription");

/** `viewer` of the count that holds every subscription of the customer (what its own users and the operator see). */
export const EVERY_VIEWER = "*";

/**
 * How many of a customer's subscriptions each partner is a party to, by status and channel,
 * plus the customer's total under `viewer` = `*`: so `Customer.subscriptions.totalCount` reads
 * a few rows, however many subscriptions the customer holds. Kept by the database itself
 * (triggers on `subscription`, migration `SubscriptionCounts`), in the same transaction as
 * every write to a subscription, whatever code writes it. A partner counts a subscription once
 * when it is its partner of record, billing partner, or (bought outside the program) support
 * partner: the rows S1 lets it see without delegated admin.
 */
@Entity("subscription_count")
export class SubscriptionCount {
  @PrimaryColumn({ type: "varchar", length: 36 }) customerId!: string;
  /** A partner's id, or `*` for every subscription of the customer. */
  @PrimaryColumn({ type: "varchar", length: 36 }) viewer!: string;
  @PrimaryColumn({ type: "varchar", length: 10 }) status!: SubscriptionStatus;
  @PrimaryColumn({ type: "varchar", length: 24 }) channel!: SalesChannel;
  @Column({ type: "integer" }) n!: number;
}

// An entity so that an event's subject (EV9) resolves here, with this subgraph's visibility.
@Directive('@key(fields: "id")')
@ObjectType({ description: "A partner's order: each line item created one subscription." })
@Entity("purchase_order")
@Index("purchase_order_idempotency", ["placedById", "idempotencyKey"], { unique: true })
@Index(["customerId"])
export class Order {
  @Field(() => ID, { description: "The order's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 }) customerId!: string;
  @Column({ type: "varchar", length: 36 }) billingPartnerId!: string;
  @Column({ type: "varchar", length: 36 }) partnerOfRecordId!: string;
  /** The partner whose user placed it; idempotency keys are scoped to it. */
  @Column({ type: "varchar", length: 36 }) placedById!: string;

  @Field({ description: "The caller's key: the same key and input return this order again (O4)." })
  @Column({ type: "varchar", length: 100 })
  idempotencyKey!: string;

  /** Hash of the normalised input, to tell a retry from a different order under the same key. */
  @Column({ type: "varchar", length: 64 }) requestHash!: string;

  @Field({ description: "When it was placed." })
  @InstantColumn()
  createdAt!: Date;
}

/** Customer is owned by the customers subgraph; this subgraph adds `subscriptions`. */
@Directive('@key(fields: "id")')
@ObjectType("Customer", { description: "A customer tenant (owned by the customers subgraph)." })
export class CustomerRef {
  @Field(() => ID, { description: "The customer's tenant id." })
  id!: string;
}

/** Partner is owned by the partners subgraph; this subgraph adds `subscriptions`. */
@Directive('@key(fields: "id")')
@ObjectType("Partner", { description: "A partner enrolled in the program (owned by the partners subgraph)." })
export class PartnerRef {
  @Field(() => ID, { description: "The partner's CSP tenant id." })
  id!: string;
}

// ---- inputs and payloads ----

@InputType({ description: "A subscription bought outside the program, recorded by the operator (MC1)." })
export class RecordExternalSubscriptionInput {
  @Field(() => ID, { description: "The customer." }) customerId!: string;
  @Field(() => ID, { description: "The offer." }) offerId!: string;
  @Field(() => Int, { description: "Licences, within the offer's bounds." }) quantity!: number;
  @Field(() => SalesChannel, { description: "Where it was bought (not CSP)." }) channel!: SalesChannel;
  @Field(() => BillingCycle, { description: "One of the offer's billing cycles." }) billingCycle!: BillingCycle;
  @Field({ description: "One of the offer's terms." }) termDuration!: string;
  @Field(() => String, { nullable: true, description: "A name for it (defaults to the offer's name)." }) friendlyName?: string | null;
}

@ObjectType({ description: "The result of recordExternalSubscription." })
export class RecordExternalSubscriptionPayload {
  @Field(() => CloudSubscription, { description: "The recorded subscription." }) subscription!: CloudSubscription;
}

@InputType({ description: "One line of an order: it becomes one subscription." })
export class OrderLineItemInput {
  @Field(() => ID, { description: "The offer; available in the customer's cloud." }) offerId!: string;
  @Field(() => Int, { description: "Licences, within the offer's bounds." }) quantity!: number;
  @Field(() => BillingCycle, { description: "One of the offer's billing cycles." }) billingCycle!: BillingCycle;
  @Field({ description: "One of the offer's terms (P1M, P1Y, P3Y)." }) termDuration!: string;
  @Field(() => String, { nullable: true, description: "A name for the subscription (defaults to the offer's name)." }) friendlyName?: string | null;
}

@InputType({ description: "An order for a customer (O1–O4, T5, T6)." })
export class PlaceOrderInput {
  @Field(() => ID, { description: "The customer." }) customerId!: string;
  @Field(() => ID, { nullable: true, description: "For an indirect provider: the reseller to record as partner of record (T5)." })
  resellerId?: string | null;
  @Field({ description: "Your key for this order (1–100 characters): a retry with the same key and input returns the first order." })
  idempotencyKey!: string;
  @Field(() => [OrderLineItemInput], { description: "One to 50 line items." }) lineItems!: OrderLineItemInput[];
}

@ObjectType({ description: "The result of placeOrder." })
export class PlaceOrderPayload {
  @Field(() => Order, { description: "The order (the first one, for a retry)." }) order!: Order;
}

@InputType({ description: "Changes to a subscription (S2–S6). Give `expectedVersion` to refuse the change if someone else changed it first." })
export class UpdateSubscriptionInput {
  @Field(() => ID, { description: "The subscription." }) id!: string;
  @Field(() => Int, { nullable: true, description: "The version you last read (S5)." }) expectedVersion?: number | null;
  @Field(() => Int, { nullable: true, description: "New licence count; lowering it is allowed within 168 hours of purchase only." }) quantity?: number | null;
  @Field(() => Boolean, { nullable: true, description: "Renew at the end of the term." }) autoRenew?: boolean | null;
  @Field(() => String, { nullable: true, description: "New name (1–100 characters)." }) friendlyName?: string | null;
  @Field(() => ID, { nullable: true, description: "Billing provider only: another of its active resellers as partner of record (S6)." })
  resellerId?: string | null;
}

@ObjectType({ description: "The result of a subscription mutation." })
export class CloudSubscriptionPayload {
  @Field(() => CloudSubscription, { description: "The subscription as it now stands." }) subscription!: CloudSubscription;
}
