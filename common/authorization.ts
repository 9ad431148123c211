/** Role checks of DOMAIN.md's role table, shared by every subgraph's rules. */
import { forbidden, notFound } from "./errors";
import type { OrgKind, UserPrincipal } from "./identity";

/** Refuses with FORBIDDEN unless the user is of `org` and holds one of `roles`. */
export function requireRole(principal: UserPrincipal, org: OrgKind, roles: readonly string[]): void {
  if (principal.org !== org || !principal.roles.some((r) => roles.includes(r))) throw forbidden();
}

export const hasRole = (principal: UserPrincipal, org: OrgKind, roles: readonly string[]) =>
  principal.org === org && principal.roles.some((r) => roles.includes(r));

export const isOperator = (p: UserPrincipal) => p.org === "operator";
export const partnerIdOf = (p: UserPrincipal) => (p.org === "partner" ? p.tid : undefined);
export const customerIdOf = (p: UserPrincipal) => (p.org === "customer" ? p.tid : undefined);

/** Reads need any role of the organisation; a user with none sees nothing. */
export function requireAnyRole(principal: UserPrincipal, what: string): void {
  if (principal.roles.length === 0) throw notFound(what);
}
