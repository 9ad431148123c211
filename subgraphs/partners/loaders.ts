/** Per-request DataLoaders of the partners subgraph: every reference and list goes through one. */
import { DataSource } from "typeorm";
import { byIdLoader, connectionLoader, pageWithTotal } from "../../common/connection-loader";
import { ResellerRelationshipStatus } from "../../common/enums";
import { Partner, ResellerRelationship } from "./model";

export interface RelationshipListArgs {
  status?: ResellerRelationshipStatus | null;
  /** Visibility: only rows whose other side is this partner (a partner looking at someone else's list). */
  onlyWith?: string;
}

function relationshipLoader(ds: DataSource, side: "providerId" | "resellerId") {
  const other = side === "providerId" ? "resellerId" : "providerId";
  const query = (parentIds: string[], args: RelationshipListArgs) => {
    const qb = ds
      .getRepository(ResellerRelationship)
      .createQueryBuilder("r")
      .where(`r.${side} IN (:...parentIds)`, { parentIds })
      .orderBy("r.invitedAt", "ASC")
      .addOrderBy("r.id", "ASC");
    if (args.status) qb.andWhere("r.status = :status", { status: args.status });
    if (args.onlyWith) qb.andWhere(`r.${other} = :onlyWith`, { onlyWith: args.onlyWith });
    return qb;
  };
  return connectionLoader<RelationshipListArgs, ResellerRelationship>({
    argsKey: (a) => `${a.status ?? ""}|${a.onlyWith ?? ""}`,
    fetchPage: async (parentId, args, page) => {
      return pageWithTotal(query([parentId], args), page);
    },
    fetchAll: (parentIds, args) => query(parentIds, args).getMany(),
    parentsOf: (row) => [row[side]],
  });
}

export function createLoaders(ds: DataSource) {
  return {
    partner: byIdLoader((ids) => ds.getRepository(Partner).createQueryBuilder("p").where("p.id IN (:...ids)", { ids }).getMany()),
    relationship: byIdLoader((ids) =>
      ds.getRepository(ResellerRelationship).createQueryBuilder("r").where("r.id IN (:...ids)", { ids }).getMany(),
    ),
    resellersOf: relationshipLoader(ds, "providerId"),
    providersOf: relationshipLoader(ds, "resellerId"),
  };
}
export type PartnersLoaders = ReturnType<typeof createLoaders>;
