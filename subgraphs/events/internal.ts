/**
 * What the events subgraph answers other subgraphs on `/internal/graphql` only (behind the
 * subgraph credential, never composed): `ingestEvents`, where the owners relay their outbox
 * (EV1). At least once: an event sent again is acknowledged and not stored again.
 */
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from "type-graphql";
import { OrganizationKind } from "../../common/enums";
import { EventType } from "../../common/event-types";
import type { EventsServiceContext } from "./context";
import { ingestEvents } from "./ingest";

@InputType({ description: "One event from an owner's outbox." })
export class RelayedEventInput {
  @Field(() => ID, { description: "The event id, assigned when it was recorded." }) id!: string;
  @Field(() => EventType, { description: "What happened." }) type!: EventType;
  @Field({ description: "When it happened." }) occurredAt!: Date;
  @Field(() => String, { nullable: true, description: "The subject's GraphQL type name." }) subjectType!: string | null;
  @Field(() => ID, { nullable: true, description: "The subject's id." }) subjectId!: string | null;
  @Field(() => OrganizationKind, { description: "Who caused it." }) actorKind!: OrganizationKind;
  @Field(() => ID, { nullable: true, description: "The acting organisation's id." }) actorId!: string | null;
  @Field(() => [String], { description: "The organisations that may see the subject now (`partner:<id>`, `customer:<id>`); the operator is implied." })
  audience!: string[];
}

@ObjectType({ description: "What an ingest stored." })
export class IngestResult {
  @Field(() => [ID], { description: "Every event id sent: all are stored now (the owner may mark them relayed)." }) acknowledged!: string[];
  @Field(() => Int, { description: "How many of them were new." }) stored!: number;
}

@Resolver()
export class EventsInternalResolver {
  @Mutation(() => IngestResult, { description: "EV1: stores relayed events once each, in the order given, with the next feed sequence numbers." })
  async ingestEvents(
    @Arg("source", { description: "The subgraph relaying them." }) source: string,
    @Arg("events", () => [RelayedEventInput]) events: RelayedEventInput[],
    @Ctx() ctx: EventsServiceContext,
  ): Promise<IngestResult> {
    const stored = await ingestEvents(ctx.db, source.slice(0, 32), events);
    return { acknowledged: events.map((e) => e.id), stored };
  }
}
