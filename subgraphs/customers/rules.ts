/**
 * The customers subgraph's rules, in one place: who sees a customer (CV1) and which
 * relationships (MP2), the billing profile (DA5), the life of relationship requests (CR1,
 * CR2) and delegated admin relationships (DA1–DA4), and the checks of every mutation (NC2,
 * NC4, O2, T4, CR1–CR3, DA1–DA4). Pure functions over rows, facts from other subgraphs, the
 * caller and the clock: the mutations gather the facts, and act on what these decide.
 */
import { addMs, DAY_MS } from "../../common/time/clock";
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { AdminRole, CustomerRelationshipStatus, DelegatedAdminStatus, RelationshipRequestStatus } from "./enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors/errors";
import { UserPrincipal } from "../../common/identity/identity";
import type { PartnerFacts } from "../partners/client";
import { country, domainName, email, idOrNew, integerInRange, optionalText, text } from "../../common/graphql/validation";
import type {
  CreateDelegatedAdminRelationshipInput,
  CustomerPartnerRelationship,
  DelegatedAdminRelationship,
  RegisterCustomerTenantInput,
  RelationshipRequest,
  BillingProfileInput,
} from "./model";

export const ROLES = {
  registerCustomerTenant: ["OPERATOR"],
  createCustomer: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
  createRelationshipRequest: ["GLOBAL_ADMIN", "USER_MANAGEMENT_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
  acceptRelationshipRequest: ["GLOBAL_ADMIN"],
  removeResellerRelationship: ["GLOBAL_ADMIN"],
  createDelegatedAdminRelationship: ["GLOBAL_ADMIN", "ADMIN_AGENT"],
  approveDelegatedAdminRelationship: ["GLOBAL_ADMIN"],
  terminateDelegatedAdminRelationshipPartner: ["GLOBAL_ADMIN", "ADMIN_AGENT"],
  terminateDelegatedAdminRelationshipCustomer: ["GLOBAL_ADMIN"],
} as const;

/** Facts about a partner, asked of the partners subgraph. */
export type { PartnerFacts };

/** NC3: what each cloud allows, as one table rather than conditions spread around. */
export const CLOUD_FEATURES: Record<Cloud, { newCustomers: boolean; multiPartner: boolean; multiChannel: boolean }> = {
  [Cloud.GLOBAL]: { newCustomers: true, multiPartner: true, multiChannel: true },
  [Cloud.US_GOVERNMENT]: { newCustomers: true, multiPartner: true, multiChannel: true },
  [Cloud.CHINA]: { newCustomers: true, multiPartner: true, multiChannel: true },
  [Cloud.GERMANY]: { newCustomers: false, multiPartner: true, multiChannel: true },
};

export function checkCloudOpen(cloud: Cloud): void {
  if (!CLOUD_FEATURES[cloud].newCustomers) throw fail("CLOUD_CLOSED", `The ${cloud} cloud takes no new customers.`);
}

// ---- new customers (NC2, NC4, O2, T4) ----

/** O2: a tenant that is an enrolled partner's CSP tenant cannot be registered as a customer. */
export function checkNotPartnerTenant(tenantIsPartner: boolean): void {
  if (tenantIsPartner) throw fail("CSP_TENANT_PURCHASE_FORBIDDEN", "This tenant is a partner's CSP tenant; it cannot be a customer.");
}

/** NC2, NC4: a partner creates customers in its own cloud, if that takes new customers, and of its own country only. */
export function checkNewCustomer(partner: PartnerFacts, customerCountry: string): void {
  checkCloudOpen(partner.cloud);
  if (partner.country !== customerCountry) throw fail("REGION_MISMATCH", "A partner creates customers of its own country only.");
}

/**
 * T4: whose reseller relationship a new customer gets. Without `resellerId`, the creating
 * partner's own; with it, the reseller's, with the creator recorded as indirect provider (CR2)
 * — only for an indirect provider whose reseller is ACTIVE with it (`resellerActiveWithProvider`)
 * and has signed the agreement: RESELLER_NOT_AUTHORIZED otherwise.
 */
export function decideNewCustomerRelationship(args: {
  partner: PartnerFacts;
  resellerId: string | null;
  reseller: PartnerFacts | null;
  resellerActiveWithProvider: boolean;
}): { partnerId: string; indirectProviderId: string | null } {
  const { partner, resellerId, reseller } = args;
  if (!resellerId) return { partnerId: partner.id, indirectProviderId: null };
  if (!isIndirectProvider(partner) || !reseller || !args.resellerActiveWithProvider || !reseller.agreementSigned) {
    throw fail("RESELLER_NOT_AUTHORIZED", "The reseller is not active with you or has not signed the partner agreement.");
  }
  return { partnerId: resellerId, indirectProviderId: partner.id };
}

// ---- relationship requests (CR1, CR2) ----

export const REQUEST_LIFETIME_MS = 90 * DAY_MS;

/** Codes are base64url (see createRelationshipRequest): anything else names no request and is bad input. */
const REQUEST_CODE = /^[A-Za-z0-9_-]{1,100}$/;
export function requestCode(value: string | null | undefined): string {
  const trimmed = (value ?? "").trim();
  if (!REQUEST_CODE.test(trimmed)) throw badInput("code", trimmed ? "is not a relationship request code." : "must not be empty.");
  return trimmed;
}

export function requestStatus(req: RelationshipRequest, now: Date): RelationshipRequestStatus {
  if (req.storedStatus === RelationshipRequestStatus.PENDING && now >= req.expiresAt) return RelationshipRequestStatus.EXPIRED;
  return req.storedStatus;
}

/**
 * CR2, before any fact is asked: only an indirect reseller names an indirect provider
 * (INVALID_PARTNER_TYPE), and a partner that is only an indirect reseller must name one.
 */
export function checkRequestProvider(partner: PartnerFacts, providerId: string | null): void {
  if (providerId) {
    if (!isIndirectReseller(partner)) throw fail("INVALID_PARTNER_TYPE", "Only an indirect reseller names an indirect provider.");
  } else if (isResellerOnly(partner)) {
    throw badInput("input.indirectProviderId", "an indirect reseller must name one of its active indirect providers.");
  }
}

/** CR2: the provider a request names must be ACTIVE with the reseller asking. */
export function checkNamedProviderActive(providerActive: boolean): void {
  if (!providerActive) throw fail("RESELLER_NOT_AUTHORIZED", "The named provider has no ACTIVE relationship with you.");
}

/** CR1: a request that does not exist or was used is NOT_FOUND (a code works once); one past its 90 days is REQUEST_EXPIRED. */
export function checkRequestAcceptable(request: RelationshipRequest | null, now: Date): asserts request is RelationshipRequest {
  if (!request || request.storedStatus === RelationshipRequestStatus.ACCEPTED) throw notFound("Relationship request");
  if (requestStatus(request, now) === RelationshipRequestStatus.EXPIRED) throw fail("REQUEST_EXPIRED", "The relationship request has expired.");
}

/** CR2: on acceptance, the reseller must still be ACTIVE with the provider its request names. */
export function checkProviderStillActive(providerActive: boolean): void {
  if (!providerActive) throw fail("RESELLER_NOT_AUTHORIZED", "The reseller's relationship with the named provider is no longer active.");
}

/** CR1: a partner has at most one ACTIVE reseller relationship with a customer. */
export function checkNoActiveRelationship(exists: boolean): void {
  if (exists) throw fail("RELATIONSHIP_EXISTS", "This partner already has an active relationship with you.");
}

/** CR3: a reseller relationship is not removed while its partner has ACTIVE subscriptions for the customer. */
export function checkNoActiveSubscriptions(activeSubscriptionCount: number): void {
  if (activeSubscriptionCount > 0) {
    throw fail("ACTIVE_SUBSCRIPTIONS_EXIST", `The partner still has ${activeSubscriptionCount} active subscription(s) for this customer; suspend them first.`);
  }
}

// ---- delegated admin (DA1–DA4) ----

export const DAP_APPROVAL_WINDOW_MS = 90 * DAY_MS;
export const DAP_AUTO_EXTENSION_MS = 180 * DAY_MS;

/** The status and end a delegated admin relationship has at `now`; expiry needs no background job. */
export function delegatedAdminState(dap: DelegatedAdminRelationship, now: Date): { status: DelegatedAdminStatus; endsAt: Date | null } {
  if (dap.storedStatus === DelegatedAdminStatus.APPROVAL_PENDING) {
    const expired = now >= addMs(dap.createdAt, DAP_APPROVAL_WINDOW_MS);
    return { status: expired ? DelegatedAdminStatus.EXPIRED : DelegatedAdminStatus.APPROVAL_PENDING, endsAt: null };
  }
  if (dap.storedStatus === DelegatedAdminStatus.ACTIVE && dap.storedEndsAt) {
    let endsAt = dap.storedEndsAt;
    if (now < endsAt) return { status: DelegatedAdminStatus.ACTIVE, endsAt };
    if (!dap.autoExtend) return { status: DelegatedAdminStatus.EXPIRED, endsAt };
    const periods = Math.floor((now.getTime() - endsAt.getTime()) / DAP_AUTO_EXTENSION_MS) + 1;
    endsAt = addMs(endsAt, periods * DAP_AUTO_EXTENSION_MS);
    return { status: DelegatedAdminStatus.ACTIVE, endsAt };
  }
  return { status: dap.storedStatus, endsAt: dap.storedEndsAt };
}

export const isActiveDap = (dap: DelegatedAdminRelationship, now: Date) =>
  delegatedAdminState(dap, now).status === DelegatedAdminStatus.ACTIVE;

/** DA1: a display name is unique among the partner's delegated admin relationships. */
export function checkDisplayNameFree(taken: boolean): void {
  if (taken) throw fail("DUPLICATE_NAME", "You already have a delegated admin relationship with this display name.");
}

/** DA2: the customer approves its own relationship, and only one that is APPROVAL_PENDING now; another customer's does not exist for it. */
export function checkMayApprove(viewer: UserPrincipal, dap: DelegatedAdminRelationship | null, now: Date): asserts dap is DelegatedAdminRelationship {
  if (!dap || dap.customerId !== viewer.tid) throw notFound("Delegated admin relationship");
  const state = delegatedAdminState(dap, now).status;
  if (state !== DelegatedAdminStatus.APPROVAL_PENDING) throw fail("INVALID_STATE", `The relationship is ${state}, not APPROVAL_PENDING.`);
}

/** DA4: either side (its partner, its customer) terminates a pending or active relationship; expiry and termination are final. */
export function checkMayTerminateDelegatedAdmin(viewer: UserPrincipal, dap: DelegatedAdminRelationship | null, now: Date): asserts dap is DelegatedAdminRelationship {
  const party = dap && (viewer.org === "partner" ? dap.partnerId === viewer.tid : dap.customerId === viewer.tid);
  if (!dap || !party) throw notFound("Delegated admin relationship");
  const state = delegatedAdminState(dap, now).status;
  if (state !== DelegatedAdminStatus.ACTIVE && state !== DelegatedAdminStatus.APPROVAL_PENDING) {
    throw fail("INVALID_STATE", `The relationship is ${state}; expiry and termination are final.`);
  }
}

/**
 * Text of 1 to `max` characters, counted as code points (as PostgreSQL's varchar counts them),
 * not UTF-16 code units: "😀" is one character.
 */
function characters(value: string | null | undefined, field: string, max: number): string {
  const trimmed = text(value, field, Number.MAX_SAFE_INTEGER);
  if ([...trimmed].length > max) throw badInput(field, `must be at most ${max} characters.`);
  return trimmed;
}

export function validateDelegatedAdmin(input: CreateDelegatedAdminRelationshipInput) {
  const displayName = characters(input.displayName, "input.displayName", 50);
  const roles = [...new Set(input.roles ?? [])];
  if (roles.length === 0) throw badInput("input.roles", "must name at least one admin role.");
  const durationDays = integerInRange(input.durationDays, "input.durationDays", 1, 730);
  if (input.autoExtend && roles.includes(AdminRole.GLOBAL_ADMINISTRATOR)) {
    throw fail("AUTO_EXTEND_NOT_ALLOWED", "Auto-extend cannot be set on a relationship that holds GLOBAL_ADMINISTRATOR.");
  }
  return { displayName, roles, durationDays, autoExtend: input.autoExtend };
}

// ---- visibility (CV1, MP2, DA5) ----

/** What a partner has with one customer, as this subgraph knows it. */
export interface PartnerStanding {
  /** An ACTIVE reseller relationship: its own, or one recording it as indirect provider (T7). */
  activeReseller: boolean;
  activeDelegatedAdmin: boolean;
}

export function standingOf(
  partnerId: string,
  relationships: CustomerPartnerRelationship[],
  daps: DelegatedAdminRelationship[],
  now: Date,
): PartnerStanding {
  return {
    activeReseller: relationships.some(
      (r) => r.status === CustomerRelationshipStatus.ACTIVE && (r.partnerId === partnerId || r.indirectProviderId === partnerId),
    ),
    activeDelegatedAdmin: daps.some((d) => d.partnerId === partnerId && isActiveDap(d, now)),
  };
}

/** MP2: a partner sees its own relationships (a provider also its resellers'); the customer and operator all. */
export function canSeeCustomerRelationship(viewer: UserPrincipal, rel: CustomerPartnerRelationship): boolean {
  if (viewer.org === "operator") return true;
  if (viewer.org === "customer") return rel.customerId === viewer.tid;
  return rel.partnerId === viewer.tid || rel.indirectProviderId === viewer.tid;
}

/**
 * CR3: who may remove this reseller relationship. Only a GLOBAL_ADMIN of its partner or of its
 * customer; a provider that sees it as its reseller's (MP2, T7) but is not its partner is
 * FORBIDDEN; anyone who cannot see it (or no ACTIVE relationship) gets NOT_FOUND.
 */
export function checkMayRemoveRelationship(viewer: UserPrincipal, rel: CustomerPartnerRelationship | null): asserts rel is CustomerPartnerRelationship {
  if (!rel || rel.status !== CustomerRelationshipStatus.ACTIVE || !canSeeCustomerRelationship(viewer, rel)) throw notFound("Reseller relationship");
  const party = viewer.org === "partner" ? rel.partnerId === viewer.tid : viewer.org === "customer";
  if (!party) throw forbidden("Only the relationship's partner or its customer may remove it; an indirect provider may not.");
}

export function canSeeDelegatedAdmin(viewer: UserPrincipal, dap: DelegatedAdminRelationship): boolean {
  if (viewer.org === "operator") return true;
  if (viewer.org === "customer") return dap.customerId === viewer.tid;
  return dap.partnerId === viewer.tid;
}

// ---- inputs ----

export function validateRegistration(input: RegisterCustomerTenantInput) {
  return {
    id: idOrNew(input.id, "input.id"),
    companyName: text(input.companyName, "input.companyName", 200),
    defaultDomain: domainName(input.defaultDomain, "input.defaultDomain"),
    cloud: input.cloud,
    country: country(input.country, "input.country"),
  };
}

export function validateBillingProfile(input: BillingProfileInput | null | undefined) {
  if (!input) return { billingEmail: null, billingAddressLine: null, billingCity: null, billingPostalCode: null };
  return {
    billingEmail: email(input.email, "input.billingProfile.email"),
    billingAddressLine: optionalText(input.addressLine, "input.billingProfile.addressLine", 200),
    billingCity: optionalText(input.city, "input.billingProfile.city", 100),
    billingPostalCode: optionalText(input.postalCode, "input.billingProfile.postalCode", 20),
  };
}

/** NC1, NC4 between a partner and a customer. */
export function checkSameCloudAndCountry(partner: PartnerFacts, customer: { cloud: Cloud; country: string }): void {
  if (partner.cloud !== customer.cloud) throw fail("CLOUD_MISMATCH", "The partner and the customer are in different clouds.");
  if (partner.country !== customer.country) throw fail("REGION_MISMATCH", "The partner and the customer are in different countries.");
}

export const isIndirectProvider = (p: PartnerFacts) => p.programs.includes(CspProgram.INDIRECT_PROVIDER);
export const isResellerOnly = (p: PartnerFacts) => p.programs.length === 1 && p.programs[0] === CspProgram.INDIRECT_RESELLER;
export const isIndirectReseller = (p: PartnerFacts) => p.programs.includes(CspProgram.INDIRECT_RESELLER);
