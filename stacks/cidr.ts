import ipaddr from "ipaddr.js";
import { isIPv4, isIPv6 } from "net";

/** An address range: its family, the network address as ipaddr.js writes it (RFC 5952 for IPv6), and the prefix length. */
export interface Cidr {
    readonly family: 4 | 6;
    readonly network: string;
    readonly prefix: number;
}

/**
 * An IP address as a family and ipaddr.js's parsed form, or undefined when `address` is not one.
 * Node's checks decide what an address is: ipaddr.js alone would also take `10` or `0xa.0.0.1`,
 * forms no Kubernetes field accepts. ipaddr.js reads the deprecated IPv4-compatible form
 * (`::1.2.3.4`) as IPv4-mapped (`::ffff:1.2.3.4`), and an address with a zone (`fe80::1%eth0`)
 * is no range's network: no CIDR holds a zone.
 */
export function parseIp(address: string): { family: 4; address: ipaddr.IPv4 } | { family: 6; address: ipaddr.IPv6 } | undefined {
    if (isIPv4(address)) return { family: 4, address: ipaddr.IPv4.parse(address) };
    if (isIPv6(address)) return { family: 6, address: ipaddr.IPv6.parse(address) };
    return undefined;
}

/**
 * Parses `address/prefix`. Undefined for anything else, and for a range written with host bits set
 * (`10.0.0.1/24`): Kubernetes warns about those, and they usually mean a typo in the prefix.
 */
export function parseCidr(text: string): Cidr | undefined {
    const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
    if (!match) return undefined;
    const ip = parseIp(match[1]);
    const prefix = Number(match[2]);
    if (!ip || prefix > (ip.family === 4 ? 32 : 128)) return undefined;
    const network = ip.family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    if (network.toNormalizedString() !== ip.address.toNormalizedString()) return undefined;
    return { family: ip.family, network: network.toString(), prefix };
}

/** Whether `address` lies in `cidr` (false across families). */
export function cidrContains(cidr: Cidr, address: string): boolean {
    const ip = parseIp(address);
    if (!ip || ip.family !== cidr.family) return false;
    return ip.address.match(ipaddr.parse(cidr.network), cidr.prefix);
}
