/** The offer catalogue: reference data the subscriptions subgraph seeds on every start. */
import { DataSource } from "typeorm";
import { BillingCycle, Cloud, ProductFamily } from "../../common/enums";
import { Offer } from "./model";

const { MONTHLY, ANNUAL } = BillingCycle;
const { GLOBAL, US_GOVERNMENT, CHINA, GERMANY } = Cloud;

export const OFFERS: Offer[] = [
  { id: "m365-business-basic", name: "Microsoft 365 Business Basic", productFamily: ProductFamily.MICROSOFT_365, minQuantity: 1, maxQuantity: 300, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, CHINA] },
  { id: "m365-business-standard", name: "Microsoft 365 Business Standard", productFamily: ProductFamily.MICROSOFT_365, minQuantity: 1, maxQuantity: 300, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, CHINA] },
  { id: "m365-business-premium", name: "Microsoft 365 Business Premium", productFamily: ProductFamily.MICROSOFT_365, minQuantity: 1, maxQuantity: 300, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, US_GOVERNMENT] },
  { id: "m365-e3", name: "Microsoft 365 E3", productFamily: ProductFamily.MICROSOFT_365, minQuantity: 1, maxQuantity: 50000, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, US_GOVERNMENT, GERMANY] },
  { id: "m365-e5", name: "Microsoft 365 E5", productFamily: ProductFamily.MICROSOFT_365, minQuantity: 1, maxQuantity: 50000, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, US_GOVERNMENT, GERMANY] },
  { id: "o365-e1", name: "Office 365 E1", productFamily: ProductFamily.OFFICE_365, minQuantity: 1, maxQuantity: 50000, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y"], clouds: [GLOBAL, US_GOVERNMENT, CHINA, GERMANY] },
  { id: "o365-e3", name: "Office 365 E3", productFamily: ProductFamily.OFFICE_365, minQuantity: 1, maxQuantity: 50000, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y", "P3Y"], clouds: [GLOBAL, US_GOVERNMENT, CHINA, GERMANY] },
  { id: "azure-plan", name: "Azure plan", productFamily: ProductFamily.AZURE, minQuantity: 1, maxQuantity: 1, billingCycles: [MONTHLY], termDurations: ["P1M"], clouds: [GLOBAL, US_GOVERNMENT, CHINA, GERMANY] },
  { id: "d365-sales-enterprise", name: "Dynamics 365 Sales Enterprise", productFamily: ProductFamily.DYNAMICS_365, minQuantity: 1, maxQuantity: 10000, billingCycles: [MONTHLY, ANNUAL], termDurations: ["P1M", "P1Y"], clouds: [GLOBAL, US_GOVERNMENT] },
];

/** Inserts the offers that are missing; existing ones are left as they are. */
export async function seedCatalogue(ds: DataSource): Promise<void> {
  const repo = ds.getRepository(Offer);
  const present = new Set((await repo.find({ select: { id: true } })).map((o) => o.id));
  const missing = OFFERS.filter((o) => !present.has(o.id));
  if (missing.length) await repo.save(missing.map((o) => repo.create(o)));
}
