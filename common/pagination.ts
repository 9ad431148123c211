/**
 * Relay paging: `first` (default 20, at most 100) and an opaque `after` cursor. Cursors
 * encode a position in a stable order (each list sorts by a fixed key ending in `id`).
 */
import { badInput } from "./errors";
import type { ConnectionShape } from "./graphql-types";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Page {
  offset: number;
  limit: number;
}

const encodeCursor = (position: number) => Buffer.from(`csp:${position}`).toString("base64url");

function decodeCursor(cursor: string): number {
  const raw = Buffer.from(cursor, "base64url").toString();
  const match = /^csp:(\d{1,9})$/.exec(raw);
  if (!match) throw badInput("after", "is not a cursor returned by this API.");
  return Number(match[1]);
}

export function toPage(first: number | null | undefined, after: string | null | undefined): Page {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw badInput("first", `must be between 0 and ${MAX_PAGE_SIZE}.`);
  }
  return { offset: after ? decodeCursor(after) + 1 : 0, limit };
}

/** `rows` is the page itself (already offset and limited); `total` counts every match. */
export function toConnection<T>(rows: T[], total: number, page: Page): ConnectionShape<T> {
  const edges = rows.map((node, i) => ({ cursor: encodeCursor(page.offset + i), node }));
  return {
    edges,
    nodes: rows,
    pageInfo: {
      hasNextPage: page.offset + rows.length < total,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
    },
    totalCount: total,
  };
}

/** Slices an already sorted, complete list (used when a batch loaded whole lists). */
export function sliceToConnection<T>(all: T[], page: Page): ConnectionShape<T> {
  return toConnection(all.slice(page.offset, page.offset + page.limit), all.length, page);
}
