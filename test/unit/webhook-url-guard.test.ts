/** Unit tests of subgraphs/events/webhooks/url-guard.ts (EV7): which URLs may receive deliveries. */
import { assertDeliverableUrl, checkEndpointUrl, embeddedIpv4, isInternalAddress, LookupAll } from "../../subgraphs/events/webhooks/url-guard";

const resolvesTo =
  (...addresses: string[]): LookupAll =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

async function refusal(url: string, production: boolean, lookup?: LookupAll) {
  try {
    await checkEndpointUrl(url, { production, lookup });
  } catch (error: any) {
    return { code: error.extensions?.code, field: error.extensions?.field, message: error.message };
  }
  return undefined;
}

describe("webhook URL guard (EV7)", () => {
  it.each([
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "169.254.1.1",
    "100.64.0.1", "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "::127.0.0.1",
  ])("EV7: %s is internal", (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8", "2001:4860:4860::8888"])(
    "EV7: %s is public",
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it("EV7: IPv4 embedded in IPv6 is read in every form", () => {
    expect(embeddedIpv4("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(embeddedIpv4("0:0:0:0:0:ffff:7f00:0001")).toBe("127.0.0.1");
    expect(embeddedIpv4("64:ff9b::7f00:1")).toBe("127.0.0.1");
    expect(embeddedIpv4("2001:db8::1")).toBeUndefined();
  });

  it("EV7: in production an http URL is BAD_USER_INPUT on input.url", async () => {
    expect(await refusal("http://hooks.example.com/in", true, resolvesTo("93.184.216.34"))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.url",
      message: "input.url: must be an https URL in production.",
    });
  });

  it("EV7: in production a host that resolves to 127.0.0.1 is refused (localhost, and a DNS name pointed there)", async () => {
    expect(await refusal("https://localhost:8443/in", true)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url", message: expect.stringMatching(/127\.0\.0\.1|::1/) });
    expect(await refusal("https://rebound.example.com/in", true, resolvesTo("127.0.0.1"))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
  });

  it("EV7: in production every address of the host must be public: one internal answer among public ones is refused", async () => {
    expect(await refusal("https://mixed.example.com/", true, resolvesTo("93.184.216.34", "10.1.2.3"))).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(/10\.1\.2\.3/) });
    expect(await refusal("https://meta.example.com/", true, resolvesTo("fd00:ec2::254"))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await refusal("https://mapped.example.com/", true, resolvesTo("::ffff:169.254.169.254"))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("EV7: in production IP literals of internal ranges are refused without a lookup", async () => {
    const lookup: LookupAll = async () => {
      throw new Error("no lookup for an IP literal");
    };
    for (const url of ["https://169.254.169.254/latest/meta-data", "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[fd00:ec2::254]/", "https://0.0.0.0/"])
      expect(await refusal(url, true, lookup)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
  });

  it("EV7: in production an https URL whose host resolves only to public addresses is allowed", async () => {
    expect(await refusal("https://hooks.example.com/in", true, resolvesTo("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"))).toBeUndefined();
    expect(await refusal("https://93.184.216.34/in", true)).toBeUndefined();
  });

  it("EV7: a host that does not resolve is refused in production", async () => {
    const nx: LookupAll = async () => {
      throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await refusal("https://nowhere.invalid/", true, nx)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
  });

  it("EV7: in development any http or https URL is allowed, loopback included; other schemes and non-URLs never", async () => {
    expect(await refusal("http://127.0.0.1:9999/hook", false)).toBeUndefined();
    expect(await refusal("http://localhost:9999/hook", false)).toBeUndefined();
    expect(await refusal("https://[::1]/hook", false)).toBeUndefined();
    expect(await refusal("ftp://example.com/", false)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
    expect(await refusal("not a url", false)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
    expect(await refusal("http://user:pw@example.com/", false)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url" });
  });

  it("EV7: the field named is the one given (updateWebhookEndpoint's input.url, or another path)", async () => {
    await expect(checkEndpointUrl("ftp://x/", { production: false }, "url")).rejects.toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "url" } });
  });

  it("EV7: assertDeliverableUrl (the check before each attempt) refuses as registration does", async () => {
    await expect(assertDeliverableUrl("https://rebound.example.com/", { production: true, lookup: resolvesTo("127.0.0.1") })).rejects.toThrow(/internal address/);
  });
});
