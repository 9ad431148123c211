/**
 * The benchmark's dataset, written straight into each subgraph's own tables through that
 * subgraph's own typeorm entities and migrations (the benchmark is tooling, not a subgraph):
 * 10 000 subscriptions through the API would take minutes, this takes seconds. The shape
 * follows the rules the API enforces — two-tier chains (resellers active with one or two
 * providers), customers of resellers recorded with their provider, multi-partner
 * customers, active delegated admin relationships, orders behind CSP subscriptions — so
 * every scenario sees what a real tenant would. Deterministic: a seeded generator.
 */
import { randomUUID } from "node:crypto";
import { EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import { addMs, DAY_MS } from "../common/clock";
import { Database, openDatabase } from "../common/db";
import {
  AdminRole,
  Cloud,
  CspProgram,
  CustomerRelationshipStatus,
  DelegatedAdminStatus,
  ResellerRelationshipStatus,
  SalesChannel,
  SubscriptionStatus,
} from "../common/enums";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship } from "../subgraphs/customers/model";
import { customerSearchText } from "../subgraphs/customers/search";
import { CUSTOMERS_STORAGE } from "../subgraphs/customers/server";
import { Partner, ResellerRelationship } from "../subgraphs/partners/model";
import { pairKeyOf } from "../subgraphs/partners/rules";
import { PARTNERS_STORAGE } from "../subgraphs/partners/server";
import { OFFERS, seedCatalogue } from "../subgraphs/subscriptions/catalogue";
import { Order, CloudSubscription } from "../subgraphs/subscriptions/model";
import { purchaseDates } from "../subgraphs/subscriptions/rules";
import { SUBSCRIPTIONS_STORAGE } from "../subgraphs/subscriptions/server";

export interface DatasetSize {
  partners: number;
  customers: number;
  subscriptions: number;
}

export interface Where {
  /** SQLite folder (one file per subgraph), used when databaseUrl is absent. */
  dataDir: string;
  databaseUrl?: string;
}

/** What the scenarios need to know about the data: who may ask for what. */
export interface DatasetIndex {
  providers: { id: string; customers: number }[];
  /** Customers of a provider (through a reseller) with an active delegated admin relationship of that provider. */
  providerCustomers: { providerId: string; customerId: string; resellerId: string }[];
  /** Subscriptions and the provider that bills them. */
  providerSubscriptions: { providerId: string; subscriptionId: string }[];
  counts: Record<string, number>;
}

/** mulberry32: a small seeded generator, so two runs measure the same data. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMPANY_WORDS = ["Adatum", "Alpine", "Blue Yonder", "Coho", "Datum", "Fourth Coffee", "Humongous", "Lamna", "Margie", "Proseware", "Relecloud", "Southridge", "Trey", "VanArsdel", "Wingtip", "Wide World"];

/** Inserts rows in chunks small enough for either dialect's bound-parameter limit, without reading them back. */
async function insertAll<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>, rows: Partial<T>[], chunk = 400) {
  for (let i = 0; i < rows.length; i += chunk) {
    await em.createQueryBuilder().insert().into(entity).values(rows.slice(i, i + chunk) as never).updateEntity(false).execute();
  }
}

async function open(name: "partners" | "customers" | "subscriptions", where: Where): Promise<Database> {
  const storage = { partners: PARTNERS_STORAGE, customers: CUSTOMERS_STORAGE, subscriptions: SUBSCRIPTIONS_STORAGE }[name];
  return openDatabase({ name, ...storage, migrate: true, dataDir: where.dataDir, databaseUrl: where.databaseUrl });
}

export async function generateDataset(size: DatasetSize, where: Where, now = new Date()): Promise<DatasetIndex> {
  const random = seeded(20260101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const ago = (maxDays: number) => new Date(now.getTime() - Math.floor(random() * maxDays * DAY_MS));

  // ---- partners: 10 % indirect providers, 30 % direct-bill, the rest indirect resellers ----
  const nProviders = Math.max(2, Math.round(size.partners * 0.1));
  const nDirect = Math.max(1, Math.round(size.partners * 0.3));
  const nResellers = Math.max(1, size.partners - nProviders - nDirect);
  const partner = (i: number, programs: CspProgram[], label: string): Partner =>
    ({ id: randomUUID(), mpnId: String(5_000_000 + i), name: `${label} ${i}`, programs, cloud: Cloud.GLOBAL, country: "US", agreementSigned: true, enrolledAt: ago(900) }) as Partner;
  let n = 0;
  const providers = Array.from({ length: nProviders }, () => partner(n++, [CspProgram.INDIRECT_PROVIDER], "Bench Distribution"));
  const direct = Array.from({ length: nDirect }, () => partner(n++, [CspProgram.DIRECT_BILL], "Bench Direct"));
  const resellers = Array.from({ length: nResellers }, () => partner(n++, [CspProgram.INDIRECT_RESELLER], "Bench Reseller"));

  // Two-tier chains: every reseller active with one provider, every third with a second one.
  const providersOf = new Map<string, Partner[]>();
  const links: ResellerRelationship[] = [];
  resellers.forEach((r, i) => {
    const mine = [providers[i % nProviders]];
    if (i % 3 === 0 && nProviders > 1) mine.push(providers[(i + 1) % nProviders]);
    providersOf.set(r.id, mine);
    for (const p of mine) {
      const invitedAt = ago(700);
      links.push({ id: randomUUID(), providerId: p.id, resellerId: r.id, pairKey: pairKeyOf(p.id, r.id), status: ResellerRelationshipStatus.ACTIVE, invitedAt, acceptedAt: addMs(invitedAt, DAY_MS), terminatedAt: null } as ResellerRelationship);
    }
  });

  // ---- customers: 70 % sold by a reseller (recorded with its provider), 30 % by a direct-bill partner; every fifth also has a second (direct-bill) partner ----
  interface Seller { por: string; billing: string }
  const sellersOf: Seller[][] = [];
  const customers: Customer[] = [];
  const relationships: CustomerPartnerRelationship[] = [];
  const daps: DelegatedAdminRelationship[] = [];
  const providerCustomers: DatasetIndex["providerCustomers"] = [];
  const relationship = (customerId: string, partnerId: string, indirectProviderId: string | null) =>
    relationships.push({ id: randomUUID(), customerId, customerName: customers.at(-1)!.companyName, partnerId, indirectProviderId, status: CustomerRelationshipStatus.ACTIVE, establishedAt: ago(600), removedAt: null } as CustomerPartnerRelationship);
  const dap = (customerId: string, partnerId: string, j: number, status: DelegatedAdminStatus) => {
    const createdAt = ago(300);
    const active = status === DelegatedAdminStatus.ACTIVE;
    daps.push({
      id: randomUUID(), displayName: `Bench support ${j}`, partnerId, customerId, customerName: customers.at(-1)!.companyName,
      roles: [AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.DIRECTORY_READER], durationDays: 730, autoExtend: true,
      storedStatus: status, createdAt, activatedAt: active ? addMs(createdAt, DAY_MS) : null,
      storedEndsAt: active ? addMs(createdAt, 731 * DAY_MS) : null, terminatedAt: null,
    } as DelegatedAdminRelationship);
  };
  for (let j = 0; j < size.customers; j++) {
    const id = randomUUID();
    const name = `${COMPANY_WORDS[j % COMPANY_WORDS.length]} ${String(j).padStart(5, "0")}`;
    customers.push({
      id, companyName: name, defaultDomain: `bench-${j}.onmicrosoft.com`, searchText: customerSearchText({ companyName: name, defaultDomain: `bench-${j}.onmicrosoft.com` }), cloud: Cloud.GLOBAL, country: "US", createdAt: ago(800),
      billingEmail: `billing@bench-${j}.example.com`, billingAddressLine: `${j} Main Street`, billingCity: "Redmond", billingPostalCode: "98052",
    } as Customer);
    const sellers: Seller[] = [];
    if (j % 10 < 7) {
      const reseller = resellers[j % nResellers];
      const chain = providersOf.get(reseller.id)!;
      const provider = chain[Math.floor(j / nResellers) % chain.length];
      relationship(id, reseller.id, provider.id);
      dap(id, provider.id, j, DelegatedAdminStatus.ACTIVE);
      sellers.push({ por: reseller.id, billing: provider.id });
      providerCustomers.push({ providerId: provider.id, customerId: id, resellerId: reseller.id });
    } else {
      const d = direct[j % nDirect];
      relationship(id, d.id, null);
      dap(id, d.id, j, DelegatedAdminStatus.ACTIVE);
      sellers.push({ por: d.id, billing: d.id });
    }
    if (j % 5 === 0 && nDirect > 1) {
      const second = direct[(j + 1) % nDirect];
      if (!sellers.some((s) => s.por === second.id)) {
        relationship(id, second.id, null);
        dap(id, second.id, j, DelegatedAdminStatus.APPROVAL_PENDING);
        sellers.push({ por: second.id, billing: second.id });
      }
    }
    sellersOf.push(sellers);
  }

  // ---- subscriptions: customers drawn at random (≈ size.subscriptions / size.customers each), one order per customer and seller ----
  const offers = OFFERS.filter((o) => o.clouds.includes(Cloud.GLOBAL));
  const subscriptions: CloudSubscription[] = [];
  const orders = new Map<string, Order & { lines: number }>();
  const providerSubscriptions: DatasetIndex["providerSubscriptions"] = [];
  const providerIds = new Set(providers.map((p) => p.id));
  for (let k = 0; k < size.subscriptions; k++) {
    const c = Math.floor(random() * size.customers);
    const customer = customers[c];
    const offer = pick(offers);
    const term = pick(offer.termDurations);
    const external = random() < 0.03;
    const seller = external ? null : sellersOf[c][random() < 0.8 ? 0 : sellersOf[c].length - 1];
    const dates = purchaseDates(ago(700), term);
    let order: (Order & { lines: number }) | undefined;
    if (seller) {
      const key = `${customer.id}|${seller.por}|${seller.billing}`;
      order = orders.get(key);
      if (!order) {
        order = { id: randomUUID(), customerId: customer.id, billingPartnerId: seller.billing, partnerOfRecordId: seller.por, placedById: seller.billing, idempotencyKey: `bench-${orders.size}`, requestHash: "0".repeat(64), createdAt: dates.createdAt, lines: 0 } as Order & { lines: number };
        orders.set(key, order);
      }
    }
    const r = random();
    const id = randomUUID();
    subscriptions.push({
      id, customerId: customer.id, offerId: offer.id, friendlyName: `${offer.name} (${k})`,
      quantity: offer.minQuantity + Math.floor(random() * Math.min(offer.maxQuantity - offer.minQuantity + 1, 200)),
      status: r < 0.85 ? SubscriptionStatus.ACTIVE : r < 0.95 ? SubscriptionStatus.SUSPENDED : SubscriptionStatus.CANCELLED,
      billingCycle: pick(offer.billingCycles), termDuration: term, autoRenew: random() < 0.7,
      channel: external ? SalesChannel.ENTERPRISE_AGREEMENT : SalesChannel.CSP,
      partnerOfRecordId: seller?.por ?? null, billingPartnerId: seller?.billing ?? null, supportPartnerId: null,
      orderId: order?.id ?? null, lineNumber: order ? order.lines++ : null, ...dates, version: 1,
    } as CloudSubscription);
    if (seller && providerIds.has(seller.billing)) providerSubscriptions.push({ providerId: seller.billing, subscriptionId: id });
  }

  // ---- write: each subgraph's own tables, one transaction each, in parallel ----
  const [partnersDb, customersDb, subscriptionsDb] = await Promise.all([open("partners", where), open("customers", where), open("subscriptions", where)]);
  try {
    await Promise.all([
      partnersDb.transaction(async (em) => {
        await insertAll(em, Partner, [...providers, ...direct, ...resellers]);
        await insertAll(em, ResellerRelationship, links);
      }),
      customersDb.transaction(async (em) => {
        await insertAll(em, Customer, customers);
        await insertAll(em, CustomerPartnerRelationship, relationships);
        await insertAll(em, DelegatedAdminRelationship, daps);
      }),
      (async () => {
        await seedCatalogue(subscriptionsDb.dataSource);
        await subscriptionsDb.transaction(async (em) => {
          await insertAll(em, Order, [...orders.values()].map(({ lines: _lines, ...o }) => o));
          await insertAll(em, CloudSubscription, subscriptions, 200);
        });
      })(),
    ]);
    // Measured as a database in service is: with planner statistics. PostgreSQL's autovacuum
    // gathers them within a minute or so of a bulk load (SQLite's come on open, common/db.ts).
    await Promise.all([partnersDb, customersDb, subscriptionsDb].filter((db) => db.dialect === "postgres").map((db) => db.dataSource.query("ANALYZE")));
  } finally {
    await Promise.all([partnersDb.close(), customersDb.close(), subscriptionsDb.close()]);
  }

  const customersPerProvider = new Map<string, number>();
  for (const pc of providerCustomers) customersPerProvider.set(pc.providerId, (customersPerProvider.get(pc.providerId) ?? 0) + 1);
  return {
    providers: providers.map((p) => ({ id: p.id, customers: customersPerProvider.get(p.id) ?? 0 })),
    providerCustomers,
    providerSubscriptions,
    counts: {
      partners: providers.length + direct.length + resellers.length,
      providers: providers.length,
      resellers: resellers.length,
      directBill: direct.length,
      resellerRelationships: links.length,
      customers: customers.length,
      customerPartnerRelationships: relationships.length,
      multiPartnerCustomers: sellersOf.filter((s) => s.length > 1).length,
      delegatedAdminRelationships: daps.length,
      orders: orders.size,
      subscriptions: subscriptions.length,
    },
  };
}
