/** Role checks of DOMAIN.md's role table, shared by every subgraph's rules. */
import { forbidden } from "./errors";
import type { OrgKind, UserPrincipal } from "./identity";

/** Refuses with FORBIDDEN unless the user is of `org` and holds one of `roles`. */
export function requireRole(principal: UserPrincipal, org: OrgKind, roles: readonly string[]): void {
  if (principal.org !== org || !principal.roles.some((r) => roles.includes(r))) throw forbidden();
}
