/**
 * The events subgraph's mutations: its organisations manage their webhook endpoints (EV4, EV8):
 * register, update, delete, rotate the secret, send a test event, redeliver an event. Every
 * change needs a manager role (webhooks/rules.ts); an endpoint of another organisation does not
 * exist for the caller.
 */
import { randomUUID } from "node:crypto";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { IsNull } from "typeorm";
import { recordActivity } from "../../common/mutations/activity";
import { clock } from "../../common/time/clock";
import { badInput, notFound } from "../../common/errors/errors";
import { EventType } from "../../common/events/event-types";
import { uuidArg } from "../../common/graphql/validation";
import { EventAudience, FeedEvent } from "./model";
import { newDelivery } from "./webhooks/fan-out";
import { WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from "./webhooks/model";
import { deliveriesQueued } from "./webhooks/queue-signal";
import { endpointOwner, requireWebhookManager, subscribedTypes, urlWithinBounds } from "./webhooks/rules";
import { newWebhookSecret, SECRET_OVERLAP_MS } from "./webhooks/signing";
import { checkEndpointUrl } from "./webhooks/url-guard";

import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookEndpointPayload, WebhookSecretPayload, WebhookDeliveryPayload, ownEndpoint, guard, actorKindOf } from "./webhooks/resolvers";
import type { WebhooksContext } from "./webhooks/resolvers";

@Resolver()
export class WebhookMutations {
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
