/** What every partners resolver gets: the caller, its loaders, and the directory it may read. */
import type { ClaimSettings } from "../../common/mutations/claims";
import { Cloud } from "../../common/graphql/enums";
import { InternalClient } from "../../common/service/internal-client";
import { customerClouds } from "../customers/client";
import { UserPrincipal } from "../../common/identity/identity";
import { ServiceContext, UserContext } from "../../common/service/subgraph-server";
import { DataSource } from "typeorm";
import { Database } from "../../common/storage/db";
import { createLoaders, PartnersLoaders } from "./loaders";
import { DirectoryScope } from "./rules";

export interface PartnersDeps {
  db: Database;
  /** The customers subgraph's internal endpoint (a customer's cloud, for P1). */
  customers: InternalClient;
  /** X1: leases of the claims kept on this subgraph's reseller relationships. */
  claims: ClaimSettings;
}

export interface PartnersContext extends UserContext {
  ds: DataSource;
  deps: PartnersDeps;
  loaders: PartnersLoaders;
  directory(): Promise<DirectoryScope>;
}

export interface PartnersServiceContext extends ServiceContext {
  ds: DataSource;
  db: Database;
  claims: ClaimSettings;
}

/** A customer's cloud never changes, so it is safe to remember; bounded so a long-lived process does not grow without end. */
const customerCloudCache = new Map<string, Cloud | null>();
const CUSTOMER_CLOUD_CACHE_SIZE = 50_000;

async function customerCloud(deps: PartnersDeps, customerId: string): Promise<Cloud | null> {
  if (customerCloudCache.has(customerId)) return customerCloudCache.get(customerId)!;
  const customers = await customerClouds(deps.customers, [customerId]);
  const cloud = customers[0]?.cloud ?? null;
  if (cloud) {
    if (customerCloudCache.size >= CUSTOMER_CLOUD_CACHE_SIZE) customerCloudCache.delete(customerCloudCache.keys().next().value!);
    customerCloudCache.set(customerId, cloud);
  }
  return cloud;
}

export function createPartnersContext(deps: PartnersDeps, principal: UserPrincipal, requestId: string): PartnersContext {
  const loaders = createLoaders(deps.db.dataSource, principal);
  let scope: Promise<DirectoryScope> | undefined;
  return {
    principal,
    requestId,
    ds: deps.db.dataSource,
    deps,
    loaders,
    directory() {
      scope ??= (async (): Promise<DirectoryScope> => {
        if (principal.org === "operator") return { all: true };
        if (principal.org === "partner") return { all: false, cloud: (await loaders.partner.load(principal.tid!))?.cloud ?? null };
        return { all: false, cloud: await customerCloud(deps, principal.tid!) };
      })();
      return scope;
    },
  };
}
