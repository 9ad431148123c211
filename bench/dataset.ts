/**
 * The benchmark's dataset, written straight into each subgraph's own tables through that
 * subgraph's own typeorm entities and migrations (the benchmark is tooling, not a subgraph):
 * 10 000 subscriptions through the API would take minutes, this takes seconds. The shape
 * follows the rules the API enforces — two-tier chains (resellers active with one or two
 * providers), customers of resellers recorded with their provider, multi-partner
 * customers, active delegated admin relationships, orders behind CSP subscriptions — so
 * every scenario sees what a real tenant would. Deterministic: a seeded generator.
 *
 * Rows are streamed: each customer is generated with its relationships, subscriptions and
 * orders, buffered, and written in batches (one open transaction per subgraph database), so
 * memory stays flat whatever the size (`--scale 100` is 200 000 customers and a million
 * subscriptions). Only a bounded sample of ids is kept, for the scenarios to ask about.
 *
 * `skew` adds, beside the default data, the parents whose size list cost must not follow
 * (DOMAIN.md L2): a provider with 20 000 customers, a provider with 50 customers of 3 000
 * subscriptions each, and a direct-bill partner with 200 000 customers under an active
 * delegated admin relationship, which reads a support partner's subscription list.
 */
import { randomUUID } from "node:crypto";
import { EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import { addMs, DAY_MS } from "../common/time/clock";
import { Database, openDatabase } from "../common/storage/db";
import { Cloud, CspProgram } from "../common/graphql/enums";
import { AdminRole, CustomerRelationshipStatus, DelegatedAdminStatus } from "../subgraphs/customers/enums";
import { ResellerRelationshipStatus } from "../subgraphs/partners/enums";
import { SalesChannel, SubscriptionStatus } from "../subgraphs/subscriptions/enums";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship } from "../subgraphs/customers/model";
import { customerSearchText } from "../subgraphs/customers/search";
import { Partner, ResellerRelationship } from "../subgraphs/partners/model";
import { pairKeyOf } from "../subgraphs/partners/rules";
import { OFFERS, seedCatalogue } from "../subgraphs/subscriptions/catalogue";
import { Order, CloudSubscription } from "../subgraphs/subscriptions/model";
import { purchaseDates } from "../subgraphs/subscriptions/rules";
import { SUBGRAPH_NAMES, SubgraphName } from "../subgraphs/registry";
import { SUBGRAPH_STORAGE } from "../subgraphs/storage";

export interface DatasetSize {
  partners: number;
  customers: number;
  subscriptions: number;
  /** Add the skewed parents (see the file's comment) to the default data. */
  skew?: boolean;
}

export interface Where {
  /** SQLite folder (one file per subgraph), used when databaseUrl is absent. */
  dataDir: string;
  databaseUrl?: string;
}

/** The skewed parents, when the dataset has them. */
export interface SkewIndex {
  /** An indirect provider with 20 000 customers (through its resellers), two subscriptions each. */
  wideProvider: { id: string; customers: number };
  /** An indirect provider with 50 customers of 3 000 subscriptions each. */
  deepProvider: { id: string; customers: number; subscriptionsPerCustomer: number };
  /** A direct-bill partner with 200 000 customers, each under an active delegated admin relationship of it. */
  delegatedAdminPartner: { id: string; customers: number };
  /**
   * A partner that supports subscriptions bought outside the program: of its list, the
   * delegated admin partner sees exactly those of its own delegated admin customers.
   */
  supportPartner: { id: string; visibleToDelegatedAdminPartner: string[]; otherRows: number };
}

/** What the scenarios need to know about the data: who may ask for what. */
export interface DatasetIndex {
  /** The default data's indirect providers (skewed parents are not among them). */
  providers: { id: string; customers: number }[];
  /** A sample of customers of a provider (through a reseller) with an active delegated admin relationship of that provider. */
  providerCustomers: { providerId: string; customerId: string; resellerId: string }[];
  /** A sample of subscriptions and the provider that bills them. */
  providerSubscriptions: { providerId: string; subscriptionId: string }[];
  skew?: SkewIndex;
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

/**
 * A draw from Binomial(n, p): how many of the `n` subscriptions still to place land on this
 * customer when each picks one of the remaining customers at random — so streaming customer
 * by customer gives the same spread as drawing a customer for every subscription.
 */
function binomial(n: number, p: number, random: () => number): number {
  if (n <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean > 50) {
    // Normal approximation (Box–Muller) where the pmf's first term would underflow.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.min(n, Math.max(0, Math.round(mean + z * Math.sqrt(mean * (1 - p)))));
  }
  const q = 1 - p;
  let pmf = Math.pow(q, n);
  let cdf = pmf;
  const u = random();
  let k = 0;
  while (u > cdf && k < n) {
    pmf *= ((n - k) / (k + 1)) * (p / q);
    k++;
    cdf += pmf;
  }
  return k;
}

const COMPANY_WORDS = ["Adatum", "Alpine", "Blue Yonder", "Coho", "Datum", "Fourth Coffee", "Humongous", "Lamna", "Margie", "Proseware", "Relecloud", "Southridge", "Trey", "VanArsdel", "Wingtip", "Wide World"];

/** Bound parameters per INSERT, under SQLite's 32 766 and PostgreSQL's 65 535. */
const PARAMETERS_PER_INSERT = 20_000;
/** Rows buffered for a table before they are written. */
const BATCH_ROWS = 2_000;

/** Every registered subgraph's database, migrated: one the dataset writes nothing into still has its tables when its service starts. */
async function openAll(where: Where): Promise<Record<SubgraphName, Database>> {
  const databases = {} as Record<SubgraphName, Database>;
  await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      databases[name] = await openDatabase({ name, ...SUBGRAPH_STORAGE[name], migrate: true, dataDir: where.dataDir, databaseUrl: where.databaseUrl });
    }),
  );
  return databases;
}

/** One transaction held open while the generator streams into it; `finish` commits (or, given an error, rolls back). */
async function holdTransaction(db: Database): Promise<{ em: EntityManager; finish(error?: unknown): Promise<void> }> {
  let release!: (error?: unknown) => void;
  let entered!: (em: EntityManager) => void;
  const em = new Promise<EntityManager>((resolve) => (entered = resolve));
  const done = db.transaction((m) => {
    entered(m);
    return new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve())));
  });
  const ended = done.then(() => {
    throw new Error("transaction ended before it was used");
  });
  ended.catch(() => undefined);
  return {
    em: await Promise.race([em, ended]),
    finish: async (error?: unknown) => {
      release(error);
      await done.catch((e) => {
        if (!error) throw e;
      });
    },
  };
}

/** Rows of one table, written through its entity in batches; `flush` writes what is buffered. */
class TableWriter<T extends ObjectLiteral> {
  private rows: Partial<T>[] = [];
  written = 0;
  constructor(
    private readonly em: () => EntityManager,
    private readonly entity: EntityTarget<T>,
  ) {}
  add(row: Partial<T>) {
    this.rows.push(row);
  }
  get full() {
    return this.rows.length >= BATCH_ROWS;
  }
  async flush() {
    const rows = this.rows;
    this.rows = [];
    if (!rows.length) return;
    const em = this.em();
    const columns = em.connection.getMetadata(this.entity).columns.length;
    const chunk = Math.max(1, Math.floor(PARAMETERS_PER_INSERT / columns));
    for (let i = 0; i < rows.length; i += chunk) {
      await em.createQueryBuilder().insert().into(this.entity).values(rows.slice(i, i + chunk) as never).updateEntity(false).execute();
    }
    this.written += rows.length;
  }
}

export async function generateDataset(size: DatasetSize, where: Where, now = new Date()): Promise<DatasetIndex> {
  const random = seeded(20260101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const ago = (maxDays: number) => new Date(now.getTime() - Math.floor(random() * maxDays * DAY_MS));

  const databases = await openAll(where);
  // The subgraphs whose tables the dataset fills.
  const { partners: partnersDb, customers: customersDb, subscriptions: subscriptionsDb } = databases;
  await seedCatalogue(subscriptionsDb.dataSource);
  const held: { em: EntityManager; finish(error?: unknown): Promise<void> }[] = [];
  let failure: unknown;
  try {
    for (const db of [partnersDb, customersDb, subscriptionsDb]) held.push(await holdTransaction(db));
    const [partnersTx, customersTx, subscriptionsTx] = held;
    const write = {
      partner: new TableWriter<Partner>(() => partnersTx.em, Partner),
      link: new TableWriter<ResellerRelationship>(() => partnersTx.em, ResellerRelationship),
      customer: new TableWriter<Customer>(() => customersTx.em, Customer),
      relationship: new TableWriter<CustomerPartnerRelationship>(() => customersTx.em, CustomerPartnerRelationship),
      dap: new TableWriter<DelegatedAdminRelationship>(() => customersTx.em, DelegatedAdminRelationship),
      order: new TableWriter<Order>(() => subscriptionsTx.em, Order),
      subscription: new TableWriter<CloudSubscription>(() => subscriptionsTx.em, CloudSubscription),
    };
    const writers = Object.values(write) as TableWriter<ObjectLiteral>[];
    // Each database writes its own tables in order; the three databases write side by side.
    const flushAll = () =>
      Promise.all([
        write.partner.flush().then(() => write.link.flush()),
        write.customer.flush().then(() => write.relationship.flush()).then(() => write.dap.flush()),
        write.order.flush().then(() => write.subscription.flush()),
      ]);
    const maybeFlush = async () => {
      if (writers.some((w) => w.full)) await flushAll();
    };

    // ---- partners: 10 % indirect providers, 30 % direct-bill, the rest indirect resellers ----
    let n = 0;
    const partner = (programs: CspProgram[], label: string): string => {
      const i = n++;
      const id = randomUUID();
      write.partner.add({ id, mpnId: String(5_000_000 + i), name: `${label} ${i}`, programs, cloud: Cloud.GLOBAL, country: "US", agreementSigned: true, enrolledAt: ago(900) } as Partner);
      return id;
    };
    const link = (providerId: string, resellerId: string) => {
      const invitedAt = ago(700);
      write.link.add({ id: randomUUID(), providerId, resellerId, pairKey: pairKeyOf(providerId, resellerId), status: ResellerRelationshipStatus.ACTIVE, invitedAt, acceptedAt: addMs(invitedAt, DAY_MS), terminatedAt: null } as ResellerRelationship);
    };
    const nProviders = Math.max(2, Math.round(size.partners * 0.1));
    const nDirect = Math.max(1, Math.round(size.partners * 0.3));
    const nResellers = Math.max(1, size.partners - nProviders - nDirect);
    const providers = Array.from({ length: nProviders }, () => partner([CspProgram.INDIRECT_PROVIDER], "Bench Distribution"));
    const direct = Array.from({ length: nDirect }, () => partner([CspProgram.DIRECT_BILL], "Bench Direct"));
    const resellers = Array.from({ length: nResellers }, () => partner([CspProgram.INDIRECT_RESELLER], "Bench Reseller"));
    // Two-tier chains: every reseller active with one provider, every third with a second one.
    const providersOf = new Map<string, string[]>();
    for (const [i, r] of resellers.entries()) {
      const mine = [providers[i % nProviders]];
      if (i % 3 === 0 && nProviders > 1) mine.push(providers[(i + 1) % nProviders]);
      providersOf.set(r, mine);
      for (const p of mine) link(p, r);
      await maybeFlush();
    }

    // ---- customers, each written with its relationships, delegated admin relationships, orders and subscriptions ----
    interface Seller { por: string; billing: string }
    const counts = { customers: 0, customerPartnerRelationships: 0, multiPartnerCustomers: 0, delegatedAdminRelationships: 0, orders: 0, subscriptions: 0 };
    const offers = OFFERS.filter((o) => o.clouds.includes(Cloud.GLOBAL));
    /** The customer written last: its links (relationships, delegated admin) follow it and keep its name. */
    let latest = { id: "", name: "" };
    const nameOf = (customerId: string) => {
      if (latest.id !== customerId) throw new Error("bench dataset: a customer's links must follow the customer");
      return latest.name;
    };
    const customer = (id: string, label: string, j: number) => {
      const name = `${COMPANY_WORDS[j % COMPANY_WORDS.length]} ${label}${String(j).padStart(6, "0")}`;
      const domain = `bench-${label.toLowerCase().replace(/[^a-z0-9]/g, "")}${j}.onmicrosoft.com`;
      write.customer.add({
        id, companyName: name, defaultDomain: domain, searchText: customerSearchText({ companyName: name, defaultDomain: domain }), cloud: Cloud.GLOBAL, country: "US", createdAt: ago(800),
        billingEmail: `billing@${domain.replace(".onmicrosoft.com", "")}.example.com`, billingAddressLine: `${j} Main Street`, billingCity: "Redmond", billingPostalCode: "98052",
      } as Customer);
      counts.customers++;
      latest = { id, name };
    };
    const relationship = (customerId: string, partnerId: string, indirectProviderId: string | null) => {
      write.relationship.add({ id: randomUUID(), customerId, customerName: nameOf(customerId), partnerId, indirectProviderId, status: CustomerRelationshipStatus.ACTIVE, establishedAt: ago(600), removedAt: null } as CustomerPartnerRelationship);
      counts.customerPartnerRelationships++;
    };
    const dap = (customerId: string, partnerId: string, displayName: string, status: DelegatedAdminStatus) => {
      const createdAt = ago(300);
      const active = status === DelegatedAdminStatus.ACTIVE;
      write.dap.add({
        id: randomUUID(), displayName, partnerId, customerId, customerName: nameOf(customerId),
        roles: [AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.DIRECTORY_READER], durationDays: 730, autoExtend: true,
        storedStatus: status, createdAt, activatedAt: active ? addMs(createdAt, DAY_MS) : null,
        storedEndsAt: active ? addMs(createdAt, 731 * DAY_MS) : null, terminatedAt: null,
      } as DelegatedAdminRelationship);
      counts.delegatedAdminRelationships++;
    };
    /**
     * `count` subscriptions of one customer: 3 % bought outside the program (by default), the
     * rest from one of its sellers (mostly the first), one order per customer and seller.
     * Returns their ids with the partner billing each (null outside the program).
     */
    const subscriptionsOf = (customerId: string, sellers: Seller[], count: number, options: { externalRate?: number; supportPartnerId?: string } = {}) => {
      const orders = new Map<string, Order & { lines: number }>();
      const made: { id: string; billing: string | null }[] = [];
      for (let k = 0; k < count; k++) {
        const offer = pick(offers);
        const term = pick(offer.termDurations);
        const external = sellers.length === 0 || random() < (options.externalRate ?? 0.03);
        const seller = external ? null : sellers[random() < 0.8 ? 0 : sellers.length - 1];
        const dates = purchaseDates(ago(700), term);
        let order: (Order & { lines: number }) | undefined;
        if (seller) {
          const key = `${seller.por}|${seller.billing}`;
          order = orders.get(key);
          if (!order) {
            order = { id: randomUUID(), customerId, billingPartnerId: seller.billing, partnerOfRecordId: seller.por, placedById: seller.billing, idempotencyKey: `bench-${counts.orders++}`, requestHash: "0".repeat(64), createdAt: dates.createdAt, lines: 0 } as Order & { lines: number };
            orders.set(key, order);
          }
        }
        const r = random();
        const id = randomUUID();
        write.subscription.add({
          id, customerId, offerId: offer.id, friendlyName: `${offer.name} (${counts.subscriptions})`,
          quantity: offer.minQuantity + Math.floor(random() * Math.min(offer.maxQuantity - offer.minQuantity + 1, 200)),
          status: r < 0.85 ? SubscriptionStatus.ACTIVE : r < 0.95 ? SubscriptionStatus.SUSPENDED : SubscriptionStatus.CANCELLED,
          billingCycle: pick(offer.billingCycles), termDuration: term, autoRenew: random() < 0.7,
          channel: external ? SalesChannel.ENTERPRISE_AGREEMENT : SalesChannel.CSP,
          partnerOfRecordId: seller?.por ?? null, billingPartnerId: seller?.billing ?? null, supportPartnerId: external ? options.supportPartnerId ?? null : null,
          orderId: order?.id ?? null, lineNumber: order ? order.lines++ : null, ...dates, version: 1,
        } as CloudSubscription);
        counts.subscriptions++;
        made.push({ id, billing: seller?.billing ?? null });
      }
      for (const { lines: _lines, ...o } of orders.values()) write.order.add(o);
      return made;
    };

    // ---- default customers: 70 % sold by a reseller (recorded with its provider), 30 % by a direct-bill partner; every fifth also has a second (direct-bill) partner ----
    const providerIds = new Set(providers);
    const customersPerProvider = new Map<string, number>();
    const providerCustomers: DatasetIndex["providerCustomers"] = [];
    const providerSubscriptions: DatasetIndex["providerSubscriptions"] = [];
    // The index keeps a sample (≈ 500 of each), evenly spread: the scenarios rotate over 64.
    const customerStep = Math.max(1, Math.floor(size.customers / 500));
    const subscriptionStep = Math.max(1, Math.floor(size.subscriptions / 500));
    let providerCustomerSeen = 0;
    let providerSubscriptionSeen = 0;
    let subscriptionsLeft = size.subscriptions;
    for (let j = 0; j < size.customers; j++) {
      const id = randomUUID();
      customer(id, "", j);
      const sellers: Seller[] = [];
      if (j % 10 < 7) {
        const reseller = resellers[j % nResellers];
        const chain = providersOf.get(reseller)!;
        const provider = chain[Math.floor(j / nResellers) % chain.length];
        relationship(id, reseller, provider);
        dap(id, provider, `Bench support ${j}`, DelegatedAdminStatus.ACTIVE);
        sellers.push({ por: reseller, billing: provider });
        customersPerProvider.set(provider, (customersPerProvider.get(provider) ?? 0) + 1);
        if (providerCustomerSeen++ % customerStep === 0) providerCustomers.push({ providerId: provider, customerId: id, resellerId: reseller });
      } else {
        const d = direct[j % nDirect];
        relationship(id, d, null);
        dap(id, d, `Bench support ${j}`, DelegatedAdminStatus.ACTIVE);
        sellers.push({ por: d, billing: d });
      }
      if (j % 5 === 0 && nDirect > 1) {
        const second = direct[(j + 1) % nDirect];
        if (!sellers.some((s) => s.por === second)) {
          relationship(id, second, null);
          dap(id, second, `Bench support ${j}`, DelegatedAdminStatus.APPROVAL_PENDING);
          sellers.push({ por: second, billing: second });
        }
      }
      if (sellers.length > 1) counts.multiPartnerCustomers++;
      const mine = binomial(subscriptionsLeft, 1 / (size.customers - j), random);
      subscriptionsLeft -= mine;
      for (const s of subscriptionsOf(id, sellers, mine)) {
        if (s.billing && providerIds.has(s.billing) && providerSubscriptionSeen++ % subscriptionStep === 0) providerSubscriptions.push({ providerId: s.billing, subscriptionId: s.id });
      }
      await maybeFlush();
    }

    // ---- the skewed parents ----
    let skew: SkewIndex | undefined;
    if (size.skew) {
      // (a) A provider with 20 000 customers through its ten resellers, two subscriptions each.
      const wide = partner([CspProgram.INDIRECT_PROVIDER], "Bench Skew Wide Distribution");
      const wideResellers = Array.from({ length: 10 }, () => partner([CspProgram.INDIRECT_RESELLER], "Bench Skew Wide Reseller"));
      for (const r of wideResellers) link(wide, r);
      const WIDE_CUSTOMERS = 20_000;
      for (let j = 0; j < WIDE_CUSTOMERS; j++) {
        const id = randomUUID();
        const reseller = wideResellers[j % wideResellers.length];
        customer(id, "Wide ", j);
        relationship(id, reseller, wide);
        dap(id, wide, `Bench wide support ${j}`, DelegatedAdminStatus.ACTIVE);
        subscriptionsOf(id, [{ por: reseller, billing: wide }], 2);
        await maybeFlush();
      }

      // (b) A provider with 50 customers of 3 000 subscriptions each.
      const deep = partner([CspProgram.INDIRECT_PROVIDER], "Bench Skew Deep Distribution");
      const deepResellers = Array.from({ length: 2 }, () => partner([CspProgram.INDIRECT_RESELLER], "Bench Skew Deep Reseller"));
      for (const r of deepResellers) link(deep, r);
      const DEEP_CUSTOMERS = 50;
      const DEEP_SUBSCRIPTIONS = 3_000;
      for (let j = 0; j < DEEP_CUSTOMERS; j++) {
        const id = randomUUID();
        const reseller = deepResellers[j % deepResellers.length];
        customer(id, "Deep ", j);
        relationship(id, reseller, deep);
        dap(id, deep, `Bench deep support ${j}`, DelegatedAdminStatus.ACTIVE);
        // Written a thousand at a time: the generator holds no more than a batch.
        for (let done = 0; done < DEEP_SUBSCRIPTIONS; done += 1_000) {
          subscriptionsOf(id, [{ por: reseller, billing: deep }], Math.min(1_000, DEEP_SUBSCRIPTIONS - done));
          await maybeFlush();
        }
      }

      // (c) A direct-bill partner with 200 000 customers under its active delegated admin
      // relationships, and a support partner: every thousandth of those customers has one
      // subscription bought outside the program that the support partner supports (seen by the
      // delegated admin partner, MC2); the support partner's own 20 customers have CSP
      // subscriptions and one external each (not seen by it).
      const dapPartner = partner([CspProgram.DIRECT_BILL], "Bench Skew Delegated Admin Direct");
      const support = partner([CspProgram.DIRECT_BILL], "Bench Skew Support Direct");
      const DAP_CUSTOMERS = 200_000;
      const visible: string[] = [];
      for (let j = 0; j < DAP_CUSTOMERS; j++) {
        const id = randomUUID();
        customer(id, "Delegated ", j);
        relationship(id, dapPartner, null);
        dap(id, dapPartner, `Bench delegated ${j}`, DelegatedAdminStatus.ACTIVE);
        if (j % 1_000 === 0) {
          subscriptionsOf(id, [], 1, { supportPartnerId: support });
          visible.push(id);
        }
        await maybeFlush();
      }
      let otherRows = 0;
      for (let j = 0; j < 20; j++) {
        const id = randomUUID();
        customer(id, "Supported ", j);
        relationship(id, support, null);
        otherRows += subscriptionsOf(id, [{ por: support, billing: support }], 5, { externalRate: 0 }).length;
        otherRows += subscriptionsOf(id, [], 1, { supportPartnerId: support }).length;
      }
      skew = {
        wideProvider: { id: wide, customers: WIDE_CUSTOMERS },
        deepProvider: { id: deep, customers: DEEP_CUSTOMERS, subscriptionsPerCustomer: DEEP_SUBSCRIPTIONS },
        delegatedAdminPartner: { id: dapPartner, customers: DAP_CUSTOMERS },
        supportPartner: { id: support, visibleToDelegatedAdminPartner: visible, otherRows },
      };
    }
    await flushAll();
    for (const tx of held.splice(0)) await tx.finish();
    // Measured as a database in service is: with planner statistics and a visibility map (what
    // lets PostgreSQL count from an index alone). Autovacuum vacuums and analyses a table within
    // a minute or so of a bulk load (SQLite's statistics come on open, common/storage/db.ts).
    await Promise.all(Object.values(databases).filter((db) => db.dialect === "postgres").map((db) => db.dataSource.query("VACUUM (ANALYZE)")));

    return {
      providers: providers.map((p) => ({ id: p, customers: customersPerProvider.get(p) ?? 0 })),
      providerCustomers,
      providerSubscriptions,
      skew,
      counts: {
        partners: write.partner.written,
        providers: providers.length,
        resellers: resellers.length,
        directBill: direct.length,
        resellerRelationships: write.link.written,
        ...counts,
      },
    };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    for (const tx of held) await tx.finish(failure ?? new Error("dataset not finished")).catch(() => undefined);
    await Promise.all(Object.values(databases).map((db) => db.close()));
  }
}
