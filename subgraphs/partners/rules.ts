/**
 * The partners subgraph's rules, in one place: who sees a partner profile (P1) and a
 * reseller relationship, and what the two-tier mutations allow (T1–T3, NC1, NC4).
 * Pure functions over rows and the caller, so they are unit-tested without a server.
 */
import { requireRole } from "../../common/identity/authorization";
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { ResellerRelationshipStatus } from "./enums";
import { badInput, fail, forbidden, notFound } from "../../common/errors/errors";
import { UserPrincipal } from "../../common/identity/identity";
import { country, idOrNew, text } from "../../common/graphql/validation";
import type { EnrollPartnerInput, Partner, ResellerRelationship } from "./model";

/** What a viewer's directory covers: everything (operator) or one cloud (P1). */
export type DirectoryScope = { all: true } | { all: false; cloud: Cloud | null };

export function canSeePartner(scope: DirectoryScope, partner: Partner): boolean {
  return scope.all || partner.cloud === scope.cloud;
}

export function canSeeRelationship(viewer: UserPrincipal, rel: ResellerRelationship): boolean {
  if (viewer.org === "operator") return true;
  return viewer.org === "partner" && (rel.providerId === viewer.tid || rel.resellerId === viewer.tid);
}

export const ROLES = {
  enrollPartner: ["OPERATOR"],
  inviteReseller: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"],
  acceptResellerInvitation: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"],
  terminateAsProvider: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"],
  terminateAsReseller: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"],
} as const;

/** An MPN ID is 1 to 20 digits; anything else names no partner and never reaches SQL. */
export function mpnIdArg(value: string | null | undefined, field: string): string {
  const mpnId = (value ?? "").trim();
  if (!/^\d{1,20}$/.test(mpnId)) throw badInput(field, "must be 1 to 20 digits.");
  return mpnId;
}

export function validateEnrollment(input: EnrollPartnerInput) {
  const mpnId = mpnIdArg(input.mpnId, "input.mpnId");
  const programs = [...new Set(input.programs ?? [])];
  if (programs.length === 0) throw badInput("input.programs", "must name at least one program.");
  return {
    id: idOrNew(input.id, "input.id"),
    mpnId,
    name: text(input.name, "input.name", 200),
    programs,
    cloud: input.cloud,
    country: country(input.country, "input.country"),
    agreementSigned: input.agreementSigned,
  };
}

export const isProvider = (p: Pick<Partner, "programs">) => p.programs.includes(CspProgram.INDIRECT_PROVIDER);
export const isReseller = (p: Pick<Partner, "programs">) => p.programs.includes(CspProgram.INDIRECT_RESELLER);

/** The key of the pair {a, b}, the same whichever of them is the provider (T1: one open link per pair). */
export const pairKeyOf = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** T1, NC1, NC4: may `provider` invite `reseller`? (`existing`: their links, in either direction.) */
export function checkInvitation(provider: Partner, reseller: Partner, existing: ResellerRelationship[]): void {
  if (!isProvider(provider)) throw fail("INVALID_PARTNER_TYPE", "Only an indirect provider may invite resellers.");
  if (provider.id === reseller.id) throw badInput("input.resellerMpnId", "a partner cannot invite itself.");
  if (!isReseller(reseller)) throw fail("INVALID_PARTNER_TYPE", "The invited partner is not enrolled as an indirect reseller.");
  if (provider.cloud !== reseller.cloud) throw fail("CLOUD_MISMATCH", "The reseller is in another cloud.");
  if (provider.country !== reseller.country) throw fail("REGION_MISMATCH", "The reseller is in another country.");
  checkNoOpenRelationship(existing.some((r) => r.status !== ResellerRelationshipStatus.TERMINATED));
}

/** T1: two partners have at most one pending or active relationship, whichever of them is the provider. */
export function checkNoOpenRelationship(open: boolean): void {
  if (open) throw fail("RELATIONSHIP_EXISTS", "A pending or active relationship with this reseller already exists.");
}

/** T2: only the invited reseller accepts, and only a pending invitation. */
export function checkAcceptance(viewer: UserPrincipal, rel: ResellerRelationship): void {
  if (!canSeeRelationship(viewer, rel)) throw notFound("Reseller relationship");
  if (rel.resellerId !== viewer.tid) throw forbidden("Only the invited reseller can accept an invitation.");
  requireRole(viewer, "partner", ROLES.acceptResellerInvitation);
  if (rel.status !== ResellerRelationshipStatus.PENDING) throw fail("INVALID_STATE", `The relationship is ${rel.status}, not PENDING.`);
}

/** T3: either side terminates a pending or active relationship, with its side's roles. */
export function checkTermination(viewer: UserPrincipal, rel: ResellerRelationship): void {
  if (!canSeeRelationship(viewer, rel)) throw notFound("Reseller relationship");
  const roles = rel.providerId === viewer.tid ? ROLES.terminateAsProvider : ROLES.terminateAsReseller;
  requireRole(viewer, "partner", roles);
  if (rel.status === ResellerRelationshipStatus.TERMINATED) throw fail("INVALID_STATE", "The relationship is already TERMINATED.");
}
