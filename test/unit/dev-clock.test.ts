/** I5: how the gateway moves the clocks of a stack whose services each keep their own (gateway/dev-clock.ts). */
import { GraphQLError } from "graphql";
import { ClockReading } from "../../common/time/clock";
import { readConfig } from "../../common/service/config";
import { devClockResolvers } from "../../common/time/dev-clock";
import { DomainError } from "../../common/errors/errors";
import { advanceSecondsOf, MAX_ADVANCE_SECONDS, moveStackClock, ServiceClock } from "../../gateway/dev-clock";

/** A service with a clock of its own, `offsetMs` ahead of real time; `down` makes it unreachable. */
function service(name: string, offsetMs: number, down = false) {
  const state = { offsetMs, sets: [] as number[] };
  const reading = (): ClockReading => ({ now: new Date(Date.UTC(2030, 0, 1) + state.offsetMs).toISOString(), offsetMs: state.offsetMs });
  const unreachable = () => new DomainError("DEPENDENCY_UNAVAILABLE", `The ${name} subgraph's clock could not be reached.`);
  const clock: ServiceClock = {
    name,
    read: async () => {
      if (down) throw unreachable();
      return reading();
    },
    set: async (ms) => {
      if (down) throw unreachable();
      state.sets.push(ms);
      state.offsetMs = ms;
      return reading();
    },
  };
  return { clock, state };
}

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions;
  }
  throw new Error("no refusal");
};

describe("the stack's development clock", () => {
  it("I5: a move sets every service to one offset: the furthest-ahead service's plus N (a restarted service catches up; time never goes back)", async () => {
    const services = [service("gateway", 0), service("partners", 5000), service("customers", 0), service("subscriptions", 5000)];
    const view = await moveStackClock(services.map((s) => s.clock), 60);
    for (const s of services) expect(s.state.sets).toEqual([65_000]);
    expect(view).toMatchObject({ offsetSeconds: 65, inSync: true });
    expect(Object.keys(view.services)).toEqual(["gateway", "partners", "customers", "subscriptions"]);
  });

  it("I5: reading moves nothing and tells whether the services are in step; advanceSeconds 0 aligns them on the latest", async () => {
    const services = [service("gateway", 0), service("partners", 7000)];
    const read = await moveStackClock(services.map((s) => s.clock), null);
    expect(read).toMatchObject({ offsetSeconds: 7, inSync: false, services: { gateway: { offsetSeconds: 0 }, partners: { offsetSeconds: 7 } } });
    expect(services.every((s) => s.state.sets.length === 0)).toBe(true);
    expect(await moveStackClock(services.map((s) => s.clock), 0)).toMatchObject({ offsetSeconds: 7, inSync: true });
  });

  it("I5: with a subgraph unreachable the move fails with DEPENDENCY_UNAVAILABLE before any clock is set", async () => {
    const services = [service("gateway", 0), service("partners", 0), service("customers", 0, true)];
    await expect(moveStackClock(services.map((s) => s.clock), 60)).rejects.toMatchObject({ extensions: { code: "DEPENDENCY_UNAVAILABLE" } });
    expect(services.every((s) => s.state.sets.length === 0)).toBe(true);
  });

  it("I5: advanceSeconds is a whole number of seconds from 0 to a century, alone in a JSON object", () => {
    expect(advanceSecondsOf('{"advanceSeconds": 0}')).toBe(0);
    expect(advanceSecondsOf(`{"advanceSeconds": ${MAX_ADVANCE_SECONDS}}`)).toBe(MAX_ADVANCE_SECONDS);
    for (const [body, field] of [
      ['{"advanceSeconds": -1}', "advanceSeconds"],
      ['{"advanceSeconds": 2.5}', "advanceSeconds"],
      ['{"advanceSeconds": "1"}', "advanceSeconds"],
      [`{"advanceSeconds": ${MAX_ADVANCE_SECONDS + 1}}`, "advanceSeconds"],
      ['{"advanceSeconds": 1e400}', "advanceSeconds"],
      ['{"seconds": 1}', "seconds"],
      ["null", "body"],
      ["", "body"],
    ]) {
      expect(fieldOf(() => advanceSecondsOf(body))).toEqual({ code: "BAD_USER_INPUT", field });
    }
    expect(fieldOf(() => advanceSecondsOf(undefined))).toEqual({ code: "BAD_USER_INPUT", field: "body" });
  });

  it("I5: subgraphs serve their clock outside production only", () => {
    expect(devClockResolvers(readConfig({ NODE_ENV: "development" }))).toHaveLength(1);
    expect(devClockResolvers(readConfig({ NODE_ENV: "production" }))).toEqual([]);
  });
});
