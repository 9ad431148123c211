/** Unit tests of subgraphs/customers/rules.ts: pure functions over rows, the caller and a given instant. */
import { DAY_MS } from "../../common/clock";
import { AdminRole, Cloud, CspProgram, CustomerRelationshipStatus, DelegatedAdminStatus, RelationshipRequestStatus } from "../../common/enums";
import { UserPrincipal } from "../../common/identity";
import type { CustomerPartnerRelationship, DelegatedAdminRelationship, RelationshipRequest } from "../../subgraphs/customers/model";
import {
  canSeeCustomerRelationship,
  canSeeDelegatedAdmin,
  checkMayRemoveRelationship,
  checkCloudOpen,
  checkSameCloudAndCountry,
  CLOUD_FEATURES,
  DAP_APPROVAL_WINDOW_MS,
  DAP_AUTO_EXTENSION_MS,
  delegatedAdminState,
  isActiveDap,
  isIndirectProvider,
  isIndirectReseller,
  isResellerOnly,
  PartnerFacts,
  REQUEST_LIFETIME_MS,
  requestStatus,
  ROLES,
  standingOf,
  validateBillingProfile,
  validateDelegatedAdmin,
  validateRegistration,
} from "../../subgraphs/customers/rules";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

/** The code and field of what `fn` throws (null when it does not throw). */
function refusal(fn: () => unknown): { code: string; field?: string } | null {
  try {
    fn();
  } catch (e: any) {
    return e.extensions?.field ? { code: e.extensions.code, field: e.extensions.field } : { code: e.extensions?.code };
  }
  return null;
}

function dap(overrides: Partial<DelegatedAdminRelationship> = {}): DelegatedAdminRelationship {
  return {
    id: "d1",
    displayName: "x",
    partnerId: "p1",
    customerId: "c1",
    roles: [AdminRole.USER_ADMINISTRATOR],
    durationDays: 30,
    autoExtend: false,
    storedStatus: DelegatedAdminStatus.APPROVAL_PENDING,
    createdAt: T0,
    activatedAt: null,
    storedEndsAt: null,
    terminatedAt: null,
    ...overrides,
  } as DelegatedAdminRelationship;
}
const activeDap = (endsAt: Date, overrides: Partial<DelegatedAdminRelationship> = {}) =>
  dap({ storedStatus: DelegatedAdminStatus.ACTIVE, activatedAt: T0, storedEndsAt: endsAt, ...overrides });

const rel = (overrides: Partial<CustomerPartnerRelationship> = {}) =>
  ({ id: "r1", customerId: "c1", partnerId: "p1", indirectProviderId: null, status: CustomerRelationshipStatus.ACTIVE, establishedAt: T0, removedAt: null, ...overrides }) as CustomerPartnerRelationship;

const user = (org: UserPrincipal["org"], tid?: string): UserPrincipal => ({ kind: "user", userId: "u", org, tid, roles: ["GLOBAL_ADMIN"] });
const partner = (overrides: Partial<PartnerFacts> = {}): PartnerFacts => ({ id: "p1", cloud: Cloud.GLOBAL, country: "US", programs: [CspProgram.DIRECT_BILL], agreementSigned: true, ...overrides });

describe("customers rules: delegated admin state (DA2)", () => {
  it("DA2: a pending relationship stays APPROVAL_PENDING for 90 days, then is EXPIRED", () => {
    expect(DAP_APPROVAL_WINDOW_MS).toBe(90 * DAY_MS);
    expect(delegatedAdminState(dap(), T0)).toEqual({ status: DelegatedAdminStatus.APPROVAL_PENDING, endsAt: null });
    expect(delegatedAdminState(dap(), at(90 * DAY_MS - 1)).status).toBe(DelegatedAdminStatus.APPROVAL_PENDING);
    expect(delegatedAdminState(dap(), at(90 * DAY_MS))).toEqual({ status: DelegatedAdminStatus.EXPIRED, endsAt: null });
    expect(delegatedAdminState(dap(), at(400 * DAY_MS)).status).toBe(DelegatedAdminStatus.EXPIRED);
  });

  it("DA2: an active relationship is ACTIVE until its end, then EXPIRED (its end unchanged)", () => {
    const end = at(30 * DAY_MS);
    expect(delegatedAdminState(activeDap(end), at(30 * DAY_MS - 1))).toEqual({ status: DelegatedAdminStatus.ACTIVE, endsAt: end });
    expect(delegatedAdminState(activeDap(end), end)).toEqual({ status: DelegatedAdminStatus.EXPIRED, endsAt: end });
    expect(delegatedAdminState(activeDap(end), at(1000 * DAY_MS))).toEqual({ status: DelegatedAdminStatus.EXPIRED, endsAt: end });
  });

  it("DA2: auto-extend gains 180 days at each end instead of expiring", () => {
    expect(DAP_AUTO_EXTENSION_MS).toBe(180 * DAY_MS);
    const end = at(30 * DAY_MS);
    const d = activeDap(end, { autoExtend: true });
    expect(delegatedAdminState(d, at(30 * DAY_MS - 1))).toEqual({ status: DelegatedAdminStatus.ACTIVE, endsAt: end });
    expect(delegatedAdminState(d, end)).toEqual({ status: DelegatedAdminStatus.ACTIVE, endsAt: at(210 * DAY_MS) });
    expect(delegatedAdminState(d, at(209 * DAY_MS))).toEqual({ status: DelegatedAdminStatus.ACTIVE, endsAt: at(210 * DAY_MS) });
    expect(delegatedAdminState(d, at(210 * DAY_MS))).toEqual({ status: DelegatedAdminStatus.ACTIVE, endsAt: at(390 * DAY_MS) });
    expect(delegatedAdminState(d, at(5000 * DAY_MS)).status).toBe(DelegatedAdminStatus.ACTIVE);
    const far = delegatedAdminState(d, at(5000 * DAY_MS)).endsAt!;
    expect(far.getTime()).toBeGreaterThan(at(5000 * DAY_MS).getTime());
    expect(far.getTime() - at(5000 * DAY_MS).getTime()).toBeLessThanOrEqual(180 * DAY_MS);
    expect((far.getTime() - end.getTime()) % (180 * DAY_MS)).toBe(0);
  });

  it("DA2: auto-extend does not revive a pending relationship past its approval window", () => {
    expect(delegatedAdminState(dap({ autoExtend: true }), at(90 * DAY_MS)).status).toBe(DelegatedAdminStatus.EXPIRED);
  });

  it("DA2: expired and terminated are final, whatever the clock says", () => {
    const end = at(30 * DAY_MS);
    for (const status of [DelegatedAdminStatus.TERMINATED, DelegatedAdminStatus.EXPIRED]) {
      for (const now of [T0, at(10 * DAY_MS), at(500 * DAY_MS)]) {
        expect(delegatedAdminState(activeDap(end, { storedStatus: status, autoExtend: true }), now).status).toBe(status);
      }
    }
  });

  it("isActiveDap follows delegatedAdminState", () => {
    const end = at(30 * DAY_MS);
    expect(isActiveDap(dap(), T0)).toBe(false);
    expect(isActiveDap(activeDap(end), at(DAY_MS))).toBe(true);
    expect(isActiveDap(activeDap(end), end)).toBe(false);
    expect(isActiveDap(activeDap(end, { autoExtend: true }), at(365 * DAY_MS))).toBe(true);
    expect(isActiveDap(activeDap(end, { storedStatus: DelegatedAdminStatus.TERMINATED }), at(DAY_MS))).toBe(false);
  });
});

describe("customers rules: relationship requests (CR1)", () => {
  const req = (overrides: Partial<RelationshipRequest> = {}) =>
    ({ id: "q", partnerId: "p1", indirectProviderId: null, code: "c", storedStatus: RelationshipRequestStatus.PENDING, createdAt: T0, expiresAt: at(REQUEST_LIFETIME_MS), acceptedByCustomerId: null, ...overrides }) as RelationshipRequest;

  it("CR1: a request is PENDING until 90 days after it was made, then EXPIRED", () => {
    expect(REQUEST_LIFETIME_MS).toBe(90 * DAY_MS);
    expect(requestStatus(req(), at(90 * DAY_MS - 1))).toBe(RelationshipRequestStatus.PENDING);
    expect(requestStatus(req(), at(90 * DAY_MS))).toBe(RelationshipRequestStatus.EXPIRED);
  });

  it("CR1: an accepted request stays ACCEPTED after its expiry", () => {
    expect(requestStatus(req({ storedStatus: RelationshipRequestStatus.ACCEPTED }), at(200 * DAY_MS))).toBe(RelationshipRequestStatus.ACCEPTED);
  });
});

describe("customers rules: delegated admin input (DA1, DA3)", () => {
  const input = (overrides: Record<string, unknown> = {}) =>
    ({ customerId: "c1", displayName: "Helpdesk", roles: [AdminRole.HELPDESK_ADMINISTRATOR], durationDays: 30, autoExtend: false, ...overrides }) as any;

  it("DA1: a valid input is trimmed and its roles deduplicated", () => {
    expect(validateDelegatedAdmin(input({ displayName: "  Help  ", roles: [AdminRole.DIRECTORY_READER, AdminRole.DIRECTORY_READER] }))).toEqual({
      displayName: "Help",
      roles: [AdminRole.DIRECTORY_READER],
      durationDays: 30,
      autoExtend: false,
    });
  });

  it("DA1: displayName is 1 to 50 characters", () => {
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "" })))).toEqual({ code: "BAD_USER_INPUT", field: "input.displayName" });
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: " \t " })))).toEqual({ code: "BAD_USER_INPUT", field: "input.displayName" });
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "a".repeat(51) })))).toEqual({ code: "BAD_USER_INPUT", field: "input.displayName" });
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "a".repeat(50) })))).toBeNull();
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "a" })))).toBeNull();
  });

  it("DA1: displayName counts characters, not UTF-16 code units", () => {
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "😀".repeat(50) })))).toBeNull();
    expect(refusal(() => validateDelegatedAdmin(input({ displayName: "😀".repeat(51) })))).toEqual({ code: "BAD_USER_INPUT", field: "input.displayName" });
  });

  it("DA1: roles must not be empty", () => {
    expect(refusal(() => validateDelegatedAdmin(input({ roles: [] })))).toEqual({ code: "BAD_USER_INPUT", field: "input.roles" });
  });

  it("DA1: durationDays is 1 to 730", () => {
    for (const bad of [0, -1, 731, 1.5]) expect(refusal(() => validateDelegatedAdmin(input({ durationDays: bad })))).toEqual({ code: "BAD_USER_INPUT", field: "input.durationDays" });
    for (const good of [1, 730]) expect(validateDelegatedAdmin(input({ durationDays: good })).durationDays).toBe(good);
  });

  it("DA3: auto-extend with GLOBAL_ADMINISTRATOR is AUTO_EXTEND_NOT_ALLOWED; without auto-extend it is allowed", () => {
    const roles = [AdminRole.USER_ADMINISTRATOR, AdminRole.GLOBAL_ADMINISTRATOR];
    expect(refusal(() => validateDelegatedAdmin(input({ roles, autoExtend: true })))).toEqual({ code: "AUTO_EXTEND_NOT_ALLOWED" });
    expect(refusal(() => validateDelegatedAdmin(input({ roles, autoExtend: false })))).toBeNull();
    expect(refusal(() => validateDelegatedAdmin(input({ roles: [AdminRole.USER_ADMINISTRATOR], autoExtend: true })))).toBeNull();
  });
});

describe("customers rules: visibility (CV1, MP2)", () => {
  it("CV1: standing counts ACTIVE reseller relationships (own or as indirect provider) and ACTIVE delegated admin", () => {
    const now = at(DAY_MS);
    expect(standingOf("p1", [rel()], [], now)).toEqual({ activeReseller: true, activeDelegatedAdmin: false });
    expect(standingOf("prov", [rel({ indirectProviderId: "prov" })], [], now).activeReseller).toBe(true);
    expect(standingOf("p1", [rel({ status: CustomerRelationshipStatus.REMOVED })], [], now).activeReseller).toBe(false);
    expect(standingOf("p2", [rel()], [], now).activeReseller).toBe(false);
    expect(standingOf("p1", [], [activeDap(at(30 * DAY_MS))], now)).toEqual({ activeReseller: false, activeDelegatedAdmin: true });
    expect(standingOf("p1", [], [dap()], now).activeDelegatedAdmin).toBe(false);
    expect(standingOf("p1", [], [activeDap(at(30 * DAY_MS))], at(31 * DAY_MS)).activeDelegatedAdmin).toBe(false);
    expect(standingOf("p2", [], [activeDap(at(30 * DAY_MS))], now).activeDelegatedAdmin).toBe(false);
  });

  it("MP2: a partner sees its own relationship (a provider also its reseller's); the customer and operator all", () => {
    const r = rel({ partnerId: "reseller", indirectProviderId: "prov" });
    expect(canSeeCustomerRelationship(user("partner", "reseller"), r)).toBe(true);
    expect(canSeeCustomerRelationship(user("partner", "prov"), r)).toBe(true);
    expect(canSeeCustomerRelationship(user("partner", "other"), r)).toBe(false);
    expect(canSeeCustomerRelationship(user("customer", "c1"), r)).toBe(true);
    expect(canSeeCustomerRelationship(user("customer", "c2"), r)).toBe(false);
    expect(canSeeCustomerRelationship(user("operator"), r)).toBe(true);
    // A direct relationship (no provider) is not seen by a partner whose tid is absent.
    expect(canSeeCustomerRelationship(user("partner", undefined), rel())).toBe(false);
  });

  it("CR3: the relationship's partner or customer may remove it; its indirect provider, which sees it, is FORBIDDEN; anyone else NOT_FOUND", () => {
    const r = rel({ partnerId: "reseller", indirectProviderId: "prov" });
    expect(refusal(() => checkMayRemoveRelationship(user("partner", "reseller"), r))).toBeNull();
    expect(refusal(() => checkMayRemoveRelationship(user("customer", "c1"), r))).toBeNull();
    expect(refusal(() => checkMayRemoveRelationship(user("partner", "prov"), r))).toEqual({ code: "FORBIDDEN" });
    expect(refusal(() => checkMayRemoveRelationship(user("partner", "other"), r))).toEqual({ code: "NOT_FOUND" });
    expect(refusal(() => checkMayRemoveRelationship(user("customer", "c2"), r))).toEqual({ code: "NOT_FOUND" });
    expect(refusal(() => checkMayRemoveRelationship(user("partner", "reseller"), null))).toEqual({ code: "NOT_FOUND" });
    expect(refusal(() => checkMayRemoveRelationship(user("partner", "reseller"), rel({ partnerId: "reseller", status: CustomerRelationshipStatus.REMOVED })))).toEqual({ code: "NOT_FOUND" });
  });

  it("MP2: delegated admin relationships: the partner its own, the customer all", () => {
    const d = dap();
    expect(canSeeDelegatedAdmin(user("partner", "p1"), d)).toBe(true);
    expect(canSeeDelegatedAdmin(user("partner", "p2"), d)).toBe(false);
    expect(canSeeDelegatedAdmin(user("customer", "c1"), d)).toBe(true);
    expect(canSeeDelegatedAdmin(user("customer", "c2"), d)).toBe(false);
    expect(canSeeDelegatedAdmin(user("operator"), d)).toBe(true);
  });
});

describe("customers rules: clouds, countries, programs and registration", () => {
  it("NC2/NC3: only GERMANY is closed to new customers, from one table", () => {
    expect(Object.entries(CLOUD_FEATURES).filter(([, f]) => !f.newCustomers).map(([c]) => c)).toEqual([Cloud.GERMANY]);
    expect(refusal(() => checkCloudOpen(Cloud.GERMANY))).toEqual({ code: "CLOUD_CLOSED" });
    for (const c of [Cloud.GLOBAL, Cloud.US_GOVERNMENT, Cloud.CHINA]) expect(refusal(() => checkCloudOpen(c))).toBeNull();
    for (const f of Object.values(CLOUD_FEATURES)) expect(f).toMatchObject({ multiPartner: true, multiChannel: true });
  });

  it("NC1/NC4: a partner and a customer must share cloud (CLOUD_MISMATCH) and country (REGION_MISMATCH)", () => {
    expect(refusal(() => checkSameCloudAndCountry(partner(), { cloud: Cloud.GLOBAL, country: "US" }))).toBeNull();
    expect(refusal(() => checkSameCloudAndCountry(partner(), { cloud: Cloud.CHINA, country: "US" }))).toEqual({ code: "CLOUD_MISMATCH" });
    expect(refusal(() => checkSameCloudAndCountry(partner(), { cloud: Cloud.GLOBAL, country: "GB" }))).toEqual({ code: "REGION_MISMATCH" });
    expect(refusal(() => checkSameCloudAndCountry(partner(), { cloud: Cloud.CHINA, country: "CN" }))).toEqual({ code: "CLOUD_MISMATCH" });
  });

  it("T6/CR2: program predicates", () => {
    expect(isResellerOnly(partner({ programs: [CspProgram.INDIRECT_RESELLER] }))).toBe(true);
    expect(isResellerOnly(partner({ programs: [CspProgram.INDIRECT_RESELLER, CspProgram.DIRECT_BILL] }))).toBe(false);
    expect(isIndirectReseller(partner({ programs: [CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER] }))).toBe(true);
    expect(isIndirectProvider(partner({ programs: [CspProgram.INDIRECT_PROVIDER] }))).toBe(true);
    expect(isIndirectProvider(partner())).toBe(false);
  });

  it("registerCustomerTenant input: normalised, with the offending field named", () => {
    const good = { id: "A1B2C3D4-0000-4000-8000-000000000000", companyName: " Adatum ", defaultDomain: "Adatum.OnMicrosoft.com", cloud: Cloud.GLOBAL, country: "us" };
    expect(validateRegistration(good as any)).toEqual({ id: good.id.toLowerCase(), companyName: "Adatum", defaultDomain: "adatum.onmicrosoft.com", cloud: Cloud.GLOBAL, country: "US" });
    expect(validateRegistration({ ...good, id: null } as any).id).toMatch(/^[0-9a-f-]{36}$/);
    expect(refusal(() => validateRegistration({ ...good, id: "nope" } as any))).toEqual({ code: "BAD_USER_INPUT", field: "input.id" });
    expect(refusal(() => validateRegistration({ ...good, country: "XX" } as any))).toEqual({ code: "BAD_USER_INPUT", field: "input.country" });
    expect(refusal(() => validateRegistration({ ...good, defaultDomain: "nodot" } as any))).toEqual({ code: "BAD_USER_INPUT", field: "input.defaultDomain" });
    expect(refusal(() => validateRegistration({ ...good, companyName: "" } as any))).toEqual({ code: "BAD_USER_INPUT", field: "input.companyName" });
  });

  it("DA5 input: a billing profile is optional; its email is checked", () => {
    expect(validateBillingProfile(null)).toEqual({ billingEmail: null, billingAddressLine: null, billingCity: null, billingPostalCode: null });
    expect(validateBillingProfile({ email: " a@b.example ", city: " " } as any)).toEqual({ billingEmail: "a@b.example", billingAddressLine: null, billingCity: null, billingPostalCode: null });
    expect(refusal(() => validateBillingProfile({ email: "nope" } as any))).toEqual({ code: "BAD_USER_INPUT", field: "input.billingProfile.email" });
  });

  it("Role table: the customers subgraph's roles match DOMAIN.md", () => {
    expect(ROLES).toEqual({
      registerCustomerTenant: ["OPERATOR"],
      createCustomer: ["GLOBAL_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
      createRelationshipRequest: ["GLOBAL_ADMIN", "USER_MANAGEMENT_ADMIN", "ADMIN_AGENT", "SALES_AGENT"],
      acceptRelationshipRequest: ["GLOBAL_ADMIN"],
      removeResellerRelationship: ["GLOBAL_ADMIN"],
      createDelegatedAdminRelationship: ["GLOBAL_ADMIN", "ADMIN_AGENT"],
      approveDelegatedAdminRelationship: ["GLOBAL_ADMIN"],
      terminateDelegatedAdminRelationshipPartner: ["GLOBAL_ADMIN", "ADMIN_AGENT"],
      terminateDelegatedAdminRelationshipCustomer: ["GLOBAL_ADMIN"],
    });
  });
});
