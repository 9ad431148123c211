/**
 * Which fields a query selects under the field being resolved, so that a list runs only the
 * statements (and reads only the columns) they need. Fragments are followed; `@skip`/`@include`
 * are ignored (a field that might be asked counts as asked: reading too much is only slower).
 */
import { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, Kind, SelectionSetNode } from "graphql";

/** Field names of `selectionSet`, fragments flattened; `visit` gets each field node. */
export function eachField(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, visit: (field: FieldNode) => void, seen = new Set<string>()) {
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
// every request of a query: a lone node is the memo key (see connectionNodeFields in
// subgraphs/subscriptions/list-columns.ts).
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
