/**
 * How the gateway reads and sets a subgraph's development clock (I5), answered by every
 * subgraph's `/internal/graphql` outside production (common/time/dev-clock.ts). The documents are
 * declared here once, typed with the reading dev-clock.ts answers (only as a type: loading this
 * module loads no resolver).
 */
import type { DevClockReading } from "./dev-clock";
import { InternalClient, InternalDocument } from "../service/internal-client";

/** Both questions (test/unit/internal-documents.test.ts validates them against every subgraph's internal schema). */
export const DEV_CLOCK_DOCUMENTS = {
  devClock: new InternalDocument<{ devClock: DevClockReading }, Record<string, never>>("query { devClock { now offsetMs } }"),
  setDevClockOffset: new InternalDocument<{ setDevClockOffset: DevClockReading }, { offsetMs: number }>(
    "mutation($offsetMs: Float!) { setDevClockOffset(offsetMs: $offsetMs) { now offsetMs } }",
  ),
};

/** The service's clock; `what` names it when it does not answer. */
export async function readDevClock(service: InternalClient, what: string): Promise<DevClockReading> {
  return (await service.request(DEV_CLOCK_DOCUMENTS.devClock, {}, what)).devClock;
}

/** Runs the service's clock `offsetMs` ahead of real time, and answers its new reading. */
export async function setDevClockOffset(service: InternalClient, offsetMs: number, what: string): Promise<DevClockReading> {
  return (await service.request(DEV_CLOCK_DOCUMENTS.setDevClockOffset, { offsetMs }, what)).setDevClockOffset;
}
