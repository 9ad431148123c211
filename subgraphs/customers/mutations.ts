/**
 * The customers subgraph's mutations. Facts owned by other subgraphs are asked first (at
 * the moment of the mutation, failing closed); then one local transaction checks and writes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { EntityManager } from "typeorm";
import { recordActivity } from "../../common/activity";
import { recordEvents } from "../../common/outbox";
import { requireRole, requireRoleOf } from "../../common/authorization";
import { addMs, clock, DAY_MS } from "../../common/clock";
import { isUniqueViolation } from "../../common/db";
import { idempotencyKeyArg } from "../../common/idempotency";
import { ClaimKey, idempotentCreate } from "../../common/idempotency-record";
import { BLOCKED, ClaimKind, claimBlocked, claimBusy, assertWithinLease, insertClaim, liveClaimsOn, lockSubjects, RelationshipClaim, releaseClaim, untilUnblocked, withoutFlushWait } from "../../common/claims";
import { HeldClaim } from "../../common/claim-client";
import { activeResellersOf, claimActiveResellers } from "../../common/partner-facts";
import { CustomerRelationshipStatus, DelegatedAdminStatus, RelationshipRequestStatus } from "../../common/enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors";
import { country, domainName, optionalUuidArg, text, uuidArg } from "../../common/validation";
import type { CustomersContext } from "./context";
import { customerCreated, customerRegistered, delegatedAdminEvent, relationshipEstablished, relationshipRemoved } from "./events";
import {
  CreateCustomerInput,
  CreateCustomerPayload,
  CreateDelegatedAdminRelationshipInput,
  CreateRelationshipRequestInput,
  Customer,
  CustomerPartnerRelationship,
  CustomerPartnerRelationshipPayload,
  DelegatedAdminRelationship,
  DelegatedAdminRelationshipPayload,
  RegisterCustomerTenantInput,
  RegisterCustomerTenantPayload,
  RelationshipRequest,
  RelationshipRequestPayload,
} from "./model";
import { visibleCustomer } from "./resolvers";
import {
  checkCloudOpen,
  checkMayRemoveRelationship,
  checkSameCloudAndCountry,
  delegatedAdminState,
  isIndirectProvider,
  isIndirectReseller,
  isResellerOnly,
  PartnerFacts,
  REQUEST_LIFETIME_MS,
  requestCode,
  requestStatus,
  ROLES,
  validateBillingProfile,
  validateDelegatedAdmin,
  validateRegistration,
} from "./rules";
import { customerSearchText } from "./search";

async function ownPartner(ctx: CustomersContext): Promise<PartnerFacts> {
  const partner = await ctx.loaders.partnerFacts.load(ctx.principal.tid!);
  if (!partner) throw forbidden("Your organisation is not an enrolled partner.");
  return partner;
}

/** Which of `resellerIds` are ACTIVE with `providerId` right now (asked of the partners subgraph). */
const activeResellers = (ctx: CustomersContext, providerId: string, resellerIds: string[]) =>
  activeResellersOf(ctx.deps.partners, providerId, resellerIds);

async function assertDomainFree(ctx: CustomersContext, defaultDomain: string) {
  if (await ctx.ds.getRepository(Customer).existsBy({ defaultDomain })) {
    throw badInput("input.defaultDomain", "a customer with this domain already exists.");
  }
}

function newCustomerFields(input: CreateCustomerInput) {
  return {
    companyName: text(input.companyName, "input.companyName", 200),
    defaultDomain: domainName(input.defaultDomain, "input.defaultDomain"),
    country: country(input.country, "input.country"),
    ...validateBillingProfile(input.billingProfile),
  };
}
type NewCustomerFields = ReturnType<typeof newCustomerFields>;

function rethrowUnique(error: unknown, field: string, message: string): never {
  if (isUniqueViolation(error)) throw badInput(field, message);
  throw error;
}

@Resolver()
export class CustomerMutations {
  @Mutation(() => RegisterCustomerTenantPayload, {
    description: "Registers a customer tenant that exists outside the program (operator only). Not a partner's CSP tenant (O2); not in GERMANY (NC2).",
  })
  async registerCustomerTenant(@Arg("input", () => RegisterCustomerTenantInput, { description: "The tenant to register." }) input: RegisterCustomerTenantInput, @Ctx() ctx: CustomersContext) {
    requireRole(ctx.principal, "operator", ROLES.registerCustomerTenant);
    const fields = validateRegistration(input);
    checkCloudOpen(fields.cloud);
    if (await ctx.loaders.partnerFacts.load(fields.id)) {
      throw fail("CSP_TENANT_PURCHASE_FORBIDDEN", "This tenant is a partner's CSP tenant; it cannot be a customer.");
    }
    if (await ctx.ds.getRepository(Customer).existsBy({ id: fields.id })) throw badInput("input.id", "this tenant is already registered.");
    await assertDomainFree(ctx, fields.defaultDomain);
    try {
      // INSERT, never save(): save() of a caller-chosen id that a concurrent registration has
      // just written would silently UPDATE (overwrite) that customer instead of failing.
      const customer = await ctx.deps.db.transaction(async (em) => {
        const row = em.create(Customer, { ...fields, ...validateBillingProfile(null), createdAt: clock.now(), searchText: customerSearchText(fields) });
        await em.insert(Customer, row);
        await recordActivity(em, ctx, "registerCustomerTenant", [row.id]);
        await recordEvents(em, ctx.principal, [customerRegistered(row.id)]);
        return row;
      });
      return { customer };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The loser of a race: name the field that collided.
      if (await ctx.ds.getRepository(Customer).existsBy({ id: fields.id })) throw badInput("input.id", "this tenant is already registered.");
      throw badInput("input.defaultDomain", "a customer with this domain already exists.");
    }
  }

  @Mutation(() => CreateCustomerPayload, {
    description:
      "A partner creates a customer tenant and so gets an ACTIVE reseller relationship with it. With `resellerId`, an indirect provider creates it on behalf of that reseller (T4).",
  })
  async createCustomer(@Arg("input", () => CreateCustomerInput, { description: "The new customer." }) input: CreateCustomerInput, @Ctx() ctx: CustomersContext) {
    requireRole(ctx.principal, "partner", ROLES.createCustomer);
    const fields = newCustomerFields(input);
    const resellerId = optionalUuidArg(input.resellerId, "input.resellerId");
    const keyed = { organisationId: ctx.principal.tid!, operation: "createCustomer", key: idempotencyKeyArg(input.idempotencyKey), input: { fields, resellerId }, what: "customer" };
    const loadCustomer = async (id: string) => {
      const customer = await ctx.ds.getRepository(Customer).findOneBy({ id });
      return customer && { customer };
    };
    return idempotentCreate(ctx.ds, keyed, loadCustomer, (keyClaim) => this.createCustomerOnce(ctx, fields, resellerId, keyClaim));
  }

  private async createCustomerOnce(ctx: CustomersContext, fields: NewCustomerFields, resellerId: string | null, keyClaim: ClaimKey) {
    const partner = await ownPartner(ctx);
    checkCloudOpen(partner.cloud);
    if (partner.country !== fields.country) throw fail("REGION_MISMATCH", "A partner creates customers of its own country only.");
    let relationshipPartner = partner.id;
    let indirectProviderId: string | null = null;
    let claim: HeldClaim | null = null;
    try {
      if (resellerId) {
        // T4: only for an ACTIVE reseller of this provider that has signed the agreement. The
        // relationship stays claimed until the customer is written, so a termination (T3)
        // either comes first and refuses this, or waits for it (X1).
        const reseller = await ctx.loaders.partnerFacts.load(resellerId);
        let active = new Set<string>();
        if (isIndirectProvider(partner) && reseller) {
          ({ active, claim } = await claimActiveResellers(ctx.deps.partners, partner.id, [resellerId], "createCustomer"));
        }
        if (!reseller || !active.has(resellerId) || !reseller.agreementSigned) {
          throw fail("RESELLER_NOT_AUTHORIZED", "The reseller is not active with you or has not signed the partner agreement.");
        }
        relationshipPartner = resellerId;
        indirectProviderId = partner.id;
      }
      return await this.insertCustomer(ctx, fields, partner, relationshipPartner, indirectProviderId, keyClaim, claim);
    } finally {
      await claim?.release();
    }
  }

  private async insertCustomer(
    ctx: CustomersContext,
    fields: Omit<Customer, "id" | "cloud" | "createdAt" | "searchText">,
    partner: PartnerFacts,
    relationshipPartner: string,
    indirectProviderId: string | null,
    keyClaim: ClaimKey,
    claim: HeldClaim | null,
  ) {
    await assertDomainFree(ctx, fields.defaultDomain);
    const now = clock.now();
    try {
      const customer = await ctx.deps.db.transaction(async (em) => {
        const created = em.create(Customer, { id: randomUUID(), cloud: partner.cloud, createdAt: now, ...fields, searchText: customerSearchText(fields) });
        await keyClaim(em, created.id);
        await em.insert(Customer, created);
        const relationship = em.create(CustomerPartnerRelationship, {
          id: randomUUID(),
          customerId: created.id,
          customerName: created.companyName,
          partnerId: relationshipPartner,
          indirectProviderId,
          status: CustomerRelationshipStatus.ACTIVE,
          establishedAt: now,
          removedAt: null,
        });
        await em.insert(CustomerPartnerRelationship, relationship);
        await recordActivity(em, ctx, "createCustomer", [created.id, relationship.id, relationshipPartner, indirectProviderId]);
        await recordEvents(em, ctx.principal, customerCreated(relationship));
        if (claim) assertWithinLease(claim, "The reseller relationship");
        return created;
      });
      return { customer };
    } catch (error) {
      rethrowUnique(error, "input.defaultDomain", "a customer with this domain already exists.");
    }
  }

  @Mutation(() => RelationshipRequestPayload, {
    description: "A partner asks for a reseller relationship: a one-time code and URL for a customer's global admin, valid 90 days (CR1, CR2).",
  })
  async createRelationshipRequest(
    @Ctx() ctx: CustomersContext,
    @Arg("input", () => CreateRelationshipRequestInput, { nullable: true, description: "Options (an indirect reseller names its provider)." })
    input?: CreateRelationshipRequestInput | null,
  ) {
    requireRole(ctx.principal, "partner", ROLES.createRelationshipRequest);
    const providerId = optionalUuidArg(input?.indirectProviderId, "input.indirectProviderId");
    const keyed = { organisationId: ctx.principal.tid!, operation: "createRelationshipRequest", key: idempotencyKeyArg(input?.idempotencyKey), input: { providerId }, what: "relationship request" };
    const loadRequest = async (id: string) => {
      const request = await ctx.ds.getRepository(RelationshipRequest).findOneBy({ id });
      return request && { request };
    };
    return idempotentCreate(ctx.ds, keyed, loadRequest, (claim) => this.createRelationshipRequestOnce(ctx, providerId, claim));
  }

  private async createRelationshipRequestOnce(ctx: CustomersContext, providerId: string | null, claim: ClaimKey) {
    const partner = await ownPartner(ctx);
    if (providerId) {
      if (!isIndirectReseller(partner)) throw fail("INVALID_PARTNER_TYPE", "Only an indirect reseller names an indirect provider.");
      if (!(await activeResellers(ctx, providerId, [partner.id])).has(partner.id)) {
        throw fail("RESELLER_NOT_AUTHORIZED", "The named provider has no ACTIVE relationship with you.");
      }
    } else if (isResellerOnly(partner)) {
      throw badInput("input.indirectProviderId", "an indirect reseller must name one of its active indirect providers.");
    }
    const now = clock.now();
    const request = await ctx.deps.db.transaction(async (em) => {
      const id = randomUUID();
      await claim(em, id);
      const made = await em.save(
        em.create(RelationshipRequest, {
          id,
          partnerId: partner.id,
          indirectProviderId: providerId,
          code: randomBytes(24).toString("base64url"), // 192 random bits
          storedStatus: RelationshipRequestStatus.PENDING,
          createdAt: now,
          expiresAt: addMs(now, REQUEST_LIFETIME_MS),
          acceptedByCustomerId: null,
        }),
      );
      await recordActivity(em, ctx, "createRelationshipRequest", [made.id, partner.id, providerId]);
      return made;
    });
    return { request };
  }

  @Mutation(() => CustomerPartnerRelationshipPayload, {
    description: "A customer's global admin accepts a relationship request by its code: the partner may now sell to the customer (CR1, CR2).",
  })
  async acceptRelationshipRequest(@Arg("code", { description: "The code from the request." }) code: string, @Ctx() ctx: CustomersContext) {
    requireRole(ctx.principal, "customer", ROLES.acceptRelationshipRequest);
    const request = await ctx.ds.getRepository(RelationshipRequest).findOneBy({ code: requestCode(code) });
    const now = clock.now();
    if (!request || request.storedStatus === RelationshipRequestStatus.ACCEPTED) throw notFound("Relationship request");
    if (requestStatus(request, now) === RelationshipRequestStatus.EXPIRED) throw fail("REQUEST_EXPIRED", "The relationship request has expired.");
    const customer = await ctx.loaders.customer.load(ctx.principal.tid!);
    if (!customer) throw notFound("Customer");
    const partner = await ctx.loaders.partnerFacts.load(request.partnerId);
    if (!partner) throw notFound("Relationship request");
    checkSameCloudAndCountry(partner, customer);
    let claim: HeldClaim | null = null;
    try {
      if (request.indirectProviderId) {
        // CR2, X1: the reseller's relationship with the named provider stays claimed until the link is written.
        let active: Set<string>;
        ({ active, claim } = await claimActiveResellers(ctx.deps.partners, request.indirectProviderId, [partner.id], "acceptRelationshipRequest"));
        if (!active.has(partner.id)) throw fail("RESELLER_NOT_AUTHORIZED", "The reseller's relationship with the named provider is no longer active.");
      }
      return await this.acceptRequest(ctx, request, customer, partner, now, claim);
    } finally {
      await claim?.release();
    }
  }

  private async acceptRequest(ctx: CustomersContext, request: RelationshipRequest, customer: Customer, partner: PartnerFacts, now: Date, claim: HeldClaim | null) {
    try {
      const relationship = await ctx.deps.db.transaction(async (em) => {
        const exists = await em.existsBy(CustomerPartnerRelationship, {
          customerId: customer.id,
          partnerId: partner.id,
          status: CustomerRelationshipStatus.ACTIVE,
        });
        if (exists) throw fail("RELATIONSHIP_EXISTS", "This partner already has an active relationship with you.");
        const used = await em
          .createQueryBuilder()
          .update(RelationshipRequest)
          .set({ storedStatus: RelationshipRequestStatus.ACCEPTED, acceptedByCustomerId: customer.id })
          .where("id = :id AND storedStatus = :pending", { id: request.id, pending: RelationshipRequestStatus.PENDING })
          .execute();
        if (!used.affected) throw notFound("Relationship request");
        const accepted = await em.save(
          em.create(CustomerPartnerRelationship, {
            id: randomUUID(),
            customerId: customer.id,
            customerName: customer.companyName,
            partnerId: partner.id,
            indirectProviderId: request.indirectProviderId,
            status: CustomerRelationshipStatus.ACTIVE,
            establishedAt: now,
            removedAt: null,
          }),
        );
        await recordActivity(em, ctx, "acceptRelationshipRequest", [accepted.id, request.id, customer.id, partner.id, request.indirectProviderId]);
        await recordEvents(em, ctx.principal, [relationshipEstablished(accepted)]);
        if (claim) assertWithinLease(claim, "The reseller's relationship with its provider");
        return accepted;
      });
      return { relationship };
    } catch (error) {
      if (isUniqueViolation(error)) throw fail("RELATIONSHIP_EXISTS", "This partner already has an active relationship with you.");
      throw error;
    }
  }

  @Mutation(() => CustomerPartnerRelationshipPayload, {
    description:
      "The partner's or the customer's global admin removes a reseller relationship (CR3); refused while the partner has ACTIVE subscriptions for the customer. Subscriptions stay as they are.",
  })
  async removeResellerRelationship(
    @Arg("customerId", () => ID, { description: "The customer." }) customerIdArg: string,
    @Arg("partnerId", () => ID, { description: "The partner whose relationship ends." }) partnerIdArg: string,
    @Ctx() ctx: CustomersContext,
  ) {
    const viewer = ctx.principal;
    requireRoleOf(viewer, { partner: ROLES.removeResellerRelationship, customer: ROLES.removeResellerRelationship });
    const customerId = uuidArg(customerIdArg, "customerId");
    const partnerId = uuidArg(partnerIdArg, "partnerId");
    // A partner removes only its own relationship; a customer only its own (checkMayRemoveRelationship).
    const rel = viewer.org === "customer" && customerId !== viewer.tid
      ? null
      : await ctx.ds.getRepository(CustomerPartnerRelationship).findOneBy({ customerId, partnerId, status: CustomerRelationshipStatus.ACTIVE });
    checkMayRemoveRelationship(viewer, rel);
    // X1: an END claim on the customer holds off new orders and hires (their USE claims) while the
    // subscriptions subgraph is asked; it waits for those in flight to commit and release first.
    const end = await untilUnblocked(ctx.deps.claims, "The customer's relationship", () =>
      ctx.deps.db.transaction(async (em) => {
        await lockSubjects(ctx.deps.db, em, "customer", [customerId]);
        if (claimBlocked(ClaimKind.END, await liveClaimsOn(em, [customerId]))) return BLOCKED;
        await withoutFlushWait(ctx.deps.db, em);
        return insertClaim(em, ClaimKind.END, [customerId], "removeResellerRelationship", ctx.deps.claims.leaseMs);
      }),
    );
    let ended = false; // the END claim went with the removal's own transaction
    try {
      const { activeSubscriptionCount } = await ctx.deps.subscriptions.request<{ activeSubscriptionCount: number }>(
        "query($p: ID!, $c: ID!) { activeSubscriptionCount(partnerId: $p, customerId: $c) }",
        { p: partnerId, c: customerId },
        "the partner's active subscriptions",
      );
      if (activeSubscriptionCount > 0) {
        throw fail("ACTIVE_SUBSCRIPTIONS_EXIST", `The partner still has ${activeSubscriptionCount} active subscription(s) for this customer; suspend them first.`);
      }
      const relationship = await ctx.deps.db.transaction(async (em) => {
        await lockSubjects(ctx.deps.db, em, "customer", [customerId]);
        // The END claim must still be ours: a claim that expired (this request was too slow) may
        // have been deleted by an order that then went ahead, so the count above is stale.
        const held = await em
          .createQueryBuilder()
          .delete()
          .from(RelationshipClaim)
          .where(`"claimId" = :end AND "expiresAt" > :now`, { end, now: new Date().toISOString() })
          .execute();
        if (!held.affected) throw claimBusy("The customer's relationship", 1);
        const result = await em
          .createQueryBuilder()
          .update(CustomerPartnerRelationship)
          .set({ status: CustomerRelationshipStatus.REMOVED, removedAt: clock.now() })
          .where("id = :id AND status = :active", { id: rel.id, active: CustomerRelationshipStatus.ACTIVE })
          .execute();
        if (!result.affected) throw notFound("Reseller relationship");
        await recordActivity(em, ctx, "removeResellerRelationship", [rel.id, customerId, partnerId]);
        await recordEvents(em, ctx.principal, [relationshipRemoved(rel)]);
        return em.findOneByOrFail(CustomerPartnerRelationship, { id: rel.id });
      });
      ended = true;
      return { relationship };
    } finally {
      // Refused or failed: orders may go on at once, not only when the lease ends.
      if (!ended) await releaseClaim(ctx.deps.db, end);
    }
  }

  @Mutation(() => DelegatedAdminRelationshipPayload, {
    description: "A partner asks a customer it can see for admin roles (DA1). Starts APPROVAL_PENDING.",
  })
  async createDelegatedAdminRelationship(
    @Arg("input", () => CreateDelegatedAdminRelationshipInput, { description: "The relationship to ask for." }) input: CreateDelegatedAdminRelationshipInput,
    @Ctx() ctx: CustomersContext,
  ) {
    requireRole(ctx.principal, "partner", ROLES.createDelegatedAdminRelationship);
    const customer = await visibleCustomer(ctx, uuidArg(input.customerId, "input.customerId"));
    if (!customer) throw notFound("Customer");
    const fields = validateDelegatedAdmin(input);
    const partnerId = ctx.principal.tid!;
    const keyed = {
      organisationId: partnerId,
      operation: "createDelegatedAdminRelationship",
      key: idempotencyKeyArg(input.idempotencyKey),
      input: { customerId: customer.id, ...fields, roles: [...fields.roles].sort() },
      what: "delegated admin relationship",
    };
    const loadDap = async (id: string) => {
      const relationship = await ctx.ds.getRepository(DelegatedAdminRelationship).findOneBy({ id });
      return relationship && { relationship };
    };
    return idempotentCreate(ctx.ds, keyed, loadDap, (claim) => this.createDelegatedAdminRelationshipOnce(ctx, customer, fields, claim));
  }

  private async createDelegatedAdminRelationshipOnce(ctx: CustomersContext, customer: Customer, fields: ReturnType<typeof validateDelegatedAdmin>, claim: ClaimKey) {
    const partnerId = ctx.principal.tid!;
    try {
      const relationship = await ctx.deps.db.transaction(async (em) => {
        if (await em.existsBy(DelegatedAdminRelationship, { partnerId, displayName: fields.displayName })) {
          throw fail("DUPLICATE_NAME", "You already have a delegated admin relationship with this display name.");
        }
        const id = randomUUID();
        await claim(em, id);
        const created = await em.save(
          em.create(DelegatedAdminRelationship, {
            id,
            partnerId,
            customerId: customer.id,
            customerName: customer.companyName,
            ...fields,
            storedStatus: DelegatedAdminStatus.APPROVAL_PENDING,
            createdAt: clock.now(),
            activatedAt: null,
            storedEndsAt: null,
            terminatedAt: null,
          }),
        );
        await recordActivity(em, ctx, "createDelegatedAdminRelationship", [created.id, customer.id, partnerId]);
        await recordEvents(em, ctx.principal, [delegatedAdminEvent("createDelegatedAdminRelationship", created)]);
        return created;
      });
      return { relationship };
    } catch (error) {
      if (isUniqueViolation(error)) throw fail("DUPLICATE_NAME", "You already have a delegated admin relationship with this display name.");
      throw error;
    }
  }

  @Mutation(() => DelegatedAdminRelationshipPayload, {
    description: "The customer's global admin approves a pending delegated admin relationship (DA2): ACTIVE for `durationDays`.",
  })
  async approveDelegatedAdminRelationship(@Arg("id", () => ID, { description: "The relationship." }) id: string, @Ctx() ctx: CustomersContext) {
    requireRole(ctx.principal, "customer", ROLES.approveDelegatedAdminRelationship);
    const dap = await ctx.ds.getRepository(DelegatedAdminRelationship).findOneBy({ id: uuidArg(id, "id") });
    if (!dap || dap.customerId !== ctx.principal.tid) throw notFound("Delegated admin relationship");
    const now = clock.now();
    const state = delegatedAdminState(dap, now).status;
    if (state !== DelegatedAdminStatus.APPROVAL_PENDING) throw fail("INVALID_STATE", `The relationship is ${state}, not APPROVAL_PENDING.`);
    return {
      relationship: await changeDap(ctx, "approveDelegatedAdminRelationship", dap, DelegatedAdminStatus.APPROVAL_PENDING, {
        storedStatus: DelegatedAdminStatus.ACTIVE,
        activatedAt: now,
        storedEndsAt: addMs(now, dap.durationDays * DAY_MS),
      }),
    };
  }

  @Mutation(() => DelegatedAdminRelationshipPayload, {
    description: "Either side ends a delegated admin relationship (DA4): TERMINATED, final. No subscription or reseller relationship changes.",
  })
  async terminateDelegatedAdminRelationship(@Arg("id", () => ID, { description: "The relationship." }) id: string, @Ctx() ctx: CustomersContext) {
    const viewer = ctx.principal;
    requireRoleOf(viewer, { partner: ROLES.terminateDelegatedAdminRelationshipPartner, customer: ROLES.terminateDelegatedAdminRelationshipCustomer });
    const dap = await ctx.ds.getRepository(DelegatedAdminRelationship).findOneBy({ id: uuidArg(id, "id") });
    const party = dap && (viewer.org === "partner" ? dap.partnerId === viewer.tid : dap.customerId === viewer.tid);
    if (!dap || !party) throw notFound("Delegated admin relationship");
    const state = delegatedAdminState(dap, clock.now()).status;
    if (state !== DelegatedAdminStatus.ACTIVE && state !== DelegatedAdminStatus.APPROVAL_PENDING) {
      throw fail("INVALID_STATE", `The relationship is ${state}; expiry and termination are final.`);
    }
    // X1: a support-partner hire (MC2) that has claimed this customer's relationships commits
    // first; the termination waits for it, so it is never dated before a hire that relied on it.
    return {
      relationship: await untilUnblocked(ctx.deps.claims, "The delegated admin relationship", () =>
        changeDap(ctx, "terminateDelegatedAdminRelationship", dap, dap.storedStatus, () => ({ storedStatus: DelegatedAdminStatus.TERMINATED, terminatedAt: clock.now() }), async (em) => {
          await lockSubjects(ctx.deps.db, em, "customer", [dap.customerId]);
          return claimBlocked(ClaimKind.END, await liveClaimsOn(em, [dap.customerId]));
        }),
      ),
    };
  }
}

async function changeDap(
  ctx: CustomersContext,
  operation: string,
  dap: DelegatedAdminRelationship,
  from: DelegatedAdminStatus,
  change: Partial<DelegatedAdminRelationship> | (() => Partial<DelegatedAdminRelationship>),
  blocked?: (em: EntityManager) => Promise<boolean>,
) {
  return ctx.deps.db.transaction(async (em) => {
    // Only a caller that passes `blocked` sees BLOCKED, and it retries (untilUnblocked).
    if (blocked && (await blocked(em))) return BLOCKED as never;
    const result = await em
      .createQueryBuilder()
      .update(DelegatedAdminRelationship)
      .set(typeof change === "function" ? change() : change)
      .where("id = :id AND storedStatus = :from", { id: dap.id, from })
      .execute();
    if (!result.affected) throw fail("INVALID_STATE", "The relationship changed meanwhile; read it again.");
    await recordActivity(em, ctx, operation, [dap.id, dap.customerId, dap.partnerId]);
    await recordEvents(em, ctx.principal, [delegatedAdminEvent(operation, dap)]);
    return em.findOneByOrFail(DelegatedAdminRelationship, { id: dap.id });
  });
}
