/**
 * The webhooks' GraphQL reads (EV4, EV5): endpoints and their delivery log; the mutations that
 * manage them are in ../mutations.ts. Reads are any role of the owning organisation; every change needs a manager
 * role (rules.ts). An endpoint of another organisation does not exist for the caller.
 */
import DataLoader from "dataloader";
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Info, ObjectType, Query, Resolver, Root } from "type-graphql";
import { DataSource, In, IsNull } from "typeorm";
import type { Database } from "../../../common/storage/db";
import { OrganizationKind } from "../../../common/graphql/enums";
import { notFound } from "../../../common/errors/errors";
import { EventType } from "../../../common/events/event-types";
import { PageArgsType } from "../../../common/graphql/graphql-types";
import type { UserPrincipal } from "../../../common/identity/identity";
import { KeysetList, keysetLoader, toPageRequest, viewerScope } from "../../../common/storage/keyset";
import { selectsTotalCount } from "../../../common/graphql/selection";
import { uuidArg } from "../../../common/graphql/validation";
import type { UserContext } from "../../../common/service/subgraph-server";
import { FeedEvent } from "../model";
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpoint } from "./model";
import { endpointOwner } from "./rules";
import { LookupAll } from "./url-guard";

/** What the webhook resolvers need of the events subgraph's request context. */
export interface WebhooksContext extends UserContext {
  ds: DataSource;
  db: Database;
  webhooks: { production: boolean; lookup?: LookupAll };
}

// ---- inputs and payloads ----

@InputType({ description: "A new webhook endpoint." })
export class CreateWebhookEndpointInput {
  @Field({ description: "Where to POST deliveries: https in production, and not to an internal address (EV7)." }) url!: string;
  @Field(() => [EventType], { description: "The event types to deliver (at least one; not PING)." }) eventTypes!: EventType[];
}

@InputType({ description: "Changes to a webhook endpoint: name at least one of url, eventTypes, enabled." })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: "The endpoint." }) id!: string;
  @Field(() => String, { nullable: true, description: "A new URL (checked as at registration)." }) url?: string | null;
  @Field(() => [EventType], { nullable: true, description: "The new set of event types." }) eventTypes?: EventType[] | null;
  @Field(() => Boolean, { nullable: true, description: "false stops deliveries; true resumes them (and clears a disabled reason)." }) enabled?: boolean | null;
}

@ObjectType({ description: "An endpoint after a change." })
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: "The endpoint as it is now." }) endpoint!: WebhookEndpoint;
}

@ObjectType({ description: "The signing secret is shown only in this payload." })
export class WebhookSecretPayload {
  @Field(() => WebhookEndpoint, { description: "The endpoint created or rotated." }) endpoint!: WebhookEndpoint;
  @Field({ description: "The endpoint's signing secret (`whsec_` + base64), shown this once: verify deliveries with it (Standard Webhooks)." }) secret!: string;
}

@ObjectType({ description: "A delivery just queued." })
export class WebhookDeliveryPayload {
  @Field(() => WebhookDelivery, { description: "The delivery queued (or the one still pending, for a repeated redeliverEvent)." }) delivery!: WebhookDelivery;
}

// ---- per-request loaders ----

interface DeliveryArgs {
  status: WebhookDeliveryStatus | null;
}

const deliveryList = (ds: DataSource): KeysetList<DeliveryArgs, WebhookDelivery> => ({
  name: "WebhookEndpoint.deliveries",
  entity: WebhookDelivery,
  alias: "d",
  order: ["createdAt", "id"],
  descending: true,
  filterKey: (a) => a.status ?? "*",
  rows: (endpointId, args, tag) => {
    const qb = ds.getRepository(WebhookDelivery).createQueryBuilder("d").where(`d.endpointId = :endpoint_${tag}`, { [`endpoint_${tag}`]: endpointId });
    if (args.status) qb.andWhere("d.status = :status", { status: args.status });
    return qb;
  },
});

function createLoaders(ctx: WebhooksContext) {
  return {
    deliveries: keysetLoader(ctx.ds, deliveryList(ctx.ds), viewerScope(ctx.principal)),
    attempts: new DataLoader<string, WebhookAttempt[]>(async (ids) => {
      const rows = await ctx.ds.getRepository(WebhookAttempt).find({ where: { deliveryId: In([...ids]) }, order: { number: "ASC" } });
      return ids.map((id) => rows.filter((r) => r.deliveryId === id));
    }),
    events: new DataLoader<string, FeedEvent | null>(async (ids) => {
      const rows = await ctx.ds.getRepository(FeedEvent).find({ where: { id: In([...ids]) } });
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
  };
}
const loadersByRequest = new WeakMap<WebhooksContext, ReturnType<typeof createLoaders>>();
function loaders(ctx: WebhooksContext) {
  let found = loadersByRequest.get(ctx);
  if (!found) loadersByRequest.set(ctx, (found = createLoaders(ctx)));
  return found;
}

/** The caller's own endpoint, or NOT_FOUND (another organisation's, a deleted one, or none); a malformed id is BAD_USER_INPUT on `field`. */
export async function ownEndpoint(ctx: WebhooksContext, id: string, field: string): Promise<WebhookEndpoint> {
  const owner = endpointOwner(ctx.principal);
  const wanted = uuidArg(id, field);
  const endpoint = owner ? await ctx.ds.getRepository(WebhookEndpoint).findOneBy({ id: wanted, owner, deletedAt: IsNull() }) : null;
  if (!endpoint) throw notFound("Webhook endpoint");
  return endpoint;
}

export const guard = (ctx: WebhooksContext) => ({ production: ctx.webhooks.production, lookup: ctx.webhooks.lookup });

// ---- resolvers ----

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Query(() => [WebhookEndpoint], { nullable: true, description: "Your organisation's webhook endpoints, oldest first (any role reads them)." })
  async webhookEndpoints(@Ctx() ctx: WebhooksContext): Promise<WebhookEndpoint[]> {
    const owner = endpointOwner(ctx.principal);
    if (!owner) return [];
    return ctx.ds.getRepository(WebhookEndpoint).find({ where: { owner, deletedAt: IsNull() }, order: { createdAt: "ASC", id: "ASC" } });
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: "What was sent here, newest first, each with its attempts (EV5)." })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Ctx() ctx: WebhooksContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => PageArgsType) paging: PageArgsType,
    @Arg("status", () => WebhookDeliveryStatus, { nullable: true, description: "Only deliveries in this state." }) status?: WebhookDeliveryStatus | null,
  ) {
    return loaders(ctx).deliveries.load({ parentId: endpoint.id, args: { status: status ?? null }, page: toPageRequest(paging), withTotal: selectsTotalCount(info) });
  }
}

export const actorKindOf = (principal: UserPrincipal) =>
  principal.org === "partner" ? OrganizationKind.PARTNER : principal.org === "customer" ? OrganizationKind.CUSTOMER : OrganizationKind.OPERATOR;

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => FeedEvent, { description: "The event delivered (a PING's has no subject)." })
  async event(@Root() delivery: WebhookDelivery, @Ctx() ctx: WebhooksContext): Promise<FeedEvent> {
    const stored = delivery.eventType === EventType.PING ? null : await loaders(ctx).events.load(delivery.eventId);
    // A PING is not in the feed's tables: the delivery's own copy is the whole event.
    return (
      stored ??
      Object.assign(new FeedEvent(), {
        id: delivery.eventId,
        type: delivery.eventType,
        occurredAt: delivery.occurredAt,
        subjectType: delivery.subjectType,
        subjectId: delivery.subjectId,
        actorKind: delivery.actorKind,
        actorId: delivery.actorId,
      })
    );
  }

  @FieldResolver(() => [WebhookAttempt], { description: "Every attempt, oldest first: when, what the endpoint answered, and why it failed." })
  attemptLog(@Root() delivery: WebhookDelivery, @Ctx() ctx: WebhooksContext): Promise<WebhookAttempt[]> {
    return loaders(ctx).attempts.load(delivery.id);
  }
}

export const WEBHOOK_RESOLVERS = [WebhookEndpointResolver, WebhookDeliveryResolver] as const;
