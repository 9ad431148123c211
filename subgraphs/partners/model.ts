/**
 * The partners subgraph's tables and GraphQL types (one class serves both: the typeorm
 * entity is the type-graphql object type). It owns Partner and ResellerRelationship.
 */
import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { InstantColumn } from "../../common/storage/db";
import { Cloud, CspProgram, OrganizationKind } from "../../common/graphql/enums";
import { ResellerRelationshipStatus } from "./enums";
import { ConnectionType } from "../../common/graphql/graphql-types";

@Directive('@key(fields: "id")')
@ObjectType({
  description:
    "A company enrolled in the program. Its profile is a directory entry: every user of the same cloud can read it (P1).",
})
@Entity("partner")
export class Partner {
  @Field(() => ID, { description: "The id of the partner's CSP tenant (a UUID): the tenant it transacts with." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Field({ description: "The partner's MPN ID: a numeric partner id, unique in the program." })
  @Index({ unique: true })
  @Column({ type: "varchar", length: 20 })
  mpnId!: string;

  @Field({ description: "The partner's company name." })
  @Column({ type: "varchar", length: 200 })
  name!: string;

  @Field(() => [CspProgram], { description: "The programs the partner is enrolled in (one or more)." })
  @Column({ type: "simple-array" })
  programs!: CspProgram[];

  @Field(() => Cloud, { description: "The cloud the partner lives in; all its relationships stay inside it." })
  @Index()
  @Column({ type: "varchar", length: 20 })
  cloud!: Cloud;

  @Field({ description: "ISO 3166-1 alpha-2 country code; the partner works only with partners and customers of this country." })
  @Column({ type: "varchar", length: 2 })
  country!: string;

  @Field({ description: "Whether the partner has signed the partner agreement." })
  @Column({ type: "boolean" })
  agreementSigned!: boolean;

  @InstantColumn()
  enrolledAt!: Date;
}

@Directive('@key(fields: "id")')
@ObjectType({
  description: "A two-tier link: an indirect provider sells through an indirect reseller (T1–T3). Seen only by its two sides and the operator.",
})
@Entity("reseller_relationship")
@Index(["providerId", "status"])
@Index(["resellerId", "status"])
// Partner.resellers and Partner.providers walk these in list order (invitedAt, id): keyset pages.
@Index(["providerId", "invitedAt", "id"])
@Index(["resellerId", "invitedAt", "id"])
// At most one pending or active link per pair (T1), enforced by the database against races;
// `pairKey` names the pair whichever of the two invited the other ("between the same two partners").
@Index("reseller_relationship_open_pair", ["providerId", "resellerId"], { unique: true, where: `"status" <> 'TERMINATED'` })
@Index("reseller_relationship_open_pair_any_direction", ["pairKey"], { unique: true, where: `"status" <> 'TERMINATED'` })
export class ResellerRelationship {
  @Field(() => ID, { description: "The relationship's id." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @Column({ type: "varchar", length: 36 })
  providerId!: string;

  @Column({ type: "varchar", length: 36 })
  resellerId!: string;

  /**
   * The two partners' ids, sorted and joined (`pairKeyOf`): one key for the pair in either direction. Not in the API.
   * Nullable so that rows written before it existed still load (the invitation check reads both directions by id).
   */
  @Column({ type: "varchar", length: 73, nullable: true })
  pairKey!: string | null;

  @Field(() => ResellerRelationshipStatus, { description: "PENDING until the reseller accepts; ACTIVE; TERMINATED (final)." })
  @Column({ type: "varchar", length: 12 })
  status!: ResellerRelationshipStatus;

  @Field({ description: "When the provider invited the reseller." })
  @InstantColumn()
  invitedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the reseller accepted; null while pending." })
  @InstantColumn({ nullable: true })
  acceptedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When either side terminated it; null while in force." })
  @InstantColumn({ nullable: true })
  terminatedAt!: Date | null;
}

export const ResellerRelationshipConnection = ConnectionType(ResellerRelationship, "ResellerRelationship", "reseller relationship");

/** The customers subgraph owns Customer; here it is only a key, so the viewer can point at it. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Customer", { description: "A customer tenant (owned by the customers subgraph)." })
export class CustomerRef {
  @Field(() => ID, { description: "The customer's tenant id (a UUID)." })
  id!: string;
}

@ObjectType({ description: "The signed-in user, as the token names them." })
export class Viewer {
  @Field(() => ID, { description: "The user's id (the token's `sub`)." })
  userId!: string;

  @Field(() => OrganizationKind, { description: "Which kind of organisation the user belongs to." })
  kind!: OrganizationKind;

  @Field(() => [String], { description: "The user's roles in their organisation." })
  roles!: string[];

  @Field(() => Partner, { nullable: true, description: "The user's partner organisation; null unless the user is a partner's." })
  partner!: Partner | null;

  @Field(() => CustomerRef, { nullable: true, description: "The user's customer tenant; null unless the user is a customer's." })
  customer!: CustomerRef | null;
}

@InputType({ description: "A partner to enrol (operator only)." })
export class EnrollPartnerInput {
  @Field(() => ID, { nullable: true, description: "The partner's CSP tenant id (UUID); generated when omitted." })
  id?: string | null;

  @Field({ description: "MPN ID: digits only, unique in the program." })
  mpnId!: string;

  @Field({ description: "Company name (1–200 characters)." })
  name!: string;

  @Field(() => [CspProgram], { description: "Programs to enrol in: at least one." })
  programs!: CspProgram[];

  @Field(() => Cloud, { description: "The partner's cloud." })
  cloud!: Cloud;

  @Field({ description: "ISO 3166-1 alpha-2 country code." })
  country!: string;

  @Field({ description: "Whether the partner agreement is signed." })
  agreementSigned!: boolean;
}

@ObjectType({ description: "The result of enrolPartner." })
export class EnrollPartnerPayload {
  @Field(() => Partner, { description: "The enrolled partner." })
  partner!: Partner;
}

@InputType({ description: "Whom an indirect provider invites." })
export class InviteResellerInput {
  @Field({ description: "The MPN ID of a partner enrolled as INDIRECT_RESELLER, in the provider's cloud and country." })
  resellerMpnId!: string;

  @Field(() => String, { nullable: true, description: "Optional retry key (1–100 characters) of your choosing (I1): the same key with the same input returns the first result and creates nothing; the same key with another input is refused with IDEMPOTENCY_KEY_REUSED. Keys belong to your organisation and to this mutation, and are kept at least 24 hours." }) idempotencyKey?: string | null;
}

@ObjectType({ description: "The result of a reseller relationship mutation." })
export class ResellerRelationshipPayload {
  @Field(() => ResellerRelationship, { description: "The relationship as it now stands." })
  relationship!: ResellerRelationship;
}
