/**
 * The two-tier hierarchy, through the gateway: T1–T3 (with NC1, NC4), the role
 * table of the three two-tier mutations, the reads (Partner.resellers / providers), P1,
 * T3 + T7 with customers, and `_entities` on the partners subgraph.
 */
import { randomUUID } from "node:crypto";
import { PARTNER_ROLES } from "../common/identity/identity";
import { createCustomer, enroll, registerCustomer } from "./support/fixtures";
import { codeOf, customerToken, DIALECTS, operatorToken, partnerToken, Stack, startStack } from "./support/stack";
import { accept, enrollProvider, enrollReseller, invite, invited, linksOf, snapshot, terminate } from "./support/two-tier-fixtures";

const INVITE_ROLES = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"];
const ACCEPT_ROLES = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"];
const TERMINATE_PROVIDER_ROLES = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"];
const TERMINATE_RESELLER_ROLES = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"];
const roleCases = (allowed: string[]) => PARTNER_ROLES.map((role) => [role, allowed.includes(role) ? "allowed" : "FORBIDDEN"] as const);

describe.each(DIALECTS)("two-tier hierarchy through the gateway (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  describe("inviteReseller (T1, NC1, NC4)", () => {
    it("T1: an indirect provider invites an indirect reseller by MPN ID: a PENDING relationship", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const res = await invite(stack, provider.token, ` ${reseller.mpnId} `);
      expect(res.errors).toBeUndefined();
      const rel = res.data.inviteReseller.relationship;
      expect(rel).toMatchObject({ status: "PENDING", acceptedAt: null, terminatedAt: null, provider: { id: provider.id }, reseller: { id: reseller.id } });
      expect(typeof rel.invitedAt).toBe("string");
      const [p, r] = await snapshot(stack, provider.id, reseller.id);
      expect(p.resellers.nodes.map((n) => [n.id, n.status])).toEqual([[rel.id, "PENDING"]]);
      expect(r.providers.nodes.map((n) => [n.id, n.status])).toEqual([[rel.id, "PENDING"]]);
    });

    it("T1: a reseller-only partner cannot invite: INVALID_PARTNER_TYPE", async () => {
      const notProvider = await enrollReseller(stack);
      const reseller = await enrollReseller(stack);
      const before = await snapshot(stack, notProvider.id, reseller.id);
      const res = await invite(stack, notProvider.token, reseller.mpnId);
      expect(codeOf(res)).toBe("INVALID_PARTNER_TYPE");
      expect(res.data?.inviteReseller ?? null).toBeNull();
      expect(await snapshot(stack, notProvider.id, reseller.id)).toEqual(before);
      expect(before[1].providers.totalCount).toBe(0);
    });

    it("T1: a direct-bill-only partner cannot invite: INVALID_PARTNER_TYPE", async () => {
      const direct = await enroll(stack, { programs: ["DIRECT_BILL"] });
      const reseller = await enrollReseller(stack);
      const res = await invite(stack, direct.token, reseller.mpnId);
      expect(codeOf(res)).toBe("INVALID_PARTNER_TYPE");
      expect((await linksOf(stack, reseller.id)).providers.totalCount).toBe(0);
    });

    it("T1: a partner not enrolled as INDIRECT_RESELLER cannot be invited: INVALID_PARTNER_TYPE", async () => {
      const provider = await enrollProvider(stack);
      for (const programs of [["DIRECT_BILL"], ["INDIRECT_PROVIDER"]]) {
        const invitee = await enroll(stack, { programs });
        const res = await invite(stack, provider.token, invitee.mpnId);
        expect(codeOf(res)).toBe("INVALID_PARTNER_TYPE");
        expect((await linksOf(stack, invitee.id)).providers.totalCount).toBe(0);
      }
      expect((await linksOf(stack, provider.id)).resellers.totalCount).toBe(0);
    });

    it("T1: a partner in several programs (direct bill and indirect reseller) may be invited", async () => {
      const provider = await enrollProvider(stack, { programs: ["DIRECT_BILL", "INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["DIRECT_BILL", "INDIRECT_RESELLER"] });
      const res = await invite(stack, provider.token, reseller.mpnId);
      expect(res.errors).toBeUndefined();
      expect(res.data.inviteReseller.relationship.status).toBe("PENDING");
    });

    it("T1: an unknown MPN ID is NOT_FOUND, a malformed one BAD_USER_INPUT on input.resellerMpnId", async () => {
      const provider = await enrollProvider(stack);
      expect(codeOf(await invite(stack, provider.token, "99999999999999999"))).toBe("NOT_FOUND");
      const bad = await invite(stack, provider.token, "12ab");
      expect(codeOf(bad)).toBe("BAD_USER_INPUT");
      expect(bad.errors![0].extensions!.field).toBe("input.resellerMpnId");
      expect((await linksOf(stack, provider.id)).resellers.totalCount).toBe(0);
    });

    it("T1: a partner in both indirect programs cannot invite itself: BAD_USER_INPUT", async () => {
      const both = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "INDIRECT_RESELLER"] });
      const res = await invite(stack, both.token, both.mpnId);
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      const links = await linksOf(stack, both.id);
      expect([links.resellers.totalCount, links.providers.totalCount]).toEqual([0, 0]);
    });

    it("T1: a pending relationship between the pair exists: RELATIONSHIP_EXISTS", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const first = await invited(stack, provider, reseller);
      const before = await snapshot(stack, provider.id, reseller.id);
      const res = await invite(stack, provider.token, reseller.mpnId);
      expect(codeOf(res)).toBe("RELATIONSHIP_EXISTS");
      const after = await snapshot(stack, provider.id, reseller.id);
      expect(after).toEqual(before);
      expect(after[0].resellers.nodes.map((n) => [n.id, n.status])).toEqual([[first, "PENDING"]]);
    });

    it("T1: an active relationship between the pair exists: RELATIONSHIP_EXISTS", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      expect((await accept(stack, reseller.token, id)).errors).toBeUndefined();
      const before = await snapshot(stack, provider.id, reseller.id);
      const res = await invite(stack, provider.token, reseller.mpnId);
      expect(codeOf(res)).toBe("RELATIONSHIP_EXISTS");
      const after = await snapshot(stack, provider.id, reseller.id);
      expect(after).toEqual(before);
      expect(after[0].resellers.nodes.map((n) => [n.id, n.status])).toEqual([[id, "ACTIVE"]]);
    });

    it("T1: concurrent invitations of the same pair make exactly one relationship; the others are RELATIONSHIP_EXISTS", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const results = await Promise.all(Array.from({ length: 5 }, () => invite(stack, provider.token, reseller.mpnId)));
      const codes = results.map((r) => codeOf(r) ?? "ok").sort();
      expect(codes).toEqual(["RELATIONSHIP_EXISTS", "RELATIONSHIP_EXISTS", "RELATIONSHIP_EXISTS", "RELATIONSHIP_EXISTS", "ok"]);
      const links = await linksOf(stack, provider.id);
      expect(links.resellers.totalCount).toBe(1);
      expect(links.resellers.nodes[0].status).toBe("PENDING");
    });

    it("T1: a relationship the other way round between the same two partners also exists: RELATIONSHIP_EXISTS", async () => {
      const a = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "INDIRECT_RESELLER"] });
      const b = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "INDIRECT_RESELLER"] });
      const ab = await invited(stack, a, b);
      const before = await snapshot(stack, a.id, b.id);
      expect(codeOf(await invite(stack, b.token, a.mpnId))).toBe("RELATIONSHIP_EXISTS");
      await accept(stack, b.token, ab);
      expect(codeOf(await invite(stack, b.token, a.mpnId))).toBe("RELATIONSHIP_EXISTS");
      const after = await snapshot(stack, a.id, b.id);
      expect(after[0].resellers.nodes.map((n) => [n.id, n.status])).toEqual([[ab, "ACTIVE"]]);
      expect([after[0].providers.totalCount, after[1].resellers.totalCount]).toEqual([0, 0]);
      expect(before[0].resellers.nodes.map((n) => n.status)).toEqual(["PENDING"]);
      // Once it has ended, the other side may invite.
      await terminate(stack, a.token, ab);
      const ba = await invite(stack, b.token, a.mpnId);
      expect(ba.errors).toBeUndefined();
      expect(ba.data.inviteReseller.relationship).toMatchObject({ status: "PENDING", provider: { id: b.id }, reseller: { id: a.id } });
    });

    it("T1: concurrent invitations in both directions between two partners make exactly one relationship", async () => {
      const a = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "INDIRECT_RESELLER"] });
      const b = await enroll(stack, { programs: ["INDIRECT_PROVIDER", "INDIRECT_RESELLER"] });
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? invite(stack, a.token, b.mpnId) : invite(stack, b.token, a.mpnId))));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.filter((r) => codeOf(r) === "RELATIONSHIP_EXISTS")).toHaveLength(5);
      const [la, lb] = await snapshot(stack, a.id, b.id);
      expect(la.resellers.totalCount + la.providers.totalCount).toBe(1);
      expect(lb.resellers.totalCount + lb.providers.totalCount).toBe(1);
    });

    it("NC1: a reseller of another cloud cannot be invited: CLOUD_MISMATCH", async () => {
      const provider = await enrollProvider(stack, { cloud: "GLOBAL" });
      const reseller = await enrollReseller(stack, { cloud: "US_GOVERNMENT" });
      const before = await snapshot(stack, provider.id, reseller.id);
      const res = await invite(stack, provider.token, reseller.mpnId);
      expect(codeOf(res)).toBe("CLOUD_MISMATCH");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      expect(before[0].resellers.totalCount + before[1].providers.totalCount).toBe(0);
    });

    it("NC4: a reseller of another country cannot be invited: REGION_MISMATCH", async () => {
      const provider = await enrollProvider(stack, { country: "US" });
      const reseller = await enrollReseller(stack, { country: "CA" });
      const before = await snapshot(stack, provider.id, reseller.id);
      const res = await invite(stack, provider.token, reseller.mpnId);
      expect(codeOf(res)).toBe("REGION_MISMATCH");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      expect(before[0].resellers.totalCount + before[1].providers.totalCount).toBe(0);
    });
  });

  describe("acceptResellerInvitation and terminateResellerRelationship (T2, T3)", () => {
    it("T2/T3: lifecycle PENDING → ACTIVE → TERMINATED, with its timestamps", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const accepted = await accept(stack, reseller.token, id);
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data.acceptResellerInvitation.relationship).toMatchObject({ id, status: "ACTIVE", terminatedAt: null });
      expect(accepted.data.acceptResellerInvitation.relationship.acceptedAt).toEqual(expect.any(String));
      const ended = await terminate(stack, provider.token, id);
      expect(ended.errors).toBeUndefined();
      expect(ended.data.terminateResellerRelationship.relationship).toMatchObject({ id, status: "TERMINATED" });
      expect(ended.data.terminateResellerRelationship.relationship.terminatedAt).toEqual(expect.any(String));
      expect(ended.data.terminateResellerRelationship.relationship.acceptedAt).toBe(accepted.data.acceptResellerInvitation.relationship.acceptedAt);
      const [p, r] = await snapshot(stack, provider.id, reseller.id);
      expect(p.resellers.nodes.map((n) => n.status)).toEqual(["TERMINATED"]);
      expect(r.providers.nodes.map((n) => n.status)).toEqual(["TERMINATED"]);
    });

    it("T3: the reseller terminates an active relationship", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, id);
      const res = await terminate(stack, reseller.token, id);
      expect(res.errors).toBeUndefined();
      expect(res.data.terminateResellerRelationship.relationship.status).toBe("TERMINATED");
    });

    it("T3: either side terminates a pending invitation (the provider withdraws, the reseller declines)", async () => {
      const provider = await enrollProvider(stack);
      const r1 = await enrollReseller(stack);
      const r2 = await enrollReseller(stack);
      const a = await invited(stack, provider, r1);
      const b = await invited(stack, provider, r2);
      const byProvider = await terminate(stack, provider.token, a);
      const byReseller = await terminate(stack, r2.token, b);
      expect(byProvider.data.terminateResellerRelationship.relationship).toMatchObject({ status: "TERMINATED", acceptedAt: null });
      expect(byReseller.data.terminateResellerRelationship.relationship).toMatchObject({ status: "TERMINATED", acceptedAt: null });
      // A declined invitation cannot be accepted afterwards.
      expect(codeOf(await accept(stack, r1.token, a))).toBe("INVALID_STATE");
    });

    it("T3: terminated is final: accepting or terminating again is INVALID_STATE and changes nothing", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, id);
      const ended = await terminate(stack, provider.token, id);
      const terminatedAt = ended.data.terminateResellerRelationship.relationship.terminatedAt;
      const before = await snapshot(stack, provider.id, reseller.id);
      expect(codeOf(await accept(stack, reseller.token, id))).toBe("INVALID_STATE");
      expect(codeOf(await terminate(stack, provider.token, id))).toBe("INVALID_STATE");
      expect(codeOf(await terminate(stack, reseller.token, id))).toBe("INVALID_STATE");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      const again = await stack.gql(await operatorToken(), `query($id: ID!) { partner(id: $id) { resellers { nodes { terminatedAt } } } }`, { id: provider.id });
      expect(again.data.partner.resellers.nodes[0].terminatedAt).toBe(terminatedAt);
    });

    it("T2: an ACTIVE relationship cannot be accepted again: INVALID_STATE", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const first = await accept(stack, reseller.token, id);
      const res = await accept(stack, reseller.token, id);
      expect(codeOf(res)).toBe("INVALID_STATE");
      const rel = (await linksOf(stack, provider.id)).resellers.nodes[0];
      expect(rel.status).toBe("ACTIVE");
      expect(first.data.acceptResellerInvitation.relationship.status).toBe("ACTIVE");
    });

    it("T1/T3: a new invitation after termination makes a new relationship; the history stays", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const old = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, old);
      await terminate(stack, reseller.token, old);
      const fresh = await invited(stack, provider, reseller);
      expect(fresh).not.toBe(old);
      expect((await accept(stack, reseller.token, fresh)).data.acceptResellerInvitation.relationship.status).toBe("ACTIVE");
      const [p, r] = await snapshot(stack, provider.id, reseller.id);
      expect(p.resellers.totalCount).toBe(2);
      expect(p.resellers.nodes.map((n) => [n.id, n.status])).toEqual([
        [old, "TERMINATED"],
        [fresh, "ACTIVE"],
      ]);
      expect(r.providers.nodes.map((n) => [n.id, n.status])).toEqual([
        [old, "TERMINATED"],
        [fresh, "ACTIVE"],
      ]);
      // And the new one is open: a third invitation is refused again.
      expect(codeOf(await invite(stack, provider.token, reseller.mpnId))).toBe("RELATIONSHIP_EXISTS");
    });

    it("T2: only the invited reseller can accept: the provider accepting is FORBIDDEN and changes nothing", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const before = await snapshot(stack, provider.id, reseller.id);
      const res = await accept(stack, provider.token, id);
      expect(codeOf(res)).toBe("FORBIDDEN");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      expect(before[0].resellers.nodes[0].status).toBe("PENDING");
    });

    it("T2: a third partner does not see the invitation: accepting it is NOT_FOUND and changes nothing", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const third = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const before = await snapshot(stack, provider.id, reseller.id);
      expect(codeOf(await accept(stack, third.token, id))).toBe("NOT_FOUND");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      expect(before[0].resellers.nodes[0].status).toBe("PENDING");
    });

    it("T2/T3: an unknown relationship id is NOT_FOUND for accept and terminate; a malformed one BAD_USER_INPUT", async () => {
      const reseller = await enrollReseller(stack);
      expect(codeOf(await accept(stack, reseller.token, randomUUID()))).toBe("NOT_FOUND");
      expect(codeOf(await terminate(stack, reseller.token, randomUUID()))).toBe("NOT_FOUND");
      const bad = await terminate(stack, reseller.token, "nope");
      expect(codeOf(bad)).toBe("BAD_USER_INPUT");
      expect(bad.errors![0].extensions!.field).toBe("relationshipId");
    });

    it("T3: a third partner cannot terminate a relationship it cannot see: NOT_FOUND, nothing changes", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const thirdProvider = await enrollProvider(stack);
      const id = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, id);
      const before = await snapshot(stack, provider.id, reseller.id);
      expect(codeOf(await terminate(stack, thirdProvider.token, id))).toBe("NOT_FOUND");
      expect(await snapshot(stack, provider.id, reseller.id)).toEqual(before);
      expect(before[0].resellers.nodes[0].status).toBe("ACTIVE");
    });

    it("T2/T3: concurrent accepts, or terminations by both sides, succeed exactly once; the others are INVALID_STATE", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const accepts = await Promise.all([1, 2, 3, 4].map(() => accept(stack, reseller.token, id)));
      expect(accepts.map((r) => codeOf(r) ?? "ok").sort()).toEqual(["INVALID_STATE", "INVALID_STATE", "INVALID_STATE", "ok"]);
      const ends = await Promise.all([provider, reseller, provider, reseller].map((p) => terminate(stack, p.token, id)));
      expect(ends.map((r) => codeOf(r) ?? "ok").sort()).toEqual(["INVALID_STATE", "INVALID_STATE", "INVALID_STATE", "ok"]);
      const links = await linksOf(stack, provider.id);
      expect(links.resellers.nodes.map((n) => n.status)).toEqual(["TERMINATED"]);
    });

    it("T2: a reseller may work with several providers, a provider with many resellers", async () => {
      const p1 = await enrollProvider(stack);
      const p2 = await enrollProvider(stack);
      const r1 = await enrollReseller(stack);
      const r2 = await enrollReseller(stack);
      for (const [p, r] of [[p1, r1], [p2, r1], [p1, r2]] as const) await accept(stack, r.token, await invited(stack, p, r));
      const [l1, lr1] = await snapshot(stack, p1.id, r1.id);
      expect(l1.resellers.nodes.map((n) => n.reseller.id).sort()).toEqual([r1.id, r2.id].sort());
      expect(lr1.providers.nodes.map((n) => [n.provider.id, n.status]).sort()).toEqual([[p1.id, "ACTIVE"], [p2.id, "ACTIVE"]].sort());
    });
  });

  describe("role table of the two-tier mutations", () => {
    it.each(roleCases(INVITE_ROLES))("Roles/T1: inviteReseller by a provider's %s is %s", async (role, expected) => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const res = await invite(stack, await partnerToken(provider.id, [role]), reseller.mpnId);
      const links = await linksOf(stack, provider.id);
      if (expected === "allowed") {
        expect(res.errors).toBeUndefined();
        expect(links.resellers.nodes.map((n) => n.status)).toEqual(["PENDING"]);
      } else {
        expect(codeOf(res)).toBe("FORBIDDEN");
        expect(links.resellers.totalCount).toBe(0);
      }
    });

    it.each(roleCases(ACCEPT_ROLES))("Roles/T2: acceptResellerInvitation by the reseller's %s is %s", async (role, expected) => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const res = await accept(stack, await partnerToken(reseller.id, [role]), id);
      const status = (await linksOf(stack, provider.id)).resellers.nodes[0].status;
      if (expected === "allowed") {
        expect(res.errors).toBeUndefined();
        expect(status).toBe("ACTIVE");
      } else {
        expect(codeOf(res)).toBe("FORBIDDEN");
        expect(status).toBe("PENDING");
      }
    });

    const terminateCases = [
      ...roleCases(TERMINATE_PROVIDER_ROLES).map(([role, expected]) => ["provider", role, expected] as const),
      ...roleCases(TERMINATE_RESELLER_ROLES).map(([role, expected]) => ["reseller", role, expected] as const),
    ];
    it.each(terminateCases)("Roles/T3: terminateResellerRelationship by the %s's %s is %s", async (side, role, expected) => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, id);
      const res = await terminate(stack, await partnerToken(side === "provider" ? provider.id : reseller.id, [role]), id);
      const status = (await linksOf(stack, provider.id)).resellers.nodes[0].status;
      if (expected === "allowed") {
        expect(res.errors).toBeUndefined();
        expect(status).toBe("TERMINATED");
      } else {
        expect(codeOf(res)).toBe("FORBIDDEN");
        expect(status).toBe("ACTIVE");
      }
    });

    it("Roles: a partner holding one allowed role among others may act (roles are a set)", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const res = await invite(stack, await partnerToken(provider.id, ["BILLING_ADMIN", "SALES_AGENT"]), reseller.mpnId);
      expect(res.errors).toBeUndefined();
      expect(res.data.inviteReseller.relationship.status).toBe("PENDING");
    });

    it("Roles: operator and customer tokens get FORBIDDEN for all three two-tier mutations, and nothing changes", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const other = await enrollReseller(stack);
      const id = await invited(stack, provider, reseller);
      const customer = await registerCustomer(stack);
      const before = await snapshot(stack, provider.id, reseller.id, other.id);
      for (const tok of [await operatorToken(), await customerToken(customer.id, ["GLOBAL_ADMIN"]), await customerToken(customer.id, ["USER"])]) {
        expect(codeOf(await invite(stack, tok, other.mpnId))).toBe("FORBIDDEN");
        expect(codeOf(await accept(stack, tok, id))).toBe("FORBIDDEN");
        expect(codeOf(await terminate(stack, tok, id))).toBe("FORBIDDEN");
      }
      expect(await snapshot(stack, provider.id, reseller.id, other.id)).toEqual(before);
      expect(before[0].resellers.nodes.map((n) => n.status)).toEqual(["PENDING"]);
    });
  });

  describe("reads: Partner.resellers and Partner.providers", () => {
    const LIST = `query($id: ID!, $status: ResellerRelationshipStatus, $first: Int, $after: String) {
      partner(id: $id) {
        resellers(status: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } nodes { id status reseller { id } } }
      }
    }`;

    it("T2: resellers with a status filter and Relay paging (first/after, pageInfo, totalCount)", async () => {
      const provider = await enrollProvider(stack);
      const rs = [await enrollReseller(stack), await enrollReseller(stack), await enrollReseller(stack), await enrollReseller(stack)];
      const ids: string[] = [];
      for (const r of rs) ids.push(await invited(stack, provider, r));
      await accept(stack, rs[0].token, ids[0]);
      await accept(stack, rs[1].token, ids[1]);
      await accept(stack, rs[2].token, ids[2]);
      await terminate(stack, provider.token, ids[2]);
      // Now: ACTIVE r0, r1; TERMINATED r2; PENDING r3.
      const all = await stack.gql(provider.token, LIST, { id: provider.id });
      expect(all.errors).toBeUndefined();
      expect(all.data.partner.resellers.totalCount).toBe(4);
      expect(all.data.partner.resellers.nodes.map((n: any) => n.id).sort()).toEqual([...ids].sort());

      const byStatus = async (status: string) => (await stack.gql(provider.token, LIST, { id: provider.id, status })).data.partner.resellers;
      const active = await byStatus("ACTIVE");
      expect(active.totalCount).toBe(2);
      expect(active.nodes.map((n: any) => n.reseller.id).sort()).toEqual([rs[0].id, rs[1].id].sort());
      expect((await byStatus("PENDING")).nodes.map((n: any) => n.id)).toEqual([ids[3]]);
      expect((await byStatus("TERMINATED")).nodes.map((n: any) => [n.id, n.status])).toEqual([[ids[2], "TERMINATED"]]);

      const page1 = (await stack.gql(provider.token, LIST, { id: provider.id, first: 3 })).data.partner.resellers;
      expect(page1.totalCount).toBe(4);
      expect(page1.nodes).toHaveLength(3);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      expect(page1.pageInfo.endCursor).toBe(page1.edges[2].cursor);
      const page2 = (await stack.gql(provider.token, LIST, { id: provider.id, first: 3, after: page1.pageInfo.endCursor })).data.partner.resellers;
      expect(page2.totalCount).toBe(4);
      expect(page2.nodes).toHaveLength(1);
      expect(page2.pageInfo.hasNextPage).toBe(false);
      const seen = [...page1.nodes, ...page2.nodes].map((n: any) => n.id);
      expect(new Set(seen).size).toBe(4);
      expect(seen).toEqual(all.data.partner.resellers.nodes.map((n: any) => n.id));

      const activePage = (await stack.gql(provider.token, LIST, { id: provider.id, status: "ACTIVE", first: 1 })).data.partner.resellers;
      expect([activePage.totalCount, activePage.nodes.length, activePage.pageInfo.hasNextPage]).toEqual([2, 1, true]);
      const empty = (await stack.gql(provider.token, LIST, { id: provider.id, first: 0 })).data.partner.resellers;
      expect([empty.totalCount, empty.nodes.length, empty.pageInfo.hasNextPage, empty.pageInfo.endCursor]).toEqual([4, 0, true, null]);
    });

    it("T2: lists of many partners in one request (batched) give the same links and totals as one by one", async () => {
      const p1 = await enrollProvider(stack);
      const p2 = await enrollProvider(stack);
      const rs = [await enrollReseller(stack), await enrollReseller(stack), await enrollReseller(stack)];
      for (const r of rs) await accept(stack, r.token, await invited(stack, p1, r));
      await accept(stack, rs[0].token, await invited(stack, p2, rs[0]));
      await invited(stack, p2, rs[1]);
      const NESTED = `query($id: ID!) { partner(id: $id) { resellers { nodes { reseller { id
        providers(first: 1) { totalCount pageInfo { hasNextPage } nodes { provider { id } } }
        active: providers(status: ACTIVE) { totalCount } } } } } }`;
      const asOperator = await stack.gql(await operatorToken(), NESTED, { id: p1.id });
      expect(asOperator.errors).toBeUndefined();
      const rows = asOperator.data.partner.resellers.nodes.map((n: any) => [n.reseller.id, n.reseller.providers.totalCount, n.reseller.providers.pageInfo.hasNextPage, n.reseller.providers.nodes.length, n.reseller.active.totalCount]);
      expect(rows.sort()).toEqual(
        [
          [rs[0].id, 2, true, 1, 2],
          [rs[1].id, 2, true, 1, 1],
          [rs[2].id, 1, false, 1, 1],
        ].sort(),
      );
      // As p1 (a side of every link in the list, but not of p2's): each reseller's providers shows only p1's link.
      const asP1 = await stack.gql(p1.token, NESTED, { id: p1.id });
      const mine = asP1.data.partner.resellers.nodes.map((n: any) => [n.reseller.providers.totalCount, n.reseller.providers.nodes[0].provider.id, n.reseller.active.totalCount]);
      expect(mine).toEqual([[1, p1.id, 1], [1, p1.id, 1], [1, p1.id, 1]]);
    });

    it("T2: first: 101 is BAD_USER_INPUT naming \"first\"; a forged cursor names \"after\"", async () => {
      const provider = await enrollProvider(stack);
      const res = await stack.gql(provider.token, LIST, { id: provider.id, first: 101 });
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      expect(res.errors![0].extensions!.field).toBe("first");
      const providers = await stack.gql(provider.token, `query($id: ID!) { partner(id: $id) { providers(first: 101) { totalCount } } }`, { id: provider.id });
      expect(codeOf(providers)).toBe("BAD_USER_INPUT");
      expect(providers.errors![0].extensions!.field).toBe("first");
      const forged = await stack.gql(provider.token, LIST, { id: provider.id, after: "bm9wZQ" });
      expect(codeOf(forged)).toBe("BAD_USER_INPUT");
      expect(forged.errors![0].extensions!.field).toBe("after");
      const negative = await stack.gql(provider.token, LIST, { id: provider.id, first: -1 });
      expect(negative.errors![0].extensions!.field).toBe("first");
    });

    it("T2: a reseller with two providers lists both in providers, with status filter and paging", async () => {
      const p1 = await enrollProvider(stack);
      const p2 = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const a = await invited(stack, p1, reseller);
      await accept(stack, reseller.token, a);
      const b = await invited(stack, p2, reseller);
      const Q = `query($id: ID!, $status: ResellerRelationshipStatus, $first: Int, $after: String) { partner(id: $id) { providers(status: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id status provider { id } } } } }`;
      const all = (await stack.gql(reseller.token, Q, { id: reseller.id })).data.partner.providers;
      expect(all.totalCount).toBe(2);
      expect(all.nodes.map((n: any) => [n.provider.id, n.status]).sort()).toEqual([[p1.id, "ACTIVE"], [p2.id, "PENDING"]].sort());
      const pending = (await stack.gql(reseller.token, Q, { id: reseller.id, status: "PENDING" })).data.partner.providers;
      expect(pending.nodes.map((n: any) => n.id)).toEqual([b]);
      const first = (await stack.gql(reseller.token, Q, { id: reseller.id, first: 1 })).data.partner.providers;
      expect([first.totalCount, first.nodes.length, first.pageInfo.hasNextPage]).toEqual([2, 1, true]);
      const second = (await stack.gql(reseller.token, Q, { id: reseller.id, first: 1, after: first.pageInfo.endCursor })).data.partner.providers;
      expect(second.pageInfo.hasNextPage).toBe(false);
      expect([first.nodes[0].id, second.nodes[0].id].sort()).toEqual([a, b].sort());
      // The viewer's own partner, through viewer { partner }, gives the same list.
      const viaViewer = await stack.gql(reseller.token, `{ viewer { partner { id providers { totalCount } } } }`);
      expect(viaViewer.data.viewer.partner).toEqual({ id: reseller.id, providers: { totalCount: 2 } });
    });

    it("T2/P1: a reseller looking at its provider's resellers sees only its own link; each provider sees only its link in the reseller's providers", async () => {
      const provider = await enrollProvider(stack);
      const p2 = await enrollProvider(stack);
      const r1 = await enrollReseller(stack);
      const r2 = await enrollReseller(stack);
      const mine = await invited(stack, provider, r1);
      await accept(stack, r1.token, mine);
      await accept(stack, r2.token, await invited(stack, provider, r2));
      await accept(stack, r1.token, await invited(stack, p2, r1));
      const asR1 = await stack.gql(r1.token, `query($id: ID!) { partner(id: $id) { resellers { totalCount nodes { id reseller { id } } } } }`, { id: provider.id });
      expect(asR1.errors).toBeUndefined();
      expect(asR1.data.partner.resellers).toEqual({ totalCount: 1, nodes: [{ id: mine, reseller: { id: r1.id } }] });
      const asP2 = await stack.gql(p2.token, `query($id: ID!) { partner(id: $id) { providers { totalCount nodes { provider { id } } } } }`, { id: r1.id });
      expect(asP2.data.partner.providers).toEqual({ totalCount: 1, nodes: [{ provider: { id: p2.id } }] });
      // The operator sees both.
      expect((await linksOf(stack, r1.id)).providers.totalCount).toBe(2);
      expect((await linksOf(stack, provider.id)).resellers.totalCount).toBe(2);
    });

    it("T2/P1: an unrelated partner of the same cloud sees the provider's profile but none of its links", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      await accept(stack, reseller.token, await invited(stack, provider, reseller));
      const stranger = await enroll(stack, { programs: ["DIRECT_BILL"] });
      const res = await stack.gql(stranger.token, `query($id: ID!) { partner(id: $id) { id resellers { totalCount nodes { id } } providers { totalCount } } }`, { id: provider.id });
      expect(res.errors).toBeUndefined();
      expect(res.data.partner).toEqual({ id: provider.id, resellers: { totalCount: 0, nodes: [] }, providers: { totalCount: 0 } });
      const ofReseller = await stack.gql(stranger.token, `query($id: ID!) { partner(id: $id) { providers { totalCount } } }`, { id: reseller.id });
      expect(ofReseller.data.partner.providers.totalCount).toBe(0);
    });

    it("T2/P1: a customer sees partner profiles of its cloud but no reseller relationship", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      await accept(stack, reseller.token, await invited(stack, provider, reseller));
      const customer = await registerCustomer(stack);
      for (const roles of [["GLOBAL_ADMIN"], ["USER"]]) {
        const tok = await customerToken(customer.id, roles);
        const p = await stack.gql(tok, `query($id: ID!) { partner(id: $id) { id resellers { totalCount nodes { id } } providers { totalCount } } }`, { id: provider.id });
        expect(p.errors).toBeUndefined();
        expect(p.data.partner).toEqual({ id: provider.id, resellers: { totalCount: 0, nodes: [] }, providers: { totalCount: 0 } });
        const r = await stack.gql(tok, `query($id: ID!) { partner(id: $id) { providers { totalCount } } }`, { id: reseller.id });
        expect(r.data.partner.providers.totalCount).toBe(0);
      }
    });
  });

  describe("P1: partner profiles are a directory of the viewer's cloud", () => {
    const PROFILE = `query($id: ID!) { partner(id: $id) { id mpnId name programs cloud country agreementSigned } }`;
    const BY_MPN = `query($m: String!) { partnerByMpnId(mpnId: $m) { id mpnId cloud } }`;

    it("P1: a partner reads partner(id) and partnerByMpnId of its own cloud", async () => {
      const viewer = await enrollProvider(stack);
      const other = await enrollReseller(stack, { country: "FR", agreementSigned: false, name: "Fabrikam" });
      const res = await stack.gql(viewer.token, PROFILE, { id: other.id });
      expect(res.errors).toBeUndefined();
      expect(res.data.partner).toEqual({ id: other.id, mpnId: other.mpnId, name: "Fabrikam", programs: ["INDIRECT_RESELLER"], cloud: "GLOBAL", country: "FR", agreementSigned: false });
      const byMpn = await stack.gql(viewer.token, BY_MPN, { m: other.mpnId });
      expect(byMpn.data.partnerByMpnId).toEqual({ id: other.id, mpnId: other.mpnId, cloud: "GLOBAL" });
      // The id is matched case-insensitively.
      expect((await stack.gql(viewer.token, PROFILE, { id: other.id.toUpperCase() })).data.partner.id).toBe(other.id);
    });

    it("P1: another cloud's partner is NOT_FOUND by id and by MPN ID", async () => {
      const viewer = await enrollProvider(stack, { cloud: "GLOBAL" });
      const china = await enrollReseller(stack, { cloud: "CHINA", country: "CN" });
      const res = await stack.gql(viewer.token, PROFILE, { id: china.id });
      expect(codeOf(res)).toBe("NOT_FOUND");
      expect(res.data?.partner ?? null).toBeNull();
      const byMpn = await stack.gql(viewer.token, BY_MPN, { m: china.mpnId });
      expect(codeOf(byMpn)).toBe("NOT_FOUND");
      // And the other way round.
      const back = await stack.gql(china.token, PROFILE, { id: viewer.id });
      expect(codeOf(back)).toBe("NOT_FOUND");
      // An unknown partner looks the same.
      expect(codeOf(await stack.gql(viewer.token, PROFILE, { id: randomUUID() }))).toBe("NOT_FOUND");
      expect(codeOf(await stack.gql(viewer.token, BY_MPN, { m: "88888888888888888" }))).toBe("NOT_FOUND");
    });

    it("P1: the operator sees partners of every cloud", async () => {
      const op = await operatorToken();
      for (const [cloud, country] of [["GLOBAL", "US"], ["US_GOVERNMENT", "US"], ["CHINA", "CN"], ["GERMANY", "DE"]]) {
        const p = await enroll(stack, { cloud, country });
        const res = await stack.gql(op, PROFILE, { id: p.id });
        expect(res.errors).toBeUndefined();
        expect(res.data.partner).toMatchObject({ id: p.id, cloud, country });
        expect((await stack.gql(op, BY_MPN, { m: p.mpnId })).data.partnerByMpnId).toEqual({ id: p.id, mpnId: p.mpnId, cloud });
      }
    });

    it("P1: customer users see partners of their customer's cloud, not of another", async () => {
      const gov = await enroll(stack, { cloud: "US_GOVERNMENT" });
      const global = await enroll(stack, { cloud: "GLOBAL" });
      const govCustomer = await registerCustomer(stack, { cloud: "US_GOVERNMENT" });
      const globalCustomer = await registerCustomer(stack, { cloud: "GLOBAL" });
      for (const roles of [["GLOBAL_ADMIN"], ["USER"]]) {
        const govTok = await customerToken(govCustomer.id, roles);
        expect((await stack.gql(govTok, PROFILE, { id: gov.id })).data.partner.cloud).toBe("US_GOVERNMENT");
        expect(codeOf(await stack.gql(govTok, PROFILE, { id: global.id }))).toBe("NOT_FOUND");
        expect(codeOf(await stack.gql(govTok, BY_MPN, { m: global.mpnId }))).toBe("NOT_FOUND");
        const globalTok = await customerToken(globalCustomer.id, roles);
        expect((await stack.gql(globalTok, BY_MPN, { m: global.mpnId })).data.partnerByMpnId.id).toBe(global.id);
        expect(codeOf(await stack.gql(globalTok, PROFILE, { id: gov.id }))).toBe("NOT_FOUND");
      }
    });

    it("P1: a customer token naming no registered customer sees no partner", async () => {
      const p = await enroll(stack);
      const res = await stack.gql(await customerToken(randomUUID()), PROFILE, { id: p.id });
      expect(codeOf(res)).toBe("NOT_FOUND");
    });
  });

  describe("T3 + T7 with customers", () => {
    const CUSTOMERS = `query($id: ID!, $resellerId: ID) { partner(id: $id) { customers(resellerId: $resellerId, first: 100) { totalCount nodes { id } } } }`;
    const ids = (res: any) => res.data.partner.customers.nodes.map((n: any) => n.id).sort();
    const queryCustomers = async (tok: string) => {
      const res = await stack.gql(tok, `{ customers(first: 100) { totalCount nodes { id } } }`);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data.customers.nodes.map((n: any) => n.id).sort();
    };

    it("T3/T7: after termination the reseller's customer stays as it was, the provider still lists it, and cannot create customers for that reseller", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const relId = await invited(stack, provider, reseller);
      await accept(stack, reseller.token, relId);
      const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
      const RELS = `query($id: ID!) { customer(id: $id) { id partnerRelationships { id status partner { id } indirectProvider { id } removedAt } } }`;
      const before = await stack.gql(await operatorToken(), RELS, { id: customer.id });
      expect(before.errors).toBeUndefined();
      expect(before.data.customer.partnerRelationships).toEqual([
        { id: expect.any(String), status: "ACTIVE", partner: { id: reseller.id }, indirectProvider: { id: provider.id }, removedAt: null },
      ]);

      const ended = await terminate(stack, provider.token, relId);
      expect(ended.data.terminateResellerRelationship.relationship.status).toBe("TERMINATED");

      const after = await stack.gql(await operatorToken(), RELS, { id: customer.id });
      expect(after.data).toEqual(before.data);
      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id }))).toEqual([customer.id]);
      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id, resellerId: reseller.id }))).toEqual([customer.id]);
      expect(await queryCustomers(provider.token)).toEqual([customer.id]);
      expect(await queryCustomers(reseller.token)).toEqual([customer.id]);
      // The provider still looks the customer up (CV1 via the recorded indirect provider).
      const look = await stack.gql(provider.token, `query($id: ID!) { customer(id: $id) { id } }`, { id: customer.id });
      expect(look.data.customer).toEqual({ id: customer.id });

      await expect(createCustomer(stack, provider, { resellerId: reseller.id })).rejects.toThrow(/RESELLER_NOT_AUTHORIZED/);
      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id }))).toEqual([customer.id]);
    });

    it("T4: a provider cannot create a customer for a reseller whose invitation is only PENDING: RESELLER_NOT_AUTHORIZED", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      await invited(stack, provider, reseller);
      await expect(createCustomer(stack, provider, { resellerId: reseller.id })).rejects.toThrow(/RESELLER_NOT_AUTHORIZED/);
      expect((await stack.gql(provider.token, CUSTOMERS, { id: provider.id })).data.partner.customers.totalCount).toBe(0);
    });

    it("T7: customers(resellerId:) filters the provider's list; a reseller never sees the provider's other resellers' nor direct customers", async () => {
      const provider = await enrollProvider(stack, { programs: ["INDIRECT_PROVIDER"] });
      const r1 = await enrollReseller(stack);
      const r2 = await enrollReseller(stack);
      await accept(stack, r1.token, await invited(stack, provider, r1));
      await accept(stack, r2.token, await invited(stack, provider, r2));
      const c1 = await createCustomer(stack, provider, { resellerId: r1.id });
      const c2 = await createCustomer(stack, provider, { resellerId: r2.id });
      const direct = await createCustomer(stack, provider);

      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id }))).toEqual([c1.id, c2.id, direct.id].sort());
      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id, resellerId: r1.id }))).toEqual([c1.id]);
      expect(ids(await stack.gql(provider.token, CUSTOMERS, { id: provider.id, resellerId: r2.id }))).toEqual([c2.id]);
      expect(await queryCustomers(provider.token)).toEqual([c1.id, c2.id, direct.id].sort());

      // r1: its own customer only, however it asks.
      expect(await queryCustomers(r1.token)).toEqual([c1.id]);
      expect(ids(await stack.gql(r1.token, CUSTOMERS, { id: r1.id }))).toEqual([c1.id]);
      expect(ids(await stack.gql(r1.token, CUSTOMERS, { id: provider.id }))).toEqual([c1.id]);
      expect(ids(await stack.gql(r1.token, CUSTOMERS, { id: provider.id, resellerId: r2.id }))).toEqual([]);
      expect(ids(await stack.gql(r1.token, CUSTOMERS, { id: r2.id }))).toEqual([]);
      for (const hidden of [c2.id, direct.id]) {
        expect(codeOf(await stack.gql(r1.token, `query($id: ID!) { customer(id: $id) { id } }`, { id: hidden }))).toBe("NOT_FOUND");
      }
      expect(await queryCustomers(r2.token)).toEqual([c2.id]);
    });
  });

  describe("_entities on the partners subgraph", () => {
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Partner { id name } ... on ResellerRelationship { id status } } }`;

    it("P1: another cloud's Partner comes back null from _entities; its own cloud's partner resolves", async () => {
      const viewer = await enrollProvider(stack, { cloud: "GLOBAL", name: "Viewer" });
      const same = await enroll(stack, { cloud: "GLOBAL", name: "Same Cloud" });
      const china = await enroll(stack, { cloud: "CHINA", country: "CN", name: "Other Cloud" });
      const res = await stack.subgraphGql("partners", viewer.token, ENTITIES, {
        r: [
          { __typename: "Partner", id: same.id },
          { __typename: "Partner", id: china.id },
          { __typename: "Partner", id: randomUUID() },
        ],
      });
      expect(res.errors).toBeUndefined();
      expect(res.data._entities).toEqual([{ id: same.id, name: "Same Cloud" }, null, null]);
      const asOperator = await stack.subgraphGql("partners", await operatorToken(), ENTITIES, { r: [{ __typename: "Partner", id: china.id }] });
      expect(asOperator.data._entities).toEqual([{ id: china.id, name: "Other Cloud" }]);
    });

    it("T2: an invisible ResellerRelationship comes back null from _entities; its sides and the operator resolve it", async () => {
      const provider = await enrollProvider(stack);
      const reseller = await enrollReseller(stack);
      const third = await enrollProvider(stack);
      const id = await invited(stack, provider, reseller);
      const reps = { r: [{ __typename: "ResellerRelationship", id }] };
      const customer = await registerCustomer(stack);
      for (const tok of [third.token, await customerToken(customer.id)]) {
        const res = await stack.subgraphGql("partners", tok, ENTITIES, reps);
        expect(res.errors).toBeUndefined();
        expect(res.data._entities).toEqual([null]);
      }
      for (const tok of [provider.token, reseller.token, await operatorToken()]) {
        const res = await stack.subgraphGql("partners", tok, ENTITIES, reps);
        expect(res.data._entities).toEqual([{ id, status: "PENDING" }]);
      }
      // The id is matched as the public API matches it: case-insensitively.
      const upper = await stack.subgraphGql("partners", provider.token, ENTITIES, { r: [{ __typename: "ResellerRelationship", id: id.toUpperCase() }] });
      expect(upper.data._entities).toEqual([{ id, status: "PENDING" }]);
    });
  });
});
