/** Entry point: the partners subgraph as its own process (`npm run start:partners`). */
import "reflect-metadata";
import { readConfig } from "../../common/service/config";
import { runService } from "../../common/service/service-main";
import { buildPartnersServer } from "./server";

runService("partners subgraph", readConfig().port("partners"), () => buildPartnersServer());
