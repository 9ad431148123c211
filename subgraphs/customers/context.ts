/** What every customers resolver gets: the caller, loaders, peers, and CV1 as one question. */
import { DataSource } from "typeorm";
import type { ClaimSettings } from "../../common/mutations/claims";
import { clock } from "../../common/time/clock";
import { Database } from "../../common/storage/db";
import { InternalClient } from "../../common/service/internal-client";
import { UserPrincipal } from "../../common/identity/identity";
import { ServiceContext, UserContext } from "../../common/service/subgraph-server";
import { createLoaders, CustomersLoaders } from "./loaders";
import { Customer } from "./model";
import { PartnerStanding, standingOf } from "./rules";

export interface CustomersDeps {
  db: Database;
  partners: InternalClient;
  subscriptions: InternalClient;
  /** X1: leases of the claims this subgraph holds on others' facts and keeps on its own. */
  claims: ClaimSettings;
  /** Base of the link a relationship request's code is embedded in. */
  acceptUrlBase: string;
}

export interface CustomersContext extends UserContext {
  ds: DataSource;
  deps: CustomersDeps;
  loaders: CustomersLoaders;
  /** The viewing partner's standing with a customer (only meaningful for partners). */
  standing(customerId: string): Promise<PartnerStanding>;
  /** CV1: may the viewer see this customer by look-up or reference? */
  canSeeCustomer(customer: Customer): Promise<boolean>;
}

export interface CustomersServiceContext extends ServiceContext {
  ds: DataSource;
  db: Database;
  claims: ClaimSettings;
}

export function createCustomersContext(deps: CustomersDeps, principal: UserPrincipal, requestId: string): CustomersContext {
  const loaders = createLoaders(deps.db.dataSource, principal, clock, deps);
  const standing = async (customerId: string) => {
    const [relationships, daps] = await Promise.all([
      loaders.relationshipsOfCustomer.load(customerId),
      loaders.delegatedAdminsOfCustomer.load(customerId),
    ]);
    return standingOf(principal.tid ?? "", relationships, daps, clock.now());
  };
  return {
    principal,
    requestId,
    ds: deps.db.dataSource,
    deps,
    loaders,
    standing,
    async canSeeCustomer(customer) {
      if (principal.org === "operator") return true;
      if (principal.org === "customer") return customer.id === principal.tid;
      const s = await standing(customer.id);
      return s.activeReseller || s.activeDelegatedAdmin || (await loaders.seesSubscriptionOf.load(customer.id));
    },
  };
}
