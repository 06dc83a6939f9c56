import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { endpoint, OutOfRangeError, ParseError, type ElaraError } from '@elara/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BindError,
  classifyDatagram,
  DATAGRAM_KINDS,
  Demultiplexer,
  InvalidDestinationError,
  PeerUnreachableError,
  SocketError,
  STUN_MAGIC_COOKIE,
  TransportClosedError,
  UdpTransport,
  type DatagramKind,
} from '../../src/index.ts';
import { activeHandles, waitFor } from './real-world.ts';

/** Linux's cap on socket receive buffers, when this is Linux. */
const rmemMax = ((): number | undefined => {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  } catch {
    return undefined;
  }
})();

const open: UdpTransport[] = [];
const raws: Socket[] = [];
async function udp(options: Parameters<typeof UdpTransport.create>[0] = {}): Promise<UdpTransport> {
  const t = await UdpTransport.create({ bind: '127.0.0.1:0', ...options });
  open.push(t);
  return t;
}
async function raw(address = '127.0.0.1', port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  raws.push(s);
  await new Promise<void>((resolve) => s.bind(port, address, resolve));
  return s;
}
function closeRaw(s: Socket): Promise<void> {
  raws.splice(raws.indexOf(s), 1);
  return new Promise((resolve) => s.close(resolve));
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  await Promise.all([...raws].map(closeRaw));
});

/** Sends a last datagram from `from` and waits for it: everything `from` sent before has arrived. */
async function flushFrom(s: Socket, target: UdpTransport, seen: () => boolean): Promise<void> {
  s.send(Uint8Array.of(0xff, 0xff), target.localAddress.port, target.localAddress.address);
  expect(await waitFor(seen)).toBe(true);
}

describe('UDP bad input', () => {
  it('drops and counts oversized datagrams; in-budget ones of every size arrive', async () => {
    const b = await udp();
    const s = await raw();
    const sizes: number[] = [];
    let markers = 0;
    b.datagrams$.subscribe((d) => {
      if (d.data.byteLength === 2 && d.data[0] === 0xff) markers++;
      else sizes.push(d.data.byteLength);
    });
    for (const size of [0, 1, 1500, 1501, 4000, 65_000, 1400])
      s.send(new Uint8Array(size), b.localAddress.port, '127.0.0.1');
    await flushFrom(s, b, () => markers === 1);
    expect(sizes.sort((x, y) => x - y)).toEqual([0, 1, 1400, 1500]);
    expect(b.counters.receivedOversize).toBe(3);
  });

  it('a flood of junk from 200 source addresses is counted exactly by kind', async () => {
    const b = await udp();
    const demux = new Demultiplexer(b.datagrams$);
    demux.on('elara-v1', () => undefined);
    const expected = Object.fromEntries(DATAGRAM_KINDS.map((k) => [k, 0])) as Record<
      DatagramKind,
      number
    >;
    const sources = await Promise.all(
      Array.from({ length: 200 }, (_, i) => raw(`127.0.${1 + (i >> 8)}.${1 + (i & 255)}`)),
    );
    let seed = 1;
    const next = (): number => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0);
    for (let round = 0; round < 50; round++) {
      for (const s of sources) {
        const junk = new Uint8Array(next() % 1300);
        for (let i = 0; i < junk.length; i++) junk[i] = next() & 0xff;
        if (junk.length >= 20 && next() % 3 === 0) {
          junk[0] = next() % 4; // STUN-looking, usually with an inconsistent length
          new DataView(junk.buffer).setUint32(4, STUN_MAGIC_COOKIE);
        }
        if (junk.length > 0 && junk[0] === 0xff) junk[0] = 0x10; // 0xff leads the markers
        expected[classifyDatagram(junk)]++;
        s.send(junk, b.localAddress.port, '127.0.0.1');
      }
      // A well-behaved flood: each round waits for the previous one to be read (the point here
      // is accounting, not the kernel's buffer; bursts are the backpressure suite's subject).
      const sent = (round + 1) * sources.length;
      expect(await waitFor(() => b.counters.datagramsReceived === sent)).toBe(true);
    }
    expect(await waitFor(() => b.counters.datagramsReceived === 10_000)).toBe(true);
    const froms = new Set<string>();
    b.datagrams$.subscribe((d) => froms.add(d.from.address));
    await flushFrom(sources[199] as Socket, b, () => froms.size === 1);
    expected.unknown++; // the marker
    expect(demux.counters.byKind).toEqual(expected);
    expect(expected.malformed).toBeGreaterThan(0);
    expect(demux.counters.unhandled).toBe(10_001 - expected['elara-v1']);
    demux.close();
  });

  it('ICMP port unreachable on a connected socket is a named error value, and the transport goes on', async () => {
    const closed = await raw();
    const port = closed.address().port;
    await closeRaw(closed);
    const a = await udp({ connect: `127.0.0.1:${port}` });
    const errors: ElaraError[] = [];
    a.errors$.subscribe((e) => errors.push(e));
    expect(() =>
      a.send(Uint8Array.of(1), endpoint('127.0.0.1', port === 65_535 ? 1 : port + 1)),
    ).toThrow(InvalidDestinationError);
    a.send(Uint8Array.of(0x10, 1), endpoint('127.0.0.1', port));
    expect(await waitFor(() => errors.length > 0)).toBe(true);
    expect(PeerUnreachableError.isInstance(errors[0])).toBe(true);
    expect(SocketError.isInstance(errors[0])).toBe(true);
    expect((errors[0] as PeerUnreachableError).errno).toBe('ECONNREFUSED');
    expect(a.counters.peerUnreachable).toBeGreaterThan(0);
    expect(a.closed).toBe(false);

    // The peer comes up on that port: traffic flows again on the same transport.
    const peer = await raw('127.0.0.1', port);
    let got = 0;
    peer.on('message', () => got++);
    for (let i = 0; i < 5; i++) a.send(Uint8Array.of(0x10, i), endpoint('127.0.0.1', port));
    expect(await waitFor(() => got > 0)).toBe(true);
  });

  it('destinations that are not address literals of their family are refused by name', async () => {
    const a = await udp();
    const bad = [
      { family: 'IPv4', address: 'example.com', port: 9 },
      { family: 'IPv4', address: '1.2.3', port: 9 },
      { family: 'IPv4', address: '::1', port: 9 },
      { family: 'IPv6', address: '127.0.0.1', port: 9 },
      { family: 'IPv4', address: '', port: 9 },
    ] as const;
    for (const to of bad)
      expect(() => a.send(Uint8Array.of(1), to)).toThrow(InvalidDestinationError);
    expect(a.counters.sendRefusedInvalid).toBe(bad.length);
    expect(a.counters.datagramsSent).toBe(0);
  });

  it('a send the operating system refuses is a SocketError value and counted', async () => {
    const a = await udp();
    const errors: ElaraError[] = [];
    a.errors$.subscribe((e) => errors.push(e));
    // Broadcast without SO_BROADCAST: accepted by the transport, refused by the kernel (EACCES).
    expect(a.send(Uint8Array.of(1), endpoint('255.255.255.255', 9))).toBe('sent');
    expect(await waitFor(() => errors.length === 1)).toBe(true);
    expect(SocketError.isInstance(errors[0])).toBe(true);
    expect((errors[0] as SocketError).errno).toBe('EACCES');
    expect(a.counters.sendFailed).toBe(1);
    const b = await udp();
    let got = 0;
    b.datagrams$.subscribe(() => got++);
    a.send(Uint8Array.of(2), b.localAddress);
    expect(await waitFor(() => got === 1)).toBe(true);
  });

  it('sends after close throw a named error, are counted, and hold nothing', async () => {
    const before = activeHandles();
    const a = await UdpTransport.create({ bind: '127.0.0.1:0' });
    await a.close();
    for (let i = 0; i < 1_000; i++)
      expect(() => a.send(new Uint8Array(100), endpoint('127.0.0.1', 9))).toThrow(
        TransportClosedError,
      );
    expect(a.counters.sendRefusedClosed).toBe(1_000);
    expect(a.counters.sendAccepted).toBe(0);
    expect(activeHandles()).toBe(before);
  });

  it('configuration errors are named: busy port, non-literal or foreign address, bad limits', async () => {
    const a = await udp();
    await expect(UdpTransport.create({ bind: a.localAddress })).rejects.toSatisfy(
      (e) => BindError.isInstance(e) && (e as BindError).errno === 'EADDRINUSE',
    );
    await expect(UdpTransport.create({ bind: 'localhost:0' })).rejects.toSatisfy((e) =>
      ParseError.isInstance(e),
    );
    await expect(UdpTransport.create({ bind: '192.0.2.1:0' })).rejects.toSatisfy((e) =>
      BindError.isInstance(e),
    );
    await expect(UdpTransport.create({ maxDatagramSize: 1461 })).rejects.toSatisfy((e) =>
      OutOfRangeError.isInstance(e),
    );
    await expect(
      UdpTransport.create({ bind: '127.0.0.1:0', connect: '127.0.0.1:0' }),
    ).rejects.toSatisfy((e) => BindError.isInstance(e));
  });

  it('raises the receive buffer above the kernel default, 4 MiB asked by default', async () => {
    const probe = await raw();
    const kernelDefault = probe.getRecvBufferSize();
    // Linux grants min(request, rmem_max) and reports twice that (bookkeeping overhead).
    const granted = (request: number): number =>
      rmemMax === undefined ? request : 2 * Math.min(request, rmemMax);
    const byDefault = await udp();
    const asked = await udp({ recvBufferSize: 1 << 20 });
    // Wherever the kernel lets a socket have more than its default, the transport takes it:
    // with rmem_max at its stock 208 KiB there is nothing to raise, at 4 MiB (here) a lot.
    if (rmemMax === undefined) {
      // Not Linux: the cap is unknown, but the buffer must not be the default one.
      expect(byDefault.recvBufferSize).toBeGreaterThan(kernelDefault);
    } else {
      expect(byDefault.recvBufferSize).toBe(Math.max(granted(4 << 20), kernelDefault));
      expect(asked.recvBufferSize).toBe(Math.max(granted(1 << 20), kernelDefault));
    }
    expect(byDefault.sendBufferSize).toBeGreaterThan(0);
  });

  it.each([
    { recvBufferSize: -1 },
    { recvBufferSize: 0 },
    { recvBufferSize: Number.NaN },
    { recvBufferSize: 1.5 },
    { recvBufferSize: 2 ** 31 },
    { sendBufferSize: -1 },
    { sendBufferSize: Number.POSITIVE_INFINITY },
  ])('refuses buffer size %o with OutOfRangeError, before binding', async (options) => {
    const before = activeHandles();
    await expect(udp(options)).rejects.toSatisfy((e) => OutOfRangeError.isInstance(e));
    expect(activeHandles()).toBe(before);
  });

  it('bind and connect endpoints are checked field by field', async () => {
    const v4 = (address: string, port: number) => ({ family: 'IPv4', address, port }) as const;
    const bad: [Parameters<typeof UdpTransport.create>[0], { isInstance(e: unknown): boolean }][] =
      [
        [{ bind: v4('127.0.0.1', 70_000) }, OutOfRangeError],
        [{ bind: v4('127.0.0.1', -5) }, OutOfRangeError],
        [{ bind: v4('not-an-ip', 0) }, BindError],
        [{ bind: { family: 'IPv6', address: '127.0.0.1', port: 0 } }, BindError],
        [{ bind: '[:::::]:0' }, ParseError],
        [{ connect: v4('127.0.0.1', 1.5) }, OutOfRangeError],
      ];
    for (const [options, Named] of bad)
      await expect(udp(options), JSON.stringify(options)).rejects.toSatisfy((e) =>
        Named.isInstance(e),
      );
  });
});
