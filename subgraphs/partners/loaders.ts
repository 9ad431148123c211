/** Per-request DataLoaders of the partners subgraph: every reference and list goes through one. */
import { DataSource } from "typeorm";
import { byIdLoader } from "../../common/storage/by-id-loader";
import { ResellerRelationshipStatus } from "./enums";
import type { UserPrincipal } from "../../common/identity/identity";
import { KeysetList, keysetLoader, viewerScope } from "../../common/storage/keyset";
import { Partner, ResellerRelationship } from "./model";

export interface RelationshipListArgs {
  status?: ResellerRelationshipStatus | null;
  /** Visibility: only rows whose other side is this partner (a partner looking at someone else's list). */
  onlyWith?: string;
}

/** A partner's resellers (`side` providerId) or providers (`side` resellerId), in invitation order. */
function relationshipList(ds: DataSource, side: "providerId" | "resellerId"): KeysetList<RelationshipListArgs, ResellerRelationship> {
  const other = side === "providerId" ? "resellerId" : "providerId";
  return {
    name: side === "providerId" ? "Partner.resellers" : "Partner.providers",
    entity: ResellerRelationship,
    alias: "r",
    order: ["invitedAt", "id"],
    filterKey: (a) => `${a.status ?? ""}|${a.onlyWith ?? ""}`,
    rows: (parentId, args, tag) => {
      const qb = ds.getRepository(ResellerRelationship).createQueryBuilder("r").where(`r.${side} = :parent_${tag}`, { [`parent_${tag}`]: parentId });
      if (args.status) qb.andWhere("r.status = :status", { status: args.status });
      if (args.onlyWith) qb.andWhere(`r.${other} = :onlyWith`, { onlyWith: args.onlyWith });
      return qb;
    },
  };
}

export function createLoaders(ds: DataSource, viewer: UserPrincipal) {
  return {
    partner: byIdLoader((ids) => ds.getRepository(Partner).createQueryBuilder("p").where("p.id IN (:...ids)", { ids }).getMany()),
    relationship: byIdLoader((ids) =>
      ds.getRepository(ResellerRelationship).createQueryBuilder("r").where("r.id IN (:...ids)", { ids }).getMany(),
    ),
    resellersOf: keysetLoader(ds, relationshipList(ds, "providerId"), viewerScope(viewer)),
    providersOf: keysetLoader(ds, relationshipList(ds, "resellerId"), viewerScope(viewer)),
  };
}
export type PartnersLoaders = ReturnType<typeof createLoaders>;
