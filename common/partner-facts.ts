/**
 * The partners subgraph's internal questions, asked the same way by customers and
 * subscriptions: a partner's enrolment facts, and which resellers are ACTIVE with a provider.
 */
import DataLoader from "dataloader";
import { Cloud, CspProgram } from "./enums";
import { HeldClaim, heldClaim } from "./claim-client";
import { InternalClient } from "./internal-client";

export interface PartnerFacts {
  id: string;
  cloud: Cloud;
  country: string;
  programs: CspProgram[];
  agreementSigned: boolean;
}

/** Per request: partners by id, in one internal call per tick; null for a tenant that is no partner. */
export function partnerFactsLoader(partners: InternalClient) {
  return new DataLoader<string, PartnerFacts | null>(async (ids) => {
    const { partners: found } = await partners.request<{ partners: PartnerFacts[] }>(
      "query($ids: [ID!]!) { partners(ids: $ids) { id cloud country programs agreementSigned } }",
      { ids },
      "the partner's enrolment",
    );
    const byId = new Map(found.map((p) => [p.id, p]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Which of `resellerIds` have an ACTIVE relationship with `providerId` at this moment (T4, T5, CR2, S6). */
export async function activeResellersOf(partners: InternalClient, providerId: string, resellerIds: string[]): Promise<Set<string>> {
  const { activeResellerIds } = await partners.request<{ activeResellerIds: string[] }>(
    "query($p: ID!, $r: [ID!]!) { activeResellerIds(providerId: $p, resellerIds: $r) }",
    { p: providerId, r: resellerIds },
    "the reseller's relationship with its provider",
  );
  return new Set(activeResellerIds);
}

/**
 * X1: like activeResellersOf, and claims those ACTIVE relationships for `operation` (T4, T5, CR2):
 * none of them can be terminated (T3) until the claim is released or its lease ends.
 */
export async function claimActiveResellers(
  partners: InternalClient,
  providerId: string,
  resellerIds: string[],
  operation: string,
): Promise<{ active: Set<string>; claim: HeldClaim }> {
  const askedAt = performance.now();
  const { claimActiveResellers: answer } = await partners.request<{ claimActiveResellers: { claimId: string | null; leaseMs: number; activeResellerIds: string[] } }>(
    "mutation($p: ID!, $r: [ID!]!, $o: String!) { claimActiveResellers(providerId: $p, resellerIds: $r, operation: $o) { claimId leaseMs activeResellerIds } }",
    { p: providerId, r: resellerIds, o: operation },
    "the reseller's relationship with its provider",
  );
  return { active: new Set(answer.activeResellerIds), claim: heldClaim(partners, answer.claimId, askedAt, answer.leaseMs) };
}
