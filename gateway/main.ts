/** Entry point: the gateway as its own process (`npm run start:gateway`). */
import "reflect-metadata";
import { readConfig } from "../common/config";
import { runService } from "../common/service-main";
import { buildGateway } from "./server";

runService("gateway", readConfig().port("gateway"), async () => buildGateway());
