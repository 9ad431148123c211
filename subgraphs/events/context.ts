/** What every events resolver gets: the caller and the database. */
import type { DataSource } from "typeorm";
import type { Database } from "../../common/db";
import type { ServiceContext, UserContext } from "../../common/subgraph-server";

export interface EventsContext extends UserContext {
  ds: DataSource;
  db: Database;
}

export interface EventsServiceContext extends ServiceContext {
  db: Database;
}
