/** Entry point: the gateway as its own process (`npm run start:gateway`). */
import "reflect-metadata";
import { readConfig } from "../common/service/config";
import { runService } from "../common/service/service-main";
import { buildGateway } from "./server";

runService("gateway", readConfig().port("gateway"), async () => buildGateway());
