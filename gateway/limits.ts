/**
 * The gateway's query limits: what one request may ask for, refused before any subgraph is
 * called, each with its own code (common/errors/errors.ts QUERY_LIMIT_CODES) and HTTP 400.
 *
 * - Depth, aliases and directives are graphql-armor validation rules. They look at the
 *   document alone, so Apollo's cache of validated documents runs them once per document.
 * - Cost is graphql-armor's estimate too, but per request: armor multiplies by `first` only
 *   when it is a literal, so a client that passes page sizes as variables (most do) would be
 *   priced at one item per page. Here every page size (`first`, or `last` backward) is
 *   written out first as `first` — the variable's value, or the default page when neither is
 *   given — and a page size out of range is refused as BAD_USER_INPUT naming its argument,
 *   as the subgraphs refuse it (common/storage/pagination.ts).
 * - Tokens: graphql-js's own parser stops at `maxTokens`. Armor's Apollo token plugin throws
 *   from a hook Apollo treats as a crash, which answers HTTP 500 (armor 3.2.0, Apollo 5).
 * - "Did you mean …?" suggestions are cut from every error when configured (production).
 *   Neither library does all of it: armor's blockFieldSuggestion (3.2.0) misses enum values
 *   ("Did you mean the enum value …?") and leaves a stray "?"; Apollo's
 *   hideSchemaDetailsFromClientErrors sees validation errors only, not a variable's value.
 */
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  ArgumentNode,
  DocumentNode,
  FieldNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  ParseOptions,
  TypeInfo,
  validate,
  ValidationContext,
  ValidationRule,
  ValueNode,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { QueryLimits } from "../common/service/config";
import { DomainError, QueryLimitCode, QUERY_LIMIT_CODES } from "../common/errors/errors";
import { pageSize as checkedPageSize } from "../common/storage/pagination";

export interface GatewayLimits {
  /** For ApolloServer's options of the same names. */
  options: { validationRules: ValidationRule[]; parseOptions: ParseOptions };
  plugins: ApolloServerPlugin<BaseContext>[];
}

const REFUSED = { status: 400 };

/** Armor's reject callback: our code instead of armor's, and its message without the misleading "Syntax Error: ". */
const refuseAs =
  (code: QueryLimitCode) =>
  (context: ValidationContext | null, error: GraphQLError): void =>
    context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code, http: REFUSED } }));

const rejectWith = (code: QueryLimitCode) => ({ onReject: [refuseAs(code)], propagateOnRejection: false });

/** graphql-js's suggestion sentences: "Did you mean "customers"?", "Did you mean the enum value "ACTIVE"?". */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** graphql-js's message when the parser stops at `maxTokens` ("more that" is its spelling). */
const TOKEN_LIMIT_MESSAGE = /Document contains more th[ae][nt] (\d+) tokens/;

export function queryLimits(limits: QueryLimits): GatewayLimits {
  const off = { enabled: false };
  const shape = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ...rejectWith("MAX_DEPTH_LIMIT") },
    maxAliases: { n: limits.maxAliases, ...rejectWith("MAX_ALIASES_LIMIT") },
    maxDirectives: { n: limits.maxDirectives, ...rejectWith("MAX_DIRECTIVES_LIMIT") },
    blockFieldSuggestion: off,
    costLimit: off,
    maxTokens: off,
  }).protect();
  // Cost counts the fields a request may resolve: 2 per object, 1 per scalar, times each page
  // size, and no extra weight per level (armor's default 1.5 compounds: 1.5^10 at depth 10).
  const [costRule] = new ApolloArmor({
    costLimit: { maxCost: limits.maxCost, depthCostFactor: 1, objectCost: 2, scalarCost: 1, ...rejectWith("MAX_COST_LIMIT") },
    blockFieldSuggestion: off,
    maxDepth: off,
    maxAliases: off,
    maxDirectives: off,
    maxTokens: off,
  }).protect().validationRules;

  // A document's price depends only on the page sizes it is asked for: requests of a known
  // document with page sizes already priced within the limit skip the walk (Apollo hands every
  // request of one query text the same cached DocumentNode). Refusals are never cached.
  const withinLimit = new WeakMap<DocumentNode, Set<string>>();
  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const variables = request.variables ?? {};
          const known = withinLimit.get(document) ?? new Set<string>();
          const key = `${operation.name?.value ?? ""}|${JSON.stringify(pageSizeVariables(document).map((name) => (name in variables ? variables[name] : "(absent)")))}`;
          if (known.has(key)) return;
          const priced = withPageSizes(schema, document, operation, variables);
          const [tooCostly] = validate(schema, priced, [costRule]);
          if (tooCostly) throw tooCostly;
          if (known.size >= PRICED_PER_DOCUMENT) known.clear();
          withinLimit.set(document, known.add(key));
        },
        // Before formatError, for parse, validation and variable errors alike: suggestions go
        // (when configured), and a query limit keeps its own code where Apollo filed it under
        // GRAPHQL_VALIDATION_FAILED (a validation rule's) or GRAPHQL_PARSE_FAILED (the parser's).
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (limits.hideSuggestions) error.message = error.message.replace(SUGGESTION, "");
            const own = (error.originalError as GraphQLError | undefined)?.extensions?.code;
            if (error.extensions.code === "GRAPHQL_VALIDATION_FAILED" && (QUERY_LIMIT_CODES as readonly unknown[]).includes(own)) {
              error.extensions.code = own;
            }
            const tokens = error.extensions.code === "GRAPHQL_PARSE_FAILED" ? TOKEN_LIMIT_MESSAGE.exec(error.message) : null;
            if (tokens) {
              error.extensions.code = "MAX_TOKENS_LIMIT";
              error.message = `Token limit of ${tokens[1]} exceeded.`;
            }
          }
        },
      };
    },
  };

  return {
    options: {
      validationRules: shape.validationRules,
      parseOptions: { maxTokens: limits.maxTokens },
    },
    plugins: [...shape.plugins, plugin],
  };
}

/** Distinct page-size combinations remembered per document (a client paging through sizes cannot grow it unbounded). */
const PRICED_PER_DOCUMENT = 64;

const pageSizeVariablesOf = new WeakMap<DocumentNode, string[]>();
const PAGE_SIZE_ARGS = ["first", "last"];

/** The variables any `first` or `last` argument of the document reads: with the document, they fix its price. */
function pageSizeVariables(document: DocumentNode): string[] {
  let names = pageSizeVariablesOf.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Argument(node) {
        if (PAGE_SIZE_ARGS.includes(node.name.value) && node.value.kind === Kind.VARIABLE) found.add(node.value.name.value);
      },
    });
    names = [...found].sort();
    pageSizeVariablesOf.set(document, names);
  }
  return names;
}

/**
 * The executed operation and the fragments with every `first` written out as the literal the
 * request asks for, so that armor's cost rule multiplies by real page sizes.
 */
function withPageSizes(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): DocumentNode {
  const declared = new Map(operation.variableDefinitions?.map((d) => [d.variable.name.value, d.defaultValue]));
  const valueOf = (node: ValueNode | undefined): unknown => {
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind === Kind.VARIABLE) {
      const name = node.name.value;
      return name in variables ? variables[name] : valueOf(declared.get(name));
    }
    return undefined;
  };
  const typeInfo = new TypeInfo(schema);
  const definitions = [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)];
  return visit(
    { kind: Kind.DOCUMENT, definitions },
    visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        if (!typeInfo.getFieldDef()?.args.some((a) => a.name === "first")) return undefined;
        // A backward page (`last`) costs what a forward one of the same size does.
        const sizes = (node.arguments ?? []).filter((a) => PAGE_SIZE_ARGS.includes(a.name.value));
        const given = sizes.find((a) => typeof valueOf(a.value) === "number") ?? sizes[0];
        const value = valueOf(given?.value);
        // A value of the wrong type is left to Apollo's variable coercion, which refuses it.
        const size = pageSize(typeof value === "number" ? value : undefined, given?.name.value === "last" ? "last" : "first", given ?? node);
        const first: ArgumentNode = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: "first" }, value: { kind: Kind.INT, value: String(size) } };
        return { ...node, arguments: [...(node.arguments ?? []).filter((a) => !sizes.includes(a)), first] };
      },
    }),
  );
}

function pageSize(value: number | undefined, name: "first" | "last", at: ArgumentNode | FieldNode): number {
  try {
    return checkedPageSize(value, name);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new GraphQLError(error.message, { nodes: at, extensions: { ...error.extensions, http: REFUSED } });
  }
}
