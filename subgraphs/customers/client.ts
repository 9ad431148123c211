/**
 * How the other subgraphs ask the customers subgraph (its `/internal/graphql`, internal.ts): a
 * customer's cloud, country and active relationships, read or claimed, and which customers a
 * partner administers. Every document is declared here once, typed with the classes internal.ts
 * answers with (only as types: loading this module loads none of the customers subgraph's code).
 */
import { HeldClaim, heldClaim } from "../../common/mutations/claim-client";
import { InternalClient, InternalDocument } from "../../common/service/internal-client";
import type { CustomerClaim, CustomerFacts } from "./internal";

export type { CustomerFacts };

/** Every question other subgraphs ask of the customers subgraph (test/unit/internal-documents.test.ts validates each). */
export const CUSTOMERS_DOCUMENTS = {
  customerFacts: new InternalDocument<{ customers: CustomerFacts[] }, { ids: readonly string[] }>(
    "query($ids: [ID!]!) { customers(ids: $ids) { id cloud country activeRelationships { partnerId indirectProviderId } delegatedAdminPartnerIds } }",
  ),
  customerClouds: new InternalDocument<{ customers: Pick<CustomerFacts, "id" | "cloud">[] }, { ids: string[] }>(
    "query($ids: [ID!]!) { customers(ids: $ids) { id cloud } }",
  ),
  claimCustomer: new InternalDocument<{ claimCustomer: CustomerClaim }, { c: string; o: string }>(
    `mutation($c: ID!, $o: String!) { claimCustomer(customerId: $c, operation: $o) {
      claimId leaseMs facts { id cloud country activeRelationships { partnerId indirectProviderId } delegatedAdminPartnerIds } } }`,
  ),
  releaseClaim: new InternalDocument<{ releaseClaim: boolean }, { id: string }>("mutation($id: ID!) { releaseClaim(claimId: $id) }"),
  delegatedAdminAmong: new InternalDocument<{ delegatedAdminCustomerIds: string[] }, { p: string; among: string[] }>(
    "query DelegatedAdminAmong($p: ID!, $among: [ID!]) { delegatedAdminCustomerIds(partnerId: $p, among: $among) }",
  ),
};

/** The customers among `ids`, with their active relationships (absent ids are no customers). */
export async function customerFacts(customers: InternalClient, ids: readonly string[]): Promise<CustomerFacts[]> {
  return (await customers.request(CUSTOMERS_DOCUMENTS.customerFacts, { ids }, "the customer's relationships")).customers;
}

/** Just the cloud of the customers among `ids` (P1). */
export async function customerClouds(customers: InternalClient, ids: string[]): Promise<Pick<CustomerFacts, "id" | "cloud">[]> {
  return (await customers.request(CUSTOMERS_DOCUMENTS.customerClouds, { ids }, "the customer's cloud")).customers;
}

/** The customer's facts as they stand under a USE claim on its relationships (X1), and that claim. */
export async function claimCustomer(customers: InternalClient, customerId: string, operation: string): Promise<{ facts: CustomerFacts | null; claim: HeldClaim }> {
  const askedAt = performance.now();
  const { claimCustomer: answer } = await customers.request(CUSTOMERS_DOCUMENTS.claimCustomer, { c: customerId, o: operation }, "the customer's relationships");
  const release = (id: string) => customers.request(CUSTOMERS_DOCUMENTS.releaseClaim, { id }, "the release of a claim");
  return { facts: answer.facts, claim: heldClaim(release, answer.claimId, askedAt, answer.leaseMs) };
}

/** Of `among`, the customers with which `partnerId` has an ACTIVE delegated admin relationship now (MC2). */
export async function delegatedAdminAmong(customers: InternalClient, partnerId: string, among: string[]): Promise<string[]> {
  const answer = await customers.request(CUSTOMERS_DOCUMENTS.delegatedAdminAmong, { p: partnerId, among }, "your delegated admin relationships");
  return answer.delegatedAdminCustomerIds;
}
