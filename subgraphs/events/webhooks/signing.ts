/**
 * EV4: Standard Webhooks signatures, made by the specification's reference library
 * (`standardwebhooks`), so that any receiver using a Standard Webhooks library verifies them
 * as they come. No signing code of our own: the library computes the HMAC-SHA256.
 */
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { DAY_MS } from "../../../common/time/clock";

/** For this long after a rotation every delivery is signed with the previous secret too. */
export const SECRET_OVERLAP_MS = DAY_MS;

/** A new endpoint secret in the specification's form: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The secrets an endpoint signs with: its current one and, for a while after a rotation, the one before. */
export interface SigningSecrets {
  secret: string;
  previousSecret?: string | null;
  /** When `secret` replaced `previousSecret`. */
  rotatedAt?: Date | null;
}

/**
 * The secrets to sign with at `now`, the new one first, the old one during the overlap. `now`
 * is the service clock (common/clock.ts), the same that stamped `rotatedAt`, so tests move it.
 */
export function activeSecrets(secrets: SigningSecrets, now: Date): string[] {
  const overlapping =
    secrets.previousSecret && secrets.rotatedAt && now.getTime() - secrets.rotatedAt.getTime() < SECRET_OVERLAP_MS;
  return overlapping ? [secrets.secret, secrets.previousSecret as string] : [secrets.secret];
}

/** The three Standard Webhooks headers of one attempt. */
export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * Signs `body` for message `id` (the event's id, so a receiver deduplicates redeliveries by it)
 * with each of `secrets` (see activeSecrets): one `v1,<signature>` each, separated by spaces,
 * as the specification carries several signatures. `attemptAt` is the real time of the attempt
 * (never the development clock): receivers refuse a timestamp more than 5 minutes off theirs.
 */
export function signatureHeaders(id: string, body: string, secrets: readonly string[], attemptAt: Date): SignatureHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, attemptAt, body));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(attemptAt.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}
