import { ParseError } from './elara-error.ts';

/** An IP transport address. `address` is a literal (IPv4 dotted or IPv6 without brackets). */
export interface Endpoint {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
}

/** Builds an endpoint, inferring the family from the address. */
export function endpoint(address: string, port: number): Endpoint {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ParseError(`port ${port} is out of range`);
  return { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port };
}

/** `1.2.3.4:5` or `[::1]:5`. */
export function formatEndpoint(e: Endpoint): string {
  return e.family === 'IPv6' ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Parses `host:port` or `[v6]:port` (literal addresses only; no DNS). */
export function parseEndpoint(text: string): Endpoint {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text);
  if (v6?.[1] !== undefined && v6[2] !== undefined) return endpoint(v6[1], Number(v6[2]));
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (v4?.[1] !== undefined && v4[2] !== undefined) {
    if (v4[1].split('.').some((o) => Number(o) > 255))
      throw new ParseError(`not an IPv4 address: ${text}`);
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
