/** Unit tests of subgraphs/customers/rules.ts: pure functions over rows, the caller and a given instant. */
import { DAY_MS } from "../../common/time/clock";
import { Cloud, CspProgram } from "../../common/graphql/enums";
import { AdminRole, CustomerRelationshipStatus, DelegatedAdminStatus, RelationshipRequestStatus } from "../../subgraphs/customers/enums";
import { DomainError } from "../../common/errors/errors";
import { UserPrincipal } from "../../common/identity/identity";
import type { CustomerPartnerRelationship, DelegatedAdminRelationship, RelationshipRequest } from "../../subgraphs/customers/model";
import {
  canSeeCustomerRelationship,
  canSeeDelegatedAdmin,
  checkDisplayNameFree,
  checkMayApprove,
  checkMayRemoveRelationship,
  checkMayTerminateDelegatedAdmin,
  checkCloudOpen,
  checkNamedProviderActive,
  checkNewCustomer,
  checkNoActiveRelationship,
  checkNoActiveSubscriptions,
  checkNotPartnerTenant,
  checkProviderStillActive,
  checkRequestAcceptable,
  checkRequestProvider,
  checkSameCloudAndCountry,
  CLOUD_FEATURES,
  decideNewCustomerRelationship,
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

/** The whole refusal `fn` throws, message and extensions, to prove them exact. */
function refused(fn: () => unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { message: e.message, extensions: { ...e.extensions } };
  }
  throw new Error("expected a refusal, got none");
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

describe("customers rules: new customers (NC2, NC4, O2, T4)", () => {
  it("O2: a tenant that is no partner's CSP tenant may be registered", () => {
    expect(refusal(() => checkNotPartnerTenant(false))).toBeNull();
  });

  it("O2: a partner's CSP tenant cannot be registered: CSP_TENANT_PURCHASE_FORBIDDEN", () => {
    expect(refused(() => checkNotPartnerTenant(true))).toEqual({
      message: "This tenant is a partner's CSP tenant; it cannot be a customer.",
      extensions: { code: "CSP_TENANT_PURCHASE_FORBIDDEN" },
    });
  });

  it("NC4: a partner creates a customer of its own country, in every open cloud", () => {
    for (const cloud of [Cloud.GLOBAL, Cloud.US_GOVERNMENT, Cloud.CHINA]) expect(refusal(() => checkNewCustomer(partner({ cloud }), "US"))).toBeNull();
  });

  it("NC4: a customer of another country: REGION_MISMATCH", () => {
    expect(refused(() => checkNewCustomer(partner(), "GB"))).toEqual({
      message: "A partner creates customers of its own country only.",
      extensions: { code: "REGION_MISMATCH" },
    });
  });

  it("NC2: a partner of GERMANY creates no customer, of its own country or not: CLOUD_CLOSED first", () => {
    const german = partner({ cloud: Cloud.GERMANY, country: "DE" });
    expect(refused(() => checkNewCustomer(german, "DE"))).toEqual({ message: "The GERMANY cloud takes no new customers.", extensions: { code: "CLOUD_CLOSED" } });
    expect(refusal(() => checkNewCustomer(german, "FR"))).toEqual({ code: "CLOUD_CLOSED" });
  });

  const provider = () => partner({ id: "prov", programs: [CspProgram.INDIRECT_PROVIDER] });
  const reseller = (overrides: Partial<PartnerFacts> = {}) => partner({ id: "res", programs: [CspProgram.INDIRECT_RESELLER], ...overrides });
  const T4_REFUSAL = {
    message: "The reseller is not active with you or has not signed the partner agreement.",
    extensions: { code: "RESELLER_NOT_AUTHORIZED" },
  };

  it("T4: without a reseller the new customer's relationship is the creating partner's own, whatever the facts", () => {
    expect(decideNewCustomerRelationship({ partner: partner(), resellerId: null, reseller: null, resellerActiveWithProvider: false })).toEqual({ partnerId: "p1", indirectProviderId: null });
  });

  it("T4: a provider creating for its ACTIVE reseller that signed the agreement: the reseller's relationship, the provider recorded as indirect provider", () => {
    expect(decideNewCustomerRelationship({ partner: provider(), resellerId: "res", reseller: reseller(), resellerActiveWithProvider: true })).toEqual({
      partnerId: "res",
      indirectProviderId: "prov",
    });
  });

  it("T4: a reseller that is not ACTIVE with the provider (pending, terminated, or never invited): RESELLER_NOT_AUTHORIZED", () => {
    expect(refused(() => decideNewCustomerRelationship({ partner: provider(), resellerId: "res", reseller: reseller(), resellerActiveWithProvider: false }))).toEqual(T4_REFUSAL);
  });

  it("T4: a reseller that has not signed the agreement: RESELLER_NOT_AUTHORIZED", () => {
    const unsigned = reseller({ agreementSigned: false });
    expect(refused(() => decideNewCustomerRelationship({ partner: provider(), resellerId: "res", reseller: unsigned, resellerActiveWithProvider: true }))).toEqual(T4_REFUSAL);
  });

  it("T4: a reseller that is not an enrolled partner: RESELLER_NOT_AUTHORIZED", () => {
    expect(refused(() => decideNewCustomerRelationship({ partner: provider(), resellerId: "res", reseller: null, resellerActiveWithProvider: true }))).toEqual(T4_REFUSAL);
  });

  it("T4: a partner that is not an indirect provider cannot create for a reseller: RESELLER_NOT_AUTHORIZED", () => {
    const direct = partner({ programs: [CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER] });
    expect(refused(() => decideNewCustomerRelationship({ partner: direct, resellerId: "res", reseller: reseller(), resellerActiveWithProvider: true }))).toEqual(T4_REFUSAL);
  });
});

describe("customers rules: asking for and accepting a relationship (CR1, CR2)", () => {
  const reseller = (programs = [CspProgram.INDIRECT_RESELLER]) => partner({ programs });

  it("CR2: an indirect reseller names one of its providers; a partner that is not only a reseller may name none", () => {
    expect(refusal(() => checkRequestProvider(reseller(), "prov"))).toBeNull();
    expect(refusal(() => checkRequestProvider(reseller([CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER]), "prov"))).toBeNull();
    expect(refusal(() => checkRequestProvider(reseller([CspProgram.DIRECT_BILL, CspProgram.INDIRECT_RESELLER]), null))).toBeNull();
    expect(refusal(() => checkRequestProvider(partner(), null))).toBeNull();
    expect(refusal(() => checkRequestProvider(partner({ programs: [CspProgram.INDIRECT_PROVIDER] }), null))).toBeNull();
  });

  it("CR2: a partner that is not an indirect reseller names a provider: INVALID_PARTNER_TYPE", () => {
    for (const programs of [[CspProgram.DIRECT_BILL], [CspProgram.INDIRECT_PROVIDER]]) {
      expect(refused(() => checkRequestProvider(partner({ programs }), "prov"))).toEqual({
        message: "Only an indirect reseller names an indirect provider.",
        extensions: { code: "INVALID_PARTNER_TYPE" },
      });
    }
  });

  it("CR2: a partner that is only an indirect reseller names no provider: BAD_USER_INPUT on input.indirectProviderId", () => {
    expect(refused(() => checkRequestProvider(reseller(), null))).toEqual({
      message: "input.indirectProviderId: an indirect reseller must name one of its active indirect providers.",
      extensions: { code: "BAD_USER_INPUT", field: "input.indirectProviderId" },
    });
  });

  it("CR2: the named provider must be ACTIVE with the reseller when it asks: RESELLER_NOT_AUTHORIZED otherwise", () => {
    expect(refusal(() => checkNamedProviderActive(true))).toBeNull();
    expect(refused(() => checkNamedProviderActive(false))).toEqual({
      message: "The named provider has no ACTIVE relationship with you.",
      extensions: { code: "RESELLER_NOT_AUTHORIZED" },
    });
  });

  it("CR2: the named provider must still be ACTIVE with the reseller on acceptance: RESELLER_NOT_AUTHORIZED otherwise", () => {
    expect(refusal(() => checkProviderStillActive(true))).toBeNull();
    expect(refused(() => checkProviderStillActive(false))).toEqual({
      message: "The reseller's relationship with the named provider is no longer active.",
      extensions: { code: "RESELLER_NOT_AUTHORIZED" },
    });
  });

  const req = (overrides: Partial<RelationshipRequest> = {}) =>
    ({ id: "q", partnerId: "p1", indirectProviderId: null, code: "c", storedStatus: RelationshipRequestStatus.PENDING, createdAt: T0, expiresAt: at(REQUEST_LIFETIME_MS), acceptedByCustomerId: null, ...overrides }) as RelationshipRequest;

  it("CR1: a pending request is accepted until the instant it expires", () => {
    expect(refusal(() => checkRequestAcceptable(req(), T0))).toBeNull();
    expect(refusal(() => checkRequestAcceptable(req(), at(REQUEST_LIFETIME_MS - 1)))).toBeNull();
  });

  it("CR1: a request 90 days old: REQUEST_EXPIRED", () => {
    expect(refused(() => checkRequestAcceptable(req(), at(REQUEST_LIFETIME_MS)))).toEqual({ message: "The relationship request has expired.", extensions: { code: "REQUEST_EXPIRED" } });
  });

  it("CR1: no request with that code, or a used one (also past its expiry): NOT_FOUND", () => {
    const notFound = { message: "Relationship request not found.", extensions: { code: "NOT_FOUND" } };
    expect(refused(() => checkRequestAcceptable(null, T0))).toEqual(notFound);
    expect(refused(() => checkRequestAcceptable(req({ storedStatus: RelationshipRequestStatus.ACCEPTED }), T0))).toEqual(notFound);
    expect(refused(() => checkRequestAcceptable(req({ storedStatus: RelationshipRequestStatus.ACCEPTED }), at(2 * REQUEST_LIFETIME_MS)))).toEqual(notFound);
  });

  it("CR1: a partner with an ACTIVE relationship with the customer already: RELATIONSHIP_EXISTS", () => {
    expect(refusal(() => checkNoActiveRelationship(false))).toBeNull();
    expect(refused(() => checkNoActiveRelationship(true))).toEqual({
      message: "This partner already has an active relationship with you.",
      extensions: { code: "RELATIONSHIP_EXISTS" },
    });
  });
});

describe("customers rules: removing a reseller relationship (CR3)", () => {
  it("CR3: a partner without ACTIVE subscriptions for the customer may be removed", () => {
    expect(refusal(() => checkNoActiveSubscriptions(0))).toBeNull();
  });

  it("CR3: a partner with ACTIVE subscriptions for the customer: ACTIVE_SUBSCRIPTIONS_EXIST, naming how many", () => {
    expect(refused(() => checkNoActiveSubscriptions(1))).toEqual({
      message: "The partner still has 1 active subscription(s) for this customer; suspend them first.",
      extensions: { code: "ACTIVE_SUBSCRIPTIONS_EXIST" },
    });
    expect(refused(() => checkNoActiveSubscriptions(7)).message).toContain("7 active subscription(s)");
  });
});

describe("customers rules: delegated admin changes (DA1, DA2, DA4)", () => {
  it("DA1: a display name the partner does not use yet is free; one it uses: DUPLICATE_NAME", () => {
    expect(refusal(() => checkDisplayNameFree(false))).toBeNull();
    expect(refused(() => checkDisplayNameFree(true))).toEqual({
      message: "You already have a delegated admin relationship with this display name.",
      extensions: { code: "DUPLICATE_NAME" },
    });
  });

  it("DA2: the customer approves its own pending relationship until its approval window ends", () => {
    expect(refusal(() => checkMayApprove(user("customer", "c1"), dap(), T0))).toBeNull();
    expect(refusal(() => checkMayApprove(user("customer", "c1"), dap(), at(DAP_APPROVAL_WINDOW_MS - 1)))).toBeNull();
  });

  it("DA2: another customer's relationship, or none: NOT_FOUND", () => {
    const notFound = { message: "Delegated admin relationship not found.", extensions: { code: "NOT_FOUND" } };
    expect(refused(() => checkMayApprove(user("customer", "c2"), dap(), T0))).toEqual(notFound);
    expect(refused(() => checkMayApprove(user("customer", "c1"), null, T0))).toEqual(notFound);
  });

  it("DA2: an active, expired or terminated relationship is not approved: INVALID_STATE naming its status", () => {
    const customer = user("customer", "c1");
    expect(refused(() => checkMayApprove(customer, activeDap(at(30 * DAY_MS)), T0))).toEqual({
      message: "The relationship is ACTIVE, not APPROVAL_PENDING.",
      extensions: { code: "INVALID_STATE" },
    });
    expect(refused(() => checkMayApprove(customer, dap(), at(DAP_APPROVAL_WINDOW_MS))).message).toBe("The relationship is EXPIRED, not APPROVAL_PENDING.");
    expect(refusal(() => checkMayApprove(customer, dap({ storedStatus: DelegatedAdminStatus.TERMINATED }), T0))).toEqual({ code: "INVALID_STATE" });
  });

  it("DA4: its partner or its customer terminates a pending or active relationship", () => {
    for (const d of [dap(), activeDap(at(30 * DAY_MS))]) {
      expect(refusal(() => checkMayTerminateDelegatedAdmin(user("partner", "p1"), d, T0))).toBeNull();
      expect(refusal(() => checkMayTerminateDelegatedAdmin(user("customer", "c1"), d, T0))).toBeNull();
    }
  });

  it("DA4: another partner, another customer, the operator, or no relationship: NOT_FOUND", () => {
    const notFound = { message: "Delegated admin relationship not found.", extensions: { code: "NOT_FOUND" } };
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("partner", "p2"), dap(), T0))).toEqual(notFound);
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("partner", "c1"), dap(), T0))).toEqual(notFound);
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("customer", "c2"), dap(), T0))).toEqual(notFound);
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("operator"), dap(), T0))).toEqual(notFound);
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("partner", "p1"), null, T0))).toEqual(notFound);
  });

  it("DA4: expired or terminated is final: INVALID_STATE naming its status", () => {
    const partnerUser = user("partner", "p1");
    expect(refused(() => checkMayTerminateDelegatedAdmin(partnerUser, activeDap(at(30 * DAY_MS)), at(30 * DAY_MS)))).toEqual({
      message: "The relationship is EXPIRED; expiry and termination are final.",
      extensions: { code: "INVALID_STATE" },
    });
    expect(refused(() => checkMayTerminateDelegatedAdmin(partnerUser, dap(), at(DAP_APPROVAL_WINDOW_MS))).message).toBe("The relationship is EXPIRED; expiry and termination are final.");
    expect(refused(() => checkMayTerminateDelegatedAdmin(user("customer", "c1"), dap({ storedStatus: DelegatedAdminStatus.TERMINATED }), T0)).message).toBe(
      "The relationship is TERMINATED; expiry and termination are final.",
    );
  });
});
