/** Input checks shared by every subgraph; each failure names the offending field. */
import { randomUUID } from "node:crypto";
import { badInput } from "../errors/errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ISO 3166-1 alpha-2, officially assigned codes.
const COUNTRIES = new Set(
  ("AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO " +
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE " +
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO " +
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW " +
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM " +
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW").split(" "),
);

export const isUuid = (value: string) => UUID.test(value);

/** A UUID id given by the caller (lower-cased), or a new one. */
export function idOrNew(value: string | null | undefined, field: string): string {
  if (value === undefined || value === null) return randomUUID();
  if (!isUuid(value)) throw badInput(field, "must be a UUID.");
  return value.toLowerCase();
}

/** An id argument naming something: malformed ids cannot name anything. */
export function uuidArg(value: string, field: string): string {
  if (!isUuid(value)) throw badInput(field, "must be a UUID.");
  return value.toLowerCase();
}

/**
 * An optional id argument: only null or absent mean "none". An empty string is a malformed
 * id, not a silent "none" (a provider's "" reseller must not become a direct sale).
 */
export function optionalUuidArg(value: string | null | undefined, field: string): string | null {
  return value === undefined || value === null ? null : uuidArg(value, field);
}

const CONTROL_CHARACTER = /\p{Cc}/u;

export function text(value: string | null | undefined, field: string, max: number, min = 1): string {
  const trimmed = (value ?? "").trim();
  const length = [...trimmed].length; // characters, not UTF-16 units: the database counts characters too
  if (length < min) throw badInput(field, min === 1 ? "must not be empty." : `must be at least ${min} characters.`);
  if (length > max) throw badInput(field, `must be at most ${max} characters.`);
  // Single-line text only; PostgreSQL also refuses NUL in text, which would surface as a 500.
  if (CONTROL_CHARACTER.test(trimmed)) throw badInput(field, "must not contain control characters.");
  return trimmed;
}

export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value === undefined || value === null || value.trim() === "") return null;
  return text(value, field, max);
}

export function country(value: string, field: string): string {
  const upper = (value ?? "").trim().toUpperCase();
  if (!COUNTRIES.has(upper)) throw badInput(field, "must be an ISO 3166-1 alpha-2 country code, e.g. US or DE.");
  return upper;
}

const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export function domainName(value: string, field: string): string {
  const lower = (value ?? "").trim().toLowerCase();
  if (!DOMAIN.test(lower)) throw badInput(field, "must be a domain name, e.g. adatum.onmicrosoft.com.");
  return lower;
}

const EMAIL = /^[^\s@]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
export function email(value: string, field: string): string {
  const trimmed = (value ?? "").trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed) || CONTROL_CHARACTER.test(trimmed)) throw badInput(field, "must be an email address.");
  return trimmed;
}

export function integerInRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(field, `must be a whole number from ${min} to ${max}.`);
  return value;
}
