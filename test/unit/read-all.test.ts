/**
 * readAll (common/storage/db.ts): independent reads run together on the pool, one after
 * another in a transaction, whose single connection would only queue them (pg deprecates
 * overlapping queries on one client).
 */
import type { EntityManager } from "typeorm";
import { readAll } from "../../common/storage/db";

function reads(log: string[]) {
  let inFlight = 0;
  let most = 0;
  const read = (name: string, value: number) => async () => {
    inFlight++;
    most = Math.max(most, inFlight);
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    log.push(`end ${name}`);
    return value;
  };
  return { list: [read("a", 1), read("b", 2), read("c", 3)] as const, most: () => most };
}

describe("readAll", () => {
  it("Storage: inside a transaction the reads go one after another, in order, on its one connection", async () => {
    const log: string[] = [];
    const r = reads(log);
    const inTransaction = { queryRunner: {} } as unknown as EntityManager;
    expect(await readAll(inTransaction, r.list)).toEqual([1, 2, 3]);
    expect(r.most()).toBe(1);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("Storage: on the pool the reads run at once, each answer in its place", async () => {
    const r = reads([]);
    const onPool = { queryRunner: undefined } as unknown as EntityManager;
    expect(await readAll(onPool, r.list)).toEqual([1, 2, 3]);
    expect(r.most()).toBe(3);
  });
});
