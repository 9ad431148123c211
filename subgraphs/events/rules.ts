/** The events subgraph's rules, as pure functions: whose feed a viewer reads (EV2) and what it holds (EV3). */
import { customerAudience, EventType, partnerAudience } from "../../common/event-types";
import type { UserPrincipal } from "../../common/identity";

/** The operator reads every event; a partner or customer the events its organisation is in the audience of. */
export type FeedScope = { all: true } | { all: false; audience: string };

export function feedScope(principal: UserPrincipal): FeedScope {
  if (principal.org === "operator") return { all: true };
  return { all: false, audience: principal.org === "partner" ? partnerAudience(principal.tid!) : customerAudience(principal.tid!) };
}

/** EV3: PING is a test delivery to one endpoint, never in a feed. Null: every type but PING. */
export function feedTypes(types: EventType[] | null | undefined): EventType[] | null {
  if (types == null) return null;
  return [...new Set(types)].filter((t) => t !== EventType.PING).sort();
}
