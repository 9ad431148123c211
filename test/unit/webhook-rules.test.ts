/** Unit tests of subgraphs/events/webhooks/rules.ts (EV4) and the worker's defaults (EV5, EV6). */
import { readConfig } from "../../common/service/config";
import { EventType } from "../../common/events/event-types";
import type { UserPrincipal } from "../../common/identity/identity";
import { endpointOwner, requireWebhookManager, subscribedTypes } from "../../subgraphs/events/webhooks/rules";

const user = (org: UserPrincipal["org"], roles: string[], tid: string | undefined = "AAAAAAAA-1111-4111-8111-000000000001"): UserPrincipal => ({ kind: "user", userId: "u", org, tid, roles });

const refusal = (p: UserPrincipal) => {
  try {
    requireWebhookManager(p);
  } catch (error: any) {
    return error.extensions;
  }
  return undefined;
};

describe("webhook rules (EV4)", () => {
  it("EV4: a partner's GLOBAL_ADMIN, ACCOUNT_ADMIN or ADMIN_AGENT and a customer's GLOBAL_ADMIN manage endpoints", () => {
    for (const role of ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "ADMIN_AGENT"]) expect(refusal(user("partner", [role]))).toBeUndefined();
    expect(refusal(user("customer", ["GLOBAL_ADMIN"]))).toBeUndefined();
  });

  it("EV4: any other role is FORBIDDEN naming the roles of its organisation that would do; the operator none", () => {
    for (const role of ["SALES_AGENT", "HELPDESK_AGENT", "BILLING_ADMIN", "USER_MANAGEMENT_ADMIN"])
      expect(refusal(user("partner", [role]))).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "ADMIN_AGENT"] });
    expect(refusal(user("customer", ["USER"]))).toEqual({ code: "FORBIDDEN", allowedRoles: ["GLOBAL_ADMIN"] });
    expect(refusal(user("operator", ["OPERATOR"], undefined))).toEqual({ code: "FORBIDDEN", allowedRoles: [] });
  });

  it("EV4: an endpoint belongs to its organisation as event audiences name it (lower-case), the operator has none", () => {
    expect(endpointOwner(user("partner", ["GLOBAL_ADMIN"]))).toBe("partner:aaaaaaaa-1111-4111-8111-000000000001");
    expect(endpointOwner(user("customer", ["USER"]))).toBe("customer:aaaaaaaa-1111-4111-8111-000000000001");
    expect(endpointOwner(user("operator", ["OPERATOR"], undefined))).toBeNull();
  });

  it("EV4: an endpoint subscribes to at least one type, each once, never PING", () => {
    expect(subscribedTypes([EventType.ORDER_PLACED, EventType.ORDER_PLACED, EventType.CUSTOMER_CREATED])).toEqual([EventType.ORDER_PLACED, EventType.CUSTOMER_CREATED]);
    expect(() => subscribedTypes([])).toThrow(expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "input.eventTypes" } }));
    expect(() => subscribedTypes([EventType.PING])).toThrow(expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "input.eventTypes" } }));
  });

  it("EV5, EV6: by default an attempt waits 10 s for its answer, and a process attempts at most 2 deliveries of one endpoint at once", () => {
    expect(readConfig({}).webhooks).toEqual({ pollIntervalMs: 1000, attemptTimeoutMs: 10_000, maxInFlight: 32, endpointConcurrency: 2 });
  });
});
