/**
 * Keyset paging for every connection (L1, L2). A cursor is the position of a row in its
 * list's fixed order (the values of the order's columns, ending in `id`), bound by a checksum
 * to the list that made it (field, viewer, parent, filters): a list walked page by page while
 * rows come and go never shows a row twice and never skips one that stayed, and a cursor of
 * another list, or an edited one, is refused on the argument that carried it.
 *
 * One statement answers all the parents of a batch (a dashboard's fifty customers): a
 * UNION ALL of one member per parent, each `ORDER BY … LIMIT page + 1` on its own, so it
 * reads what its page holds (plus one row to tell whether more follow) however many rows
 * the parent has. The far side of a cursor costs one more row: a LIMIT 1 member looking
 * back from it, so `hasPreviousPage` (forward) and `hasNextPage` (backward) are exact too.
 * `totalCount` is a second statement, run only when a page asked for it: one COUNT member
 * per parent over the list's filters.
 *
 * A list whose rows belong to a parent in several ways (a partner's subscriptions through
 * three columns) is several parts, each read in its own index's order up to the page, merged
 * per parent by UNION: every row of the true first page is among the first page + 1 of its
 * part, so the merge's first page + 1 is exact.
 */
import { createHash } from "node:crypto";
import DataLoader from "dataloader";
import type { DataSource, EntityTarget, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { badInput } from "../errors/errors";
import type { ConnectionShape } from "../graphql/graphql-types";
import { PageArgs, pageSize } from "./pagination";

/** What a connection field's paging arguments ask for, before the cursors are read against their list. */
export interface PageRequest {
  backward: boolean;
  limit: number;
  after: string | null;
  before: string | null;
}

/** Checks sizes and `first` with `last`; cursors are checked by the list they claim to belong to. */
export function toPageRequest(args: PageArgs = {}): PageRequest {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw badInput("last", "cannot be given with `first`: page forward or backward, not both.");
  const backward = last != null || (before != null && first == null && after == null);
  return {
    backward,
    limit: backward ? pageSize(last, "last") : pageSize(first, "first"),
    after: after ?? null,
    before: before ?? null,
  };
}

/** A list in keyset order: what the connection loader needs to know of it. */
export interface KeysetList<A, R extends ObjectLiteral> {
  /** Names the list in its cursors, e.g. `Customer.subscriptions`. */
  name: string;
  entity: EntityTarget<R>;
  /** The alias `rows` gives the entity. */
  alias: string;
  /** The fixed order: entity properties, the last one `id` (ascending, or all descending). */
  order: readonly (keyof R & string)[];
  descending?: boolean;
  /**
   * What the parts compare and sort by, when not the entity's own columns: a copy of the same
   * values in a joined table whose index is in the list's order (default `alias.prop`).
   */
  orderPaths?: readonly string[];
  /** What tells two lists of one parent apart: their filters (never the columns read). */
  filterKey: (args: A) => string;
  /** What tells two batches apart: filters and the columns read (one statement per distinct key). */
  batchKey?: (args: A) => string;
  /**
   * The rows of the parent's list the viewer may see, filtered, in any order, unlimited.
   * Parameters that differ between parents must have names ending in `tag`. Several
   * queries (parts) when no one index gives the list's order (a row may be in more than one):
   * each is read in its index's order, and their union is the list.
   */
  rows: (parentId: string, args: A, tag: string) => Rows<R> | Promise<Rows<R>>;
  /**
   * For `totalCount`, when the rows can be counted more cheaply than `rows` reads them (from a
   * link table's index alone): a scalar SQL expression of the count, with its named
   * parameters; null to count `rows`.
   */
  count?: (parentId: string, args: A, tag: string) => ScalarSql | null | Promise<ScalarSql | null>;
}

/** An SQL expression with its named parameters. */
export interface ScalarSql {
  sql: string;
  parameters: ObjectLiteral;
}

type Rows<R extends ObjectLiteral> = SelectQueryBuilder<R> | SelectQueryBuilder<R>[];

export interface ListKey<A> {
  parentId: string;
  args: A;
  page: PageRequest;
  /** Whether the page's selection asks for `totalCount` (counted only then). */
  withTotal: boolean;
}

const CURSOR_FIELDS = { after: "after", before: "before" } as const;

function checksum(identity: string, payload: string): string {
  return createHash("sha256").update(identity).update("\n").update(payload).digest("base64url").slice(0, 16);
}

function encodeCursor(identity: string, values: readonly unknown[]): string {
  const payload = Buffer.from(JSON.stringify(values)).toString("base64url");
  return `${payload}.${checksum(identity, payload)}`;
}

function decodeCursor(identity: string, cursor: string, field: keyof typeof CURSOR_FIELDS, arity: number): unknown[] {
  const refuse = () => badInput(CURSOR_FIELDS[field], "is not a cursor of this list: pass a cursor this list returned, with the same filters.");
  const [payload, sum, extra] = cursor.split(".");
  if (extra !== undefined || !payload || !sum || cursor.length > 2000 || sum !== checksum(identity, payload)) throw refuse();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(payload, "base64url").toString());
  } catch {
    throw refuse();
  }
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => typeof v === "string" || typeof v === "number")) throw refuse();
  return values;
}

/** A row's position as its cursor holds it: instants as the ISO text the database keeps. */
const positionOf = <R extends ObjectLiteral>(row: R, order: readonly string[]) =>
  order.map((prop) => (row[prop] instanceof Date ? (row[prop] as Date).toISOString() : row[prop]));

/** The empty page of a list the viewer may not look into at all. */
export function emptyConnection<T>(): ConnectionShape<T> {
  return { edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
}

const MEMBER = "keyset_member";
/** A member of a batch's UNION ALL, as SQL with named parameters. */
interface Member {
  sql: string;
  parameters: ObjectLiteral;
}
const mergedParameters = (qbs: SelectQueryBuilder<ObjectLiteral>[]) => Object.assign({}, ...qbs.map((qb) => qb.getParameters()));
/** Members of one batch's UNION: a page, or the one-row look behind a cursor. */
type MemberKind = "page" | "behind";

export function keysetLoader<A, R extends ObjectLiteral>(ds: DataSource, list: KeysetList<A, R>, viewerScope: string) {
  const meta = ds.getMetadata(list.entity);
  const columnOf = (prop: string) => {
    const column = meta.findColumnWithPropertyName(prop);
    if (!column) throw new Error(`${list.name}: no column for ${prop}`);
    return column;
  };
  const orderColumns = list.order.map(columnOf);
  const orderPaths = list.orderPaths ?? orderColumns.map((c) => `${list.alias}.${c.propertyName}`);
  const escape = (name: string) => ds.driver.escape(name);
  const identityOf = (key: ListKey<A>) => JSON.stringify([list.name, viewerScope, key.parentId, list.filterKey(key.args)]);
  const batchKey = list.batchKey ?? list.filterKey;

  /** `(a, b, id) > (:p0, :p1, :p2)` in the list's order, `<` against it; row values work on both dialects. */
  const beyond = (qb: SelectQueryBuilder<R>, values: unknown[], ahead: boolean, inclusive: boolean, tag: string) => {
    const ascending = ahead !== !!list.descending;
    const names = values.map((_, i) => `${tag}_${i}`);
    const lhs = orderPaths.join(", ");
    const rhs = names.map((n) => `:${n}`).join(", ");
    qb.andWhere(`(${lhs}) ${ascending ? ">" : "<"}${inclusive ? "=" : ""} (${rhs})`, Object.fromEntries(names.map((n, i) => [n, values[i]])));
  };

  const orderBy = (qb: SelectQueryBuilder<R>, ahead: boolean) => {
    const direction = ahead !== !!list.descending ? "ASC" : "DESC";
    qb.orderBy();
    for (const path of orderPaths) qb.addOrderBy(path, direction);
  };

  /** The order's columns are read even when the list reads only some columns: the outer ORDER BY and the cursors need them. */
  const withOrderColumns = (qb: SelectQueryBuilder<R>) => {
    const selected = new Set(qb.expressionMap.selects.map((s) => s.selection));
    if (!selected.has(list.alias)) for (const c of orderColumns) if (!selected.has(`${list.alias}.${c.propertyName}`)) qb.addSelect(`${list.alias}.${c.propertyName}`);
    return qb;
  };

  const hydrate = (raw: ObjectLiteral): R => {
    const entity = meta.create() as R;
    for (const column of meta.columns) {
      const name = `${list.alias}_${column.databaseName}`;
      if (name in raw) column.setEntityValue(entity, ds.driver.prepareHydratedValue(raw[name], column));
    }
    return entity;
  };

  /** The list's sub-queries for one parent (most lists have one). */
  const partsOf = async (key: ListKey<A>, tag: string): Promise<SelectQueryBuilder<R>[]> => {
    const got = await list.rows(key.parentId, key.args, tag);
    return Array.isArray(got) ? got : [got];
  };

  /**
   * One member of a batch: the parent's rows from `cursor` on, in the walk's direction, at most
   * `limit`. A list of several parts reads each part in index order up to `limit`, and the
   * member keeps the first `limit` of their union (UNION: a row in two parts counts once).
   */
  const member = (parts: SelectQueryBuilder<R>[], label: string, ahead: boolean, limit: number, bounds: (qb: SelectQueryBuilder<R>) => void): Member => {
    for (const qb of parts) {
      withOrderColumns(qb);
      bounds(qb);
      orderBy(qb, ahead);
      qb.addSelect(`'${label}'`, MEMBER).limit(limit);
    }
    if (parts.length === 1) return { sql: parts[0].getQuery(), parameters: parts[0].getParameters() };
    const direction = ahead !== !!list.descending ? "ASC" : "DESC";
    const order = orderColumns.map((c) => `${escape(`${list.alias}_${c.databaseName}`)} ${direction}`).join(", ");
    const union = parts.map((qb, i) => `SELECT * FROM (${qb.getQuery()}) ${escape(`p${i}`)}`).join(" UNION ");
    return { sql: `SELECT * FROM (${union}) ${escape("u")} ORDER BY ${order} LIMIT ${limit}`, parameters: mergedParameters(parts) };
  };

  async function pages(keys: readonly ListKey<A>[]): Promise<(ConnectionShape<R> | Error)[]> {
    const answers: (ConnectionShape<R> | Error)[] = new Array(keys.length);
    const members: { index: number; kind: MemberKind; member: Member }[] = [];
    // Built concurrently: a list's per-parent look-ups (its DataLoaders) then batch across parents.
    await Promise.all(
      keys.map(async (key, index) => {
        try {
          const identity = identityOf(key);
          const { page } = key;
          const after = page.after != null ? decodeCursor(identity, page.after, "after", orderColumns.length) : null;
          const before = page.before != null ? decodeCursor(identity, page.before, "before", orderColumns.length) : null;
          const tag = `k${index}`;
          const bounds = (qb: SelectQueryBuilder<R>) => {
            if (after) beyond(qb, after, true, false, `${tag}_after`);
            if (before) beyond(qb, before, false, false, `${tag}_before`);
          };
          members.push({ index, kind: "page", member: member(await partsOf(key, tag), `${index}/page`, !page.backward, page.limit + 1, bounds) });
          // The cursor on the far side of the walk: is anything left behind it?
          const behind = page.backward ? before : after;
          if (behind) {
            const look = (qb: SelectQueryBuilder<R>) => beyond(qb, behind, page.backward, true, `${tag}_behind`);
            members.push({ index, kind: "behind", member: member(await partsOf(key, tag), `${index}/behind`, page.backward, 1, look) });
          }
        } catch (error) {
          answers[index] = error as Error;
        }
      }),
    );
    if (!members.length) return answers;
    members.sort((x, y) => x.index - y.index || x.kind.localeCompare(y.kind));

    const order = orderColumns.map((c) => `${escape(`${list.alias}_${c.databaseName}`)} ${list.descending ? "DESC" : "ASC"}`).join(", ");
    const raw: ObjectLiteral[] = await run(
      members.map((m) => m.member),
      `ORDER BY ${escape(MEMBER)}, ${order}`,
    );
    const rowsOf = new Map<string, R[]>();
    for (const r of raw) {
      const label = String(r[MEMBER]);
      const rows = rowsOf.get(label) ?? [];
      if (!rows.length) rowsOf.set(label, rows);
      rows.push(hydrate(r));
    }
    const pending = members.filter((m) => m.kind === "page");
    const totals = await countTotals(keys, pending.map((m) => m.index));
    for (const { index } of pending) {
      const key = keys[index];
      const identity = identityOf(key);
      const fetched = rowsOf.get(`${index}/page`) ?? [];
      const more = fetched.length > key.page.limit;
      const rows = !more ? fetched : key.page.backward ? fetched.slice(1) : fetched.slice(0, key.page.limit);
      const behind = (rowsOf.get(`${index}/behind`) ?? []).length > 0;
      const edges = rows.map((node) => ({ cursor: encodeCursor(identity, positionOf(node, list.order)), node }));
      answers[index] = {
        edges,
        nodes: rows,
        pageInfo: {
          hasNextPage: key.page.backward ? behind : more,
          hasPreviousPage: key.page.backward ? more : behind,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: totals.get(index) ?? 0,
      };
    }
    return answers;
  }

  /** One COUNT member per parent that asked for `totalCount`, in one statement (distinct ids over a list's parts). */
  async function countTotals(keys: readonly ListKey<A>[], indexes: number[]): Promise<Map<number, number>> {
    const wanted = indexes.filter((i) => keys[i].withTotal);
    if (!wanted.length) return new Map();
    const counts = await Promise.all(
      wanted.map(async (index): Promise<Member> => {
        const key = keys[index];
        const own = list.count ? await list.count(key.parentId, key.args, `k${index}`) : null;
        if (own) return { sql: `SELECT ${own.sql} AS n, '${index}' AS ${escape(MEMBER)}`, parameters: own.parameters };
        const parts = await partsOf(key, `k${index}`);
        if (parts.length === 1) {
          const qb = parts[0].orderBy().select("COUNT(*)", "n").addSelect(`'${index}'`, MEMBER);
          return { sql: qb.getQuery(), parameters: qb.getParameters() };
        }
        const ids = parts.map((qb, i) => `SELECT * FROM (${qb.orderBy().select(`${list.alias}.id`, "keyset_id").getQuery()}) ${escape(`p${i}`)}`).join(" UNION ");
        return { sql: `SELECT COUNT(*) AS n, '${index}' AS ${escape(MEMBER)} FROM (${ids}) ${escape("u")}`, parameters: mergedParameters(parts) };
      }),
    );
    const raw = await run(counts, "");
    return new Map(raw.map((r) => [Number(r[MEMBER]), Number(r.n)]));
  }

  /** Runs the members as one UNION ALL statement; their parameters are merged (per-parent ones are tagged apart). */
  async function run(members: Member[], tail: string): Promise<ObjectLiteral[]> {
    const sql = members.map((m, i) => `SELECT * FROM (${m.sql}) ${escape(`m${i}`)}`).join(" UNION ALL ");
    const parameters = Object.assign({}, ...members.map((m) => m.parameters));
    const [query, bound] = ds.driver.escapeQueryWithParameters(`${sql} ${tail}`, parameters);
    return ds.query(query, bound);
  }

  return new DataLoader<ListKey<A>, ConnectionShape<R>, string>(
    async (keys) => {
      // One statement per distinct batch key (filters and columns read), however many parents.
      const groups = new Map<string, number[]>();
      for (const [i, key] of keys.entries()) groups.set(batchKey(key.args), [...(groups.get(batchKey(key.args)) ?? []), i]);
      const answers: (ConnectionShape<R> | Error)[] = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const results = await pages(indexes.map((i) => keys[i]));
          indexes.forEach((i, j) => (answers[i] = results[j]));
        }),
      );
      return answers;
    },
    {
      cacheKeyFn: (k) => JSON.stringify([k.parentId, batchKey(k.args), k.page, k.withTotal]),
    },
  );
}

/** One page of a list without a parent (a root field): the same statement shape as a batch of one. */
export function loadPage<A, R extends ObjectLiteral>(ds: DataSource, list: KeysetList<A, R>, viewerScope: string, key: Omit<ListKey<A>, "parentId">) {
  return keysetLoader(ds, list, viewerScope).load({ ...key, parentId: "" });
}

/** Whose list a cursor was made for: lists are what a viewer may see, so a cursor does not travel between organisations. */
export const viewerScope = (viewer: { org: string; tid?: string | null }) => `${viewer.org}:${viewer.tid ?? ""}`;
