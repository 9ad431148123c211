/** The webhooks' rules as pure functions (EV4): who manages endpoints, whose they are, what they subscribe to. */
import { requireRoleOf } from "../../../common/identity/authorization";
import { badInput } from "../../../common/errors/errors";
import { customerAudience, EventType, partnerAudience } from "../../../common/events/event-types";
import type { UserPrincipal } from "../../../common/identity/identity";
import { text } from "../../../common/graphql/validation";

/** EV4: the roles that register and manage endpoints (update, delete, rotate, test, redeliver). */
export const WEBHOOK_MANAGER_ROLES = {
  partner: ["GLOBAL_ADMIN", "ACCOUNT_ADMIN", "ADMIN_AGENT"],
  customer: ["GLOBAL_ADMIN"],
} as const;

/** FORBIDDEN, naming the roles that would do, unless the caller may manage its organisation's endpoints. The operator registers none. */
export function requireWebhookManager(principal: UserPrincipal): void {
  requireRoleOf(principal, WEBHOOK_MANAGER_ROLES);
}

/**
 * The organisation whose endpoints the caller sees, in the form an event's audience names it,
 * so fan-out matches endpoints to audiences directly. Null for the operator (no endpoints).
 */
export function endpointOwner(principal: UserPrincipal): string | null {
  if (principal.org === "partner" && principal.tid) return partnerAudience(principal.tid);
  if (principal.org === "customer" && principal.tid) return customerAudience(principal.tid);
  return null;
}

export const MAX_URL_LENGTH = 2048;

/** The types an endpoint subscribes to: at least one, each once, never PING (sent only by sendTestEvent). */
export function subscribedTypes(types: readonly EventType[], field = "input.eventTypes"): EventType[] {
  if (types.length === 0) throw badInput(field, "name at least one event type.");
  if (types.includes(EventType.PING)) throw badInput(field, "PING is not subscribed to: sendTestEvent sends it to one endpoint.");
  return [...new Set(types)];
}

/** A URL as text before it is looked at further: not empty, within the column's bound, no control characters. */
export const urlWithinBounds = (url: string, field = "input.url"): string => text(url, field, MAX_URL_LENGTH);
