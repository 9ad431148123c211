/**
 * Relay paging arguments, both ways: `first`/`after` forward, `last`/`before` backward
 * (default 20, at most 100). The gateway prices page sizes with `pageSize` before any
 * subgraph runs; the subgraphs page in keyset order (common/storage/keyset.ts).
 */
import { badInput } from "../errors/errors";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The four Relay paging arguments, as a connection field receives them. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A page size as asked (`first` or `last`), or the default; refused on its argument when outside 0..100. */
export function pageSize(value: number | null | undefined, field: "first" | "last"): number {
  const size = value ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) throw badInput(field, `must be between 0 and ${MAX_PAGE_SIZE}.`);
  return size;
}
