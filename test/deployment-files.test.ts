/**
 * The Dockerfile, docker-compose.yml and router/router.yaml cannot be run where this project is
 * built (no Docker engine), so they are kept honest here: every variable they set is one the
 * code reads, and names, ports, URLs, headers, paths and limits agree with the code.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_QUERY_LIMITS, DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET, projectRoot, readConfig, SUBGRAPH_NAMES } from "../common/service/config";
import { REQUEST_ID_HEADER, SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { SUPERGRAPH_PATH } from "../gateway/server";
import { parseYaml } from "./support/yaml";

const root = projectRoot();
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const dockerfile = read("Dockerfile");
const compose = parseYaml(read("docker-compose.yml"));
const routerText = read("router/router.yaml");
const router = parseYaml(routerText);
const defaults = readConfig({});
const SERVICES = [...SUBGRAPH_NAMES, "gateway"] as const;

/** Every environment variable name the code reads: through readConfig (names built at run time included) or literally. */
function envNamesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const recording = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, key) => {
      if (typeof key === "string") names.add(key);
      return undefined;
    },
  });
  const config = readConfig(recording);
  for (const s of SERVICES) config.port(s);
  for (const s of SUBGRAPH_NAMES) config.subgraphUrl(s);
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
  for (const file of ["common", "gateway", "subgraphs", "scripts"].flatMap((d) => sources(path.join(root, d)))) {
    for (const match of fs.readFileSync(file, "utf8").matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]);
  }
  return names;
}

/** `ENV A=1 B=2` instructions of the Dockerfile, continuation lines joined. */
function dockerfileEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of dockerfile.replace(/\\\r?\n\s*/g, " ").split(/\r?\n/)) {
    if (!/^ENV\s/.test(line)) continue;
    for (const [, key, value] of line.slice(4).matchAll(/([A-Z][A-Z0-9_]*)=(\S+)/g)) env[key] = value;
  }
  return env;
}

/** The compose services built from this repository's Dockerfile. */
const ourServices = () => Object.entries<any>(compose.services).filter(([, s]) => s.build !== undefined);
/** `${env.NAME}` and `${env.NAME:-default}` references of the router configuration (comments aside). */
const routerEnvRefs = () => [...routerText.replace(/^\s*#.*$/gm, "").matchAll(/\$\{env\.([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}/g)].map(([, name, fallback]) => ({ name, fallback }));

describe("deployment files", () => {
  const reads = envNamesTheCodeReads();

  it("Deployment: the recorder sees what the code reads (so the next checks can fail)", () => {
    expect([...reads]).toEqual(expect.arrayContaining(["DATABASE_URL", "SUBGRAPH_SECRET", "JWT_SECRET", "PORT", "PARTNERS_PORT", "PARTNERS_URL", "RELATIONSHIP_REQUEST_URL"]));
    expect(reads.has("POSTGRES_PASSWORD")).toBe(false);
  });

  it("Deployment: every environment variable the Dockerfile, docker-compose.yml and router/router.yaml set is one the code reads", () => {
    const set = [
      ...Object.keys(dockerfileEnv()).map((name) => `Dockerfile: ${name}`),
      ...ourServices().flatMap(([service, s]) => Object.keys(s.environment ?? {}).map((name) => `docker-compose.yml ${service}: ${name}`)),
      ...Object.keys(compose.services.router.environment).map((name) => `docker-compose.yml router: ${name}`),
      ...routerEnvRefs().map(({ name }) => `router/router.yaml: ${name}`),
    ];
    expect(set.length).toBeGreaterThan(20);
    // NODE_OPTIONS is read by node itself (its flags are checked below).
    expect(set.filter((entry) => entry !== "Dockerfile: NODE_OPTIONS" && !reads.has(entry.split(": ")[1]))).toEqual([]);
  });

  it("Deployment: the image and every start script run node with the same flags (the young-generation size the benchmark measured)", () => {
    const scripts: Record<string, string> = JSON.parse(read("package.json")).scripts;
    const starts = Object.entries(scripts).filter(([name]) => name === "start" || name.startsWith("start:"));
    expect(starts.map(([name]) => name).sort()).toEqual(["start", "start:gateway", ...SUBGRAPH_NAMES.map((name) => `start:${name}`)].sort());
    const flagsOf = (command: string) => command.split(/\s+/).filter((word) => word.startsWith("--"));
    const imageFlags = flagsOf(dockerfileEnv().NODE_OPTIONS ?? "");
    expect(imageFlags).toEqual(["--max-semi-space-size=64"]);
    for (const [name, command] of starts) expect({ name, flags: flagsOf(command.slice(command.lastIndexOf("node "))) }).toEqual({ name, flags: imageFlags });
  });

  it("Deployment: the image runs in production on all interfaces, and its commands exist", () => {
    expect(dockerfileEnv()).toMatchObject({ NODE_ENV: "production", HOST: "0.0.0.0" });
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    expect(dockerfile).toMatch(/^COPY schema \.\/schema$/m);
    const commands = [/^CMD \["([^"]+)"\]$/m.exec(dockerfile)![1], ...ourServices().map(([, s]) => s.command[0] as string)];
    for (const command of commands) {
      expect({ command, source: fs.existsSync(path.join(root, command.replace(/^dist\//, "").replace(/\.js$/, ".ts"))) }).toEqual({ command, source: true });
    }
  });

  it("Deployment: compose runs each subgraph and the gateway on the ports and URLs of common/service/config.ts", () => {
    for (const name of SERVICES) {
      const service = compose.services[name];
      const port = String(defaults.port(name));
      const portVariable = name === "gateway" ? "PORT" : `${name.toUpperCase()}_PORT`;
      expect({ name, command: service.command, port: service.environment[portVariable] }).toEqual({
        name,
        command: [name === "gateway" ? "dist/gateway/main.js" : `dist/subgraphs/${name}/main.js`],
        port,
      });
      expect([...(service.expose ?? []), ...(service.ports ?? []).map((p: string) => p.split(":").pop())]).toContain(port);
    }
    const urlOf = (name: string) => `http://${name}:${defaults.port(name as (typeof SUBGRAPH_NAMES)[number])}/graphql`;
    for (const [service, s] of [...ourServices(), ["router", compose.services.router] as [string, any]]) {
      for (const name of SUBGRAPH_NAMES) expect({ service, url: s.environment[`${name.toUpperCase()}_URL`] }).toEqual({ service, url: urlOf(name) });
    }
    expect(Object.keys(router.override_subgraph_url).sort()).toEqual([...SUBGRAPH_NAMES].sort());
    for (const { name, fallback } of routerEnvRefs().filter((r) => r.name.endsWith("_URL"))) {
      expect(fallback).toBe(urlOf(name.replace(/_URL$/, "").toLowerCase()));
    }
  });

  it("Deployment: production secrets are required from outside, never the development defaults", () => {
    for (const [service, s] of ourServices()) {
      expect({ service, secret: s.environment.SUBGRAPH_SECRET }).toEqual({ service, secret: expect.stringMatching(/^\$\{SUBGRAPH_SECRET:\?/) });
    }
    expect(read("docker-compose.yml")).not.toContain(DEV_SUBGRAPH_SECRET);
    expect(read("docker-compose.yml")).not.toContain(DEV_JWT_SECRET);
  });

  it("Deployment: migrations run once, before the subgraphs start, with the script npm run migrate runs", () => {
    const migrate = compose.services.migrate;
    expect(migrate.command).toEqual(["dist/scripts/migrate.js"]);
    expect(JSON.parse(read("package.json")).scripts.migrate).toContain("node dist/scripts/migrate.js");
    expect(migrate.restart).toBe("no");
    for (const name of SUBGRAPH_NAMES) expect(compose.services[name].depends_on.migrate).toEqual({ condition: "service_completed_successfully" });
  });

  it("Deployment: the router adds the subgraph credential header and passes on authorization and the request id", () => {
    const rules = router.headers.all.request as any[];
    expect(rules).toEqual(
      expect.arrayContaining([
        { insert: { name: SUBGRAPH_SECRET_HEADER, value: "${env.SUBGRAPH_SECRET}" } },
        { propagate: { named: "authorization" } },
        { propagate: { named: REQUEST_ID_HEADER } },
      ]),
    );
    expect(compose.services.router.environment.SUBGRAPH_SECRET).toBeDefined();
  });

  it("I3: the router keeps the error contract: subgraph errors pass through with their extensions, for every subgraph", () => {
    // `false` (or an object that redacts) turns every refusal into "Subgraph errors redacted"; masking is the subgraphs' (common/errors/format-error.ts).
    expect(router.include_subgraph_errors).toEqual({ all: true });
    // The router verifies no token (that is licensed): each subgraph refuses a bad one as a GraphQL error with its code, which the router passes on.
    expect(router.authentication).toBeUndefined();
    expect(router.coprocessor).toBeUndefined();
    // Every subgraph gets what it needs from the client: the token, the request id, the trace; and the credential of its perimeter.
    const rules = router.headers.all.request as any[];
    expect(rules.filter((r) => r.propagate).map((r) => r.propagate.named).sort()).toEqual(["authorization", REQUEST_ID_HEADER].sort());
    expect(rules.filter((r) => r.insert).map((r) => r.insert.name)).toEqual([SUBGRAPH_SECRET_HEADER]);
    expect(router.headers.subgraphs).toBeUndefined();
    expect(router.telemetry.exporters.tracing.propagation).toEqual({ trace_context: true });
  });

  it("Deployment: the router serves the committed supergraph with the gateway's timeout and token and body limits", () => {
    const mounts = Object.fromEntries((compose.services.router.volumes as string[]).map((v) => v.split(":").slice(0, 2).reverse()));
    const supergraphSource = mounts[compose.services.router.command[compose.services.router.command.indexOf("--supergraph") + 1]];
    expect(path.resolve(root, supergraphSource)).toBe(SUPERGRAPH_PATH);
    expect(fs.existsSync(SUPERGRAPH_PATH)).toBe(true);
    expect(path.resolve(root, mounts[compose.services.router.command[compose.services.router.command.indexOf("--config") + 1]])).toBe(path.join(root, "router", "router.yaml"));
    expect(router.traffic_shaping.all.timeout).toBe(`${defaults.subgraphTimeoutMs / 1000}s`);
    expect(router.limits).toEqual({ parser_max_tokens: DEFAULT_QUERY_LIMITS.maxTokens, http_max_request_bytes: DEFAULT_QUERY_LIMITS.maxBodyBytes });
    expect(router.supergraph).toMatchObject({ listen: "0.0.0.0:4000", path: "/graphql", introspection: false });
  });
});
