/**
 * The contract's enums that several subgraphs use, registered once for all of them: an enum
 * that is both input and output must be identical in all subgraphs for composition to accept
 * it. An enum only one subgraph uses is in that subgraph's enums.ts.
 * Values equal names, so no value mapping is needed between TypeScript and GraphQL.
 */
import { registerEnumType } from "type-graphql";

export enum Cloud {
  GLOBAL = "GLOBAL",
  US_GOVERNMENT = "US_GOVERNMENT",
  CHINA = "CHINA",
  GERMANY = "GERMANY",
}
export enum CspProgram {
  DIRECT_BILL = "DIRECT_BILL",
  INDIRECT_PROVIDER = "INDIRECT_PROVIDER",
  INDIRECT_RESELLER = "INDIRECT_RESELLER",
}
export enum OrganizationKind {
  OPERATOR = "OPERATOR",
  PARTNER = "PARTNER",
  CUSTOMER = "CUSTOMER",
}

registerEnumType(Cloud, {
  name: "Cloud",
  description: "A separate instance of the program. Every relationship and order stays inside one cloud.",
  valuesConfig: {
    GLOBAL: { description: "The worldwide commercial cloud." },
    US_GOVERNMENT: { description: "The US government cloud." },
    CHINA: { description: "The cloud operated in China by a local company." },
    GERMANY: { description: "The German cloud; it takes no new customers." },
  },
});
registerEnumType(CspProgram, {
  name: "CspProgram",
  description: "A program a partner is enrolled in. A partner may be in several.",
  valuesConfig: {
    DIRECT_BILL: { description: "Buys from the vendor and sells straight to its customers." },
    INDIRECT_PROVIDER: { description: "A distributor: buys from the vendor and sells through indirect resellers." },
    INDIRECT_RESELLER: { description: "Sells to customers through one or more indirect providers." },
  },
});
registerEnumType(OrganizationKind, {
  name: "OrganizationKind",
  description: "The kind of organisation a signed-in user belongs to.",
  valuesConfig: {
    OPERATOR: { description: "The vendor's own back office." },
    PARTNER: { description: "A partner enrolled in the program." },
    CUSTOMER: { description: "A customer tenant." },
  },
});
