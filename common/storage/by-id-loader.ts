/** The DataLoader behind every reference and look-up by id: one `WHERE id IN (…)` per tick. */
import DataLoader from "dataloader";

export function byIdLoader<R extends { id: string }>(fetch: (ids: string[]) => Promise<R[]>) {
  return new DataLoader<string, R | null>(async (ids) => {
    const rows = await fetch([...ids]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
