import { ParseError } from './elara-error.ts';
import { isIPv4Literal, isIPv6Literal } from './ip-literal.ts';

/** An IP transport address. `address` is a literal (IPv4 dotted or IPv6 without brackets). */
export interface Endpoint {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
}

/**
 * Builds an endpoint, inferring the family from the address (a `:` means IPv6). Only the port is
 * checked: decoders and transports validate literals where they encode them, and tests build
 * deliberately malformed endpoints through here. Use {@link parseEndpoint} for untrusted text.
 */
export function endpoint(address: string, port: number): Endpoint {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ParseError(`port ${port} is out of range`);
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}

/** `1.2.3.4:5` or `[::1]:5`. */
export function formatEndpoint(e: Endpoint): string {
  return e.family === 'IPv6' ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/**
 * Parses `a.b.c.d:port` or `[v6]:port`, checking the literal (see `isIPv4Literal` and
 * `isIPv6Literal`; literal addresses only, no DNS). Anything else throws {@link ParseError}.
 */
export function parseEndpoint(text: string): Endpoint {
  const v6 = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  if (v6?.[1] !== undefined && v6[2] !== undefined) {
    if (!isIPv6Literal(v6[1])) throw new ParseError(`not an IPv6 address: ${text}`);
    return endpoint(v6[1], Number(v6[2]));
  }
  const v4 = /^([\d.]+):(\d{1,5})$/.exec(text);
  if (v4?.[1] !== undefined && v4[2] !== undefined) {
    if (!isIPv4Literal(v4[1])) throw new ParseError(`not an IPv4 address: ${text}`);
    return endpoint(v4[1], Number(v4[2]));
  }
  throw new ParseError(`not an endpoint (expected ip:port or [ipv6]:port): ${text}`);
}

/** Equality of family, address and port. */
export function endpointEquals(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address && a.family === b.family;
}

/** A string key for maps. */
export function endpointKey(e: Endpoint): string {
  return formatEndpoint(e);
}
