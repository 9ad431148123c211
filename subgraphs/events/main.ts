/** Entry point: the events subgraph as its own process (`npm run start:events`). */
import "reflect-metadata";
import { readConfig } from "../../common/config";
import { runService } from "../../common/service-main";
import { buildEventsServer } from "./server";

runService("events subgraph", readConfig().port("events"), () => buildEventsServer());
