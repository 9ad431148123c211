/**
 * The partners subgraph's own enum: only its types use it. The enums several
 * subgraphs share are in common/graphql/enums.ts. Values equal names, as there.
 */
import { registerEnumType } from "type-graphql";

export enum ResellerRelationshipStatus {
  PENDING = "PENDING",
  ACTIVE = "ACTIVE",
  TERMINATED = "TERMINATED",
}

registerEnumType(ResellerRelationshipStatus, {
  name: "ResellerRelationshipStatus",
  description: "Lifecycle of an indirect provider ↔ indirect reseller relationship.",
  valuesConfig: {
    PENDING: { description: "Invited; waiting for the reseller to accept." },
    ACTIVE: { description: "Accepted by the reseller." },
    TERMINATED: { description: "Ended by either side. Final." },
  },
});
