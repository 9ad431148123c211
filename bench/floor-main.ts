/**
 * The floor as its own process, started by bench/floor.ts with the gateway's node flags and
 * the stack's environment: listens on any free port and names it in its `floor ready` line,
 * with a second port for its SQL statement counter (behind the subgraph credential, like
 * each subgraph's /metrics).
 */
import "reflect-metadata";
import { readConfig } from "../common/service/config";
import { createHttpService, listen } from "../common/http/http";
import { describeError, logger } from "../common/observability/logger";
import { stopOnSignals } from "../common/service/service-main";
import { SUBGRAPH_SECRET_HEADER } from "../common/service/subgraph-server";
import { buildFloorServer } from "./floor-server";

async function main() {
  const config = readConfig();
  const floor = await buildFloorServer(config);
  const running = await floor.start(0);
  const metrics = createHttpService({
    name: "floor",
    routes: {},
    health: async () => true,
    metrics: (req) =>
      req.headers[SUBGRAPH_SECRET_HEADER] === config.subgraphSecret
        ? Object.entries(floor.statements()).map(([name, count]) => `csp_sql_statements_total{subgraph="${name}"} ${count}`).join("\n") + "\n"
        : undefined,
  });
  const metricsRunning = await listen(metrics, 0, config.host, 1_000);
  logger.info({ service: "floor", url: running.url, metricsUrl: `http://${config.host}:${metricsRunning.port}/metrics` }, "floor ready");
  stopOnSignals(async () => {
    await metricsRunning.close();
    await floor.stop();
  });
}

main().catch((error) => {
  logger.fatal({ service: "floor", error: describeError(error) }, "floor failed to start");
  process.exit(1);
});
