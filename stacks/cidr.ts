import { isIPv4, isIPv6 } from "net";

/** An address range: its family, the network address as a number, and the prefix length. */
export interface Cidr {
    readonly family: 4 | 6;
    readonly network: bigint;
    readonly prefix: number;
}

function ipv4ToBigInt(address: string): bigint {
    return address.split(".").reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

/** `::`-compressed and IPv4-suffixed forms included (both are valid IPv6 text). */
function ipv6ToBigInt(address: string): bigint {
    let text = address;
    const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (dotted) {
        const v4 = ipv4ToBigInt(dotted[1]);
        text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.split("::");
    const groups = (part: string | undefined) => (part ? part.split(":") : []);
    const missing = 8 - groups(head).length - groups(tail).length;
    const all = tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill("0"), ...groups(tail)];
    return all.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** An IP address as a family and a number, or undefined when `address` is not one. */
export function parseIp(address: string): { family: 4 | 6; value: bigint } | undefined {
    if (isIPv4(address)) return { family: 4, value: ipv4ToBigInt(address) };
    if (isIPv6(address)) return { family: 6, value: ipv6ToBigInt(address) };
    return undefined;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);
const hostMask = (family: 4 | 6, prefix: number) => (1n << BigInt(bits(family) - prefix)) - 1n;

/**
 * Parses `address/prefix`. Undefined for anything else, and for a range written with host bits set
 * (`10.0.0.1/24`): Kubernetes warns about those, and they usually mean a typo in the prefix.
 */
export function parseCidr(text: string): Cidr | undefined {
    const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
    if (!match) return undefined;
    const ip = parseIp(match[1]);
    const prefix = Number(match[2]);
    if (!ip || prefix > bits(ip.family)) return undefined;
    if ((ip.value & hostMask(ip.family, prefix)) !== 0n) return undefined;
    return { family: ip.family, network: ip.value, prefix };
}

/** Whether `address` lies in `cidr` (false across families). */
export function cidrContains(cidr: Cidr, address: string): boolean {
    const ip = parseIp(address);
    if (!ip || ip.family !== cidr.family) return false;
    return (ip.value & ~hostMask(cidr.family, cidr.prefix)) === cidr.network;
}
