/**
 * One DataLoader shape for every to-many connection field (Partner.resellers,
 * Customer.subscriptions, …): all parents asked for in one tick are answered by one
 * query per distinct filter, never one per parent. A lone parent pages in SQL
 * (OFFSET/LIMIT plus a COUNT); a batch of parents reads their rows at once and pages in
 * memory — a fixed number of statements however many parents.
 */
import DataLoader from "dataloader";
import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { ConnectionShape } from "./graphql-types";
import { Page, sliceToConnection, toConnection } from "./pagination";

export interface ConnectionKey<A> {
  parentId: string;
  args: A;
  page: Page;
}

export interface ConnectionSource<A, R> {
  /** Groups keys that share a filter; must cover every field of `args`. */
  argsKey: (args: A) => string;
  /** One parent: the page, in the list's order, and the total. */
  fetchPage: (parentId: string, args: A, page: Page) => Promise<{ rows: R[]; total: number }>;
  /** Many parents: every matching row of all of them, in the list's order. */
  fetchAll: (parentIds: string[], args: A) => Promise<R[]>;
  /** The parents (of those asked) a row belongs to. */
  parentsOf: (row: R) => string[];
}

export function connectionLoader<A, R>(source: ConnectionSource<A, R>) {
  return new DataLoader<ConnectionKey<A>, ConnectionShape<R>, string>(
    async (keys) => {
      const groups = new Map<string, ConnectionKey<A>[]>();
      for (const key of keys) {
        const group = source.argsKey(key.args);
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const answers = new Map<ConnectionKey<A>, ConnectionShape<R>>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const parents = [...new Set(group.map((k) => k.parentId))];
          if (parents.length === 1) {
            await Promise.all(
              group.map(async (key) => {
                const { rows, total } = await source.fetchPage(key.parentId, key.args, key.page);
                answers.set(key, toConnection(rows, total, key.page));
              }),
            );
            return;
          }
          const rows = await source.fetchAll(parents, group[0].args);
          const byParent = new Map<string, R[]>(parents.map((p) => [p, []]));
          for (const row of rows) for (const parent of source.parentsOf(row)) byParent.get(parent)?.push(row);
          for (const key of group) answers.set(key, sliceToConnection(byParent.get(key.parentId) ?? [], key.page));
        }),
      );
      return keys.map((k) => answers.get(k)!);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${source.argsKey(k.args)}|${k.page.offset}|${k.page.limit}` },
  );
}

/**
 * One page and the total of a query in ONE statement (`COUNT(*) OVER ()` beside the rows),
 * where getManyAndCount runs two: so a lone parent costs what a batch of parents costs, and
 * a dashboard's statement count does not depend on its page sizes. Only an empty page past
 * the end, or `first: 0` (no row to carry the total), asks for the count separately.
 */
export async function pageWithTotal<R extends ObjectLiteral>(qb: SelectQueryBuilder<R>, page: Page): Promise<{ rows: R[]; total: number }> {
  const { entities, raw } = await qb.clone().addSelect("COUNT(*) OVER ()", "page_total").offset(page.offset).limit(page.limit).getRawAndEntities();
  if (raw.length) return { rows: entities, total: Number(raw[0].page_total) };
  // No row: at the start of a non-empty page that means none at all; past the end or with `first: 0` it says nothing.
  return { rows: [], total: page.offset === 0 && page.limit > 0 ? 0 : await qb.getCount() };
}

/** A DataLoader of rows by id: one `WHERE id IN (…)` per tick. */
export function byIdLoader<R extends { id: string }>(fetch: (ids: string[]) => Promise<R[]>) {
  return new DataLoader<string, R | null>(async (ids) => {
    const rows = await fetch([...ids]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
