/**
 * How the other subgraphs ask the partners subgraph (its `/internal/graphql`, internal.ts): a
 * partner's enrolment facts, and which resellers are ACTIVE with a provider, asked or claimed.
 * Every document is declared here once, typed with the classes internal.ts answers with (only
 * as types: loading this module loads none of the partners subgraph's code).
 */
import DataLoader from "dataloader";
import { HeldClaim, heldClaim } from "../../common/mutations/claim-client";
import { InternalClient, InternalDocument } from "../../common/service/internal-client";
import type { PartnerFacts, ResellerClaim } from "./internal";

export type { PartnerFacts };

/** Every question other subgraphs ask of the partners subgraph (test/unit/internal-documents.test.ts validates each). */
export const PARTNERS_DOCUMENTS = {
  partners: new InternalDocument<{ partners: PartnerFacts[] }, { ids: readonly string[] }>(
    "query($ids: [ID!]!) { partners(ids: $ids) { id cloud country programs agreementSigned } }",
  ),
  activeResellerIds: new InternalDocument<{ activeResellerIds: string[] }, { p: string; r: string[] }>(
    "query($p: ID!, $r: [ID!]!) { activeResellerIds(providerId: $p, resellerIds: $r) }",
  ),
  claimActiveResellers: new InternalDocument<{ claimActiveResellers: ResellerClaim }, { p: string; r: string[]; o: string }>(
    "mutation($p: ID!, $r: [ID!]!, $o: String!) { claimActiveResellers(providerId: $p, resellerIds: $r, operation: $o) { claimId leaseMs activeResellerIds } }",
  ),
  releaseClaim: new InternalDocument<{ releaseClaim: boolean }, { id: string }>("mutation($id: ID!) { releaseClaim(claimId: $id) }"),
};

/** Per request: partners by id, in one internal call per tick; null for a tenant that is no partner. */
export function partnerFactsLoader(partners: InternalClient) {
  return new DataLoader<string, PartnerFacts | null>(async (ids) => {
    const { partners: found } = await partners.request(PARTNERS_DOCUMENTS.partners, { ids }, "the partner's enrolment");
    const byId = new Map(found.map((p) => [p.id, p]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Which of `resellerIds` have an ACTIVE relationship with `providerId` at this moment (T4, T5, CR2, S6). */
export async function activeResellersOf(partners: InternalClient, providerId: string, resellerIds: string[]): Promise<Set<string>> {
  const { activeResellerIds } = await partners.request(
    PARTNERS_DOCUMENTS.activeResellerIds,
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
  const { claimActiveResellers: answer } = await partners.request(
    PARTNERS_DOCUMENTS.claimActiveResellers,
    { p: providerId, r: resellerIds, o: operation },
    "the reseller's relationship with its provider",
  );
  const release = (id: string) => partners.request(PARTNERS_DOCUMENTS.releaseClaim, { id }, "the release of a claim");
  return { active: new Set(answer.activeResellerIds), claim: heldClaim(release, answer.claimId, askedAt, answer.leaseMs) };
}
