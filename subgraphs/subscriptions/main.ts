/** Entry point: the subscriptions subgraph as its own process (`npm run start:subscriptions`). */
import "reflect-metadata";
import { readConfig } from "../../common/service/config";
import { runService } from "../../common/service/service-main";
import { buildSubscriptionsServer } from "./server";

runService("subscriptions subgraph", readConfig().port("subscriptions"), () => buildSubscriptionsServer());
