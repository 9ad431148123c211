/** Role checks of DOMAIN.md's role table, shared by every subgraph's rules. */
import { forbiddenRequest, forbiddenRole } from "../errors/errors";
import { OrgKind, ROLES_BY_ORG, UserPrincipal } from "./identity";

/**
 * Refuses with FORBIDDEN unless the user is of `org` and holds one of `roles`. The refusal
 * names the roles that would do for the caller's kind of organisation (none when it is of another kind).
 */
export function requireRole(principal: UserPrincipal, org: OrgKind, roles: readonly string[]): void {
  requireRoleOf(principal, { [org]: roles });
}

/** As requireRole, for operations several kinds of organisation may do, each with its own roles. */
export function requireRoleOf(principal: UserPrincipal, rolesByOrg: Partial<Record<OrgKind, readonly string[]>>): void {
  const allowed = rolesByOrg[principal.org] ?? [];
  if (!principal.roles.some((r) => allowed.includes(r))) throw forbiddenRole(principal.org, allowed);
}

export const hasRole = (principal: UserPrincipal, org: OrgKind, roles: readonly string[]) =>
  principal.org === org && principal.roles.some((r) => roles.includes(r));

/** A token with no role of its organisation is refused as a whole request (HTTP 403): any of them would do. */
export const noRoleRefusal = (principal: UserPrincipal) =>
  forbiddenRequest(`The token carries no role of its ${principal.org} organisation; any of these would do: ${ROLES_BY_ORG[principal.org].join(", ")}.`, {
    allowedRoles: [...ROLES_BY_ORG[principal.org]],
  });
