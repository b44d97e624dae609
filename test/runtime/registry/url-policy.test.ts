import { describe, expect, it } from "vitest";
import { classifyAddress, refuseAddress } from "../../../lib/runtime/registry/url-policy.ts";

const permissive = { allowPrivate: true };

describe("classifyAddress: IPv6 forms that reach an IPv4 address", () => {
  it.each([
    ["IPv4-mapped", "::ffff:a9fe:a9fe"],
    ["IPv4-mapped, dotted", "::ffff:169.254.169.254"],
    ["IPv4-translated (SIIT)", "::ffff:0:a9fe:a9fe"],
    ["IPv4-translated, dotted", "::ffff:0:169.254.169.254"],
    ["IPv4-compatible", "::a9fe:a9fe"],
    ["NAT64 well-known prefix", "64:ff9b::a9fe:a9fe"],
    ["NAT64 local-use /96", "64:ff9b:1::a9fe:a9fe"],
    ["NAT64 local-use /64 layout", "64:ff9b:1:0:a9:fea9:fe00:0"],
    ["NAT64 local-use /48 layout", "64:ff9b:1:a9fe:a9:fe00::"],
    ["6to4", "2002:a9fe:a9fe::1"],
    ["Teredo client (inverted bits)", "2001:0:4136:e378:8000:63bf:5601:5601"],
    ["Teredo server", "2001:0:a9fe:a9fe::1"],
    ["ISATAP interface id", "2001:470:1f0b::5efe:a9fe:a9fe"],
    ["AWS IMDS IPv6", "fd00:ec2::254"],
    ["EKS Pod Identity IPv6", "fd00:ec2::23"],
  ])(
    "fails when %s reaches the metadata address (%s), even with private URLs allowed",
    (_form, address) => {
      expect(classifyAddress(address)).toBe("metadata");
      expect(refuseAddress(address, permissive)).toBe("a cloud metadata address");
    },
  );

  it.each([
    ["::ffff:0:a00:1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:c0a8:101::1", "private"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"],
    ["100::1", "multicast"],
    ["2001:db8::1", "multicast"],
  ])("classifies %s as %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it("judges an address with a zone id by the address", () => {
    expect(classifyAddress("::ffff:169.254.169.254%1")).toBe("metadata");
    expect(classifyAddress("fe80::1%eth0")).toBe("link-local");
  });

  it("fails when what is checked is not an IP address at all", () => {
    expect(refuseAddress("not-an-ip", permissive)).toBe("not an IP address");
    expect(refuseAddress("1.2.3", permissive)).toBe("not an IP address");
  });

  it("treats the local-use NAT64 prefix as private whatever public address it embeds", () => {
    expect(classifyAddress("64:ff9b:1::808:808")).toBe("private");
    expect(refuseAddress("64:ff9b:1::808:808", permissive)).toBeUndefined();
  });

  it.each([
    "2606:4700:4700::1111",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
    "93.184.216.34",
  ])("keeps %s public", (address) => {
    expect(classifyAddress(address)).toBe("public");
  });
});
