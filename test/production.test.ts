/** NODE_ENV=production: no development secrets, no introspection, no Sandbox, no stack traces. */
import { assertProductionSafe, DEV_JWT_SECRET, readConfig } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { buildGateway } from "../gateway/server";
import { operatorToken } from "./support/stack";

describe("production mode", () => {
  it("refuses to start with the development JWT secret or subgraph credential", () => {
    expect(() => assertProductionSafe(readConfig({ NODE_ENV: "production" }))).toThrow(/JWT_PUBLIC_KEY or JWKS_URL/);
    expect(() => assertProductionSafe(readConfig({ NODE_ENV: "production", JWT_SECRET: DEV_JWT_SECRET, SUBGRAPH_SECRET: "s3cret" }))).toThrow(/JWT/);
    expect(() => assertProductionSafe(readConfig({ NODE_ENV: "production", JWKS_URL: "https://idp.example/jwks" }))).toThrow(/SUBGRAPH_SECRET/);
    expect(() => assertProductionSafe(readConfig({ NODE_ENV: "production", JWKS_URL: "https://idp.example/jwks", SUBGRAPH_SECRET: "s3cret" }))).not.toThrow();
    expect(() => assertProductionSafe(readConfig({}))).not.toThrow();
  });

  it("turns introspection and the Sandbox landing page off", async () => {
    const config = readConfig({ NODE_ENV: "production", JWT_SECRET: "a-production-secret", SUBGRAPH_SECRET: "s3cret" });
    const gateway = buildGateway({ config });
    const running = await gateway.start(0);
    try {
      const page = await fetch(running.url.replace("/graphql", "/"), { headers: { accept: "text/html" } });
      expect(await page.text()).not.toContain("embeddable-sandbox");
      // A token signed with the development secret is not valid here.
      const dev = await fetch(running.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await operatorToken()}` },
        body: JSON.stringify({ query: "{ __schema { types { name } } }" }),
      });
      expect(((await dev.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
      const valid = await signDevToken({ sub: "op", org: "operator", roles: ["OPERATOR"] }, "a-production-secret");
      const introspection = await fetch(running.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${valid}` },
        body: JSON.stringify({ query: "{ __schema { types { name } } }" }),
      });
      const body = (await introspection.json()) as any;
      expect(body.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(JSON.stringify(body)).not.toContain("stacktrace");
    } finally {
      await gateway.stop();
    }
  });
});
