/**
 * I4 for the input GraphQL itself refuses: a variable of the wrong type, with an unknown enum
 * value, a null where a value is required, a required input field left out or an unknown one.
 * graphql-js refuses these while coercing the variables, before any resolver runs, and Apollo
 * answers them as BAD_USER_INPUT without `extensions.field`. This plugin adds it: the path from
 * the *argument* to the offending value, dots between names and list indices, as the subgraphs'
 * own refusals name it (`input.lineItems.0.quantity`; a missing or unknown input field names
 * that field, `input.customerId`).
 *
 * graphql-js prints the path inside the variable into the message only, after the value it
 * refused (which may itself contain any text), so the path is not read back from the message:
 * the variable is coerced again with graphql-js's `coerceInputValue`, which reports the same
 * failures in the same order with the path as an array. The argument comes from the operation:
 * where the variable is used (first use in document order, fragments included), with the path
 * to it when it sits inside an input object or list literal (`input: { lineItems: [{ quantity: $q }] }`).
 */
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  coerceInputValue,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLInputType,
  GraphQLSchema,
  isInputType,
  isNonNullType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  typeFromAST,
  ValueNode,
  VariableDefinitionNode,
} from "graphql";

type Path = (string | number)[];

/** The input fields graphql-js names in a message about the object holding them. */
const NAMED_FIELD = /^Field "([_A-Za-z][_0-9A-Za-z]*)" (?:of required type .* was not provided|is not defined by type )/;

/** Where each variable of the operation is first used: the argument's name and the path inside its literal. */
export function variableUses(document: DocumentNode, operation: OperationDefinitionNode): Map<string, Path> {
  const uses = new Map<string, Path>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seenFragments = new Set<string>();
  const inValue = (value: ValueNode, at: Path) => {
    if (value.kind === Kind.VARIABLE) {
      if (!uses.has(value.name.value)) uses.set(value.name.value, at);
    } else if (value.kind === Kind.OBJECT) {
      for (const field of value.fields) inValue(field.value, [...at, field.name.value]);
    } else if (value.kind === Kind.LIST) {
      value.values.forEach((item, i) => inValue(item, [...at, i]));
    }
  };
  const inDirectives = (node: { directives?: readonly { arguments?: readonly { name: { value: string }; value: ValueNode }[] }[] }) => {
    for (const directive of node.directives ?? []) for (const arg of directive.arguments ?? []) inValue(arg.value, [arg.name.value]);
  };
  const inSelections = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      inDirectives(selection);
      if (selection.kind === Kind.FIELD) {
        for (const arg of selection.arguments ?? []) inValue(arg.value, [arg.name.value]);
        inSelections(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inSelections(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seenFragments.has(name)) continue;
        seenFragments.add(name);
        inDirectives(fragment);
        inSelections(fragment.selectionSet);
      }
    }
  };
  inDirectives(operation);
  inSelections(operation.selectionSet);
  return uses;
}

/**
 * The paths inside the variable's value of each failure graphql-js reports for it, in its
 * order: `[]` for the value itself (missing, null, or of the wrong kind at the top).
 */
export function failuresOf(schema: GraphQLSchema, definition: VariableDefinitionNode, variables: Record<string, unknown>): Path[] {
  const type = typeFromAST(schema, definition.type as Parameters<typeof typeFromAST>[1]) as GraphQLInputType | undefined;
  if (!type || !isInputType(type)) return [[]];
  const name = definition.variable.name.value;
  if (!Object.prototype.hasOwnProperty.call(variables, name)) return definition.defaultValue || !isNonNullType(type) ? [] : [[]];
  const value = variables[name];
  if (value === null) return isNonNullType(type) ? [[]] : [];
  const failures: Path[] = [];
  coerceInputValue(value, type, (path, _invalid, error) => {
    const named = NAMED_FIELD.exec(error.message);
    failures.push(named ? [...path, named[1]] : [...path]);
  });
  return failures;
}

/** Sets `extensions.field` on every variable-coercion BAD_USER_INPUT of the request that lacks one. */
export function nameVariableFields(
  errors: readonly GraphQLError[],
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): void {
  let uses: Map<string, Path> | undefined;
  const failures = new Map<string, Path[]>();
  for (const error of errors) {
    if (error.extensions.code !== "BAD_USER_INPUT" || error.extensions.field !== undefined) continue;
    const definition = error.nodes?.length === 1 && error.nodes[0].kind === Kind.VARIABLE_DEFINITION ? error.nodes[0] : undefined;
    if (!definition) continue;
    const name = definition.variable.name.value;
    uses ??= variableUses(document, operation);
    const argument = uses.get(name);
    if (!argument) continue;
    if (!failures.has(name)) failures.set(name, failuresOf(schema, definition, variables));
    // The next failure of this variable in graphql-js's order; past the end (should not happen), the argument itself.
    const inside = failures.get(name)!.shift() ?? [];
    (error.extensions as Record<string, unknown>).field = [...argument, ...inside].join(".");
  }
}

export function inputPathsPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, schema, document, operation, request }) {
          if (!operation || !document) return;
          nameVariableFields(errors, schema, document, operation, request.variables ?? {});
        },
      };
    },
  };
}
