/** What every events resolver gets: the caller and the database. */
import type { DataSource } from "typeorm";
import type { Database } from "../../common/storage/db";
import type { ServiceContext, UserContext } from "../../common/service/subgraph-server";

export interface EventsContext extends UserContext {
  ds: DataSource;
  db: Database;
  /** EV7: how endpoint URLs are checked (production refuses http and internal addresses). */
  webhooks: { production: boolean };
}

export interface EventsServiceContext extends ServiceContext {
  db: Database;
}
