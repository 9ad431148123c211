/**
 * Orders, subscription changes and multi-channel. Facts owned by other subgraphs are asked
 * at the moment of the mutation (failing closed); then one local transaction writes.
 */
import { randomUUID } from "node:crypto";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { recordActivity } from "../../common/activity";
import { recordEvents } from "../../common/outbox";
import { requireRole } from "../../common/authorization";
import { clock } from "../../common/clock";
import { activeResellersOf } from "../../common/partner-facts";
import { assertWithinLease } from "../../common/claims";
import { claimCustomer, HeldClaim, releaseAll } from "../../common/claim-client";
import { claimActiveResellers } from "../../common/partner-facts";
import { SalesChannel, SubscriptionStatus } from "../../common/enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors";
import { KeyedResult, oncePerKey } from "../../common/idempotency";
import { optionalUuidArg, text, uuidArg } from "../../common/validation";
import type { SubscriptionsContext } from "./context";
import { orderPlaced, subscriptionChanged } from "./events";
import {
  Offer,
  Order,
  PlaceOrderInput,
  PlaceOrderPayload,
  RecordExternalSubscriptionInput,
  RecordExternalSubscriptionPayload,
  CloudSubscription,
  CloudSubscriptionPayload,
  UpdateSubscriptionInput,
} from "./model";
import { visibleSubscription } from "./resolvers";
import {
  checkLineItem,
  checkMayChange,
  checkNotCancelled,
  checkQuantityChange,
  checkTransition,
  checkVersion,
  CustomerFacts,
  decideOrderParties,
  isExternal,
  offerIdArg,
  orderFingerprint,
  purchaseDates,
  ROLES,
  validateOrderShape,
} from "./rules";

/** The subscription the caller may change, or the refusal S1/S2 give. */
async function changeableSubscription(ctx: SubscriptionsContext, id: string, field = "id"): Promise<CloudSubscription> {
  const sub = await visibleSubscription(ctx, uuidArg(id, field));
  if (!sub) throw notFound("Subscription");
  checkMayChange(ctx.principal, sub);
  return sub;
}

/**
 * Writes `change` only if the row is still at `sub.version` (S5): of two concurrent edits
 * from the same version exactly one wins; the other gets VERSION_CONFLICT and writes nothing.
 */
async function saveChange(
  ctx: SubscriptionsContext,
  operation: string,
  sub: CloudSubscription,
  change: Partial<CloudSubscription>,
  beforeCommit?: () => void,
  delegatedAdminPartnerIds: string[] = [],
): Promise<CloudSubscription> {
  return ctx.deps.db.transaction(async (em) => {
    const result = await em
      .createQueryBuilder()
      .update(CloudSubscription)
      .set({ ...change, version: sub.version + 1 })
      .where("id = :id AND version = :version", { id: sub.id, version: sub.version })
      .execute();
    if (!result.affected) throw fail("VERSION_CONFLICT", "The subscription was changed meanwhile; read it again.");
    await recordActivity(em, ctx, operation, [sub.id, sub.customerId, change.partnerOfRecordId, change.supportPartnerId]);
    await recordEvents(em, ctx.principal, [subscriptionChanged(operation, sub, change, delegatedAdminPartnerIds)]);
    beforeCommit?.();
    return em.findOneByOrFail(CloudSubscription, { id: sub.id });
  });
}

function offerOf(ctx: SubscriptionsContext, sub: CloudSubscription): Offer {
  const offer = ctx.catalogue.get(sub.offerId);
  if (!offer) throw new Error(`offer ${sub.offerId} missing for subscription ${sub.id}`);
  return offer;
}

/** O4: the order placed earlier under this key, as oncePerKey replays it. */
async function keyedOrder(ctx: SubscriptionsContext, placedById: string, idempotencyKey: string): Promise<KeyedResult<{ order: Order }> | null> {
  const order = await ctx.ds.getRepository(Order).findOneBy({ placedById, idempotencyKey });
  return order ? { requestHash: order.requestHash, result: { order } } : null;
}

@Resolver()
export class SubscriptionMutations {
  @Mutation(() => PlaceOrderPayload, {
    description: "A partner orders for a customer (O1–O4, T5, T6): each line item becomes one subscription. Retries with the same idempotency key return the first order.",
  })
  async placeOrder(@Arg("input", () => PlaceOrderInput, { description: "The order." }) input: PlaceOrderInput, @Ctx() ctx: SubscriptionsContext) {
    requireRole(ctx.principal, "partner", ROLES.placeOrder);
    const buyerId = ctx.principal.tid!;
    const shape = validateOrderShape(input);
    const fingerprint = orderFingerprint({ ...shape, lineItems: shape.lineItems });
    return oncePerKey({
      what: "order",
      fingerprint,
      find: () => keyedOrder(ctx, buyerId, shape.idempotencyKey),
      create: () => this.createOrder(ctx, buyerId, shape, fingerprint),
    });
  }

  /**
   * The order's checks and its one transaction; the order row carries the key (unique per buyer).
   * X1: the customer's relationships are claimed (and read) in one call, and a named reseller's
   * relationship with the buyer too (T5): neither can end until the order has committed, so a
   * removal (CR3) or termination (T3) racing this order comes either before it or after it.
   */
  private async createOrder(ctx: SubscriptionsContext, buyerId: string, shape: ReturnType<typeof validateOrderShape>, fingerprint: string) {
    const customerClaim = claimCustomer<CustomerFacts>(ctx.deps.customers, shape.customerId, "placeOrder");
    let resellerClaim: HeldClaim | null = null;
    try {
      const [buyer, { facts: customer, claim }, tenantPartner, reseller] = await Promise.all([
        ctx.loaders.partnerFacts.load(buyerId),
        customerClaim,
        ctx.loaders.partnerFacts.load(shape.customerId),
        shape.resellerId ? ctx.loaders.partnerFacts.load(shape.resellerId) : Promise.resolve(null),
      ]);
      if (!buyer) throw forbidden("Your organisation is not an enrolled partner.");
      if (!customer || !(await this.seesCustomer(ctx, buyerId, customer))) throw notFound("Customer");
      let resellerActive = false;
      if (shape.resellerId && reseller) {
        let active: Set<string>;
        ({ active, claim: resellerClaim } = await claimActiveResellers(ctx.deps.partners, buyerId, [shape.resellerId], "placeOrder"));
        resellerActive = active.has(shape.resellerId);
      }
      const parties = decideOrderParties({
        buyer,
        customer,
        customerIsPartnerTenant: !!tenantPartner,
        reseller,
        resellerId: shape.resellerId,
        resellerActiveWithBuyer: resellerActive,
      });
      const lines = shape.lineItems.map((item, i) => checkLineItem(item, ctx.catalogue.get(item.offerId), customer.cloud, `input.lineItems.${i}`));
      const held = [claim, resellerClaim].filter((c): c is HeldClaim => !!c);
      return await this.writeOrder(ctx, buyerId, shape, fingerprint, customer, parties, lines, held);
    } finally {
      const claimed = await customerClaim.catch(() => null);
      await releaseAll([claimed?.claim, resellerClaim]);
    }
  }

  private async writeOrder(
    ctx: SubscriptionsContext,
    buyerId: string,
    shape: ReturnType<typeof validateOrderShape>,
    fingerprint: string,
    customer: CustomerFacts,
    parties: ReturnType<typeof decideOrderParties>,
    lines: ReturnType<typeof checkLineItem>[],
    claims: HeldClaim[],
  ) {
    const now = clock.now();
    const order = await ctx.deps.db.transaction(async (em) => {
      const created = await em.save(
        em.create(Order, {
          id: randomUUID(),
          customerId: customer.id,
          ...parties,
          placedById: buyerId,
          idempotencyKey: shape.idempotencyKey,
          requestHash: fingerprint,
          createdAt: now,
        }),
      );
      const subscriptions = await em.save(
        lines.map((line, lineNumber) =>
          em.create(CloudSubscription, {
            id: randomUUID(),
            customerId: customer.id,
            ...line,
            lineNumber,
            status: SubscriptionStatus.ACTIVE,
            autoRenew: true,
            channel: SalesChannel.CSP,
            ...parties,
            supportPartnerId: null,
            orderId: created.id,
            ...purchaseDates(now, line.termDuration),
            version: 1,
          }),
        ),
      );
      // A replay (same key) is answered by oncePerKey without writing: it records nothing either.
      await recordActivity(em, ctx, "placeOrder", [created.id, customer.id, ...subscriptions.map((s) => s.id)]);
      await recordEvents(em, ctx.principal, [orderPlaced(created)]);
      for (const claim of claims) assertWithinLease(claim, "The customer's relationship");
      return created;
    });
    return { order };
  }

  /** O1: a customer the buyer cannot see at all is NOT_FOUND (CV1: relationship, delegated admin, or a subscription it sees). */
  private async seesCustomer(ctx: SubscriptionsContext, partnerId: string, customer: { id: string; activeRelationships: { partnerId: string; indirectProviderId: string | null }[]; delegatedAdminPartnerIds: string[] }) {
    if (customer.activeRelationships.some((r) => r.partnerId === partnerId || r.indirectProviderId === partnerId)) return true;
    if (customer.delegatedAdminPartnerIds.includes(partnerId)) return true;
    return ctx.ds
      .getRepository(CloudSubscription)
      .createQueryBuilder("s")
      .where("s.customerId = :c AND (s.partnerOfRecordId = :p OR s.billingPartnerId = :p OR s.supportPartnerId = :p)", { c: customer.id, p: partnerId })
      .getExists();
  }

  @Mutation(() => CloudSubscriptionPayload, {
    description: "The partner of record or billing partner changes quantity, auto-renew or name (S2–S5); the billing provider may name another active reseller as partner of record (S6).",
  })
  async updateSubscription(@Arg("input", () => UpdateSubscriptionInput, { description: "The subscription and the changes to make." }) input: UpdateSubscriptionInput, @Ctx() ctx: SubscriptionsContext) {
    requireRole(ctx.principal, "partner", ROLES.change);
    const sub = await changeableSubscription(ctx, input.id, "input.id");
    checkVersion(sub, input.expectedVersion);
    checkNotCancelled(sub);
    const change: Partial<CloudSubscription> = {};
    const now = clock.now();
    if (input.quantity !== undefined && input.quantity !== null) {
      checkQuantityChange(sub, offerOf(ctx, sub), input.quantity, now);
      change.quantity = input.quantity;
    }
    if (input.autoRenew !== undefined && input.autoRenew !== null) change.autoRenew = input.autoRenew;
    if (input.friendlyName !== undefined && input.friendlyName !== null) change.friendlyName = text(input.friendlyName, "input.friendlyName", 100);
    const resellerId = optionalUuidArg(input.resellerId, "input.resellerId");
    if (!resellerId) {
      if (Object.keys(change).length === 0) throw badInput("input", "name at least one of quantity, autoRenew, friendlyName or resellerId.");
      return { subscription: await saveChange(ctx, "updateSubscription", sub, change) };
    }
    // S6, X1: the new partner of record's relationships (with the provider, T3; with the customer,
    // CR3) stay claimed until the change has committed.
    const claims: HeldClaim[] = [];
    try {
      change.partnerOfRecordId = await this.newPartnerOfRecord(ctx, sub, resellerId, claims);
      return { subscription: await saveChange(ctx, "updateSubscription", sub, change, () => claims.forEach((c) => assertWithinLease(c, "The reseller's relationship"))) };
    } finally {
      await releaseAll(claims);
    }
  }

  /** S6: only the billing provider, naming another of its ACTIVE resellers that serves the customer (as T5); the claims it takes go in `claims`. */
  private async newPartnerOfRecord(ctx: SubscriptionsContext, sub: CloudSubscription, resellerId: string, claims: HeldClaim[]): Promise<string> {
    if (sub.billingPartnerId !== ctx.principal.tid) throw forbidden("Only the billing provider can change the partner of record.");
    const customerClaim = claimCustomer<CustomerFacts>(ctx.deps.customers, sub.customerId, "updateSubscription");
    customerClaim.then(({ claim }) => claims.push(claim), () => undefined);
    const [reseller, { facts: customer }] = await Promise.all([ctx.loaders.partnerFacts.load(resellerId), customerClaim]).catch(async (error) => {
      await customerClaim.catch(() => undefined); // so that the claim, if it came, is in `claims` to be released
      throw error;
    });
    const { active, claim } = await claimActiveResellers(ctx.deps.partners, sub.billingPartnerId, [resellerId], "updateSubscription");
    claims.push(claim);
    const serves = !!customer?.activeRelationships.some((r) => r.partnerId === resellerId);
    if (!reseller || !reseller.agreementSigned || !active.has(resellerId) || !serves) {
      throw fail("RESELLER_NOT_AUTHORIZED", "The reseller is not active with you, has not signed the agreement, or has no relationship with the customer.");
    }
    return resellerId;
  }

  @Mutation(() => CloudSubscriptionPayload, { description: "Suspends an ACTIVE subscription (S3)." })
  async suspendSubscription(@Arg("id", () => ID, { description: "The subscription." }) id: string, @Ctx() ctx: SubscriptionsContext) {
    return this.transition(ctx, "suspendSubscription", id, SubscriptionStatus.SUSPENDED, ROLES.change);
  }

  @Mutation(() => CloudSubscriptionPayload, { description: "Reactivates a SUSPENDED subscription (S3)." })
  async reactivateSubscription(@Arg("id", () => ID, { description: "The subscription." }) id: string, @Ctx() ctx: SubscriptionsContext) {
    return this.transition(ctx, "reactivateSubscription", id, SubscriptionStatus.ACTIVE, ROLES.change);
  }

  @Mutation(() => CloudSubscriptionPayload, { description: "Cancels a subscription within 168 hours of purchase (S3, S4). Final." })
  async cancelSubscription(@Arg("id", () => ID, { description: "The subscription." }) id: string, @Ctx() ctx: SubscriptionsContext) {
    return this.transition(ctx, "cancelSubscription", id, SubscriptionStatus.CANCELLED, ROLES.cancel);
  }

  private async transition(ctx: SubscriptionsContext, operation: string, id: string, to: SubscriptionStatus, roles: readonly string[]) {
    requireRole(ctx.principal, "partner", roles);
    const sub = await changeableSubscription(ctx, id);
    checkTransition(sub, to, clock.now());
    return { subscription: await saveChange(ctx, operation, sub, { status: to }) };
  }

  @Mutation(() => CloudSubscriptionPayload, {
    description: "A customer's global admin hires a partner with a reseller or active delegated admin relationship to support a subscription bought outside the program (MC2).",
  })
  async hireSupportPartner(
    @Arg("subscriptionId", () => ID, { description: "A subscription bought outside the program." }) subscriptionId: string,
    @Arg("partnerId", () => ID, { description: "The partner to hire." }) partnerId: string,
    @Ctx() ctx: SubscriptionsContext,
  ) {
    requireRole(ctx.principal, "customer", ROLES.hireSupportPartner);
    const sub = await visibleSubscription(ctx, uuidArg(subscriptionId, "subscriptionId"));
    if (!sub) throw notFound("Subscription");
    const partner = uuidArg(partnerId, "partnerId");
    if (!isExternal(sub)) throw fail("INVALID_STATE", "Only a subscription bought outside the program takes a support partner.");
    checkNotCancelled(sub);
    // X1: the relationship the hire relies on (reseller or delegated admin) cannot end (CR3, DA4) until the hire has committed.
    const customerClaim = claimCustomer<CustomerFacts>(ctx.deps.customers, sub.customerId, "hireSupportPartner");
    try {
      const [{ facts, claim }, partnerFacts] = await Promise.all([customerClaim, ctx.loaders.partnerFacts.load(partner)]);
      // P1: a partner of another cloud is not in the customer's directory: it does not exist for the customer.
      if (!partnerFacts || !facts || partnerFacts.cloud !== facts.cloud) throw notFound("Partner");
      const related = facts.activeRelationships.some((r) => r.partnerId === partner) || facts.delegatedAdminPartnerIds.includes(partner);
      if (!related) throw fail("CUSTOMER_RELATIONSHIP_REQUIRED", "The partner has no reseller or active delegated admin relationship with you.");
      const hire = { supportPartnerId: partner };
      return { subscription: await saveChange(ctx, "hireSupportPartner", sub, hire, () => assertWithinLease(claim, "The customer's relationship"), facts.delegatedAdminPartnerIds) };
    } finally {
      const claimed = await customerClaim.catch(() => null);
      await claimed?.claim.release();
    }
  }

  @Mutation(() => RecordExternalSubscriptionPayload, { description: "The operator records a subscription bought outside the program (MC1)." })
  async recordExternalSubscription(
    @Arg("input", () => RecordExternalSubscriptionInput, { description: "The subscription bought outside the program." }) input: RecordExternalSubscriptionInput,
    @Ctx() ctx: SubscriptionsContext,
  ) {
    requireRole(ctx.principal, "operator", ROLES.recordExternalSubscription);
    const customerId = uuidArg(input.customerId, "input.customerId");
    if (input.channel === SalesChannel.CSP) throw badInput("input.channel", "must be a channel outside the program (not CSP).");
    const customer = await ctx.loaders.customerFacts.load(customerId);
    if (!customer) throw notFound("Customer");
    const line = checkLineItem(input, ctx.catalogue.get(offerIdArg(input.offerId, "input.offerId")), customer.cloud, "input");
    const now = clock.now();
    const subscription = await ctx.deps.db.transaction(async (em) => {
      const recorded = await em.save(
        em.create(CloudSubscription, {
          id: randomUUID(),
          customerId,
          ...line,
          status: SubscriptionStatus.ACTIVE,
          autoRenew: true,
          channel: input.channel,
          partnerOfRecordId: null,
          billingPartnerId: null,
          supportPartnerId: null,
          orderId: null,
          lineNumber: null,
          ...purchaseDates(now, line.termDuration),
          version: 1,
        }),
      );
      await recordActivity(em, ctx, "recordExternalSubscription", [recorded.id, customerId]);
      return recorded;
    });
    return { subscription };
  }
}
