/**
 * Unit tests of the events' rule logic: each owner's audiences (EV2), the feed's scope and
 * types (EV3), the subject reference (EV9), and DA2's time-driven events.
 */
import { DAY_MS } from "../../common/time/clock";
import { DelegatedAdminStatus } from "../../subgraphs/customers/enums";
import { SalesChannel } from "../../subgraphs/subscriptions/enums";
import { EventType, SUBJECT_TYPE } from "../../common/events/event-types";
import type { UserPrincipal } from "../../common/identity/identity";
import { dueEvents } from "../../subgraphs/customers/delegated-admin-sweep";
import { customerCreated, customerRegistered, delegatedAdminEvent } from "../../subgraphs/customers/events";
import type { DelegatedAdminRelationship } from "../../subgraphs/customers/model";
import { feedScope, feedTypes } from "../../subgraphs/events/rules";
import { subjectReference, SUBJECT_STUBS } from "../../subgraphs/events/references";
import { relationshipEvent } from "../../subgraphs/partners/events";
import { orderPlaced, subscriptionAudience, subscriptionChanged } from "../../subgraphs/subscriptions/events";
import type { CloudSubscription } from "../../subgraphs/subscriptions/model";

const T0 = new Date("2030-01-01T00:00:00.000Z");
const [P, R, Q, C, D] = ["p", "r", "q", "c", "d"].map((x) => `${x}0000000-0000-4000-8000-000000000000`);
/** As recordEvents stores it: each organisation once. */
const audience = (e: { audience: (string | null | undefined)[] }) => [...new Set(e.audience.filter(Boolean))].sort();

describe("EV9: the catalogue", () => {
  it("EV9: every type but PING has a subject type, and every subject type is a member of EventSubject", () => {
    for (const type of Object.values(EventType)) {
      if (type === EventType.PING) expect(SUBJECT_TYPE[type]).toBeNull();
      else expect(Object.keys(SUBJECT_STUBS)).toContain(SUBJECT_TYPE[type]);
    }
  });

  it("EV9: a subject reference is the subject's type and id; none for PING or an unknown type", () => {
    expect(subjectReference("Order", "o1")).toEqual({ __typename: "Order", id: "o1" });
    expect(subjectReference(null, null)).toBeNull();
    expect(subjectReference("Offer", "x")).toBeNull();
  });
});

describe("EV2: audiences", () => {
  it("EV2: a reseller relationship's events go to its two sides", () => {
    expect(audience(relationshipEvent("inviteReseller", { id: "x", providerId: P, resellerId: R }))).toEqual([`partner:${P}`, `partner:${R}`]);
    expect(() => relationshipEvent("enrollPartner", { id: "x", providerId: P, resellerId: R })).toThrow();
  });

  it("EV2 (T7): a customer created for a reseller goes to the customer, the reseller and its provider; a registered one to the customer alone", () => {
    const [created, established] = customerCreated({ id: "rel", customerId: C, partnerId: R, indirectProviderId: P });
    expect(created.subjectId).toBe(C);
    expect(established.subjectId).toBe("rel");
    for (const e of [created, established]) expect(audience(e)).toEqual([`customer:${C}`, `partner:${P}`, `partner:${R}`]);
    expect(audience(customerRegistered(C))).toEqual([`customer:${C}`]);
  });

  const sub = (over: Partial<CloudSubscription> = {}) =>
    ({ id: "s", customerId: C, channel: SalesChannel.CSP, partnerOfRecordId: R, billingPartnerId: P, supportPartnerId: null, ...over }) as CloudSubscription;

  it("EV2 (S1, MP4): a CSP subscription's events go to its customer, partner of record and billing partner; delegated admins do not see it", () => {
    expect(audience({ audience: subscriptionAudience(sub(), [D]) })).toEqual([`customer:${C}`, `partner:${P}`, `partner:${R}`]);
  });

  it("EV2 (MC2): a subscription bought elsewhere goes to its customer, its support partner and the partners with an active delegated admin relationship", () => {
    const external = sub({ channel: SalesChannel.DIRECT, partnerOfRecordId: null, billingPartnerId: null, supportPartnerId: Q });
    expect(audience({ audience: subscriptionAudience(external, [D]) })).toEqual([`customer:${C}`, `partner:${D}`, `partner:${Q}`]);
  });

  it("EV2 (S6): a change of partner of record goes to the old and the new one", () => {
    const e = subscriptionChanged("updateSubscription", sub(), { partnerOfRecordId: Q });
    expect(e.type).toBe(EventType.SUBSCRIPTION_UPDATED);
    expect(audience(e)).toEqual([`customer:${C}`, `partner:${P}`, `partner:${Q}`, `partner:${R}`]);
  });

  it("EV2: an order goes to its customer, billing partner and partner of record", () => {
    expect(audience(orderPlaced({ id: "o", customerId: C, billingPartnerId: P, partnerOfRecordId: R }))).toEqual([`customer:${C}`, `partner:${P}`, `partner:${R}`]);
  });
});

describe("EV3: the feed", () => {
  const viewer = (org: UserPrincipal["org"], tid?: string): UserPrincipal => ({ kind: "user", userId: "u", org, tid, roles: ["GLOBAL_ADMIN"] }) as UserPrincipal;

  it("EV2: the operator reads all; a partner and a customer their own audience, by kind", () => {
    expect(feedScope(viewer("operator"))).toEqual({ all: true });
    expect(feedScope(viewer("partner", P))).toEqual({ all: false, audience: `partner:${P}` });
    expect(feedScope(viewer("customer", P))).toEqual({ all: false, audience: `customer:${P}` });
  });

  it("EV3: PING is never in a feed: filtering by it alone leaves nothing; repeated types count once", () => {
    expect(feedTypes(null)).toBeNull();
    expect(feedTypes([EventType.PING])).toEqual([]);
    expect(feedTypes([EventType.ORDER_PLACED, EventType.PING, EventType.ORDER_PLACED])).toEqual([EventType.ORDER_PLACED]);
  });
});

describe("DA2: time-driven events", () => {
  const dap = (over: Partial<DelegatedAdminRelationship> = {}) =>
    ({ id: "d", partnerId: P, customerId: C, storedStatus: DelegatedAdminStatus.ACTIVE, createdAt: T0, storedEndsAt: new Date(T0.getTime() + 10 * DAY_MS), autoExtend: false, ...over }) as DelegatedAdminRelationship;
  const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);

  it("DA2: nothing before the end; EXPIRED once at the end, dated at it; nothing more once announced", () => {
    expect(dueEvents(dap(), null, at(9)).events).toEqual([]);
    const due = dueEvents(dap(), null, at(30));
    expect(due.events.map((e) => [e.type, e.occurredAt])).toEqual([[EventType.DELEGATED_ADMIN_EXPIRED, at(10)]]);
    expect(due.expired).toBe(true);
    expect(dueEvents(dap(), { endsAt: null, expired: true }, at(400)).events).toEqual([]);
  });

  it("DA2: an unapproved relationship expires 90 days after creation", () => {
    const pending = dap({ storedStatus: DelegatedAdminStatus.APPROVAL_PENDING, storedEndsAt: null });
    expect(dueEvents(pending, null, at(89)).events).toEqual([]);
    expect(dueEvents(pending, null, at(90)).events.map((e) => [e.type, e.occurredAt])).toEqual([[EventType.DELEGATED_ADMIN_EXPIRED, at(90)]]);
  });

  it("DA2: auto-extension records one EXTENDED per 180 days passed, from the last announced end, and never EXPIRED", () => {
    const auto = dap({ autoExtend: true });
    const first = dueEvents(auto, null, at(10));
    expect(first.events.map((e) => e.occurredAt)).toEqual([at(10)]);
    expect(first.endsAt).toEqual(at(190));
    const jump = dueEvents(auto, { endsAt: first.endsAt, expired: false }, at(600));
    expect(jump.events.map((e) => [e.type, e.occurredAt])).toEqual([
      [EventType.DELEGATED_ADMIN_EXTENDED, at(190)],
      [EventType.DELEGATED_ADMIN_EXTENDED, at(370)],
      [EventType.DELEGATED_ADMIN_EXTENDED, at(550)],
    ]);
    expect(jump.endsAt).toEqual(at(730));
  });

  it("DA2: a terminated relationship owes nothing", () => {
    expect(dueEvents(dap({ storedStatus: DelegatedAdminStatus.TERMINATED }), null, at(400)).events).toEqual([]);
    expect(delegatedAdminEvent("approveDelegatedAdminRelationship", dap()).type).toBe(EventType.DELEGATED_ADMIN_APPROVED);
  });
});
