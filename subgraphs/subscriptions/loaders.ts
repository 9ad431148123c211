/** Per-request DataLoaders of the subscriptions subgraph: every reference and list goes through one. */
import DataLoader from "dataloader";
import { Brackets, DataSource, SelectQueryBuilder } from "typeorm";
import { byIdLoader } from "../../common/storage/by-id-loader";
import { KeysetList, keysetLoader, ScalarSql, viewerScope } from "../../common/storage/keyset";
import { SalesChannel, SubscriptionStatus } from "./enums";
import { InternalClient } from "../../common/service/internal-client";
import * as customersClient from "../customers/client";
import { partnerFactsLoader } from "../partners/client";
import { UserPrincipal } from "../../common/identity/identity";
import { CloudSubscription, EVERY_VIEWER, SubscriptionCount } from "./model";
import type { CustomerFacts } from "../customers/client";

/**
 * Restricts `qb` (alias `s`) to S1 for the viewer. `delegatedAdminCustomerIds`: customers
 * whose subscriptions bought outside the program the viewing partner sees through an
 * active delegated admin relationship (MC2).
 */
export function restrictToVisible(qb: SelectQueryBuilder<CloudSubscription>, viewer: UserPrincipal, delegatedAdminCustomerIds: string[], parameter = "dapCustomers") {
  if (viewer.org === "operator") return qb;
  if (viewer.org === "customer") return qb.andWhere("s.customerId = :viewerCustomer", { viewerCustomer: viewer.tid });
  return qb.andWhere(
    new Brackets((w) => {
      w.where("s.partnerOfRecordId = :viewerPartner", { viewerPartner: viewer.tid })
        .orWhere("s.billingPartnerId = :viewerPartner")
        .orWhere("(s.channel <> :csp AND s.supportPartnerId = :viewerPartner)", { csp: SalesChannel.CSP });
      if (delegatedAdminCustomerIds.length) w.orWhere(`(s.channel <> :csp AND s.customerId IN (:...${parameter}))`, { [parameter]: delegatedAdminCustomerIds });
    }),
  );
}

export interface CustomerSubscriptionsArgs {
  status?: SubscriptionStatus | null;
  channel?: SalesChannel | null;
  /** The columns to read (list-columns.ts); every column when null or absent. */
  columns?: readonly string[] | null;
}
export interface PartnerSubscriptionsArgs {
  status?: SubscriptionStatus | null;
  customerId?: string | null;
  columns?: readonly string[] | null;
}

/** loadMany's answers, or the first failure among them thrown: a fact that could not be read never reads as "no". */
function failed<T>(answers: (T | Error)[]): T[] {
  const error = answers.find((a): a is Error => a instanceof Error);
  if (error) throw error;
  return answers as T[];
}

/** The columns that make a subscription a partner's (`Partner.subscriptions`). */
const PARTNER_ROLE_COLUMNS = ["partnerOfRecordId", "billingPartnerId", "supportPartnerId"] as const;

/** Every subscription list's order: by purchase time, then id. */
const SUBSCRIPTION_ORDER = ["createdAt", "id"] as const;

const columnsKey = (columns?: readonly string[] | null) => columns?.join(",") ?? "*";

export function createLoaders(ds: DataSource, viewer: UserPrincipal, peers: { partners: InternalClient; customers: InternalClient }) {
  const subs = (columns?: readonly string[] | null) => {
    const qb = ds.getRepository(CloudSubscription).createQueryBuilder("s");
    return columns ? qb.select(columns.map((c) => `s.${c}`)) : qb;
  };

  const customerFacts = new DataLoader<string, CustomerFacts | null>(async (ids) => {
    const customers = await customersClient.customerFacts(peers.customers, ids);
    const byId = new Map(customers.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /**
   * Does the customer have subscriptions bought outside the program? Only those can be seen
   * through delegated admin (MC2), so only for such customers is the customers subgraph asked:
   * one local statement instead of a network call on nearly every list.
   */
  const hasExternalSubscriptions = new DataLoader<string, boolean>(async (ids) => {
    // From the kept counts: a few rows per customer, where the subscriptions would be all of its.
    const rows: { customerId: string }[] = await ds
      .getRepository(SubscriptionCount)
      .createQueryBuilder("sc")
      .select("DISTINCT sc.customerId", "customerId")
      .where("sc.customerId IN (:...ids)", { ids: [...ids] })
      .andWhere(`sc.viewer = '${EVERY_VIEWER}' AND sc.channel <> :csp AND sc.n > 0`, { csp: SalesChannel.CSP })
      .getRawMany();
    const external = new Set(rows.map((r) => r.customerId));
    return ids.map((id) => external.has(id));
  });

  /**
   * Does the viewing partner see the customer's external subscriptions through an active
   * delegated admin relationship? Batched: every list of a request asks in the same tick, and the
   * customers subgraph is asked once, for just the customers that have such subscriptions.
   */
  const seesThroughDelegatedAdmin = new DataLoader<string, boolean>(async (customerIds) => {
    if (viewer.org !== "partner") return customerIds.map(() => false);
    const external = failed(await hasExternalSubscriptions.loadMany(customerIds));
    const candidates = customerIds.filter((_, i) => external[i] === true);
    if (candidates.length === 0) return customerIds.map(() => false);
    // Only the one fact needed, for only these customers: one statement in the customers subgraph.
    const delegatedAdminCustomerIds = await customersClient.delegatedAdminAmong(peers.customers, viewer.tid!, candidates);
    const seen = new Set(delegatedAdminCustomerIds);
    return customerIds.map((id) => seen.has(id));
  });

  /** Of `customerIds`, those whose external subscriptions the viewing partner sees through delegated admin. */
  const delegatedAdminAmong = async (customerIds: readonly string[]): Promise<string[]> => {
    const seen = failed(await seesThroughDelegatedAdmin.loadMany(customerIds));
    return customerIds.filter((_, i) => seen[i]);
  };

  /**
   * `Customer.subscriptions.totalCount` from the counts the database keeps (`SubscriptionCount`):
   * a few rows per customer, not one per subscription. The same visibility as `restrictToVisible`:
   * everything for the operator and the customer itself; for a partner, the subscriptions it is a
   * party to, and with delegated admin every one bought outside the program.
   */
  const customerCount = (customerId: string, args: CustomerSubscriptionsArgs, tag: string, delegatedAdmin: boolean): ScalarSql => {
    if (viewer.org === "customer" && customerId !== viewer.tid) return { sql: "0", parameters: {} };
    const [parent, self] = [`count_customer_${tag}`, `count_viewer_${tag}`];
    const qb = ds.getRepository(SubscriptionCount).createQueryBuilder("sc").select("COALESCE(SUM(sc.n), 0)").where(`sc.customerId = :${parent}`);
    if (args.status) qb.andWhere("sc.status = :status");
    if (args.channel) qb.andWhere("sc.channel = :channel");
    if (viewer.org !== "partner") qb.andWhere(`sc.viewer = '${EVERY_VIEWER}'`);
    else if (!delegatedAdmin) qb.andWhere(`sc.viewer = :${self}`);
    // Delegated admin shows every subscription bought outside the program; in the program, still only its own.
    else qb.andWhere(`((sc.viewer = :${self} AND sc.channel = :csp) OR (sc.viewer = '${EVERY_VIEWER}' AND sc.channel <> :csp))`);
    return { sql: `(${qb.getQuery()})`, parameters: { [parent]: customerId, [self]: viewer.tid, status: args.status, channel: args.channel, csp: SalesChannel.CSP } };
  };

  const customerList: KeysetList<CustomerSubscriptionsArgs, CloudSubscription> = {
    name: "Customer.subscriptions",
    entity: CloudSubscription,
    alias: "s",
    order: SUBSCRIPTION_ORDER,
    filterKey: (a) => `${a.status ?? ""}|${a.channel ?? ""}`,
    batchKey: (a) => `${a.status ?? ""}|${a.channel ?? ""}|${columnsKey(a.columns)}`,
    rows: async (customerId, args, tag) => {
      const qb = subs(args.columns).where(`s.customerId = :parent_${tag}`, { [`parent_${tag}`]: customerId });
      if (args.status) qb.andWhere("s.status = :status", { status: args.status });
      if (args.channel) qb.andWhere("s.channel = :channel", { channel: args.channel });
      return restrictToVisible(qb, viewer, await delegatedAdminAmong([customerId]), `dap_${tag}`);
    },
    count: async (customerId, args, tag) => customerCount(customerId, args, tag, viewer.org === "partner" && (await delegatedAdminAmong([customerId])).length > 0),
  };

  /**
   * The customers of the subscriptions bought outside the program that each partner supports
   * (MC2): in another partner's list, the only rows a viewer can see through delegated admin.
   * Asked of the delegated admin facts for just these customers, never for all of the viewer's
   * (a partner may administer 200 000 customers).
   */
  const supportedCustomers = new DataLoader<string, string[]>(async (partnerIds) => {
    const rows: { partnerId: string; customerId: string }[] = await subs()
      .select("s.supportPartnerId", "partnerId")
      .addSelect("s.customerId", "customerId")
      .distinct(true)
      .where("s.supportPartnerId IN (:...partnerIds)", { partnerIds: [...partnerIds] })
      .andWhere("s.channel <> :csp", { csp: SalesChannel.CSP })
      .getRawMany();
    return partnerIds.map((p) => rows.filter((r) => r.partnerId === p).map((r) => r.customerId));
  });

  const partnerList: KeysetList<PartnerSubscriptionsArgs, CloudSubscription> = {
    name: "Partner.subscriptions",
    entity: CloudSubscription,
    alias: "s",
    order: SUBSCRIPTION_ORDER,
    filterKey: (a) => `${a.status ?? ""}|${a.customerId ?? ""}`,
    batchKey: (a) => `${a.status ?? ""}|${a.customerId ?? ""}|${columnsKey(a.columns)}`,
    // A row is the partner's through any of three columns: one part per column, each read in
    // its own (column, createdAt) index's order, so a page reads about the page, not the partner.
    rows: async (partnerId, args, tag) => {
      const parent = `parent_${tag}`;
      // In its own list a partner is partner of record, billing or support partner of every row: S1
      // holds without delegated admin facts. In another's, only supported rows (bought outside the
      // program: no partner of record, no billing partner) can be seen through delegated admin.
      const othersList = viewer.org === "partner" && partnerId !== viewer.tid;
      const delegated = othersList ? await delegatedAdminAmong(await supportedCustomers.load(partnerId)) : [];
      return PARTNER_ROLE_COLUMNS.map((column) => {
        const qb = subs(args.columns).where(`s.${column} = :${parent}`, { [parent]: partnerId });
        if (args.status) qb.andWhere("s.status = :status", { status: args.status });
        if (args.customerId) qb.andWhere("s.customerId = :customerId", { customerId: args.customerId });
        return restrictToVisible(qb, viewer, column === "supportPartnerId" ? delegated : [], `dap_${tag}`);
      });
    },
  };

  return {
    customerFacts,
    partnerFacts: partnerFactsLoader(peers.partners),
    subscription: byIdLoader((ids) => subs().where("s.id IN (:...ids)", { ids }).getMany()),
    subscriptionsOfOrder: new DataLoader<string, CloudSubscription[]>(async (orderIds) => {
      const rows = await subs()
        .where("s.orderId IN (:...orderIds)", { orderIds: [...orderIds] })
        .orderBy("s.lineNumber", "ASC")
        .addOrderBy("s.id", "ASC")
        .getMany();
      return orderIds.map((id) => rows.filter((r) => r.orderId === id));
    }),
    subscriptionsOfCustomer: keysetLoader(ds, customerList, viewerScope(viewer)),
    subscriptionsOfPartner: keysetLoader(ds, partnerList, viewerScope(viewer)),
  };
}
export type SubscriptionsLoaders = ReturnType<typeof createLoaders>;
