/** The events subgraph's lists: a viewer's feed in sequence order (EV3), one index walk per type asked for. */
import type { DataSource } from "typeorm";
import { EventType } from "../../common/event-types";
import { KeysetList } from "../../common/keyset";
import { EventAudience, FeedEvent } from "./model";
import type { FeedScope } from "./rules";

export interface FeedArgs {
  /** Null: every type but PING. */
  types: EventType[] | null;
}

/**
 * `Query.events`. An organisation's feed reads its audience rows (`(audience, seq)`, or
 * `(audience, type, seq)` for each type asked for, merged); the operator's reads the events.
 */
export function feedList(ds: DataSource, scope: FeedScope): KeysetList<FeedArgs, FeedEvent> {
  return {
    name: "Query.events",
    entity: FeedEvent,
    alias: "e",
    order: ["seq", "id"],
    orderPaths: scope.all ? undefined : ["au.seq", "au.eventId"],
    filterKey: (a) => (a.types ?? ["*"]).join(","),
    rows: (_parent, args) => {
      const part = (type: EventType | null) => {
        const qb = ds.getRepository(FeedEvent).createQueryBuilder("e");
        const typed = scope.all ? "e.type" : "au.type";
        if (!scope.all) qb.innerJoin(EventAudience, "au", "au.eventId = e.id").where("au.audience = :audience", { audience: scope.audience });
        if (type) qb.andWhere(`${typed} = :type_${type}`, { [`type_${type}`]: type });
        else qb.andWhere(`${typed} <> :ping`, { ping: EventType.PING });
        return qb;
      };
      return args.types == null ? part(null) : args.types.map(part);
    },
  };
}
