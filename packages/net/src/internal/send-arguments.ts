import type { Endpoint } from '@elara/core';

/**
 * True for a `Uint8Array` (a `Buffer` too), also one from another realm. Other views are refused:
 * a `DataView` or a `Uint16Array` would be copied element by element, not byte for byte.
 */
function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array')
  );
}

function isEndpoint(value: unknown): value is Endpoint {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Partial<Record<keyof Endpoint, unknown>>;
  return (
    (e.family === 'IPv4' || e.family === 'IPv6') &&
    typeof e.address === 'string' &&
    typeof e.port === 'number'
  );
}

/**
 * Checks the types of `send(data, to)` at the door, before anything is counted: `data` must be a
 * `Uint8Array` and `to` an `Endpoint`, or this throws a `TypeError` (a programming error, as for
 * a wrong argument count). Values of the right type but out of range (a port of 0, an address of
 * the wrong family) are the transport's business: counted refusals with named errors.
 */
export function checkSendArguments(data: unknown, to: unknown): void {
  if (!isBytes(data)) throw new TypeError(`send: data must be a Uint8Array, got ${describe(data)}`);
  if (!isEndpoint(to))
    throw new TypeError(
      `send: to must be an Endpoint { family: 'IPv4' | 'IPv6', address, port }, got ${describe(to)}`,
    );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
