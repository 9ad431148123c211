/** Unit tests of the partners subgraph's pure rules (T1–T3, NC1, NC4, P1, the role table). */
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { ResellerRelationshipStatus } from "../../subgraphs/partners/enums";
import { DomainError } from "../../common/errors/errors";
import { PARTNER_ROLES, UserPrincipal } from "../../common/identity/identity";
import type { EnrollPartnerInput, Partner, ResellerRelationship } from "../../subgraphs/partners/model";
import {
  canSeePartner,
  canSeeRelationship,
  checkAcceptance,
  checkInvitation,
  checkNoOpenRelationship,
  checkTermination,
  isProvider,
  isReseller,
  pairKeyOf,
  ROLES,
  validateEnrollment,
} from "../../subgraphs/partners/rules";

const PROVIDER_ID = "11111111-1111-4111-8111-111111111111";
const RESELLER_ID = "22222222-2222-4222-8222-222222222222";
const OTHER_ID = "33333333-3333-4333-8333-333333333333";

function partner(over: Partial<Partner> = {}): Partner {
  return {
    id: PROVIDER_ID,
    mpnId: "100",
    name: "P",
    programs: [CspProgram.INDIRECT_PROVIDER],
    cloud: Cloud.GLOBAL,
    country: "US",
    agreementSigned: true,
    enrolledAt: new Date("2024-01-01T00:00:00.000Z"),
    ...over,
  } as Partner;
}
const provider = (over: Partial<Partner> = {}) => partner({ id: PROVIDER_ID, mpnId: "100", programs: [CspProgram.INDIRECT_PROVIDER], ...over });
const reseller = (over: Partial<Partner> = {}) => partner({ id: RESELLER_ID, mpnId: "200", programs: [CspProgram.INDIRECT_RESELLER], ...over });

function rel(status: ResellerRelationshipStatus, over: Partial<ResellerRelationship> = {}): ResellerRelationship {
  return {
    id: "44444444-4444-4444-8444-444444444444",
    providerId: PROVIDER_ID,
    resellerId: RESELLER_ID,
    status,
    invitedAt: new Date("2024-01-01T00:00:00.000Z"),
    acceptedAt: null,
    terminatedAt: null,
    ...over,
  } as ResellerRelationship;
}

const user = (org: UserPrincipal["org"], tid: string | undefined, roles: string[]): UserPrincipal => ({ kind: "user", userId: "u", org, tid, roles });
const asPartner = (tid: string, roles: string[] = ["GLOBAL_ADMIN"]) => user("partner", tid, roles);
const operator = user("operator", undefined, ["OPERATOR"]);
const customer = user("customer", OTHER_ID, ["GLOBAL_ADMIN"]);

/** The code of the DomainError `fn` throws, or "none". */
function codeOf(fn: () => void): string {
  try {
    fn();
    return "none";
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe("partners rules: T1 invitation (checkInvitation)", () => {
  it("T1: an indirect provider may invite an indirect reseller of its cloud and country", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller(), []))).toBe("none");
  });

  it("T1: a reseller-only partner cannot invite: INVALID_PARTNER_TYPE", () => {
    expect(codeOf(() => checkInvitation(partner({ programs: [CspProgram.INDIRECT_RESELLER] }), reseller(), []))).toBe("INVALID_PARTNER_TYPE");
  });

  it("T1: a direct-bill-only partner cannot invite: INVALID_PARTNER_TYPE", () => {
    expect(codeOf(() => checkInvitation(partner({ programs: [CspProgram.DIRECT_BILL] }), reseller(), []))).toBe("INVALID_PARTNER_TYPE");
  });

  it("T1: a partner not enrolled as INDIRECT_RESELLER cannot be invited: INVALID_PARTNER_TYPE", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller({ programs: [CspProgram.DIRECT_BILL] }), []))).toBe("INVALID_PARTNER_TYPE");
    expect(codeOf(() => checkInvitation(provider(), reseller({ programs: [CspProgram.INDIRECT_PROVIDER] }), []))).toBe("INVALID_PARTNER_TYPE");
  });

  it("T1: a partner in several programs including INDIRECT_RESELLER may be invited, and one including INDIRECT_PROVIDER may invite", () => {
    const both = provider({ programs: [CspProgram.DIRECT_BILL, CspProgram.INDIRECT_PROVIDER] });
    const multi = reseller({ programs: [CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER] });
    expect(codeOf(() => checkInvitation(both, multi, []))).toBe("none");
  });

  it("T1/NC1: a reseller of another cloud: CLOUD_MISMATCH", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller({ cloud: Cloud.US_GOVERNMENT }), []))).toBe("CLOUD_MISMATCH");
  });

  it("T1/NC4: a reseller of another country: REGION_MISMATCH", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller({ country: "DE" }), []))).toBe("REGION_MISMATCH");
  });

  it("T1: a pending relationship between the pair exists: RELATIONSHIP_EXISTS", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller(), [rel(ResellerRelationshipStatus.PENDING)]))).toBe("RELATIONSHIP_EXISTS");
  });

  it("T1: an active relationship between the pair exists: RELATIONSHIP_EXISTS", () => {
    expect(codeOf(() => checkInvitation(provider(), reseller(), [rel(ResellerRelationshipStatus.ACTIVE)]))).toBe("RELATIONSHIP_EXISTS");
  });

  it("T1/T3: only terminated relationships between the pair do not stop a new invitation", () => {
    const history = [rel(ResellerRelationshipStatus.TERMINATED), rel(ResellerRelationshipStatus.TERMINATED, { id: "55555555-5555-4555-8555-555555555555" })];
    expect(codeOf(() => checkInvitation(provider(), reseller(), history))).toBe("none");
    expect(codeOf(() => checkInvitation(provider(), reseller(), [...history, rel(ResellerRelationshipStatus.ACTIVE)]))).toBe("RELATIONSHIP_EXISTS");
  });

  it("T1: a relationship the other way round between the same two partners counts: RELATIONSHIP_EXISTS", () => {
    const a = provider({ programs: [CspProgram.INDIRECT_PROVIDER, CspProgram.INDIRECT_RESELLER] });
    const b = reseller({ programs: [CspProgram.INDIRECT_PROVIDER, CspProgram.INDIRECT_RESELLER] });
    const aToB = rel(ResellerRelationshipStatus.ACTIVE, { providerId: a.id, resellerId: b.id });
    expect(codeOf(() => checkInvitation(b, a, [aToB]))).toBe("RELATIONSHIP_EXISTS");
    expect(codeOf(() => checkInvitation(b, a, [{ ...aToB, status: ResellerRelationshipStatus.TERMINATED } as ResellerRelationship]))).toBe("none");
  });

  it("T1: checkNoOpenRelationship, which also answers a concurrent invitation the pair's unique index saw: RELATIONSHIP_EXISTS", () => {
    expect(codeOf(() => checkNoOpenRelationship(false))).toBe("none");
    let thrown: unknown;
    try {
      checkNoOpenRelationship(true);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect({ message: (thrown as DomainError).message, extensions: { ...(thrown as DomainError).extensions } }).toEqual({
      message: "A pending or active relationship with this reseller already exists.",
      extensions: { code: "RELATIONSHIP_EXISTS" },
    });
  });

  it("T1: pairKeyOf names the pair the same way in both directions, and different pairs differently", () => {
    expect(pairKeyOf(PROVIDER_ID, RESELLER_ID)).toBe(pairKeyOf(RESELLER_ID, PROVIDER_ID));
    expect(pairKeyOf(PROVIDER_ID, RESELLER_ID)).toBe(`${PROVIDER_ID}|${RESELLER_ID}`);
    expect(pairKeyOf(PROVIDER_ID, OTHER_ID)).not.toBe(pairKeyOf(PROVIDER_ID, RESELLER_ID));
    expect(pairKeyOf(PROVIDER_ID, RESELLER_ID).length).toBeLessThanOrEqual(73);
  });

  it("T1: a partner in both indirect programs cannot invite itself: BAD_USER_INPUT on input.resellerMpnId", () => {
    const both = provider({ programs: [CspProgram.INDIRECT_PROVIDER, CspProgram.INDIRECT_RESELLER] });
    try {
      checkInvitation(both, both, []);
      throw new Error("not refused");
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("BAD_USER_INPUT");
      expect((error as DomainError).extensions.field).toBe("input.resellerMpnId");
    }
  });

  it("T1: isProvider / isReseller read the programs", () => {
    expect(isProvider({ programs: [CspProgram.INDIRECT_PROVIDER] })).toBe(true);
    expect(isProvider({ programs: [CspProgram.INDIRECT_RESELLER, CspProgram.DIRECT_BILL] })).toBe(false);
    expect(isReseller({ programs: [CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER] })).toBe(true);
    expect(isReseller({ programs: [CspProgram.INDIRECT_PROVIDER] })).toBe(false);
  });
});

describe("partners rules: T2 acceptance (checkAcceptance)", () => {
  it("T2: the invited reseller accepts a pending invitation", () => {
    expect(codeOf(() => checkAcceptance(asPartner(RESELLER_ID), rel(ResellerRelationshipStatus.PENDING)))).toBe("none");
  });

  it("T2: the provider cannot accept its own invitation: FORBIDDEN", () => {
    expect(codeOf(() => checkAcceptance(asPartner(PROVIDER_ID), rel(ResellerRelationshipStatus.PENDING)))).toBe("FORBIDDEN");
  });

  it("T2: a third partner does not see the invitation: NOT_FOUND", () => {
    expect(codeOf(() => checkAcceptance(asPartner(OTHER_ID), rel(ResellerRelationshipStatus.PENDING)))).toBe("NOT_FOUND");
  });

  it("T2: a customer user does not see the invitation: NOT_FOUND", () => {
    expect(codeOf(() => checkAcceptance(customer, rel(ResellerRelationshipStatus.PENDING)))).toBe("NOT_FOUND");
  });

  it("T2: the operator sees it but cannot accept: FORBIDDEN", () => {
    expect(codeOf(() => checkAcceptance(operator, rel(ResellerRelationshipStatus.PENDING)))).toBe("FORBIDDEN");
  });

  it.each(PARTNER_ROLES.map((r) => [r, (ROLES.acceptResellerInvitation as readonly string[]).includes(r)] as const))(
    "T2 role table: a reseller %s accepting is allowed=%s",
    (role, allowed) => {
      expect(codeOf(() => checkAcceptance(asPartner(RESELLER_ID, [role]), rel(ResellerRelationshipStatus.PENDING)))).toBe(allowed ? "none" : "FORBIDDEN");
    },
  );

  it("T2: an ACTIVE or TERMINATED relationship cannot be accepted: INVALID_STATE", () => {
    expect(codeOf(() => checkAcceptance(asPartner(RESELLER_ID), rel(ResellerRelationshipStatus.ACTIVE)))).toBe("INVALID_STATE");
    expect(codeOf(() => checkAcceptance(asPartner(RESELLER_ID), rel(ResellerRelationshipStatus.TERMINATED)))).toBe("INVALID_STATE");
  });
});

describe("partners rules: T3 termination (checkTermination)", () => {
  it("T3: either side terminates a pending or active relationship", () => {
    for (const status of [ResellerRelationshipStatus.PENDING, ResellerRelationshipStatus.ACTIVE]) {
      expect(codeOf(() => checkTermination(asPartner(PROVIDER_ID), rel(status)))).toBe("none");
      expect(codeOf(() => checkTermination(asPartner(RESELLER_ID), rel(status)))).toBe("none");
    }
  });

  it("T3: terminated is final: terminating again is INVALID_STATE", () => {
    expect(codeOf(() => checkTermination(asPartner(PROVIDER_ID), rel(ResellerRelationshipStatus.TERMINATED)))).toBe("INVALID_STATE");
    expect(codeOf(() => checkTermination(asPartner(RESELLER_ID), rel(ResellerRelationshipStatus.TERMINATED)))).toBe("INVALID_STATE");
  });

  it("T3: a third partner or a customer does not see it: NOT_FOUND", () => {
    expect(codeOf(() => checkTermination(asPartner(OTHER_ID), rel(ResellerRelationshipStatus.ACTIVE)))).toBe("NOT_FOUND");
    expect(codeOf(() => checkTermination(customer, rel(ResellerRelationshipStatus.ACTIVE)))).toBe("NOT_FOUND");
  });

  it("T3: the operator sees it but cannot terminate: FORBIDDEN", () => {
    expect(codeOf(() => checkTermination(operator, rel(ResellerRelationshipStatus.ACTIVE)))).toBe("FORBIDDEN");
  });

  const PROVIDER_ALLOWED = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "SALES_AGENT"];
  const RESELLER_ALLOWED = ["GLOBAL_ADMIN", "ACCOUNT_ADMIN"];

  it.each(PARTNER_ROLES.map((r) => [r, PROVIDER_ALLOWED.includes(r)] as const))("T3 role table: the provider's %s terminating is allowed=%s", (role, allowed) => {
    expect(codeOf(() => checkTermination(asPartner(PROVIDER_ID, [role]), rel(ResellerRelationshipStatus.ACTIVE)))).toBe(allowed ? "none" : "FORBIDDEN");
  });

  it.each(PARTNER_ROLES.map((r) => [r, RESELLER_ALLOWED.includes(r)] as const))("T3 role table: the reseller's %s terminating is allowed=%s", (role, allowed) => {
    expect(codeOf(() => checkTermination(asPartner(RESELLER_ID, [role]), rel(ResellerRelationshipStatus.ACTIVE)))).toBe(allowed ? "none" : "FORBIDDEN");
  });
});

describe("partners rules: the role table constants", () => {
  it("Roles: ROLES matches DOMAIN.md's role table for the two-tier mutations", () => {
    expect([...ROLES.inviteReseller].sort()).toEqual(["ACCOUNT_ADMIN", "GLOBAL_ADMIN", "SALES_AGENT"]);
    expect([...ROLES.acceptResellerInvitation].sort()).toEqual(["ACCOUNT_ADMIN", "GLOBAL_ADMIN"]);
    expect([...ROLES.terminateAsProvider].sort()).toEqual(["ACCOUNT_ADMIN", "GLOBAL_ADMIN", "SALES_AGENT"]);
    expect([...ROLES.terminateAsReseller].sort()).toEqual(["ACCOUNT_ADMIN", "GLOBAL_ADMIN"]);
    expect([...ROLES.enrollPartner]).toEqual(["OPERATOR"]);
  });
});

describe("partners rules: visibility (P1, relationships)", () => {
  it("P1: a viewer scoped to a cloud sees that cloud's partners only; the operator's scope sees all", () => {
    expect(canSeePartner({ all: false, cloud: Cloud.GLOBAL }, partner())).toBe(true);
    expect(canSeePartner({ all: false, cloud: Cloud.GLOBAL }, partner({ cloud: Cloud.CHINA }))).toBe(false);
    expect(canSeePartner({ all: false, cloud: null }, partner())).toBe(false);
    expect(canSeePartner({ all: true }, partner({ cloud: Cloud.GERMANY }))).toBe(true);
  });

  it("T2/T3: a reseller relationship is seen by its two sides and the operator only", () => {
    const r = rel(ResellerRelationshipStatus.ACTIVE);
    expect(canSeeRelationship(asPartner(PROVIDER_ID), r)).toBe(true);
    expect(canSeeRelationship(asPartner(RESELLER_ID), r)).toBe(true);
    expect(canSeeRelationship(operator, r)).toBe(true);
    expect(canSeeRelationship(asPartner(OTHER_ID), r)).toBe(false);
    // A customer whose tenant id happens to equal a side's id is still not that side.
    expect(canSeeRelationship(user("customer", PROVIDER_ID, ["GLOBAL_ADMIN"]), r)).toBe(false);
  });
});

describe("partners rules: enrolment (validateEnrollment)", () => {
  const input = (over: Partial<EnrollPartnerInput> = {}): EnrollPartnerInput =>
    ({ id: null, mpnId: " 123456 ", name: " Contoso ", programs: [CspProgram.INDIRECT_PROVIDER, CspProgram.INDIRECT_PROVIDER], cloud: Cloud.GLOBAL, country: "us", agreementSigned: true, ...over }) as EnrollPartnerInput;

  it("normalises the MPN ID, name, country and programs", () => {
    const fields = validateEnrollment(input({ id: PROVIDER_ID.toUpperCase() }));
    expect(fields).toEqual({ id: PROVIDER_ID, mpnId: "123456", name: "Contoso", programs: [CspProgram.INDIRECT_PROVIDER], cloud: Cloud.GLOBAL, country: "US", agreementSigned: true });
  });

  it.each([
    [{ mpnId: "12a" }, "input.mpnId"],
    [{ mpnId: "" }, "input.mpnId"],
    [{ programs: [] }, "input.programs"],
    [{ name: "  " }, "input.name"],
    [{ country: "XX" }, "input.country"],
    [{ id: "not-a-uuid" }, "input.id"],
  ] as const)("refuses %j with BAD_USER_INPUT on %s", (over, field) => {
    try {
      validateEnrollment(input(over as Partial<EnrollPartnerInput>));
      throw new Error("not refused");
    } catch (error) {
      expect((error as DomainError).code).toBe("BAD_USER_INPUT");
      expect((error as DomainError).extensions.field).toBe(field);
    }
  });
});
