/**
 * `npm run token -- --org partner --tid <id> --roles ADMIN_AGENT[,SALES_AGENT] [--sub user] [--expires 12h]`
 * prints a development token signed with JWT_SECRET (or the documented default).
 */
import { parseArgs } from "node:util";
import { readConfig } from "../common/service/config";
import { OrgKind, principalFromClaims, signDevToken } from "../common/identity/identity";

async function main() {
  const { values } = parseArgs({
    options: {
      org: { type: "string" },
      tid: { type: "string" },
      roles: { type: "string" },
      sub: { type: "string" },
      expires: { type: "string", default: "12h" },
    },
  });
  const org = values.org as OrgKind;
  const roles = (values.roles ?? (org === "operator" ? "OPERATOR" : "")).split(",").map((r) => r.trim()).filter(Boolean);
  const claims = { sub: values.sub ?? `dev-${org}-user`, org, tid: values.tid?.toLowerCase(), roles };
  principalFromClaims(claims); // same checks the services make: a bad org, tid or role fails here, not at request time
  if (roles.length === 0) throw new Error("--roles is required (e.g. GLOBAL_ADMIN)");
  const config = readConfig();
  if (config.production) throw new Error("Development tokens are not for production.");
  console.log(await signDevToken(claims, config.jwtSecret, values.expires));
}

main().catch((error) => {
  console.error(`token: ${error instanceof Error ? error.message : error}\nusage: npm run token -- --org partner|customer|operator [--tid <uuid>] --roles ROLE[,ROLE]`);
  process.exit(1);
});
