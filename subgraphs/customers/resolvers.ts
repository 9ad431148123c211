/** GraphQL entry points of the customers subgraph: reads (CV1, MP2, DA5) and their fields. */
import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import { PageArgsType } from "../../common/graphql/graphql-types";
import { clock } from "../../common/time/clock";
import { DelegatedAdminStatus } from "./enums";
import { notFound } from "../../common/errors/errors";
import { toPageRequest } from "../../common/storage/keyset";
import { selectsTotalCount } from "../../common/graphql/selection";
import { uuidArg } from "../../common/graphql/validation";
import type { CustomersContext } from "./context";
import {
  BillingProfile,
  Customer,
  CustomerConnection,
  CustomerPartnerRelationship,
  DelegatedAdminRelationship,
  PartnerRef,
  RelationshipRequest,
} from "./model";
import { visibleCustomer } from "./references";
import { canSeeCustomerRelationship, canSeeDelegatedAdmin, delegatedAdminState, requestStatus } from "./rules";
import { RelationshipRequestStatus } from "./enums";

const partnerRef = (id: string | null): PartnerRef | null => (id ? ({ id } as PartnerRef) : null);

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, { nullable: true, description: "A customer the viewer may see (CV1); NOT_FOUND otherwise." })
  async customer(@Arg("id", () => ID, { description: "The customer's tenant id." }) id: string, @Ctx() ctx: CustomersContext) {
    const customer = await visibleCustomer(ctx, uuidArg(id, "id"));
    if (!customer) throw notFound("Customer");
    return customer;
  }

  @Query(() => CustomerConnection, {
    nullable: true,
    description: "The customers the viewer may list (CV1), by company name; `search` matches company name and domain.",
  })
  async customers(
    @Ctx() ctx: CustomersContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("search", () => String, { nullable: true, description: "Case-insensitive text in the company name or default domain." }) search?: string | null,
    @Args(() => PageArgsType) paging?: PageArgsType,
  ) {
    return ctx.loaders.listableCustomers.load({ parentId: "", args: { search: search ?? null }, page: toPageRequest(paging), withTotal: selectsTotalCount(info) });
  }

  @FieldResolver(() => BillingProfile, {
    nullable: true,
    description: "Admin details: null unless the viewer is the customer, the operator, or a partner with an active delegated admin relationship.",
  })
  async billingProfile(@Root() customer: Customer, @Ctx() ctx: CustomersContext): Promise<BillingProfile | null> {
    const viewer = ctx.principal;
    const allowed =
      viewer.org === "operator" ||
      (viewer.org === "customer" && viewer.tid === customer.id) ||
      (viewer.org === "partner" && (await ctx.standing(customer.id)).activeDelegatedAdmin);
    if (!allowed || !customer.billingEmail) return null;
    return {
      email: customer.billingEmail,
      companyName: customer.companyName,
      addressLine: customer.billingAddressLine,
      city: customer.billingCity,
      postalCode: customer.billingPostalCode,
    };
  }

  @FieldResolver(() => [CustomerPartnerRelationship], {
    description: "The customer's reseller relationships the viewer may see: a partner its own (a provider also its resellers'), the customer all (MP2).",
  })
  async partnerRelationships(@Root() customer: Customer, @Ctx() ctx: CustomersContext) {
    const all = await ctx.loaders.relationshipsOfCustomer.load(customer.id);
    return all.filter((r) => canSeeCustomerRelationship(ctx.principal, r));
  }

  @FieldResolver(() => [DelegatedAdminRelationship], {
    description: "The customer's delegated admin relationships the viewer may see: a partner its own, the customer all.",
  })
  async delegatedAdminRelationships(
    @Root() customer: Customer,
    @Ctx() ctx: CustomersContext,
    @Arg("status", () => DelegatedAdminStatus, { nullable: true, description: "Only relationships in this status." })
    status?: DelegatedAdminStatus | null,
  ) {
    const now = clock.now();
    const all = await ctx.loaders.delegatedAdminsOfCustomer.load(customer.id);
    return all.filter((d) => canSeeDelegatedAdmin(ctx.principal, d) && (!status || delegatedAdminState(d, now).status === status));
  }
}

@Resolver(() => PartnerRef)
export class PartnerCustomersResolver {
  @FieldResolver(() => CustomerConnection, {
    nullable: true,
    description:
      "This partner's customers (active reseller relationships, its own or as indirect provider), as far as the viewer may list them (T7, CV1).",
  })
  customers(
    @Root() partner: PartnerRef,
    @Ctx() ctx: CustomersContext,
    @Info() info: GraphQLResolveInfo,
    @Arg("resellerId", () => ID, { nullable: true, description: "For an indirect provider: only the customers of this reseller." })
    resellerId?: string | null,
    @Arg("search", () => String, { nullable: true, description: "Case-insensitive text in the company name or default domain." })
    search?: string | null,
    @Args(() => PageArgsType) paging?: PageArgsType,
  ) {
    const page = toPageRequest(paging);
    const reseller = resellerId ? uuidArg(resellerId, "resellerId") : null;
    return ctx.loaders.customersOfPartner.load({ parentId: partner.id, args: { resellerId: reseller, search: search ?? null }, page, withTotal: selectsTotalCount(info) });
  }
}

@Resolver(() => CustomerPartnerRelationship)
export class CustomerPartnerRelationshipResolver {
  @FieldResolver(() => Customer, { description: "The customer." })
  async customer(@Root() rel: CustomerPartnerRelationship, @Ctx() ctx: CustomersContext) {
    // The relationship is shown only to its parties, who know its customer.
    return ctx.loaders.customer.load(rel.customerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The partner that may sell to the customer (the reseller)." })
  partner(@Root() rel: CustomerPartnerRelationship) {
    return partnerRef(rel.partnerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "For an indirect reseller: the indirect provider recorded with it (CR2, T4)." })
  indirectProvider(@Root() rel: CustomerPartnerRelationship) {
    return partnerRef(rel.indirectProviderId);
  }
}

@Resolver(() => RelationshipRequest)
export class RelationshipRequestResolver {
  @FieldResolver(() => PartnerRef, { nullable: true, description: "The partner asking." })
  partner(@Root() req: RelationshipRequest) {
    return partnerRef(req.partnerId);
  }

  @FieldResolver(() => PartnerRef, { nullable: true, description: "The indirect provider to record on acceptance (CR2)." })
  indirectProvider(@Root() req: RelationshipRequest) {
    return partnerRef(req.indirectProviderId);
  }

  @FieldResolver(() => String, { description: "A link for the customer's global admin, embedding the code." })
  url(@Root() req: RelationshipRequest, @Ctx() ctx: CustomersContext) {
    return `${ctx.deps.acceptUrlBase}?code=${encodeURIComponent(req.code)}`;
  }

  @FieldResolver(() => RelationshipRequestStatus, { description: "PENDING, ACCEPTED, or EXPIRED after 90 days." })
  status(@Root() req: RelationshipRequest) {
    return requestStatus(req, clock.now());
  }
}

@Resolver(() => DelegatedAdminRelationship)
export class DelegatedAdminRelationshipResolver {
  @FieldResolver(() => PartnerRef, { nullable: true, description: "The partner holding the admin roles." })
  partner(@Root() dap: DelegatedAdminRelationship) {
    return partnerRef(dap.partnerId);
  }

  @FieldResolver(() => Customer, { description: "The customer whose tenant is administered." })
  customer(@Root() dap: DelegatedAdminRelationship, @Ctx() ctx: CustomersContext) {
    return ctx.loaders.customer.load(dap.customerId);
  }

  @FieldResolver(() => DelegatedAdminStatus, { description: "Status now: pending expires after 90 days, active after its end (unless auto-extending)." })
  status(@Root() dap: DelegatedAdminRelationship) {
    return delegatedAdminState(dap, clock.now()).status;
  }

  @FieldResolver(() => Date, { nullable: true, description: "When it ends (auto-extensions included); null until approved." })
  endsAt(@Root() dap: DelegatedAdminRelationship) {
    return delegatedAdminState(dap, clock.now()).endsAt;
  }
}
