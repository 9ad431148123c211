/**
 * Module boundaries read from the sources' runtime imports (type-only imports are erased by the
 * compiler and do not count): the gateway has no database, so nothing it loads may reach a
 * subgraph's code, the subgraph server or the database layer. Header names both sides need
 * live in common/http/wire.ts, the list of subgraphs in subgraphs/registry.ts (plain data).
 *
 * And the subgraph registry is the one list: every subgraph folder is registered, and each
 * registered subgraph has its code, entry point, start script, schema file and port.
 */
import fs from "node:fs";
import path from "node:path";
import { projectRoot, readConfig } from "../../common/service/config";
import { SUBGRAPH_REGISTRY } from "../../subgraphs/registry";
import { SUBGRAPH_CODE } from "../../subgraphs/servers";

const root = projectRoot();

/** Specifiers a module loads at run time: `import … from`, `import "…"`, `export … from`, `require("…")`. */
function runtimeSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers: string[] = [];
  for (const [, kind, what, specifier] of code.matchAll(/^\s*(import|export)\s+(?:([^"';]*?)\s+from\s+)?"([^"]+)"/gm)) {
    if (/^type\s/.test(what ?? "") || (kind === "export" && what === undefined)) continue;
    specifiers.push(specifier);
  }
  for (const [, specifier] of code.matchAll(/\brequire\("([^"]+)"\)/g)) specifiers.push(specifier);
  return specifiers;
}

/** Every source file and package reachable from `entry` through runtime imports, relative to the root. */
function reachableFrom(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of runtimeSpecifiers(fs.readFileSync(path.join(root, file), "utf8"))) {
      if (!specifier.startsWith(".")) {
        if (!specifier.startsWith("node:")) packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]);
        continue;
      }
      const base = path.join(path.dirname(file), specifier);
      const target = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(path.join(root, candidate)));
      if (!target) throw new Error(`${file}: cannot resolve ${specifier}`);
      visit(target);
    }
  };
  visit(entry);
  return { files, packages };
}

describe("module boundaries", () => {
  const gateway = reachableFrom("gateway/main.ts");

  it("Layout: the walk sees the gateway's own imports (so the next check can fail)", () => {
    expect([...gateway.files]).toEqual(expect.arrayContaining(["gateway/server.ts", "common/http/wire.ts", "common/service/config.ts"]));
    expect([...gateway.packages]).toEqual(expect.arrayContaining(["@apollo/gateway", "@apollo/server"]));
    // A subgraph's entry point does reach the database layer.
    const partners = reachableFrom("subgraphs/partners/main.ts");
    expect([...partners.files]).toEqual(expect.arrayContaining(["common/service/subgraph-server.ts", "common/storage/db.ts"]));
    expect([...partners.packages]).toContain("typeorm");
  });

  it("Layout: the gateway loads no subgraph code, no subgraph server and no database layer", () => {
    const forbidden = [...gateway.files].filter(
      (file) => (file.startsWith("subgraphs/") && file !== "subgraphs/registry.ts") || ["common/service/subgraph-server.ts", "common/storage/db.ts"].includes(file),
    );
    expect(forbidden).toEqual([]);
    expect([...gateway.packages].filter((name) => ["typeorm", "pg", "better-sqlite3"].includes(name))).toEqual([]);
    expect(runtimeSpecifiers(fs.readFileSync(path.join(root, "subgraphs/registry.ts"), "utf8"))).toEqual([]);
  });

  it("Layout: a subgraph loads another's code only through its client module, which loads none of its owner's code", () => {
    const folderOf = (file: string) => /^subgraphs\/([^/]+)\//.exec(file)?.[1];
    const crossings: string[] = [];
    for (const { name } of SUBGRAPH_REGISTRY) {
      for (const file of reachableFrom(`subgraphs/${name}/main.ts`).files) {
        const owner = folderOf(file);
        if (owner && owner !== name && file !== `subgraphs/${owner}/client.ts`) crossings.push(`${name} → ${file}`);
      }
    }
    expect(crossings).toEqual([]);
    // The walk does see the clients: the customers subgraph asks the partners one.
    expect([...reachableFrom("subgraphs/customers/main.ts").files]).toContain("subgraphs/partners/client.ts");
    for (const { name } of SUBGRAPH_REGISTRY) {
      const client = `subgraphs/${name}/client.ts`;
      if (!fs.existsSync(path.join(root, client))) continue;
      expect({ client, loads: [...reachableFrom(client).files].filter((file) => file !== client && folderOf(file)) }).toEqual({ client, loads: [] });
    }
  });
});

describe("common", () => {
  it("Layout: common/ is grouped by concern: every module sits in a concern's folder, none loose at its top", () => {
    const entries = fs.readdirSync(path.join(root, "common"), { withFileTypes: true });
    expect(entries.filter((e) => !e.isDirectory()).map((e) => e.name)).toEqual([]);
    expect(entries.filter((e) => e.isDirectory()).length).toBeGreaterThan(1);
  });
});

describe("subgraph registry", () => {
  const names = SUBGRAPH_REGISTRY.map((s) => s.name);

  it("Layout: every folder under subgraphs/ is a registered subgraph, and every registered one has its code", () => {
    const folders = fs.readdirSync(path.join(root, "subgraphs"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.sort()).toEqual([...names].sort());
    expect(Object.keys(SUBGRAPH_CODE)).toEqual(names);
    for (const name of names) expect({ name, storage: SUBGRAPH_CODE[name].storage.entities.length > 0 }).toEqual({ name, storage: true });
  });

  it("Layout: each registered subgraph has its entry point, start script, composed schema file and default port", () => {
    const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts;
    const config = readConfig({});
    const ports = new Set<number>([config.port("gateway")]);
    for (const { name, port } of SUBGRAPH_REGISTRY) {
      expect({
        name,
        entry: fs.existsSync(path.join(root, "subgraphs", name, "main.ts")),
        script: scripts[`start:${name}`]?.endsWith(`dist/subgraphs/${name}/main.js`),
        schema: fs.existsSync(path.join(root, "schema", `${name}.graphql`)),
        port: config.port(name),
      }).toEqual({ name, entry: true, script: true, schema: true, port });
      ports.add(port);
    }
    expect(ports.size).toBe(names.length + 1);
  });

  /** The inner shape every subgraph shares (docs/architecture.md, "Where the rules are"). */
  const INNER_MODULES = ["context.ts", "internal.ts", "loaders.ts", "main.ts", "migrations/index.ts", "model.ts", "mutations.ts", "references.ts", "resolvers.ts", "rules.ts", "server.ts"];

  it("Layout: every subgraph has the same inner modules", () => {
    for (const name of names) {
      const missing = INNER_MODULES.filter((file) => !fs.existsSync(path.join(root, "subgraphs", name, file)));
      expect({ name, missing }).toEqual({ name, missing: [] });
    }
  });

  it("Layout: a subgraph's mutations are in mutations.ts, its queries and fields in resolvers.ts, its reference resolvers in references.ts", () => {
    // internal.ts answers the separate internal schema, with queries and mutations of its own.
    const home: Record<string, string> = { "@Mutation(": "mutations.ts", "@Query(": "resolvers.ts", "@FieldResolver(": "resolvers.ts", __resolveReference: "references.ts" };
    for (const name of names) {
      const folder = path.join(root, "subgraphs", name);
      const files = fs.readdirSync(folder).filter((file) => file.endsWith(".ts") && file !== "internal.ts");
      const misplaced = files.flatMap((file) => {
        const source = fs.readFileSync(path.join(folder, file), "utf8");
        return Object.entries(home)
          .filter(([marker, where]) => file !== where && source.includes(marker))
          .map(([marker]) => `${file}: ${marker}`);
      });
      expect({ name, misplaced }).toEqual({ name, misplaced: [] });
    }
  });
});
