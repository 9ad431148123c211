/** What every subscriptions resolver gets: the caller, loaders, peers, and S1 as one question. */
import { DataSource } from "typeorm";
import { Database } from "../../common/storage/db";
import { InternalClient } from "../../common/service/internal-client";
import { UserPrincipal } from "../../common/identity/identity";
import { ServiceContext, UserContext } from "../../common/service/subgraph-server";
import type { OfferCatalogue } from "./catalogue";
import { createLoaders, SubscriptionsLoaders } from "./loaders";
import { CloudSubscription } from "./model";
import { canSeeSubscription, needsDelegatedAdminFact } from "./rules";

export interface SubscriptionsDeps {
  db: Database;
  catalogue: OfferCatalogue;
  partners: InternalClient;
  customers: InternalClient;
}

export interface SubscriptionsContext extends UserContext {
  ds: DataSource;
  deps: SubscriptionsDeps;
  loaders: SubscriptionsLoaders;
  catalogue: OfferCatalogue;
  /** S1 for one subscription. */
  canSee(sub: CloudSubscription): Promise<boolean>;
}

export interface SubscriptionsServiceContext extends ServiceContext {
  ds: DataSource;
}

export function createSubscriptionsContext(deps: SubscriptionsDeps, principal: UserPrincipal, requestId: string): SubscriptionsContext {
  const loaders = createLoaders(deps.db.dataSource, principal, deps);
  return {
    principal,
    requestId,
    ds: deps.db.dataSource,
    deps,
    loaders,
    catalogue: deps.catalogue,
    async canSee(sub) {
      let delegatedAdmin = false;
      if (needsDelegatedAdminFact(principal, sub)) {
        const facts = await loaders.customerFacts.load(sub.customerId);
        delegatedAdmin = !!facts?.delegatedAdminPartnerIds.includes(principal.tid!);
      }
      return canSeeSubscription(principal, sub, delegatedAdmin);
    },
  };
}
