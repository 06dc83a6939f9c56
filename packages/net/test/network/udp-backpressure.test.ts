import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BURST, sendRefused, UdpTransport, type SendResult } from '../../src/index.ts';
import { waitFor } from './real-world.ts';

const open: UdpTransport[] = [];
async function udp(options: Parameters<typeof UdpTransport.create>[0] = {}): Promise<UdpTransport> {
  const t = await UdpTransport.create({ bind: '127.0.0.1:0', ...options });
  open.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe('UDP backpressure on loopback, sender and receiver in one process', () => {
  it.each([64, 1200])(
    'a sender obeying backpressure pushes 100 000 datagrams of %i B: received = accepted',
    async (size) => {
      // A small queue, so the backpressure signal shows many times over the run.
      const a = await udp({ sendQueueLength: 64 });
      const b = await udp();
      let received = 0;
      let corrupt = 0;
      b.datagrams$.subscribe((d) => {
        received++;
        if (d.data.byteLength !== size || d.data[size - 1] !== 0xab) corrupt++;
      });
      const data = new Uint8Array(size).fill(0xab);
      let attempted = 0;
      let full = 0;
      let queued = 0;
      for (let i = 0; i < 100_000;) {
        attempted++;
        const r = a.send(data, b.localAddress);
        if (r === 'full') {
          full++;
          await a.writable();
        } else {
          if (r === 'queued') queued++;
          i++;
        }
      }
      await a.drained();
      const c = a.counters;
      expect(await waitFor(() => received >= c.sendAccepted)).toBe(true);
      expect(received).toBe(c.sendAccepted);
      expect(c.sendAccepted).toBe(100_000);
      expect(c.sendAttempted).toBe(attempted);
      expect(c.sendAttempted).toBe(c.sendAccepted + sendRefused(c));
      expect(c.sendRefusedFull).toBe(full);
      expect(full).toBeGreaterThan(0);
      expect(queued).toBeGreaterThan(0);
      expect(c.datagramsSent).toBe(100_000);
      expect(c.sendFailed).toBe(0);
      expect(corrupt).toBe(0);
      expect(b.counters.receivedUnobserved + b.counters.receivedOversize).toBe(0);
    },
  );

  it('control: the same burst through raw node:dgram, unpaced, loses datagrams', async () => {
    const b = await udp();
    const marker = await udp();
    let burst = 0;
    let done = false;
    b.datagrams$.subscribe((d) => {
      if (d.from.port === marker.localAddress.port) done = true;
      else burst++;
    });
    const raw = createSocket('udp4');
    await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
    const data = new Uint8Array(1200);
    const sent = 20_000;
    for (let i = 0; i < sent; i++) raw.send(data, b.localAddress.port, '127.0.0.1');
    // Every survivor of the burst is queued at b ahead of this marker (one receive queue, FIFO).
    await new Promise<void>((resolve) => setImmediate(resolve));
    marker.send(Uint8Array.of(1), b.localAddress);
    expect(await waitFor(() => done)).toBe(true);
    await new Promise<void>((resolve) => raw.close(resolve));
    expect(burst).toBeLessThan(sent);
  });
});

/** Sends `count` datagrams from `t` to `to`, obeying backpressure, and waits for the queue. */
async function push(t: UdpTransport, to: UdpTransport, data: Uint8Array, count: number) {
  for (let i = 0; i < count;) {
    if (t.send(data, to.localAddress) === 'full') await t.writable();
    else i++;
  }
  await t.drained();
}

describe('UDP fan-in: several paced senders in one process', () => {
  it('the transports of a process together write one burst per event-loop turn', async () => {
    const senders = await Promise.all(Array.from({ length: 4 }, () => udp()));
    const b = await udp();
    let received = 0;
    b.datagrams$.subscribe(() => received++);
    // Let any turn armed by earlier work pass, so this burst starts a turn of its own.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const results: SendResult[] = [];
    for (const s of senders)
      for (let i = 0; i < 20; i++) results.push(s.send(Uint8Array.of(0x10, i), b.localAddress));
    // Per transport, 20 would fit its own burst of 32: the budget is the process's.
    expect(results.filter((r) => r === 'sent').length).toBe(DEFAULT_BURST);
    expect(results.filter((r) => r === 'queued').length).toBe(80 - DEFAULT_BURST);
    await Promise.all(senders.map((s) => s.drained()));
    expect(await waitFor(() => received === 80)).toBe(true);
  });

  it('4 senders × 10 000 datagrams of 1200 B to one receiver, obeying backpressure: received = accepted', async () => {
    const senders = await Promise.all(Array.from({ length: 4 }, () => udp()));
    const b = await udp();
    const perSender = new Map<number, number>();
    const markers = new Set<number>();
    b.datagrams$.subscribe((d) => {
      if (d.data.byteLength === 1) markers.add(d.from.port);
      else perSender.set(d.from.port, (perSender.get(d.from.port) ?? 0) + 1);
    });
    const data = new Uint8Array(1200).fill(0xab);
    await Promise.all(senders.map((s) => push(s, b, data, 10_000)));
    // One receive queue, FIFO: once every sender's marker is in, everything sent before it is.
    for (const s of senders) s.send(Uint8Array.of(0xff), b.localAddress);
    const flushed = await waitFor(() => markers.size === senders.length, 10_000);
    for (const s of senders) {
      const c = s.counters;
      expect(perSender.get(s.localAddress.port), 'received from one sender').toBe(10_000);
      expect(c.sendAccepted).toBe(10_001);
      expect(c.sendAttempted).toBe(c.sendAccepted + sendRefused(c));
      expect(c.datagramsSent).toBe(10_001);
      expect(c.sendFailed).toBe(0);
    }
    expect(flushed).toBe(true);
    expect(b.counters.datagramsReceived).toBe(40_004);
  });
});
