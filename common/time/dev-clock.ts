/**
 * I5: each subgraph's development clock, on its `/internal/graphql` (behind the subgraph
 * credential, like every internal call). The gateway's `POST /dev/clock` reads and sets it
 * on every subgraph so that the whole stack shares one time; in production it does not exist.
 */
import { Arg, Field, Float, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { clock, readClock } from "./clock";
import type { Config } from "../service/config";
import { badInput } from "../errors/errors";

@ObjectType("DevClockReading", { description: "A service's clock: the time its rules read, and how far ahead of real time it runs." })
export class DevClockReading {
  @Field({ description: "The time the service's rules read (ISO-8601)." }) now!: string;
  @Field(() => Float, { description: "Milliseconds ahead of the real clock." }) offsetMs!: number;
}

@Resolver()
export class DevClockResolver {
  @Query(() => DevClockReading, { description: "This service's clock." })
  devClock(): DevClockReading {
    return readClock();
  }

  @Mutation(() => DevClockReading, { description: "Runs this service's clock `offsetMs` ahead of real time (set, not added, so a repeated call moves nothing)." })
  setDevClockOffset(@Arg("offsetMs", () => Float, { description: "Milliseconds ahead of real time; not negative." }) offsetMs: number): DevClockReading {
    if (!Number.isFinite(offsetMs) || offsetMs < 0) throw badInput("offsetMs", "must be a non-negative number of milliseconds.");
    clock.setOffset(offsetMs);
    return readClock();
  }
}

/** The resolvers a subgraph adds to its internal schema: none in production. */
export const devClockResolvers = (config: Config): Function[] => (config.production ? [] : [DevClockResolver]);
