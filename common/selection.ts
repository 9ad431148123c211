/**
 * Which fields a query selects on a connection's nodes (`nodes { … }` and `edges { node { … } }`),
 * so a list can read only the columns they need. Fragments are followed; `@skip`/`@include`
 * are ignored (a field that might be asked counts as asked: reading too much is only slower).
 */
import { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, Kind, SelectionSetNode } from "graphql";

/** Field names of `selectionSet`, fragments flattened; `visit` gets each field node. */
function eachField(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, visit: (field: FieldNode) => void, seen = new Set<string>()) {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, fragments, visit, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      eachField(fragments[selection.name.value]?.selectionSet, fragments, visit, seen);
    }
  }
}

// Parsed documents are cached by Apollo Server, so a field's AST node is the same object on
// every request of a query (the `fieldNodes` array around it is not: graphql-js builds it per
// execution). A lone node decides its selection, fragments included, so it is the memo key:
// the walk runs once per query shape. Fields merged from several nodes are walked each time.
const memo = new WeakMap<FieldNode, ReadonlySet<string>>();

/** Names of the fields selected on the nodes of the connection field being resolved. */
export function connectionNodeFields(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): ReadonlySet<string> {
  const lone = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const cached = lone && memo.get(lone);
  if (cached) return cached;
  const names = new Set<string>();
  const collect = (field: FieldNode) => names.add(field.name.value);
  for (const connection of info.fieldNodes) {
    eachField(connection.selectionSet, info.fragments, (field) => {
      if (field.name.value === "nodes") eachField(field.selectionSet, info.fragments, collect);
      if (field.name.value === "edges") eachField(field.selectionSet, info.fragments, (inner) => inner.name.value === "node" && eachField(inner.selectionSet, info.fragments, collect));
    });
  }
  if (lone) memo.set(lone, names);
  return names;
}

const countMemo = new WeakMap<FieldNode, boolean>();

/** Whether the connection field being resolved selects `totalCount` (a count is run only then, L2). */
export function selectsTotalCount(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): boolean {
  const lone = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const cached = lone ? countMemo.get(lone) : undefined;
  if (cached !== undefined) return cached;
  let found = false;
  for (const connection of info.fieldNodes) eachField(connection.selectionSet, info.fragments, (field) => (found ||= field.name.value === "totalCount"));
  if (lone) countMemo.set(lone, found);
  return found;
}
