/**
 * The customers subgraph's tables and GraphQL types. It owns Customer, the partner ↔
 * customer reseller relationships (multi-partner), relationship requests and delegated
 * admin relationships, and adds `Partner.customers` to the partner entity.
 */
import { Directive, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { InstantColumn } from "../../common/db";
import {
  AdminRole,
  Cloud,
  CustomerRelationshipStatus,
  DelegatedAdminStatus,
  RelationshipRequestStatus,
} from "../../common/enums";
import { ConnectionType } from "../../common/graphql-types";

@ObjectType({ description: "A customer's admin details. Seen only by the customer, the operator, and partners with an active delegated admin relationship (DA5)." })
export class BillingProfile {
  @Field({ description: "Billing contact email." }) email!: string;
  @Field({ description: "Company name as billed." }) companyName!: string;
  @Field(() => String, { nullable: true, description: "Street address." }) addressLine!: string | null;
  @Field(() => String, { nullable: true, description: "City of the billing address." }) city!: string | null;
  @Field(() => String, { nullable: true, description: "Postal code." }) postalCode!: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "An organisation that uses the vendor's services: a customer tenant. Partners see it only while CV1 lets them." })
@Entity("customer")
export class Customer {
  @Field(() => ID, { description: "The customer's tenant id (a UUID)." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field({ description: "The customer's company name." })
  @Index()
  @Column({ type: "varchar", length: 200 })
  companyName!: string;

  @Field({ description: "The tenant's default domain, e.g. adatum.onmicrosoft.com; unique." })
  @Index({ unique: true })
  @Column({ type: "varchar", length: 253 })
  defaultDomain!: string;

  @Field(() => Cloud, { description: "The cloud the customer lives in." })
  @Column({ type: "varchar", length: 20 })
  cloud!: Cloud;

  @Field({ description: "ISO 3166-1 alpha-2 country code." })
  @Column({ type: "varchar", length: 2 })
  country!: string;

  @InstantColumn()
  createdAt!: Date;

  /**
   * Company name and domain folded for text search (L3; `customerSearchText` in search.ts). Every
   * insert writes it, and so must anything that changes either field. Not in GraphQL, not loaded.
   */
  @Column({ type: "text", select: false })
  searchText!: string;

  @Column({ type: "varchar", length: 254, nullable: true }) billingEmail!: string | null;
  @Column({ type: "varchar", length: 200, nullable: true }) billingAddressLine!: string | null;
  @Column({ type: "varchar", length: 100, nullable: true }) billingCity!: string | null;
  @Column({ type: "varchar", length: 20, nullable: true }) billingPostalCode!: string | null;
}

export const CustomerConnection = ConnectionType(Customer, "Customer", "customer");

/** The partners subgraph owns Partner; this subgraph adds `customers` to it. */
@Directive('@key(fields: "id")')
@ObjectType("Partner", { description: "A partner enrolled in the program (owned by the partners subgraph)." })
export class PartnerRef {
  @Field(() => ID, { description: "The partner's CSP tenant id." })
  id!: string;
}

// An entity so that an event's subject (EV9) resolves here, with this subgraph's visibility.
@Directive('@key(fields: "id")')
@ObjectType({ description: "A reseller relationship between a partner and a customer: it lets the partner sell to the customer (CR1)." })
@Entity("customer_partner_relationship")
@Index(["customerId", "status"])
@Index(["partnerId", "status"])
@Index(["indirectProviderId", "status"])
// Partner.customers walks these in its order (company name, then customer id): keyset pages.
@Index(["partnerId", "status", "customerName", "customerId"])
@Index(["indirectProviderId", "status", "customerName", "customerId"])
// One relationship in force per partner and customer (MP1 allows many partners, not duplicates).
@Index("customer_partner_active_pair", ["customerId", "partnerId"], { unique: true, where: `"status" = 'ACTIVE'` })
export class CustomerPartnerRelationship {
  @Field(() => ID, { description: "The relationship's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 }) customerId!: string;
  @Column({ type: "varchar", length: 36 }) partnerId!: string;
  @Column({ type: "varchar", length: 36, nullable: true }) indirectProviderId!: string | null;
  /**
   * The customer's company name, kept here so that a partner's customer list can be read in its
   * order from this table's index (no customer mutation renames a customer; one that does must
   * write this too).
   */
  @Column({ type: "varchar", length: 200 }) customerName!: string;

  @Field(() => CustomerRelationshipStatus, { description: "ACTIVE while in force; REMOVED after removal." })
  @Column({ type: "varchar", length: 8 })
  status!: CustomerRelationshipStatus;

  @Field({ description: "When the relationship started." })
  @InstantColumn()
  establishedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it was removed; null while active." })
  @InstantColumn({ nullable: true })
  removedAt!: Date | null;
}

@ObjectType({ description: "A partner's invitation to a customer to start a reseller relationship; a customer's global admin accepts it with its code." })
@Entity("relationship_request")
@Index(["partnerId"])
export class RelationshipRequest {
  @Field(() => ID, { description: "The request's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 }) partnerId!: string;
  @Column({ type: "varchar", length: 36, nullable: true }) indirectProviderId!: string | null;

  @Field({ description: "The one-time code (at least 128 random bits) the customer accepts." })
  @Index({ unique: true })
  @Column({ type: "varchar", length: 64 })
  code!: string;

  @Column({ type: "varchar", length: 10 }) storedStatus!: RelationshipRequestStatus;

  @Field({ description: "When the partner made the request." })
  @InstantColumn()
  createdAt!: Date;

  @Field({ description: "90 days after creation; after that the code is refused with REQUEST_EXPIRED." })
  @InstantColumn()
  expiresAt!: Date;

  @Column({ type: "varchar", length: 36, nullable: true }) acceptedByCustomerId!: string | null;
}

// An entity so that an event's subject (EV9) resolves here, with this subgraph's visibility.
@Directive('@key(fields: "id")')
@ObjectType({ description: "Granular delegated admin privileges: admin roles a partner holds in a customer's tenant for a time (DA1–DA5)." })
@Entity("delegated_admin_relationship")
@Index(["customerId", "storedStatus"])
@Index(["partnerId", "storedStatus"])
// The partner's own customer list (Query.customers) walks this in its order: keyset pages.
@Index(["partnerId", "storedStatus", "customerName", "customerId"])
@Index("delegated_admin_partner_name", ["partnerId", "displayName"], { unique: true })
export class DelegatedAdminRelationship {
  @Field(() => ID, { description: "The relationship's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field({ description: "Display name, unique among the partner's delegated admin relationships (1–50 characters)." })
  @Column({ type: "varchar", length: 50 })
  displayName!: string;

  @Column({ type: "varchar", length: 36 }) partnerId!: string;
  @Column({ type: "varchar", length: 36 }) customerId!: string;
  /** The customer's company name, kept for the partner's customer list order (as on CustomerPartnerRelationship). */
  @Column({ type: "varchar", length: 200 }) customerName!: string;

  @Field(() => [AdminRole], { description: "The admin roles granted." })
  @Column({ type: "simple-array" })
  roles!: AdminRole[];

  @Field(() => Int, { description: "How long it lasts once approved, in days (1–730)." })
  @Column({ type: "integer" })
  durationDays!: number;

  @Field({ description: "Whether it extends itself by 180 days at its end. Not allowed with GLOBAL_ADMINISTRATOR." })
  @Column({ type: "boolean" })
  autoExtend!: boolean;

  /** As stored; the status seen is derived with the clock (expiry needs no job). */
  @Column({ type: "varchar", length: 16 })
  storedStatus!: DelegatedAdminStatus;

  @Field({ description: "When the partner created it." })
  @InstantColumn()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the customer approved it." })
  @InstantColumn({ nullable: true })
  activatedAt!: Date | null;

  /** End as approved; the end seen adds auto-extensions. */
  @InstantColumn({ nullable: true })
  storedEndsAt!: Date | null;

  @InstantColumn({ nullable: true })
  terminatedAt!: Date | null;
}

// ---- inputs and payloads ----

@InputType({ description: "A customer tenant that exists outside the program (operator only)." })
export class RegisterCustomerTenantInput {
  @Field(() => ID, { nullable: true, description: "The tenant id (UUID); generated when omitted." }) id?: string | null;
  @Field({ description: "Company name (1–200 characters)." }) companyName!: string;
  @Field({ description: "The tenant's default domain; unique." }) defaultDomain!: string;
  @Field(() => Cloud, { description: "The tenant's cloud (not GERMANY: closed to new customers)." }) cloud!: Cloud;
  @Field({ description: "ISO 3166-1 alpha-2 country code." }) country!: string;
}

@ObjectType({ description: "The result of registerCustomerTenant." })
export class RegisterCustomerTenantPayload {
  @Field(() => Customer, { description: "The registered customer." }) customer!: Customer;
}

@InputType({ description: "Admin details for a new customer." })
export class BillingProfileInput {
  @Field({ description: "Billing contact email." }) email!: string;
  @Field(() => String, { nullable: true, description: "Street address." }) addressLine?: string | null;
  @Field(() => String, { nullable: true, description: "City of the billing address." }) city?: string | null;
  @Field(() => String, { nullable: true, description: "Postal code." }) postalCode?: string | null;
}

@InputType({ description: "A new customer tenant created by a partner (in the partner's cloud)." })
export class CreateCustomerInput {
  @Field(() => String, { nullable: true, description: "Optional retry key (1–100 characters) of your choosing (I1): the same key with the same input returns the first result and creates nothing; the same key with another input is refused with IDEMPOTENCY_KEY_REUSED. Keys belong to your organisation and to this mutation, and are kept at least 24 hours." }) idempotencyKey?: string | null;
  @Field({ description: "Company name (1–200 characters)." }) companyName!: string;
  @Field({ description: "Default domain, e.g. adatum.onmicrosoft.com; unique." }) defaultDomain!: string;
  @Field({ description: "ISO 3166-1 alpha-2 country code; must be the partner's own (NC4)." }) country!: string;
  @Field(() => ID, { nullable: true, description: "An indirect provider creating the customer on behalf of this reseller (T4)." })
  resellerId?: string | null;
  @Field(() => BillingProfileInput, { nullable: true, description: "Admin details." }) billingProfile?: BillingProfileInput | null;
}

@ObjectType({ description: "The result of createCustomer." })
export class CreateCustomerPayload {
  @Field(() => Customer, { description: "The new customer." }) customer!: Customer;
}

@InputType({ description: "Options of a relationship request." })
export class CreateRelationshipRequestInput {
  @Field(() => ID, { nullable: true, description: "For an indirect reseller: the active provider to record on acceptance (CR2)." })
  indirectProviderId?: string | null;
  @Field(() => String, { nullable: true, description: "Optional retry key (1–100 characters) of your choosing (I1): the same key with the same input returns the first result and creates nothing; the same key with another input is refused with IDEMPOTENCY_KEY_REUSED. Keys belong to your organisation and to this mutation, and are kept at least 24 hours." }) idempotencyKey?: string | null;
}

@ObjectType({ description: "The result of createRelationshipRequest." })
export class RelationshipRequestPayload {
  @Field(() => RelationshipRequest, { description: "The request, with its code and URL." }) request!: RelationshipRequest;
}

@ObjectType({ description: "The result of a customer relationship mutation." })
export class CustomerPartnerRelationshipPayload {
  @Field(() => CustomerPartnerRelationship, { description: "The relationship as it now stands." })
  relationship!: CustomerPartnerRelationship;
}

@InputType({ description: "A delegated admin relationship to ask a customer for (DA1)." })
export class CreateDelegatedAdminRelationshipInput {
  @Field(() => String, { nullable: true, description: "Optional retry key (1–100 characters) of your choosing (I1): the same key with the same input returns the first result and creates nothing; the same key with another input is refused with IDEMPOTENCY_KEY_REUSED. Keys belong to your organisation and to this mutation, and are kept at least 24 hours." }) idempotencyKey?: string | null;
  @Field(() => ID, { description: "A customer the partner can see." }) customerId!: string;
  @Field({ description: "1–50 characters, unique among the partner's relationships." }) displayName!: string;
  @Field(() => [AdminRole], { description: "At least one admin role." }) roles!: AdminRole[];
  @Field(() => Int, { description: "1–730 days." }) durationDays!: number;
  @Field({ description: "Extend by 180 days at the end (not with GLOBAL_ADMINISTRATOR)." }) autoExtend!: boolean;
}

@ObjectType({ description: "The result of a delegated admin mutation." })
export class DelegatedAdminRelationshipPayload {
  @Field(() => DelegatedAdminRelationship, { description: "The relationship as it now stands." })
  relationship!: DelegatedAdminRelationship;
}
