/** Runs one service as its own process: listen on its port, and shut down cleanly on SIGTERM/SIGINT. */
import { assertProductionSafe, readConfig } from "./config";
import type { RunningHttpService } from "./http";

export interface Startable {
  start(port?: number): Promise<RunningHttpService>;
  stop(): Promise<void>;
}

/** Stops accepting, lets in-flight requests finish, then closes (the database with it). */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: "info", msg: `received ${signal}, shutting down` }));
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
}

export async function runService(name: string, port: number, build: () => Promise<Startable>): Promise<void> {
  try {
    assertProductionSafe(readConfig());
    const service = await build();
    const running = await service.start(port);
    console.log(JSON.stringify({ level: "info", msg: `${name} ready`, url: running.url }));
    stopOnSignals(() => service.stop());
  } catch (error) {
    console.error(`${name} failed to start: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
