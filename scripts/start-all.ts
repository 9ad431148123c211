/**
 * `npm start`: the three subgraphs and the gateway in one process (each also starts alone:
 * `npm run start:<name>`). Creates the SQLite databases under DATA_DIR (or uses
 * DATABASE_URL), loads demo data into an empty database (SEED=demo, the default), and prints
 * the gateway URL, ready-to-paste tokens, and one line containing `ready`.
 */
import "reflect-metadata";
import { assertProductionSafe, readConfig } from "../common/service/config";
import { signDevToken } from "../common/identity/identity";
import { logger } from "../common/observability/logger";
import { stopOnSignals } from "../common/service/service-main";
import { startTelemetry } from "../common/observability/telemetry";
import { PeerDirectory, SubgraphServer } from "../common/service/subgraph-server";
import { buildGateway } from "../gateway/server";
import { perSubgraph, SUBGRAPH_NAMES, SubgraphName } from "../subgraphs/registry";
import { SUBGRAPH_CODE } from "../subgraphs/servers";
import { DEMO, demoClaims, ensureDemoWebhook, isSeeded, seedDemo } from "./demo";
import { DemoWebhookReceiver, startDemoWebhookReceiver } from "./demo-webhook-receiver";

async function main() {
  const started = Date.now();
  const config = readConfig();
  startTelemetry("csp-graph", { config });
  assertProductionSafe(config);
  const peers: PeerDirectory = perSubgraph(() => "");
  const subgraphs = {} as Record<SubgraphName, SubgraphServer>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await SUBGRAPH_CODE[name].buildServer({ config, peers });
  for (const name of SUBGRAPH_NAMES) peers[name] = (await subgraphs[name].start(config.port(name))).url;
  const devTokens = !config.production && !config.jwtPublicKey && !config.jwksUrl;
  const claims = demoClaims();
  const sign = (c: (typeof claims)[string]) => signDevToken(c, config.jwtSecret, "12h");
  const gateway = buildGateway({ config, subgraphUrls: peers, sandboxToken: devTokens ? await sign(claims.contosoAdmin) : undefined });
  const running = await gateway.start(config.port("gateway"));
  let webhookReceiver: DemoWebhookReceiver | undefined;
  stopOnSignals(async () => {
    await webhookReceiver?.close();
    await gateway.stop();
    for (const name of SUBGRAPH_NAMES) await subgraphs[name].stop();
  });

  let requestCode: string | undefined;
  if (config.seed === "demo" && devTokens) {
    // The demo data's requests are start-up work, not the developer's: their request lines
    // (a hundred on the first start) would bury the banner below. Warnings and errors still show.
    const level = logger.level;
    if (logger.isLevelEnabled("info")) logger.level = "warn";
    try {
      if (!(await isSeeded(running.url, config.jwtSecret))) {
        requestCode = (await seedDemo(running.url, config.jwtSecret)).requestCode;
        console.log("Loaded demo data.");
      }
      // A receiver in this process for the demo's webhook endpoint (EV4), so an event shows up in these logs.
      // Its port taken is no reason not to start: the API works without it.
      try {
        webhookReceiver = await startDemoWebhookReceiver(Number(process.env.DEMO_WEBHOOK_PORT ?? 4090), config.host);
        webhookReceiver.setSecret(await ensureDemoWebhook(running.url, webhookReceiver.url, config.jwtSecret));
      } catch (error) {
        logger.warn(`demo webhook receiver not started: ${error instanceof Error ? error.message : error}`);
        await webhookReceiver?.close();
        webhookReceiver = undefined;
      }
    } finally {
      logger.level = level;
    }
  }
  const base = running.url.replace(/\/graphql$/, "");
  console.log(`\ncsp-graph gateway: ${running.url}  (Apollo Sandbox: open ${base}/ in a browser)`);
  for (const name of SUBGRAPH_NAMES) console.log(`  ${name} subgraph: ${peers[name]}`);
  if (devTokens) {
    console.log("\nDevelopment tokens (valid 12 h; paste as  Authorization: Bearer <token>):");
    const labels: Record<string, string> = {
      operator: "operator (OPERATOR)",
      contosoAdmin: `${DEMO.contoso.name}, indirect provider (GLOBAL_ADMIN)`,
      fabrikamAdmin: `${DEMO.fabrikam.name}, indirect reseller of two providers (GLOBAL_ADMIN)`,
      northwindAdmin: `${DEMO.northwind.name}, indirect provider (GLOBAL_ADMIN)`,
      adventureAdmin: `${DEMO.adventure.name}, direct-bill partner (GLOBAL_ADMIN)`,
      wideWorldAdmin: `${DEMO.wideWorld.companyName}, customer (GLOBAL_ADMIN)`,
    };
    for (const [key, c] of Object.entries(claims)) console.log(`\n# ${labels[key]}\n${await sign(c)}`);
    if (requestCode) console.log(`\nOpen relationship request from ${DEMO.adventure.name}: code ${requestCode}`);
    if (webhookReceiver)
      console.log(`\nWebhooks: ${DEMO.adventure.name}'s endpoint is this process's receiver at ${webhookReceiver.url}; run PlaceOrder and a line "demo webhook receiver: ORDER_PLACED … (signature verified)" follows.`);
    console.log("\nMore tokens: npm run token -- --org partner --tid <id> --roles ADMIN_AGENT");
  }
  console.log(`\ncsp-graph ready in ${Date.now() - started} ms at ${running.url}`);
}

main().catch((error) => {
  console.error(`csp-graph failed to start: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
