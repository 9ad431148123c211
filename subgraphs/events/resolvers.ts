/** GraphQL entry points of the events subgraph: the viewer's feed (EV2, EV3). */
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from "type-graphql";
import { EventType } from "../../common/events/event-types";
import { PageArgsType } from "../../common/graphql/graphql-types";
import { emptyConnection, loadPage, toPageRequest, viewerScope } from "../../common/storage/keyset";
import { selectsTotalCount } from "../../common/graphql/selection";
import type { EventsContext } from "./context";
import { feedList } from "./loaders";
import { EventConnection, FeedEvent } from "./model";
import { feedScope, feedTypes } from "./rules";
import { EventSubject, subjectReference } from "./references";

@Resolver()
export class EventFeedResolver {
  @Query(() => EventConnection, {
    nullable: true,
    description:
      "Events about what the viewer may see, in the order they were recorded: poll forward with `after`. " +
      "The operator reads every event; PING is never in the feed.",
  })
  async events(
    @Ctx() ctx: EventsContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => PageArgsType) paging: PageArgsType,
    @Arg("types", () => [EventType], { nullable: true, description: "Only events of these types (all but PING when absent)." }) types?: EventType[] | null,
  ) {
    const page = toPageRequest(paging);
    const wanted = feedTypes(types);
    if (wanted && wanted.length === 0) return emptyConnection();
    return loadPage(ctx.ds, feedList(ctx.ds, feedScope(ctx.principal)), viewerScope(ctx.principal), {
      args: { types: wanted },
      page,
      withTotal: selectsTotalCount(info),
    });
  }
}

@Resolver(() => FeedEvent)
export class EventSubjectResolver {
  @FieldResolver(() => EventSubject, {
    nullable: true,
    description: "What it happened to, as the viewer may see it now: null once the viewer may no longer see it, and for PING.",
  })
  subject(@Root() event: FeedEvent) {
    return subjectReference(event.subjectType, event.subjectId);
  }
}
