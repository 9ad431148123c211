/**
 * Every subgraph, declared once: its name (also its folder under subgraphs/, its schema file
 * schema/<name>.graphql, its PostgreSQL schema and its environment variables <NAME>_PORT and
 * <NAME>_URL) and its default port. Plain data with no imports, so the gateway and the
 * configuration read it without loading any subgraph's code; subgraphs/servers.ts maps each
 * name to that code. Order is start order (and composition order).
 */
export const SUBGRAPH_REGISTRY = [
  { name: "partners", port: 4001 },
  { name: "customers", port: 4002 },
  { name: "subscriptions", port: 4003 },
  { name: "events", port: 4004 },
] as const;

export type SubgraphName = (typeof SUBGRAPH_REGISTRY)[number]["name"];
export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPH_REGISTRY.map((s) => s.name);

/** One value per subgraph, in registry order. */
export function perSubgraph<T>(value: (name: SubgraphName) => T): Record<SubgraphName, T> {
  return Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, value(name)])) as Record<SubgraphName, T>;
}
