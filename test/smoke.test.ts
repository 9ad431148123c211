import { codeOf, customerToken, DIALECTS, operatorToken, Stack, startStack } from "./support/stack";
import { createCustomer, enroll, placeOrder } from "./support/fixtures";

describe.each(DIALECTS)("smoke through the gateway (%s)", (dialect) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(dialect);
  });
  afterAll(() => stack?.stop());

  it("a direct-bill partner creates a customer, orders, and both see the subscription", async () => {
    const partner = await enroll(stack);
    const customer = await createCustomer(stack, partner);
    const order = await placeOrder(stack, partner, customer.id);
    expect(order.subscriptions).toHaveLength(1);
    const asCustomer = await stack.gql(await customerToken(customer.id), `query($id: ID!) { customer(id: $id) { id companyName subscriptions { totalCount nodes { partnerOfRecord { id name } offer { name } } } } }`, { id: customer.id });
    expect(asCustomer.errors).toBeUndefined();
    expect(asCustomer.data.customer.subscriptions.totalCount).toBe(1);
    expect(asCustomer.data.customer.subscriptions.nodes[0].partnerOfRecord.id).toBe(partner.id);
    const viewer = await stack.gql(partner.token, `{ viewer { kind partner { id } } }`);
    expect(viewer.data.viewer).toEqual({ kind: "PARTNER", partner: { id: partner.id } });
  });

  it("no token is UNAUTHENTICATED", async () => {
    const res = await stack.gql(null, `{ viewer { userId } }`);
    expect(codeOf(res)).toBe("UNAUTHENTICATED");
    expect(await operatorToken()).toBeTruthy();
  });
});
