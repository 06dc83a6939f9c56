import { lookup } from 'node:dns/promises';
import { endpoint, ParseError, parseEndpoint, type Endpoint } from '@elara/core';

/** A STUN or TURN server as configured: a host name or IP literal, and a port. */
export interface StunServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Resolves a host name to an IP literal (node:dns by default; inject one in tests). */
export type HostResolver = (host: string) => Promise<string>;

/**
 * Parses `host:port`, `a.b.c.d:port` or `[v6]:port`. Unlike the reference, which parsed its own
 * default servers (`stun.l.google.com:19302`) as socket addresses and so could never use them,
 * host names are accepted here and resolved by {@link resolveStunServer}.
 *
 * @example
 * parseStunServer('stun.example.org:3478'); // { host: 'stun.example.org', port: 3478 }
 */
export function parseStunServer(text: string): StunServerAddress {
  if (text.startsWith('[')) {
    const e = parseEndpoint(text);
    return { host: e.address, port: e.port };
  }
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (m?.[1] === undefined || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ParseError(`not a server address (host:port or [v6]:port): ${text}`);
  return { host: m[1], port };
}

const systemResolver: HostResolver = async (host) => (await lookup(host)).address;

/**
 * The server's endpoint: IP literals as they are, host names through `resolve` (default: the
 * system resolver). Rejects with `ParseError` on a malformed address, or the resolver's error.
 *
 * @example
 * const server = await resolveStunServer('turn.example.org:3478');
 */
export async function resolveStunServer(
  server: string | StunServerAddress,
  resolve: HostResolver = systemResolver,
): Promise<Endpoint> {
  const { host, port } = typeof server === 'string' ? parseStunServer(server) : server;
  const literal = /^[\d.]+$/.test(host) || host.includes(':');
  const address = literal ? host : await resolve(host);
  return endpoint(address, port);
}
