/**
 * Who is asking. Tokens are verified with jose at the gateway and again in every subgraph:
 * a subgraph never trusts a caller because a gateway forwarded it.
 */
import { createPublicKey, KeyObject } from "node:crypto";
import { createRemoteJWKSet, jwtVerify, SignJWT, JWTVerifyGetKey } from "jose";
import { Config, DEV_JWT_SECRET } from "../service/config";
import { unauthenticated } from "../errors/errors";

export const PARTNER_ROLES = [
  "GLOBAL_ADMIN",
  "ACCOUNT_ADMIN",
  "USER_MANAGEMENT_ADMIN",
  "ADMIN_AGENT",
  "SALES_AGENT",
  "HELPDESK_AGENT",
  "BILLING_ADMIN",
] as const;
export const CUSTOMER_ROLES = ["GLOBAL_ADMIN", "USER"] as const;
export const OPERATOR_ROLES = ["OPERATOR"] as const;

export type OrgKind = "operator" | "partner" | "customer";

export interface UserPrincipal {
  kind: "user";
  userId: string;
  org: OrgKind;
  /** Partner.id or Customer.id; absent for the operator. */
  tid?: string;
  roles: string[];
}

/** Another subgraph asking for facts on the internal endpoint. */
export interface ServicePrincipal {
  kind: "service";
  service: string;
}

export type Principal = UserPrincipal | ServicePrincipal;

export const ROLES_BY_ORG: Record<OrgKind, readonly string[]> = {
  operator: OPERATOR_ROLES,
  partner: PARTNER_ROLES,
  customer: CUSTOMER_ROLES,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type TokenVerifier = (token: string | undefined) => Promise<UserPrincipal>;

function verificationKey(config: Config): { key: Uint8Array | KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  if (config.jwksUrl) return { key: createRemoteJWKSet(new URL(config.jwksUrl)), algorithms: ["RS256", "ES256", "EdDSA"] };
  if (config.jwtPublicKey) return { key: createPublicKey(config.jwtPublicKey), algorithms: ["RS256", "ES256", "EdDSA"] };
  return { key: new TextEncoder().encode(config.jwtSecret ?? DEV_JWT_SECRET), algorithms: ["HS256"] };
}

/** How long a verified token is trusted without checking its signature again (never past its `exp`). */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export function createTokenVerifier(config: Config): TokenVerifier {
  const { key, algorithms } = verificationKey(config);
  // One user request is verified by the gateway and again by every subgraph it reaches, and a
  // client sends the same token many times: a signature check on each hop was a measurable
  // share of CPU (bench). Only successes are kept, keyed by the whole token, for at most a
  // minute, so a rotated JWKS key stops being trusted soon after.
  const verified = new Map<string, { principal: UserPrincipal; until: number }>();
  return async (authorization) => {
    const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw unauthenticated("MISSING", "An Authorization: Bearer <token> header is required.");
    const now = Date.now();
    const cached = verified.get(token);
    if (cached && cached.until > now) return cached.principal;
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, key as Uint8Array, { algorithms, requiredClaims: ["exp", "sub"] })).payload as Record<string, unknown>;
    } catch (error) {
      // jose checks the signature before the claims: a forged token is INVALID even when its exp has passed too.
      // By code, not class: jose's classes are not the same object in every module realm (jest).
      if ((error as { code?: unknown }).code === "ERR_JWT_EXPIRED") throw unauthenticated("EXPIRED", "The token has expired; get a new one.");
      throw unauthenticated("INVALID", "The token is not valid: malformed, not signed by a trusted key, or without exp and sub.");
    }
    const principal = principalFromClaims(payload);
    Object.freeze(principal.roles);
    Object.freeze(principal);
    if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, until: Math.min(now + VERIFIED_TOKEN_TTL_MS, Number(payload.exp) * 1000) });
    return principal;
  };
}

/** Checks the claims named in DOMAIN.md's Identity section; anything else is not a user. */
export function principalFromClaims(claims: Record<string, unknown>): UserPrincipal {
  const { sub, org, tid, roles } = claims;
  if (typeof sub !== "string" || !sub) throw unauthenticated("INVALID", "The token has no subject.");
  if (org !== "operator" && org !== "partner" && org !== "customer") {
    throw unauthenticated("INVALID", "The token's org claim must be operator, partner or customer.");
  }
  if (org !== "operator" && (typeof tid !== "string" || !UUID.test(tid))) {
    throw unauthenticated("INVALID", "The token's tid claim must be the organisation's tenant id.");
  }
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== "string")) {
    throw unauthenticated("INVALID", "The token's roles claim must be a list of roles.");
  }
  const known = ROLES_BY_ORG[org];
  const ownRoles = (roles as string[]).filter((r) => known.includes(r));
  return { kind: "user", userId: sub, org, tid: org === "operator" ? undefined : (tid as string).toLowerCase(), roles: ownRoles };
}

export interface TokenClaims {
  sub: string;
  org: OrgKind;
  tid?: string;
  roles: string[];
}

/** Development tokens only: signed with JWT_SECRET (or the documented default). */
export async function signDevToken(claims: TokenClaims, secret = DEV_JWT_SECRET, expiresIn = "12h"): Promise<string> {
  return new SignJWT({ org: claims.org, roles: claims.roles, ...(claims.tid ? { tid: claims.tid } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
