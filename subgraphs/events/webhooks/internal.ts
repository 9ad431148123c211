/**
 * What the webhooks answer on the events subgraph's `/internal/graphql` (behind the subgraph
 * credential, never composed): how far behind the delivery workers are, for operations.
 */
import { Ctx, Int, Query, Resolver } from "type-graphql";
import { LessThanOrEqual } from "typeorm";
import { clock } from "../../../common/time/clock";
import type { EventsServiceContext } from "../context";
import { WebhookDelivery, WebhookDeliveryStatus } from "./model";

@Resolver()
export class WebhooksInternalResolver {
  @Query(() => Int, { description: "Deliveries due now and not yet acknowledged or given up (a growing number: the workers fall behind)." })
  webhookBacklog(@Ctx() ctx: EventsServiceContext): Promise<number> {
    return ctx.db.dataSource.getRepository(WebhookDelivery).countBy({ status: WebhookDeliveryStatus.PENDING, nextAttemptAt: LessThanOrEqual(clock.now()) });
  }
}
