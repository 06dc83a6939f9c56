import { endpoint, endpointEquals, type Datagram } from '@elara/core';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidDestinationError, UdpTransport } from '../../src/index.ts';
import { waitFor } from './real-world.ts';

const open: UdpTransport[] = [];
async function udp(bind: string, ipv6Only = false): Promise<UdpTransport> {
  const t = await UdpTransport.create({ bind, ipv6Only });
  open.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function inbox(t: UdpTransport): Datagram[] {
  const got: Datagram[] = [];
  t.datagrams$.subscribe((d) => got.push({ ...d, data: d.data.slice() }));
  return got;
}

describe('UDP over IPv6', () => {
  it('two IPv6 transports on ::1 exchange datagrams', async () => {
    const a = await udp('[::1]:0');
    const b = await udp('[::1]:0');
    expect(a.localAddress.family).toBe('IPv6');
    const got = inbox(b);
    a.send(Uint8Array.of(0x10, 6), b.localAddress);
    expect(await waitFor(() => got.length === 1)).toBe(true);
    expect(endpointEquals(got[0]?.from ?? endpoint('::', 1), a.localAddress)).toBe(true);
    expect(Array.from(got[0]?.data ?? [])).toEqual([0x10, 6]);
  });

  it('a dual-stack socket hears IPv4 peers as IPv4 and answers them', async () => {
    const dual = await udp('[::]:0');
    const v4 = await udp('127.0.0.1:0');
    const atDual = inbox(dual);
    const atV4 = inbox(v4);
    v4.send(Uint8Array.of(4), endpoint('127.0.0.1', dual.localAddress.port));
    expect(await waitFor(() => atDual.length === 1)).toBe(true);
    const from = atDual[0]?.from ?? endpoint('::', 1);
    expect(from.family).toBe('IPv4');
    expect(endpointEquals(from, v4.localAddress)).toBe(true);
    for (let i = 0; i < 3; i++) dual.send(Uint8Array.of(6, i), from);
    expect(await waitFor(() => atV4.length === 3)).toBe(true);
    expect(atV4.every((d) => d.from.port === dual.localAddress.port)).toBe(true);
  });

  it('a socket bound to a specific IPv6 address (::1) is not dual stack: IPv4 is refused by name', async () => {
    const errors: unknown[] = [];
    const loop6 = await udp('[::1]:0');
    loop6.errors$.subscribe((e) => errors.push(e));
    const v4 = await udp('127.0.0.1:0');
    // Accepted, it would fail in the kernel afterwards (ENETUNREACH on errors$).
    expect(() => loop6.send(Uint8Array.of(1), v4.localAddress)).toThrow(InvalidDestinationError);
    expect(loop6.counters.sendRefusedInvalid).toBe(1);
    expect(loop6.counters.datagramsSent).toBe(0);
    const peer6 = await udp('[::1]:0');
    const got = inbox(peer6);
    expect(loop6.send(Uint8Array.of(6), peer6.localAddress)).toBe('sent');
    expect(await waitFor(() => got.length === 1)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a dual-stack socket checks a destination by family and address, not address alone', async () => {
    const dual = await udp('[::]:0');
    const errors: unknown[] = [];
    dual.errors$.subscribe((e) => errors.push(e));
    const v4AsText6 = { family: 'IPv4', address: '::1', port: 9 } as const;
    expect(() => dual.send(Uint8Array.of(1), v4AsText6)).toThrow(InvalidDestinationError);
    // '::1' as IPv6 is fine for this socket ...
    const v6 = await udp('[::1]:0');
    const got = inbox(v6);
    expect(dual.send(Uint8Array.of(2), endpoint('::1', v6.localAddress.port))).toBe('sent');
    // ... which must not make '::1' an IPv4 address (it would go out as ::ffff:::1: EINVAL).
    expect(() => dual.send(Uint8Array.of(3), v4AsText6)).toThrow(InvalidDestinationError);
    expect(dual.counters.sendRefusedInvalid).toBe(2);
    expect(await waitFor(() => got.length === 1)).toBe(true);
    expect(dual.counters.sendFailed).toBe(0);
    expect(errors).toEqual([]);
  });

  it('an IPv6-only socket refuses IPv4 destinations with a named error', async () => {
    const only = await udp('[::1]:0', true);
    expect(() => only.send(Uint8Array.of(1), endpoint('127.0.0.1', 9))).toThrow(
      InvalidDestinationError,
    );
    expect(only.counters.sendRefusedInvalid).toBe(1);
  });
});
