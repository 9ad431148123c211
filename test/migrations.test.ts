/**
 * Migrations and database settings: the migrations alone
 * build every table the entities need, production refuses to start on a database behind its
 * code, and the pool size and statement timeout are applied.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { readConfig, SUBGRAPH_NAMES, SubgraphName } from "../common/service/config";
import { Database, openDatabase } from "../common/storage/db";
import { PendingMigrationsError, pendingSchemaChanges } from "../common/storage/migrations";
import { migrateAll } from "../scripts/migrate";
import { applySearch } from "../subgraphs/customers/loaders";
import { Customer } from "../subgraphs/customers/model";
import { customerSearchText } from "../subgraphs/customers/search";
import { CloudSubscription, SubscriptionCount } from "../subgraphs/subscriptions/model";
import { BillingCycle, SalesChannel, SubscriptionStatus } from "../subgraphs/subscriptions/enums";
import { buildPartnersServer } from "../subgraphs/partners/server";
import { SUBGRAPH_STORAGE } from "../subgraphs/storage";
import { perSubgraph } from "../subgraphs/registry";
import { createCustomer, enroll, linkReseller, placeOrder } from "./support/fixtures";
import { Dialect, DIALECTS, startStack } from "./support/stack";

const PG_URL = process.env.TEST_DATABASE_URL;
const tempDirs: string[] = [];
const schemas: string[] = [];

/** A place no database has been yet: a new SQLite folder, or a new PostgreSQL schema prefix. */
function freshPlace(dialect: Dialect) {
  const prefix = `m${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-migrations-"));
  tempDirs.push(dataDir);
  const schemaOf = (name: SubgraphName) => {
    schemas.push(`${prefix}_${name}`);
    return `${prefix}_${name}`;
  };
  const databaseUrl = dialect === "postgres" ? PG_URL : undefined;
  const at = (name: SubgraphName): { dataDir: string; databaseUrl?: string; schema?: string } =>
    dialect === "postgres" ? { dataDir, databaseUrl, schema: schemaOf(name) } : { dataDir };
  return { dataDir, databaseUrl, schemaOf, at };
}

const allNames = (name: SubgraphName, dialect: Dialect) => SUBGRAPH_STORAGE[name].migrations[dialect].map((m) => new m().name);

const tablesOf = async (db: Database) => {
  const runner = db.dataSource.createQueryRunner();
  try {
    const names = [...db.dataSource.entityMetadatas.map((m) => m.tableName), "migrations"];
    // One runner is one connection: its queries go one after another (pg deprecates overlapping ones).
    const present: [string, boolean][] = [];
    for (const t of names) present.push([t, await runner.hasTable(t)]);
    return Object.fromEntries(present);
  } finally {
    await runner.release();
  }
};

afterAll(async () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  if (PG_URL && schemas.length) {
    const client = new Client({ connectionString: PG_URL });
    await client.connect();
    for (const schema of new Set(schemas)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
});

describe.each(DIALECTS)("migrations (%s)", (dialect) => {
  it.each(SUBGRAPH_NAMES)("Migrations: on an empty %s database they create every entity's table, and the schema builder finds nothing left to change", async (name) => {
    const place = freshPlace(dialect);
    const storage = SUBGRAPH_STORAGE[name];
    expect(storage.migrations[dialect].length).toBeGreaterThan(0);

    const at = place.at(name);
    const db = await openDatabase({ name, ...storage, migrate: true, ...at });
    try {
      expect(db.appliedMigrations).toEqual(allNames(name, dialect));
      expect(Object.values(await tablesOf(db)).every(Boolean)).toBe(true);
      // An entity changed without a migration would show up here as SQL still to run.
      expect(await pendingSchemaChanges(db.dataSource)).toEqual({ up: [], down: [] });
      expect(db.dataSource.options.synchronize).toBeFalsy();
    } finally {
      await db.close();
    }

    // Opened again, nothing is pending and nothing is applied twice.
    const again = await openDatabase({ name, ...storage, migrate: false, ...at });
    expect(again.appliedMigrations).toEqual([]);
    await again.close();
  });

  it("L3: the CustomerSearchText migration folds the customers stored before it (in batches) so search finds them, and leaves searchText NOT NULL", async () => {
    const place = freshPlace(dialect);
    const storage = SUBGRAPH_STORAGE.customers;
    const all = storage.migrations[dialect];
    const index = all.findIndex((m) => new m().name?.startsWith("CustomerSearchText"));
    expect(index).toBeGreaterThan(0);
    const at = place.at("customers");

    // The database as the previous release left it, with customers in it: more than one batch (500).
    const before = await openDatabase({ name: "customers", ...storage, migrations: { ...storage.migrations, [dialect]: all.slice(0, index) }, migrate: true, ...at });
    const names = ["Ärger GmbH", "Äpfel Süd".normalize("NFD"), "ΟΔΟΣ ΣΟΦΊΑΣ", ...Array.from({ length: 1200 }, (_, i) => `Filler ${i}`)];
    const rows = names.map((companyName, i) => ({ id: randomUUID(), companyName, defaultDomain: `old${i}.onmicrosoft.com` }));
    try {
      for (let i = 0; i < rows.length; i += 250) {
        const chunk = rows.slice(i, i + 250);
        let n = 0;
        const p = () => (dialect === "postgres" ? `$${++n}` : "?");
        const tuples = chunk.map(() => `(${p()}, ${p()}, ${p()}, 'GLOBAL', 'DE', '2026-01-01T00:00:00.000Z')`);
        await before.dataSource.query(
          `INSERT INTO "customer" ("id", "companyName", "defaultDomain", "cloud", "country", "createdAt") VALUES ${tuples.join(", ")}`,
          chunk.flatMap((r) => [r.id, r.companyName, r.defaultDomain]),
        );
      }
    } finally {
      await before.close();
    }

    const after = await openDatabase({ name: "customers", ...storage, migrate: true, ...at });
    try {
      expect(after.appliedMigrations).toEqual(all.slice(index).map((m) => new m().name));
      const stored: { id: string; searchText: string | null }[] = await after.dataSource.query(`SELECT "id", "searchText" FROM "customer"`);
      const byId = new Map(stored.map((r) => [r.id, r.searchText]));
      expect(stored).toHaveLength(rows.length);
      for (const r of rows) expect(byId.get(r.id)).toBe(customerSearchText(r));
      const found = async (search: string) =>
        (await applySearch(after.dataSource.getRepository(Customer).createQueryBuilder("c"), search).getMany()).map((c) => c.companyName.normalize("NFC")).sort();
      expect(await found("ärger")).toEqual(["Ärger GmbH"]);
      expect(await found("äpfel")).toEqual(["Äpfel Süd"]);
      expect(await found("σοφίας")).toEqual(["ΟΔΟΣ ΣΟΦΊΑΣ"]);
      expect(await found("OLD1199.")).toEqual(["Filler 1196"]); // by domain; the last batch too
      expect(await pendingSchemaChanges(after.dataSource)).toEqual({ up: [], down: [] });
      const missing = await after.dataSource
        .query(`INSERT INTO "customer" ("id", "companyName", "defaultDomain", "cloud", "country", "createdAt") VALUES ('${randomUUID()}', 'No Fold', 'nofold.onmicrosoft.com', 'GLOBAL', 'DE', '2026-01-01T00:00:00.000Z')`)
        .then(() => null, (e: Error) => e.message);
      expect(missing).toMatch(/NOT NULL|null value/i);
    } finally {
      await after.close();
    }
  });

  it("L2: the RelationshipCustomerName and DelegatedAdminCustomerName migrations copy each customer's name onto its stored relationships, and leave the columns NOT NULL", async () => {
    const place = freshPlace(dialect);
    const storage = SUBGRAPH_STORAGE.customers;
    const all = storage.migrations[dialect];
    const index = all.findIndex((m) => new m().name?.startsWith("RelationshipCustomerName"));
    expect(index).toBeGreaterThan(0);
    const at = place.at("customers");
    const before = await openDatabase({ name: "customers", ...storage, migrations: { ...storage.migrations, [dialect]: all.slice(0, index) }, migrate: true, ...at });
    const customers = ["Zeta Ltd", "Ärger GmbH", "Alpha Inc"].map((companyName, i) => ({ id: randomUUID(), companyName, domain: `rel${i}.onmicrosoft.com` }));
    const partner = randomUUID();
    try {
      let n = 0;
      const p = () => (dialect === "postgres" ? `$${++n}` : "?");
      for (const c of customers) {
        n = 0;
        await before.dataSource.query(
          `INSERT INTO "customer" ("id", "companyName", "defaultDomain", "cloud", "country", "createdAt", "searchText") VALUES (${p()}, ${p()}, ${p()}, 'GLOBAL', 'DE', '2026-01-01T00:00:00.000Z', ${p()})`,
          [c.id, c.companyName, c.domain, c.companyName.toLowerCase()],
        );
        n = 0;
        await before.dataSource.query(
          `INSERT INTO "customer_partner_relationship" ("id", "customerId", "partnerId", "indirectProviderId", "status", "establishedAt", "removedAt") VALUES (${p()}, ${p()}, ${p()}, NULL, 'ACTIVE', '2026-01-01T00:00:00.000Z', NULL)`,
          [randomUUID(), c.id, partner],
        );
        n = 0;
        await before.dataSource.query(
          `INSERT INTO "delegated_admin_relationship" ("id", "displayName", "partnerId", "customerId", "roles", "durationDays", "autoExtend", "storedStatus", "createdAt") VALUES (${p()}, ${p()}, ${p()}, ${p()}, 'USER_ADMINISTRATOR', 30, ${p()}, 'APPROVAL_PENDING', '2026-01-01T00:00:00.000Z')`,
          [randomUUID(), `Support ${c.domain}`.slice(0, 50), partner, c.id, dialect === "postgres" ? false : 0],
        );
      }
    } finally {
      await before.close();
    }
    const after = await openDatabase({ name: "customers", ...storage, migrate: true, ...at });
    try {
      const stored: { customerId: string; customerName: string }[] = await after.dataSource.query(`SELECT "customerId", "customerName" FROM "customer_partner_relationship"`);
      expect(new Map(stored.map((r) => [r.customerId, r.customerName]))).toEqual(new Map(customers.map((c) => [c.id, c.companyName])));
      const daps: { customerId: string; customerName: string }[] = await after.dataSource.query(`SELECT "customerId", "customerName" FROM "delegated_admin_relationship"`);
      expect(new Map(daps.map((r) => [r.customerId, r.customerName]))).toEqual(new Map(customers.map((c) => [c.id, c.companyName])));
      expect(await pendingSchemaChanges(after.dataSource)).toEqual({ up: [], down: [] });
      const missing = await after.dataSource
        .query(`INSERT INTO "customer_partner_relationship" ("id", "customerId", "partnerId", "status", "establishedAt") VALUES ('${randomUUID()}', '${customers[0].id}', '${randomUUID()}', 'ACTIVE', '2026-01-01T00:00:00.000Z')`)
        .then(() => null, (e: Error) => e.message);
      expect(missing).toMatch(/NOT NULL|null value/i);
    } finally {
      await after.close();
    }
  });

  it("L2: the SubscriptionCounts migration counts the subscriptions stored before it (once per viewer, a partner in two roles once), and the triggers keep counting after it", async () => {
    const place = freshPlace(dialect);
    const storage = SUBGRAPH_STORAGE.subscriptions;
    const all = storage.migrations[dialect];
    const index = all.findIndex((m) => new m().name?.startsWith("SubscriptionCounts"));
    expect(index).toBeGreaterThan(0);
    const at = place.at("subscriptions");
    const [customer, a, b] = [randomUUID(), randomUUID(), randomUUID()];
    const row = (i: number, partnerOfRecordId: string | null, billingPartnerId: string | null, supportPartnerId: string | null, channel = SalesChannel.CSP) => ({
      id: randomUUID(), customerId: customer, offerId: "m365-business-standard", friendlyName: `s${i}`, quantity: 1, status: SubscriptionStatus.ACTIVE,
      billingCycle: BillingCycle.MONTHLY, termDuration: "P1M", autoRenew: true, channel, partnerOfRecordId, billingPartnerId, supportPartnerId,
      orderId: null, lineNumber: null, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000), commitmentEndsAt: null, cancellationAllowedUntil: null, version: 1,
    });
    const before = await openDatabase({ name: "subscriptions", ...storage, migrations: { ...storage.migrations, [dialect]: all.slice(0, index) }, migrate: true, ...at });
    try {
      // a is partner of record and billing partner of two (counted once each), b bills one; one bought directly, supported by b.
      await before.dataSource.manager.insert(CloudSubscription, [row(0, a, a, null), row(1, a, a, null), row(2, a, b, null), row(3, null, null, b, SalesChannel.DIRECT)]);
    } finally {
      await before.close();
    }
    const after = await openDatabase({ name: "subscriptions", ...storage, migrate: true, ...at });
    try {
      const counts = async () =>
        Object.fromEntries(
          (await after.dataSource.getRepository(SubscriptionCount).find()).filter((r) => Number(r.n) !== 0).map((r) => [`${r.viewer === customer ? "?" : r.viewer === a ? "a" : r.viewer === b ? "b" : r.viewer} ${r.channel}`, Number(r.n)]),
        );
      expect(await counts()).toEqual({ "* CSP": 3, "* DIRECT": 1, "a CSP": 3, "b CSP": 1, "b DIRECT": 1 });
      expect(await pendingSchemaChanges(after.dataSource)).toEqual({ up: [], down: [] });
      await after.dataSource.manager.insert(CloudSubscription, [row(4, b, b, a)]);
      expect(await counts()).toEqual({ "* CSP": 4, "* DIRECT": 1, "a CSP": 3, "b CSP": 2, "b DIRECT": 1 });
    } finally {
      await after.close();
    }
  });

  it("Migrations: the check can fail — without the migrations, the schema builder reports every table as missing", async () => {
    const place = freshPlace(dialect);
    const db = await openDatabase({ name: "partners", entities: SUBGRAPH_STORAGE.partners.entities, migrations: { sqlite: [], postgres: [] }, migrate: true, ...place.at("partners") });
    try {
      const { up } = await pendingSchemaChanges(db.dataSource);
      expect(up.map((q) => q.query).join("\n")).toMatch(/CREATE TABLE "partner"/);
    } finally {
      await db.close();
    }
  });

  it("Migrations: with NODE_ENV=production a subgraph refuses to start on a database with pending migrations, naming the subgraph and the migrations, and changes nothing; after `npm run migrate` it starts", async () => {
    const place = freshPlace(dialect);
    const config = readConfig({
      NODE_ENV: "production",
      JWT_SECRET: "a-production-secret",
      SUBGRAPH_SECRET: "s3cret",
      DATA_DIR: place.dataDir,
      DATABASE_URL: place.databaseUrl ?? "",
    });
    expect(config.migrateOnStart).toBe(false);
    const at = place.at("partners");

    const refused = buildPartnersServer({ config, ...at });
    await expect(refused).rejects.toBeInstanceOf(PendingMigrationsError);
    const message = await refused.catch((e: Error) => e.message);
    expect(message).toContain("the partners database has");
    for (const migration of allNames("partners", dialect)) expect(message).toContain(migration);
    expect(message).toContain("npm run migrate");

    // Nothing was created: not one table, not even the migrations table.
    const probe = await openDatabase({ name: "partners", entities: SUBGRAPH_STORAGE.partners.entities, migrations: { sqlite: [], postgres: [] }, migrate: false, ...at });
    expect(Object.values(await tablesOf(probe)).some(Boolean)).toBe(false);
    await probe.close();

    // The deploy step, then the service starts without migrating anything itself.
    const applied = await migrateAll(config, place.schemaOf);
    expect(applied.partners).toEqual(allNames("partners", dialect));
    const server = await buildPartnersServer({ config, ...at });
    try {
      expect(server.db.appliedMigrations).toEqual([]);
    } finally {
      await server.db.close();
    }
    expect(await migrateAll(config, place.schemaOf)).toEqual(perSubgraph(() => []));
  });

  it("Migrations: the gateway flows run on databases built by migrations alone (enroll, two-tier link, customer, order)", async () => {
    const place = freshPlace(dialect);
    const stack = await startStack(dialect, dialect === "sqlite" ? { dataDir: place.dataDir } : {});
    try {
      for (const name of SUBGRAPH_NAMES) {
        expect(stack.subgraphs[name].db.dataSource.options.synchronize).toBeFalsy();
        expect(stack.subgraphs[name].db.appliedMigrations).toEqual(allNames(name, dialect));
      }
      const provider = await enroll(stack, { programs: ["INDIRECT_PROVIDER"] });
      const reseller = await enroll(stack, { programs: ["INDIRECT_RESELLER"] });
      await linkReseller(stack, provider, reseller);
      const customer = await createCustomer(stack, provider, { resellerId: reseller.id });
      const order = await placeOrder(stack, provider, customer.id, { resellerId: reseller.id, quantity: 3 });
      expect(order.subscriptions).toHaveLength(1);
      const seen = await stack.gql(customer.token, `query($id: ID!) { customer(id: $id) { subscriptions(first: 5) { totalCount nodes { quantity status } } } }`, { id: customer.id });
      expect(seen.errors).toBeUndefined();
      expect(seen.data.customer.subscriptions).toEqual({ totalCount: 1, nodes: [{ quantity: 3, status: "ACTIVE" }] });
      if (dialect === "sqlite") for (const name of SUBGRAPH_NAMES) expect(fs.existsSync(path.join(place.dataDir, `${name}.sqlite`))).toBe(true);
    } finally {
      await stack.stop();
    }
  });
});

describe("database settings", () => {
  it("Settings: DATABASE_POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS and MIGRATE_ON_START have defaults, and bad values fall back to them", () => {
    const defaults = readConfig({});
    expect([defaults.databasePoolSize, defaults.databaseStatementTimeoutMs, defaults.migrateOnStart]).toEqual([10, 5_000, true]);
    const set = readConfig({ DATABASE_POOL_SIZE: "4", DATABASE_STATEMENT_TIMEOUT_MS: "2500", MIGRATE_ON_START: "false" });
    expect([set.databasePoolSize, set.databaseStatementTimeoutMs, set.migrateOnStart]).toEqual([4, 2500, false]);
    const bad = readConfig({ DATABASE_POOL_SIZE: "lots", DATABASE_STATEMENT_TIMEOUT_MS: "-1" });
    expect([bad.databasePoolSize, bad.databaseStatementTimeoutMs]).toEqual([10, 5_000]);
    expect(readConfig({ NODE_ENV: "production" }).migrateOnStart).toBe(false);
    expect(readConfig({ NODE_ENV: "production", MIGRATE_ON_START: "true" }).migrateOnStart).toBe(true);
  });

  (PG_URL ? it : it.skip)("Settings (postgres): pool size, search_path and statement timeout are applied; a statement past the timeout is cancelled with a clean error and the pool stays usable", async () => {
    const place = freshPlace("postgres");
    const config = readConfig({ DATABASE_POOL_SIZE: "3", DATABASE_STATEMENT_TIMEOUT_MS: "200" });
    const at = place.at("partners") as { schema: string };
    const server = await buildPartnersServer({ config, ...at });
    try {
      const ds = server.db.dataSource;
      expect((ds.driver as any).master.options.max).toBe(3);
      expect((await ds.query("SHOW statement_timeout"))[0].statement_timeout).toBe("200ms");
      expect((await ds.query("SHOW search_path"))[0].search_path).toBe(at.schema);
      // The subgraph's tables live in its own schema, none in public.
      const tables = await ds.query(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'partner'`);
      const holders = tables.map((t: { table_schema: string }) => t.table_schema);
      expect(holders).toContain(at.schema);
      expect(holders).not.toContain("public");

      const started = Date.now();
      const error = await ds.query("SELECT pg_sleep(3)").then(() => null, (e) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error?.driverError?.code).toBe("57014");
      expect(error?.message).toMatch(/canceling statement due to statement timeout/);
      expect((await ds.query("SELECT 1 AS one"))[0].one).toBe(1);
    } finally {
      await server.db.close();
    }
  });
});
