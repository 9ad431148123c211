/** Helpers for the two-tier tests (T1–T3, T7): invitations, and reading a provider's links as the operator. */
import { enroll, PartnerSeed } from "./fixtures";
import { GqlResult, operatorToken, Stack } from "./stack";

export type Enrolled = { id: string; mpnId: string; token: string };

export const enrollProvider = (stack: Stack, seed: PartnerSeed = {}): Promise<Enrolled> => enroll(stack, { programs: ["INDIRECT_PROVIDER"], ...seed });
export const enrollReseller = (stack: Stack, seed: PartnerSeed = {}): Promise<Enrolled> => enroll(stack, { programs: ["INDIRECT_RESELLER"], ...seed });

const REL = "relationship { id status invitedAt acceptedAt terminatedAt provider { id } reseller { id } }";

export const invite = (stack: Stack, token: string, resellerMpnId: string): Promise<GqlResult> =>
  stack.gql(token, `mutation($m: String!) { inviteReseller(input: { resellerMpnId: $m }) { ${REL} } }`, { m: resellerMpnId });

export const accept = (stack: Stack, token: string, id: string): Promise<GqlResult> =>
  stack.gql(token, `mutation($id: ID!) { acceptResellerInvitation(relationshipId: $id) { ${REL} } }`, { id });

export const terminate = (stack: Stack, token: string, id: string): Promise<GqlResult> =>
  stack.gql(token, `mutation($id: ID!) { terminateResellerRelationship(relationshipId: $id) { ${REL} } }`, { id });

/** Invites and returns the new relationship's id, throwing on any error. */
export async function invited(stack: Stack, provider: { token: string }, reseller: { mpnId: string }): Promise<string> {
  const res = await invite(stack, provider.token, reseller.mpnId);
  if (res.errors) throw new Error(`invite failed: ${JSON.stringify(res.errors)}`);
  return res.data.inviteReseller.relationship.id;
}

export interface LinkView {
  id: string;
  status: string;
  provider: { id: string };
  reseller: { id: string };
}

/** A partner's links as the operator sees them: both lists, every status. */
export async function linksOf(stack: Stack, partnerId: string): Promise<{ resellers: { totalCount: number; nodes: LinkView[] }; providers: { totalCount: number; nodes: LinkView[] } }> {
  const res = await stack.gql(
    await operatorToken(),
    `query($id: ID!) { partner(id: $id) {
      resellers(first: 100) { totalCount nodes { id status provider { id } reseller { id } } }
      providers(first: 100) { totalCount nodes { id status provider { id } reseller { id } } }
    } }`,
    { id: partnerId },
  );
  if (res.errors) throw new Error(`linksOf failed: ${JSON.stringify(res.errors)}`);
  return res.data.partner;
}

/** A snapshot of both partners' lists, to prove a refusal changed nothing. */
export async function snapshot(stack: Stack, ...partnerIds: string[]) {
  return Promise.all(partnerIds.map((id) => linksOf(stack, id)));
}
