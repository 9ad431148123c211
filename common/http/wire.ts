/**
 * Names on the wire between the gateway, the subgraphs and the callers of their internal
 * endpoints. Both sides import them from here, so the gateway needs none of the subgraph
 * server's code (and none of its database) to speak to a subgraph.
 */

/** Carries one id per client request through the gateway and every subgraph call it causes. */
export const REQUEST_ID_HEADER = "x-request-id";
/** The credential the gateway and the subgraphs show a subgraph: without it a subgraph answers nothing. */
export const SUBGRAPH_SECRET_HEADER = "x-subgraph-secret";
/** Names the subgraph making an internal call, for the owner's logs and authorization. */
export const SERVICE_NAME_HEADER = "x-csp-service";
