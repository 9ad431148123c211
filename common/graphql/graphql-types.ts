/** GraphQL building blocks every subgraph uses: the DateTime scalar and Relay connections. */
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { ArgsType, ClassType, Directive, Field, Int, ObjectType } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs } from "../storage/pagination";

function toDate(value: unknown): Date {
  const d = typeof value === "string" ? new Date(value) : value instanceof Date ? value : undefined;
  if (!d || Number.isNaN(d.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string.");
  return d;
}

export const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  description: "An instant, as an ISO-8601 string in UTC.",
  serialize: (value) => toDate(value).toISOString(),
  parseValue: (value) => toDate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be an ISO-8601 string.");
    return toDate(ast.value);
  },
});

@Directive("@shareable")
@ObjectType({ description: "Where a page of a connection starts and ends, and whether more follows either way (Relay)." })
export class PageInfo {
  @Field({ description: "True when another page follows this one." })
  hasNextPage!: boolean;

  @Field({ description: "True when another page comes before this one." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first edge; pass it as `before` for the previous page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "Cursor of the last edge; pass it as `after` for the next page." })
  endCursor!: string | null;
}

/** The four paging arguments every connection field takes (Relay); `@Args(() => PageArgsType)` beside the field's own `@Arg`s. */
@ArgsType()
export class PageArgsType implements PageArgs {
  @Field(() => Int, { nullable: true, description: `Forward page size: default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Cursor to continue after (forward)." })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Backward page size: at most ${MAX_PAGE_SIZE}; not with \`first\`.` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: "Cursor to continue before (backward)." })
  before?: string | null;
}


export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * Builds `<Name>Edge` and `<Name>Connection` for a node type, as the contract names them.
 * `shareable` when more than one subgraph defines the same connection (federation needs it).
 */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string, what: string, options: { shareable?: boolean } = {}) {
  const shareable: ClassDecorator = options.shareable ? Directive("@shareable") : () => undefined;

  @shareable
  @ObjectType(`${name}Edge`, { description: `One ${what} in a page, with its cursor.` })
  class Edge {
    @Field({ description: "Opaque position of this edge; pass it as `after` (or `before`) to continue from here." })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${what}.` })
    node!: T;
  }

  @shareable
  @ObjectType(`${name}Connection`, { description: `A page of ${what}s (Relay connection), in a stable order.` })
  class Connection implements ConnectionShape<T> {
    @Field(() => [Edge], { description: "The page's edges, each with its cursor." })
    edges!: Edge[];

    @Field(() => [nodeType], { description: `The page's ${what}s, without cursors.` })
    nodes!: T[];

    @Field(() => PageInfo, { description: "Paging information." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: `How many ${what}s match in all pages, as the viewer may see them.` })
    totalCount!: number;
  }
  return Connection;
}
