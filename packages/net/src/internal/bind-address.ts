import { OutOfRangeError, ParseError, parseEndpoint, type Endpoint } from '@elara/core';
import { BindError } from '../net-errors.ts';

/** True when `address` is an IP literal of `family` (each transport brings its own parser). */
export type LiteralCheck = (address: string, family: Endpoint['family']) => boolean;

/**
 * The endpoint a transport binds (or connects) to, checked before any socket or simulated node
 * exists. Text is parsed: anything but `a.b.c.d:port` or `[v6]:port` with a literal address is a
 * `ParseError`. An `Endpoint` object is validated field by field: a port that is not an integer
 * in 0..65535 is an `OutOfRangeError`, an address that is not a literal of its stated family is a
 * `BindError` (`EINVAL`), as the operating system would answer.
 */
export function bindEndpoint(
  value: Endpoint | string,
  what: string,
  isLiteral: LiteralCheck,
): Endpoint {
  if (typeof value === 'string') {
    const e = parseEndpoint(value);
    // parseEndpoint infers the family and lets odd IPv6 text through: the literal check decides.
    if (!isLiteral(e.address, e.family))
      throw new ParseError(`${what}: ${value} does not hold an IP address literal`);
    return e;
  }
  const { family, address, port } = value;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new OutOfRangeError(`${what}: port must be an integer in 0..65535, got ${port}`);
  if ((family !== 'IPv4' && family !== 'IPv6') || !isLiteral(address, family))
    throw new BindError(
      `${what}: ${String(address)} is not an ${String(family)} address literal`,
      'EINVAL',
      undefined,
    );
  return { family, address, port };
}
