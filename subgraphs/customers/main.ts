/** Entry point: the customers subgraph as its own process (`npm run start:customers`). */
import "reflect-metadata";
import { readConfig } from "../../common/service/config";
import { runService } from "../../common/service/service-main";
import { buildCustomersServer } from "./server";

runService("customers subgraph", readConfig().port("customers"), () => buildCustomersServer());
