/** Per-request DataLoaders of the customers subgraph: every reference and list goes through one. */
import DataLoader from "dataloader";
import { DataSource, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { Clock } from "../../common/time/clock";
import { byIdLoader } from "../../common/storage/by-id-loader";
import { KeysetList, keysetLoader, ScalarSql, viewerScope } from "../../common/storage/keyset";
import { CustomerRelationshipStatus, DelegatedAdminStatus } from "./enums";
import { InternalClient } from "../../common/service/internal-client";
import { partnerFactsLoader } from "../partners/client";
import { customersWithPartnerSubscriptions } from "../subscriptions/client";
import { UserPrincipal } from "../../common/identity/identity";
import { optionalText } from "../../common/graphql/validation";
import { Customer, CustomerPartnerRelationship, DelegatedAdminRelationship } from "./model";
import { searchPattern } from "./search";

function groupBy<R>(rows: R[], keys: readonly string[], keyOf: (r: R) => string): R[][] {
  const map = new Map<string, R[]>(keys.map((k) => [k, []]));
  for (const row of rows) map.get(keyOf(row))?.push(row);
  return keys.map((k) => map.get(k)!);
}

/** Every customer list's order: by company name, then id. */
export const CUSTOMER_ORDER = ["companyName", "id"] as const;

/** A delegated admin relationship (alias `a`) in force: active, and auto-extending or not yet ended (DA2). Parameters: dActive, yes, now. */
const delegatedAdminInForce = (a: string) => `${a}.storedStatus = :dActive AND (${a}.autoExtend = :yes OR ${a}.storedEndsAt > :now)`;

/**
 * The ways a customer is partner `:p`'s, as conditions on a link row (alias `a`): reseller
 * relationships as its reseller, as indirect provider of its resellers' (T7), of one of those
 * resellers (`:reseller`), and its delegated admin relationships in force. Parameters besides
 * `:p`: prActive, and those of delegatedAdminInForce.
 */
const partnerLinks = {
  asReseller: (a: string, p: string) => `${a}.partnerId = :${p} AND ${a}.status = :prActive`,
  asProvider: (a: string, p: string) => `${a}.indirectProviderId = :${p} AND ${a}.status = :prActive`,
  ofReseller: (a: string, p: string) => `${a}.indirectProviderId = :${p} AND ${a}.partnerId = :reseller AND ${a}.status = :prActive`,
  administered: (a: string, p: string) => `${a}.partnerId = :${p} AND ${delegatedAdminInForce(a)}`,
};

/**
 * Restricts `qb` (alias `c`, the customer table) to the customers the viewer may *list*
 * (CV1: an active reseller relationship — own or as indirect provider — or an active
 * delegated admin relationship; a customer's users their own; the operator all).
 */
export function restrictToListable(qb: SelectQueryBuilder<Customer>, viewer: UserPrincipal, now: Date): SelectQueryBuilder<Customer> {
  if (viewer.org === "operator") return qb;
  if (viewer.org === "customer") return qb.andWhere("c.id = :viewerCustomer", { viewerCustomer: viewer.tid });
  const viaReseller = qb
    .subQuery()
    .select("vr.customerId")
    .from(CustomerPartnerRelationship, "vr")
    .where(`(${partnerLinks.asReseller("vr", "viewerPartner")}) OR (${partnerLinks.asProvider("vr", "viewerPartner")})`)
    .getQuery();
  const viaDap = qb
    .subQuery()
    .select("vd.customerId")
    .from(DelegatedAdminRelationship, "vd")
    .where(partnerLinks.administered("vd", "viewerPartner"))
    .getQuery();
  return qb.andWhere(`(c.id IN ${viaReseller} OR c.id IN ${viaDap})`, {
    prActive: CustomerRelationshipStatus.ACTIVE,
    viewerPartner: viewer.tid,
    dActive: DelegatedAdminStatus.ACTIVE,
    yes: true,
    now: now.toISOString(),
  });
}

/**
 * L3: `search` matches the company name or domain by Unicode case folding in any normalisation
 * form: the term is folded as `customer.searchText` was (search.ts), then found by a plain LIKE.
 */
export function applySearch(qb: SelectQueryBuilder<Customer>, search?: string | null) {
  // Validated like any text: PostgreSQL refuses a NUL in a LIKE pattern with an error, not an empty result.
  const term = optionalText(search, "search", 253);
  const like = term ? searchPattern(term) : null;
  if (!like) return qb;
  return qb.andWhere("c.searchText LIKE :like ESCAPE '\\'", { like });
}

export interface PartnerCustomersArgs {
  resellerId?: string | null;
  search?: string | null;
}

export function createLoaders(ds: DataSource, viewer: UserPrincipal, clock: Clock, peers: { partners: InternalClient; subscriptions: InternalClient }) {
  const customers = () => ds.getRepository(Customer).createQueryBuilder("c");

  /**
   * The customers linked to partner `parentId` through `link` rows of `table` (reseller
   * relationships, or delegated admin relationships), read in list order from the link table's
   * (partner, status, customerName, customerId) index. `alsoFirst`: skip a customer's later links
   * of the same kind, so a customer is one row of the part.
   */
  const linked = (table: typeof CustomerPartnerRelationship | typeof DelegatedAdminRelationship, where: string, parameters: Record<string, unknown>, alsoFirst?: string) => {
    const qb = customers().innerJoin(table, "link", "link.customerId = c.id").where(where, parameters);
    if (alsoFirst) {
      const earlier = customers().subQuery().select("1").from(table, "earlier").where(`earlier.customerId = link.customerId AND ${alsoFirst} AND earlier.id < link.id`).getQuery();
      qb.andWhere(`NOT EXISTS ${earlier}`);
    }
    return qb;
  };
  const LINK_ORDER = ["link.customerName", "link.customerId"];
  const active = { prActive: CustomerRelationshipStatus.ACTIVE, dActive: DelegatedAdminStatus.ACTIVE, yes: true };

  /** A partner's customers through reseller relationships: as its reseller, and as indirect provider of its resellers' (T7). */
  const relationshipParts = (partnerId: string, tag: string, resellerId?: string | null) => {
    const parent = `parent_${tag}`;
    const params = { ...active, [parent]: partnerId, reseller: resellerId ?? null };
    if (resellerId) return [linked(CustomerPartnerRelationship, partnerLinks.ofReseller("link", parent), params)];
    return [
      linked(CustomerPartnerRelationship, partnerLinks.asReseller("link", parent), params),
      // A customer served by two resellers of this provider is one row: its first such relationship.
      linked(CustomerPartnerRelationship, partnerLinks.asProvider("link", parent), params, partnerLinks.asProvider("earlier", parent)),
    ];
  };

  /**
   * For `totalCount` without a search: the partner's links alone, read from the link indexes (no
   * customer row). A partner that sells through no reseller (no link records it as indirect
   * provider: every direct-bill partner) counts its own relationships, one per customer, with no
   * set of ids to build; a provider counts the union of its links' customer ids (its customers
   * may be linked to it more than one way). The root list adds the customers it administers.
   */
  const linkCount = (partnerId: string, tag: string, resellerId?: string | null, withDelegatedAdmin = false): ScalarSql => {
    const parent = `count_${tag}`;
    const parameters = { ...active, [parent]: partnerId, reseller: resellerId ?? null, now: clock.now().toISOString() };
    const rel = () => ds.getRepository(CustomerPartnerRelationship).createQueryBuilder("link");
    const ids = (qb: SelectQueryBuilder<ObjectLiteral>) => qb.select("link.customerId", "customerId").getQuery();
    if (resellerId) return { sql: `(${rel().select("COUNT(*)").where(partnerLinks.ofReseller("link", parent)).getQuery()})`, parameters };
    const own = rel().where(partnerLinks.asReseller("link", parent));
    const viaResellers = rel().where(partnerLinks.asProvider("link", parent));
    const administered = ds.getRepository(DelegatedAdminRelationship).createQueryBuilder("link").where(partnerLinks.administered("link", parent));
    const union = [ids(own), ids(viaResellers), ...(withDelegatedAdmin ? [ids(administered)] : [])].map((q, i) => `SELECT * FROM (${q}) ${ds.driver.escape(`u${i}`)}`).join(" UNION ");
    const ownCount = `(${own.clone().select("COUNT(*)").getQuery()})`;
    const sellsItself = `EXISTS ${rel().subQuery().select("1").from(CustomerPartnerRelationship, "own").where(`own.customerId = link.customerId AND ${partnerLinks.asReseller("own", parent)}`).getQuery()}`;
    const onlyAdministered = `(${administered.clone().select("COUNT(DISTINCT link.customerId)").andWhere(`NOT ${sellsItself}`).getQuery()})`;
    const withoutResellers = withDelegatedAdmin ? `${ownCount} + ${onlyAdministered}` : ownCount;
    return {
      sql: `(CASE WHEN EXISTS (${viaResellers.clone().select("1").getQuery()}) THEN (SELECT COUNT(*) FROM (${union}) ${ds.driver.escape("all_links")}) ELSE ${withoutResellers} END)`,
      parameters,
    };
  };

  const partnerCustomers: KeysetList<PartnerCustomersArgs, Customer> = {
    name: "Partner.customers",
    entity: Customer,
    alias: "c",
    order: CUSTOMER_ORDER,
    orderPaths: LINK_ORDER,
    filterKey: (a) => `${a.resellerId ?? ""}|${a.search ?? ""}`,
    rows: (parentId, args, tag) => {
      // A partner's own customers are listable by CV1's first clause already (an active relationship
      // with it as reseller or indirect provider is what puts them in this list): no second look.
      const ownList = viewer.org === "partner" && parentId === viewer.tid;
      return relationshipParts(parentId, tag, args.resellerId).map((qb) => applySearch(ownList ? qb : restrictToListable(qb, viewer, clock.now()), args.search));
    },
    count: (parentId, args, tag) => (viewer.org === "partner" && parentId === viewer.tid && !args.search ? linkCount(parentId, tag, args.resellerId) : null),
  };

  /**
   * `Query.customers`: every customer the viewer may list (CV1). A partner's are its reseller
   * relationships' and its active delegated admin relationships' customers, each part read from
   * its link table's index in list order; the operator's (all) and a customer's (its own) are
   * read from the customer table's.
   */
  const listableCustomers: KeysetList<{ search: string | null }, Customer> = {
    name: "Query.customers",
    entity: Customer,
    alias: "c",
    order: CUSTOMER_ORDER,
    orderPaths: viewer.org === "partner" ? LINK_ORDER : undefined,
    filterKey: (a) => a.search ?? "",
    rows: (_parent, args, tag) => {
      if (viewer.org !== "partner") return applySearch(restrictToListable(customers(), viewer, clock.now()), args.search);
      const self = `viewer_${tag}`;
      const viaDelegatedAdmin = linked(
        DelegatedAdminRelationship,
        partnerLinks.administered("link", self),
        { ...active, now: clock.now().toISOString(), [self]: viewer.tid },
        partnerLinks.administered("earlier", self),
      );
      return [...relationshipParts(viewer.tid!, tag), viaDelegatedAdmin].map((qb) => applySearch(qb, args.search));
    },
    count: (_parent, args, tag) => (viewer.org === "partner" && !args.search ? linkCount(viewer.tid!, tag, null, true) : null),
  };

  return {
    customer: byIdLoader((ids) => customers().where("c.id IN (:...ids)", { ids }).getMany()),

    relationshipsOfCustomer: new DataLoader<string, CustomerPartnerRelationship[]>(async (ids) => {
      const rows = await ds
        .getRepository(CustomerPartnerRelationship)
        .createQueryBuilder("r")
        .where("r.customerId IN (:...ids)", { ids })
        .orderBy("r.establishedAt", "ASC")
        .addOrderBy("r.id", "ASC")
        .getMany();
      return groupBy(rows, ids, (r) => r.customerId);
    }),

    delegatedAdminsOfCustomer: new DataLoader<string, DelegatedAdminRelationship[]>(async (ids) => {
      const rows = await ds
        .getRepository(DelegatedAdminRelationship)
        .createQueryBuilder("d")
        .where("d.customerId IN (:...ids)", { ids })
        .orderBy("d.createdAt", "ASC")
        .addOrderBy("d.id", "ASC")
        .getMany();
      return groupBy(rows, ids, (d) => d.customerId);
    }),

    /** CV1's third way: customers of which the viewing partner sees a subscription (asked of the subscriptions subgraph). */
    seesSubscriptionOf: new DataLoader<string, boolean>(async (customerIds) => {
      if (viewer.org !== "partner") return customerIds.map(() => false);
      const ids = await customersWithPartnerSubscriptions(peers.subscriptions, viewer.tid!, customerIds);
      const found = new Set(ids);
      return customerIds.map((id) => found.has(id));
    }),

    partnerFacts: partnerFactsLoader(peers.partners),

    customersOfPartner: keysetLoader(ds, partnerCustomers, viewerScope(viewer)),
    listableCustomers: keysetLoader(ds, listableCustomers, viewerScope(viewer)),
  };
}
export type CustomersLoaders = ReturnType<typeof createLoaders>;
