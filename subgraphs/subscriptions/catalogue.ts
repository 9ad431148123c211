/**
 * The offer catalogue: reference data the subscriptions subgraph seeds on every start. No
 * request writes it, so each process reads it once and answers `CloudSubscription.offer`, `offers`
 * and the order checks from memory: a dashboard's few hundred subscriptions resolve their
 * offers without a statement or a promise each. An offer changed in the database by hand is
 * seen after a restart.
 */
import { DataSource } from "typeorm";
import { Cloud } from "../../common/graphql/enums";
import { BillingCycle, ProductFamily } from "./enums";
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

/** The offers as read at start, by id and in name order. */
export class OfferCatalogue {
  private readonly byId: Map<string, Offer>;
  constructor(private readonly offers: readonly Offer[]) {
    this.byId = new Map(offers.map((o) => [o.id, o]));
  }
  get(id: string): Offer | null {
    return this.byId.get(id) ?? null;
  }
  /** Every offer, by name. */
  all(): readonly Offer[] {
    return this.offers;
  }
}

/** Seeds the missing offers, then reads the whole catalogue. */
export async function loadCatalogue(ds: DataSource): Promise<OfferCatalogue> {
  await seedCatalogue(ds);
  return new OfferCatalogue(await ds.getRepository(Offer).find({ order: { name: "ASC", id: "ASC" } }));
}
