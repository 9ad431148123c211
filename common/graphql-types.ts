/** GraphQL building blocks every subgraph uses: the DateTime scalar and Relay connections. */
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { ClassType, Directive, Field, Int, ObjectType } from "type-graphql";

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
@ObjectType({ description: "Where a page of a connection ends, and whether more follows." })
export class PageInfo {
  @Field({ description: "True when another page follows this one." })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last edge; pass it as `after` for the next page." })
  endCursor!: string | null;
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
    @Field({ description: "Opaque position of this edge; pass it as `after` to continue from here." })
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
