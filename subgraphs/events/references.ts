/**
 * `Event.subject` (EV2, EV9): the union of what events are about, each member a reference
 * (`{ __typename, id }`) that the gateway resolves at the owning subgraph, whose visibility
 * rules apply as they are today: a subject the viewer may no longer see is null, without an
 * error. This subgraph knows nothing of them but their key.
 */
import { createUnionType, Directive, Field, ID, ObjectType } from "type-graphql";

/** A member's key alone, undescribed: composition keeps the owner's descriptions. */
const stub = (name: string) => {
  @Directive('@key(fields: "id", resolvable: false)')
  @ObjectType(name)
  class Stub {
    @Field(() => ID)
    id!: string;

    /** Which member of the union it is (subjectReference sets it). */
    __typename?: string;
  }
  return Stub;
};

export const SUBJECT_STUBS = {
  ResellerRelationship: stub("ResellerRelationship"),
  Customer: stub("Customer"),
  CustomerPartnerRelationship: stub("CustomerPartnerRelationship"),
  DelegatedAdminRelationship: stub("DelegatedAdminRelationship"),
  Order: stub("Order"),
  CloudSubscription: stub("CloudSubscription"),
};

export type SubjectTypeName = keyof typeof SUBJECT_STUBS;

export const EventSubject = createUnionType({
  name: "EventSubject",
  description: "What an event happened to. Read through it, the subject shows only what the viewer may see now.",
  types: () => Object.values(SUBJECT_STUBS),
  resolveType: (value) => value.__typename,
});

/** The reference the gateway resolves at the owner; null for PING (or a type this subgraph does not know). */
export function subjectReference(subjectType: string | null, subjectId: string | null): { __typename: SubjectTypeName; id: string } | null {
  if (!subjectType || !subjectId || !(subjectType in SUBJECT_STUBS)) return null;
  return { __typename: subjectType as SubjectTypeName, id: subjectId };
}
