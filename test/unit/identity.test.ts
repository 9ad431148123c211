/** The token verifier's cache of verified tokens must never outlive a token or accept a forgery. */
import { readConfig } from "../../common/service/config";
import { createTokenVerifier, signDevToken } from "../../common/identity/identity";

const config = readConfig({ NODE_ENV: "test" });
const claims = { sub: "u1", org: "partner" as const, tid: "0b8f2a64-1f5e-4c3b-9d7a-2f4e6a8b0c1d", roles: ["GLOBAL_ADMIN"] };

describe("token verification cache", () => {
  it("Identity: a verified token answers from the cache with the same, unmodifiable principal", async () => {
    const verify = createTokenVerifier(config);
    const token = await signDevToken(claims);
    const first = await verify(`Bearer ${token}`);
    const second = await verify(`Bearer ${token}`);
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
  });

  it("Identity: a cached token is refused once its exp has passed (UNAUTHENTICATED)", async () => {
    const verify = createTokenVerifier(config);
    const token = await signDevToken(claims, undefined, "1s");
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: "u1" });
    await new Promise((r) => setTimeout(r, 2100));
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("Identity: a token signed with another secret is refused even after a good one was cached", async () => {
    const verify = createTokenVerifier(config);
    await verify(`Bearer ${await signDevToken(claims)}`);
    const forged = await signDevToken(claims, "another-secret-of-at-least-32-characters!");
    await expect(verify(`Bearer ${forged}`)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });
});
