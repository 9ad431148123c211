/** Webhook test helpers: endpoints through the gateway, events recorded through the events subgraph's ingest. */
import { randomUUID } from "node:crypto";
import { GraphQLClient } from "graphql-request";
import { SERVICE_NAME_HEADER, SUBGRAPH_SECRET_HEADER } from "../../common/service/subgraph-server";
import { GqlResult, partnerToken, Stack } from "./stack";

export const ENDPOINT_FIELDS = "id url eventTypes enabled disabledReason createdAt";
export const DELIVERY_FIELDS = "id status attempts lastAttemptAt lastResponseStatus nextAttemptAt event { id type subjectId } attemptLog { number responseStatus succeeded error }";

export function ok<T = any>(res: GqlResult<T>, what = "request"): T {
  if (res.errors?.length) throw new Error(`${what} failed: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

export const CREATE = `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { ${ENDPOINT_FIELDS} } secret } }`;

export async function registerEndpoint(stack: Pick<Stack, "gql">, token: string, url: string, eventTypes: string[] = ["ORDER_PLACED"]) {
  const data = ok(await stack.gql(token, CREATE, { i: { url, eventTypes } }), "createWebhookEndpoint");
  return { id: data.createWebhookEndpoint.endpoint.id as string, secret: data.createWebhookEndpoint.secret as string, endpoint: data.createWebhookEndpoint.endpoint };
}

export async function endpoints(stack: Pick<Stack, "gql">, token: string) {
  return ok(await stack.gql(token, `{ webhookEndpoints { ${ENDPOINT_FIELDS} } }`)).webhookEndpoints as any[];
}

export async function deliveries(stack: Pick<Stack, "gql">, token: string, endpointId: string, args = "first: 100") {
  const all = ok(await stack.gql(token, `{ webhookEndpoints { id deliveries(${args}) { totalCount nodes { ${DELIVERY_FIELDS} } } } }`)).webhookEndpoints as any[];
  return all.find((e) => e.id === endpointId)?.deliveries.nodes as any[];
}

/** Records events as an owner subgraph relays them (the events subgraph's internal ingest). */
export async function ingest(stack: Stack, events: { type?: string; audience: string[]; id?: string }[]): Promise<string[]> {
  const client = new GraphQLClient(stack.subgraphUrls.events.replace(/\/graphql$/, "/internal/graphql"), {
    headers: { [SUBGRAPH_SECRET_HEADER]: stack.config.subgraphSecret, [SERVICE_NAME_HEADER]: "subscriptions" },
  });
  const relayed = events.map((e) => ({
    id: e.id ?? randomUUID(),
    type: e.type ?? "ORDER_PLACED",
    occurredAt: new Date().toISOString(),
    subjectType: "Order",
    subjectId: randomUUID(),
    actorKind: "PARTNER",
    actorId: e.audience[0]?.split(":")[1] ?? null,
    audience: e.audience,
  }));
  await client.request(`mutation($e: [RelayedEventInput!]!) { ingestEvents(source: "subscriptions", events: $e) { stored } }`, { e: relayed });
  return relayed.map((e) => e.id);
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${last}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A partner's endpoint that receives nothing (disabled, at a port nobody listens on): what its
 * mutations queue stays PENDING, so nothing is written in the background while a test
 * compares every row before and after.
 */
export async function quietEndpoint(stack: Stack) {
  const partnerId = randomUUID();
  const token = await partnerToken(partnerId);
  const { id } = await registerEndpoint(stack, token, `http://127.0.0.1:9/quiet/${randomUUID()}`, ["DELEGATED_ADMIN_EXTENDED"]);
  ok(await stack.gql(token, `mutation($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: false }) { endpoint { id } } }`, { id }), "disable");
  return { partnerId, audience: `partner:${partnerId}`, token, id };
}
