/** Runs one service as its own process: listen on its port, and shut down cleanly on SIGTERM/SIGINT. */
import { assertProductionSafe, readConfig } from "./config";
import type { RunningHttpService } from "../http/http";
import { describeError, logger } from "../observability/logger";
import { startTelemetry, stopTelemetry } from "../observability/telemetry";

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
    logger.info({ signal }, "shutting down");
    // Buffered spans are sent before exit, whether or not the stop went well.
    const stopped = stop();
    stopped.finally(stopTelemetry).then(
      () => process.exit(0),
      (error) => {
        logger.error({ error: describeError(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
}

export async function runService(name: string, port: number, build: () => Promise<Startable>): Promise<void> {
  try {
    startTelemetry(name);
    assertProductionSafe(readConfig());
    const service = await build();
    const running = await service.start(port);
    logger.info({ service: name, url: running.url }, `${name} ready`);
    stopOnSignals(() => service.stop());
  } catch (error) {
    logger.fatal({ service: name, error: describeError(error) }, `${name} failed to start`);
    process.exit(1);
  }
}
