/**
 * The webhooks' GraphQL API (EV4, EV8): endpoints, their delivery log, and the mutations that
 * manage them. Reads are any role of the owning organisation; every change needs a manager
 * role (rules.ts). An endpoint of another organisation does not exist for the caller.
 */
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Info, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { DataSource, In, IsNull } from "typeorm";
import { recordActivity } from "../../../common/activity";
import { clock } from "../../../common/clock";
import type { Database } from "../../../common/db";
import { OrganizationKind } from "../../../common/enums";
import { badInput, notFound } from "../../../common/errors";
import { EventType } from "../../../common/event-types";
import { PageArgsType } from "../../../common/graphql-types";
import type { UserPrincipal } from "../../../common/identity";
import { KeysetList, keysetLoader, toPageRequest, viewerScope } from "../../../common/keyset";
import { selectsTotalCount } from "../../../common/selection";
import { uuidArg } from "../../../common/validation";
import type { UserContext } from "../../../common/subgraph-server";
import { EventAudience, FeedEvent } from "../model";
import { newDelivery } from "./fan-out";
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus, WebhookEndpoint } from "./model";
import { deliveriesQueued } from "./queue-signal";
import { endpointOwner, requireWebhookManager, subscribedTypes, urlWithinBounds } from "./rules";
import { newWebhookSecret, SECRET_OVERLAP_MS } from "./signing";
import { checkEndpointUrl, LookupAll } from "./url-guard";

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
async function ownEndpoint(ctx: WebhooksContext, id: string, field: string): Promise<WebhookEndpoint> {
  const owner = endpointOwner(ctx.principal);
  const wanted = uuidArg(id, field);
  const endpoint = owner ? await ctx.ds.getRepository(WebhookEndpoint).findOneBy({ id: wanted, owner, deletedAt: IsNull() }) : null;
  if (!endpoint) throw notFound("Webhook endpoint");
  return endpoint;
}

const guard = (ctx: WebhooksContext) => ({ production: ctx.webhooks.production, lookup: ctx.webhooks.lookup });

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

  @Mutation(() => WebhookSecretPayload, { description: "Registers an endpoint for the chosen event types; its signing secret is in the answer, and only there." })
  async createWebhookEndpoint(@Ctx() ctx: WebhooksContext, @Arg("input", () => CreateWebhookEndpointInput, { description: "Its URL and event types." }) input: CreateWebhookEndpointInput): Promise<WebhookSecretPayload> {
    requireWebhookManager(ctx.principal);
    const owner = endpointOwner(ctx.principal)!;
    const eventTypes = subscribedTypes(input.eventTypes);
    const url = await checkEndpointUrl(urlWithinBounds(input.url), guard(ctx));
    const secret = newWebhookSecret();
    const endpoint = await ctx.db.transaction(async (em) => {
      // A create retried after a lost answer must not register a second endpoint that gets every event twice.
      if (await em.existsBy(WebhookEndpoint, { owner, url, deletedAt: IsNull() }))
        throw badInput("input.url", "your organisation already has an endpoint with this URL: update it, or rotate its secret if it was lost.");
      const created = Object.assign(new WebhookEndpoint(), {
        id: randomUUID(),
        owner,
        url,
        eventTypes,
        enabled: true,
        disabledReason: null,
        createdAt: clock.now(),
        secret,
        previousSecret: null,
        rotatedAt: null,
        failingSince: null,
        deletedAt: null,
      });
      await em.insert(WebhookEndpoint, created);
      await recordActivity(em, ctx, "createWebhookEndpoint", [created.id]);
      return created;
    });
    return { endpoint, secret };
  }

  @Mutation(() => WebhookEndpointPayload, { description: "Changes an endpoint's URL, event types or whether it is enabled." })
  async updateWebhookEndpoint(@Ctx() ctx: WebhooksContext, @Arg("input", () => UpdateWebhookEndpointInput, { description: "The endpoint and what changes." }) input: UpdateWebhookEndpointInput): Promise<WebhookEndpointPayload> {
    requireWebhookManager(ctx.principal);
    const found = await ownEndpoint(ctx, input.id, "input.id");
    if (input.url == null && input.eventTypes == null && input.enabled == null) throw badInput("input", "name at least one of url, eventTypes or enabled.");
    const change: Partial<WebhookEndpoint> = {};
    if (input.eventTypes != null) change.eventTypes = subscribedTypes(input.eventTypes);
    if (input.url != null) change.url = await checkEndpointUrl(urlWithinBounds(input.url), guard(ctx));
    if (input.enabled != null) {
      change.enabled = input.enabled;
      // Enabled again by its owner: the failure streak starts over.
      if (input.enabled) Object.assign(change, { disabledReason: null, failingSince: null });
    }
    const endpoint = await ctx.db.transaction(async (em) => {
      if (change.url && change.url !== found.url && (await em.existsBy(WebhookEndpoint, { owner: found.owner, url: change.url, deletedAt: IsNull() })))
        throw badInput("input.url", "your organisation already has an endpoint with this URL.");
      await em.update(WebhookEndpoint, { id: found.id }, change);
      await recordActivity(em, ctx, "updateWebhookEndpoint", [found.id]);
      return em.findOneByOrFail(WebhookEndpoint, { id: found.id });
    });
    return { endpoint };
  }

  @Mutation(() => WebhookEndpointPayload, { description: "Deletes an endpoint: nothing more is sent to it, and its pending deliveries end FAILED." })
  async deleteWebhookEndpoint(@Ctx() ctx: WebhooksContext, @Arg("id", () => ID, { description: "The endpoint." }) id: string): Promise<WebhookEndpointPayload> {
    requireWebhookManager(ctx.principal);
    const found = await ownEndpoint(ctx, id, "id");
    const now = clock.now();
    await ctx.db.transaction(async (em) => {
      await em.update(WebhookEndpoint, { id: found.id }, { deletedAt: now, enabled: false });
      await em.update(WebhookDelivery, { endpointId: found.id, status: WebhookDeliveryStatus.PENDING }, { status: WebhookDeliveryStatus.FAILED, nextAttemptAt: null });
      await recordActivity(em, ctx, "deleteWebhookEndpoint", [found.id]);
    });
    return { endpoint: Object.assign(found, { deletedAt: now, enabled: false }) };
  }

  @Mutation(() => WebhookSecretPayload, {
    description: "Replaces the signing secret; the new one is in the answer, and only there. For 24 hours every delivery carries two signatures, with the old secret and the new.",
  })
  async rotateWebhookSecret(@Ctx() ctx: WebhooksContext, @Arg("id", () => ID, { description: "The endpoint." }) id: string): Promise<WebhookSecretPayload> {
    requireWebhookManager(ctx.principal);
    const found = await ownEndpoint(ctx, id, "id");
    const now = clock.now();
    const secret = newWebhookSecret();
    // Rotated again within the overlap (say, retried after a lost answer): the old signature
    // stays the one from before the first rotation, which receivers still know.
    const withinOverlap = found.previousSecret && found.rotatedAt && now.getTime() - found.rotatedAt.getTime() < SECRET_OVERLAP_MS;
    const previousSecret = withinOverlap ? found.previousSecret : found.secret;
    await ctx.db.transaction(async (em) => {
      await em.update(WebhookEndpoint, { id: found.id }, { secret, previousSecret, rotatedAt: now });
      await recordActivity(em, ctx, "rotateWebhookSecret", [found.id]);
    });
    return { endpoint: Object.assign(found, { secret, previousSecret, rotatedAt: now }), secret };
  }

  @Mutation(() => WebhookDeliveryPayload, { description: "Queues a PING for this endpoint at once (never in the feed); it is retried like any delivery." })
  async sendTestEvent(@Ctx() ctx: WebhooksContext, @Arg("endpointId", () => ID, { description: "The endpoint to ping." }) endpointId: string): Promise<WebhookDeliveryPayload> {
    requireWebhookManager(ctx.principal);
    const endpoint = await ownEndpoint(ctx, endpointId, "endpointId");
    const now = clock.now();
    const ping = {
      id: randomUUID(),
      type: EventType.PING,
      occurredAt: now,
      subjectType: null,
      subjectId: null,
      actorKind: actorKindOf(ctx.principal),
      actorId: ctx.principal.tid?.toLowerCase() ?? null,
    };
    const delivery = newDelivery(endpoint.id, ping, now);
    await ctx.db.transaction(async (em) => {
      await em.insert(WebhookDelivery, delivery);
      await recordActivity(em, ctx, "sendTestEvent", [delivery.id, endpoint.id]);
    });
    deliveriesQueued();
    return { delivery };
  }

  @Mutation(() => WebhookDeliveryPayload, {
    description:
      "Sends one event to this endpoint again, with its original id (the webhook-id receivers deduplicate by). While a delivery of it there is still PENDING, that one is returned and nothing new is queued.",
  })
  async redeliverEvent(
    @Ctx() ctx: WebhooksContext,
    @Arg("endpointId", () => ID, { description: "The endpoint to send it to." }) endpointId: string,
    @Arg("eventId", () => ID, { description: "One of your organisation's events (its id in the feed, and the webhook-id it was sent with)." }) eventId: string,
  ): Promise<WebhookDeliveryPayload> {
    requireWebhookManager(ctx.principal);
    const endpoint = await ownEndpoint(ctx, endpointId, "endpointId");
    const id = uuidArg(eventId, "eventId");
    // Only an event the endpoint's organisation received (EV2): any other does not exist for it.
    const event = (await ctx.ds.getRepository(EventAudience).existsBy({ audience: endpoint.owner, eventId: id }))
      ? await ctx.ds.getRepository(FeedEvent).findOneBy({ id })
      : null;
    if (!event) throw notFound("Event");
    const delivery = await ctx.db.transaction(async (em) => {
      // A repeat while it is still pending changes nothing and records nothing (as an idempotent replay).
      const pending = await em.findOneBy(WebhookDelivery, { endpointId: endpoint.id, eventId: id, status: WebhookDeliveryStatus.PENDING });
      if (pending) return pending;
      const queued = newDelivery(endpoint.id, event, clock.now());
      await em.insert(WebhookDelivery, queued);
      await recordActivity(em, ctx, "redeliverEvent", [queued.id, endpoint.id, id]);
      return queued;
    });
    deliveriesQueued();
    return { delivery };
  }
}

const actorKindOf = (principal: UserPrincipal) =>
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
