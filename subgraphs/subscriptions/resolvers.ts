/** GraphQL reads of the subscriptions subgraph (S1 on every path) and the fields of its types. */
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import { PageArgsType } from "../../common/graphql/graphql-types";
import { Cloud } from "../../common/graphql/enums";
import { SalesChannel, SubscriptionStatus } from "./enums";
import { notFound } from "../../common/errors/errors";
import { toPageRequest } from "../../common/storage/keyset";
import { selectsTotalCount } from "../../common/graphql/selection";
import { uuidArg } from "../../common/graphql/validation";
import type { SubscriptionsContext } from "./context";
import { connectionNodeFields, listColumns } from "./list-columns";
import { CustomerRef, Offer, Order, PartnerRef, CloudSubscription, CloudSubscriptionConnection } from "./model";
import { visibleSubscription } from "./references";

const ref = <T>(id: string | null): T | null => (id ? ({ id } as T) : null);

@Resolver(() => CloudSubscription)
export class SubscriptionResolver {
  @Query(() => CloudSubscription, { nullable: true, description: "A subscription the viewer may see (S1); NOT_FOUND otherwise." })
  async subscription(@Arg("id", () => ID, { description: "The subscription's id." }) id: string, @Ctx() ctx: SubscriptionsContext) {
    const sub = await visibleSubscription(ctx, uuidArg(id, "id"));
    if (!sub) throw notFound("Subscription");
    return sub;
  }

  @Query(() => [Offer], { nullable: true, description: "The offer catalogue of a cloud: the viewer's own (the operator may name any)." })
  async offers(@Ctx() ctx: SubscriptionsContext, @Arg("cloud", () => Cloud, { nullable: true, description: "The cloud (default: the viewer's)." }) cloud?: Cloud | null) {
    const viewer = ctx.principal;
    let viewerCloud: Cloud | null = null;
    if (viewer.org === "partner") viewerCloud = (await ctx.loaders.partnerFacts.load(viewer.tid!))?.cloud ?? null;
    if (viewer.org === "customer") viewerCloud = (await ctx.loaders.customerFacts.load(viewer.tid!))?.cloud ?? null;
    const wanted = viewer.org === "operator" ? cloud ?? null : viewerCloud;
    if (viewer.org !== "operator" && (!wanted || (cloud && cloud !== wanted))) return [];
    const all = ctx.catalogue.all();
    return wanted ? all.filter((o) => o.clouds.includes(wanted)) : all;
  }

  @FieldResolver(() => CustomerRef, { nullable: true, description: "The customer that uses it." })
  customer(@Root() sub: CloudSubscription) {
    return ref<CustomerRef>(sub.customerId);
  }

  @FieldResolver(() => Offer, { description: "The offer bought." })
  offer(@Root() sub: CloudSubscription, @Ctx() ctx: SubscriptionsContext) {
    return ctx.catalogue.get(sub.offerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The reseller named on the order, else the billing partner; null outside the program." })
  partnerOfRecord(@Root() sub: CloudSubscription) {
    return ref<PartnerRef>(sub.partnerOfRecordId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The partner that buys from the vendor (direct-bill partner or indirect provider); null outside the program." })
  billingPartner(@Root() sub: CloudSubscription) {
    return ref<PartnerRef>(sub.billingPartnerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "For a subscription bought outside the program: the partner the customer hired to support it (MC2)." })
  supportPartner(@Root() sub: CloudSubscription) {
    return ref<PartnerRef>(sub.supportPartnerId);
  }
}

@Resolver(() => CustomerRef)
export class CustomerSubscriptionsResolver {
  @FieldResolver(() => CloudSubscriptionConnection, {
    nullable: true,
    description: "The customer's subscriptions the viewer may see (S1): all of them for the customer's own users, a partner only its own (MP4).",
  })
  subscriptions(
    @Root() customer: CustomerRef,
    @Ctx() ctx: SubscriptionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("status", () => SubscriptionStatus, { nullable: true, description: "Only this status." }) status?: SubscriptionStatus | null,
    @Arg("channel", () => SalesChannel, { nullable: true, description: "Only this channel." }) channel?: SalesChannel | null,
    @Args(() => PageArgsType) paging?: PageArgsType,
  ) {
    const page = toPageRequest(paging);
    const columns = listColumns(ctx.ds, connectionNodeFields(info));
    return ctx.loaders.subscriptionsOfCustomer.load({ parentId: customer.id, args: { status: status ?? null, channel: channel ?? null, columns }, page, withTotal: selectsTotalCount(info) });
  }
}

@Resolver(() => PartnerRef)
export class PartnerSubscriptionsResolver {
  @FieldResolver(() => CloudSubscriptionConnection, {
    nullable: true,
    description: "Subscriptions this partner is partner of record, billing partner or support partner of, as far as the viewer may see them (S1).",
  })
  subscriptions(
    @Root() partner: PartnerRef,
    @Ctx() ctx: SubscriptionsContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("customerId", () => ID, { nullable: true, description: "Only this customer's." }) customerId?: string | null,
    @Arg("status", () => SubscriptionStatus, { nullable: true, description: "Only this status." }) status?: SubscriptionStatus | null,
    @Args(() => PageArgsType) paging?: PageArgsType,
  ) {
    const page = toPageRequest(paging);
    const customer = customerId ? uuidArg(customerId, "customerId") : null;
    const columns = listColumns(ctx.ds, connectionNodeFields(info));
    return ctx.loaders.subscriptionsOfPartner.load({ parentId: partner.id, args: { status: status ?? null, customerId: customer, columns }, page, withTotal: selectsTotalCount(info) });
  }
}

@Resolver(() => Order)
export class OrderResolver {
  @FieldResolver(() => CustomerRef, { nullable: true, description: "The customer it was placed for." })
  customer(@Root() order: Order) {
    return ref<CustomerRef>(order.customerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The partner that buys from the vendor." })
  billingPartner(@Root() order: Order) {
    return ref<PartnerRef>(order.billingPartnerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The reseller named on the order (T5), else the billing partner." })
  partnerOfRecord(@Root() order: Order) {
    return ref<PartnerRef>(order.partnerOfRecordId);
  }

  @FieldResolver(() => [CloudSubscription], { description: "The subscriptions it created (one per line item), as the viewer may see them." })
  async subscriptions(@Root() order: Order, @Ctx() ctx: SubscriptionsContext) {
    const all = await ctx.loaders.subscriptionsOfOrder.load(order.id);
    const visible = await Promise.all(all.map((s) => ctx.canSee(s)));
    return all.filter((_, i) => visible[i]);
  }
}
