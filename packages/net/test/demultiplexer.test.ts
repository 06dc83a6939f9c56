import { endpoint, type Datagram } from '@elara/core';
import { Prng } from '@elara/core/sim';
import { simWorld } from '@elara/testkit';
import { config, Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  classifyDatagram,
  DATAGRAM_KINDS,
  DatagramKind,
  Demultiplexer,
  HandlerError,
  SimNetwork,
  STUN_MAGIC_COOKIE,
  type DatagramHandler,
} from '../src/index.ts';

const FROM = endpoint('192.0.2.7', 3478);

function stun(): Uint8Array {
  const m = new Uint8Array(20);
  const v = new DataView(m.buffer);
  v.setUint16(0, 0x0101);
  v.setUint32(4, STUN_MAGIC_COOKIE);
  return m;
}

const SAMPLES: Record<DatagramKind, Uint8Array> = {
  stun: stun(),
  'channel-data': Uint8Array.of(0x40, 0x01, 0x00, 0x02, 0xaa, 0xbb),
  'elara-v1': Uint8Array.of(0x10, 1, 2, 3),
  'elara-v0': Uint8Array.of(0x00, 1, 2, 3),
  malformed: Uint8Array.of(0x40, 0x01, 0x00, 0x09, 0xaa),
  unknown: Uint8Array.of(0x80, 0x60),
};

function datagram(data: Uint8Array): Datagram {
  return { data, from: FROM, receivedAt: 0 };
}

describe('Demultiplexer', () => {
  it('hands each datagram to the handlers of its kind, in registration order', () => {
    const source = new Subject<Datagram>();
    const demux = new Demultiplexer(source);
    const seen: string[] = [];
    for (const kind of DATAGRAM_KINDS) {
      demux.on(kind, () => seen.push(`${kind}#1`));
      demux.on(kind, () => seen.push(`${kind}#2`));
    }
    for (const kind of DATAGRAM_KINDS) source.next(datagram(SAMPLES[kind]));
    expect(seen).toEqual(DATAGRAM_KINDS.flatMap((k) => [`${k}#1`, `${k}#2`]));
    for (const kind of DATAGRAM_KINDS) expect(demux.counters.byKind[kind]).toBe(1);
    expect(demux.counters.unhandled).toBe(0);
  });

  it('counts datagrams of a kind nobody handles', () => {
    const source = new Subject<Datagram>();
    const demux = new Demultiplexer(source);
    demux.on(DatagramKind.ElaraV1, () => undefined);
    for (const kind of DATAGRAM_KINDS) source.next(datagram(SAMPLES[kind]));
    expect(demux.counters.unhandled).toBe(DATAGRAM_KINDS.length - 1);
  });

  it('unregisters (idempotently), also from inside a dispatch', () => {
    const source = new Subject<Datagram>();
    const demux = new Demultiplexer(source);
    const calls: string[] = [];
    const offSecond = demux.on(DatagramKind.Stun, () => calls.push('b'));
    const offFirst = demux.on(DatagramKind.Stun, () => {
      calls.push('a');
      offFirst();
    });
    source.next(datagram(SAMPLES.stun));
    source.next(datagram(SAMPLES.stun));
    offSecond();
    offSecond();
    source.next(datagram(SAMPLES.stun));
    expect(calls).toEqual(['b', 'a', 'b']);
    expect(demux.counters.unhandled).toBe(1);
  });

  it('a throwing handler is counted and reported; the others still run', () => {
    const source = new Subject<Datagram>();
    const demux = new Demultiplexer(source);
    const errors: unknown[] = [];
    demux.errors$.subscribe((e) => errors.push(e));
    let after = 0;
    demux.on(DatagramKind.ElaraV1, () => {
      throw new RangeError('bad frame');
    });
    demux.on(DatagramKind.ElaraV1, () => after++);
    source.next(datagram(SAMPLES['elara-v1']));
    source.next(datagram(SAMPLES['elara-v1']));
    expect(after).toBe(2);
    expect(demux.counters.handlerErrors).toBe(2);
    expect(errors.length).toBe(2);
    expect(HandlerError.isInstance(errors[0])).toBe(true);
    expect((errors[0] as HandlerError).kind).toBe(DatagramKind.ElaraV1);
  });

  it('every way in is a guarded handler: nothing reaches the RxJS unhandled-error path', () => {
    // RxJS reports an exception from a subscribe callback on a timer, through this hook (or, by
    // default, by throwing there, which ends a Node process).
    vi.useFakeTimers();
    const unhandled: unknown[] = [];
    config.onUnhandledError = (e) => unhandled.push(e);
    try {
      const source = new Subject<Datagram>();
      const demux = new Demultiplexer(source);
      demux.on(DatagramKind.ChannelData, () => {
        throw new Error('handler');
      });
      source.next(datagram(SAMPLES['channel-data']));
      vi.runAllTimers();
      expect(unhandled).toEqual([]);
      expect(demux.counters.handlerErrors).toBe(1);
      // No per-kind observable whose subscribers would be out of the guard's reach.
      expect('kind$' in demux).toBe(false);

      // The caveat, shown: a plain subscriber that throws goes to the hook, uncounted.
      source.subscribe(() => {
        throw new Error('subscriber');
      });
      source.next(datagram(SAMPLES['channel-data']));
      vi.runAllTimers();
      expect(unhandled.map((e) => (e as Error).message)).toEqual(['subscriber']);
      expect(demux.counters.handlerErrors).toBe(2);
    } finally {
      config.onUnhandledError = null;
      vi.useRealTimers();
    }
  });

  it('close stops routing and completes errors$', () => {
    const source = new Subject<Datagram>();
    const demux = new Demultiplexer(source);
    let calls = 0;
    let completed = false;
    demux.errors$.subscribe({ complete: () => (completed = true) });
    demux.on(DatagramKind.Stun, () => calls++);
    demux.close();
    demux.close();
    source.next(datagram(SAMPLES.stun));
    expect(calls).toBe(0);
    expect(completed).toBe(true);
    expect(source.observed).toBe(false);
  });

  it('survives a flood of junk from 2000 source addresses, keeping no per-source state', () => {
    const { scheduler } = simWorld(41);
    const net = new SimNetwork({ scheduler, seed: 41 });
    const target = net.bind({ address: '10.255.0.1:4000' });
    const demux = new Demultiplexer(target.datagrams$);
    let frames = 0;
    const handler: DatagramHandler = () => frames++;
    demux.on(DatagramKind.ElaraV1, handler);
    demux.on(DatagramKind.Stun, () => undefined);
    const rng = new Prng(41);
    const sources = Array.from({ length: 2_000 }, () => net.bind());
    const expected = Object.fromEntries(DATAGRAM_KINDS.map((k) => [k, 0])) as Record<
      DatagramKind,
      number
    >;
    let oversize = 0;
    for (const s of sources) {
      for (let i = 0; i < 5; i++) {
        const size = rng.int(0, 1200);
        const junk = new Uint8Array(size);
        rng.fill(junk);
        // Mix in STUN-looking and ChannelData-looking junk, truncated or not.
        if (size >= 8 && rng.chance(0.3)) {
          junk[0] = rng.int(0, 3);
          new DataView(junk.buffer).setUint32(4, STUN_MAGIC_COOKIE);
        }
        s.send(junk, target.localAddress);
        expected[classifyDatagram(junk)]++;
      }
      const big = new Uint8Array(1200 + rng.int(1, 200));
      expect(() => s.send(big, target.localAddress)).toThrow();
    }
    // The receiver's own limit drops what exceeds it (senders with a larger budget).
    const wide = net.bind({ maxDatagramSize: 1400 });
    const target2 = net.bind({ maxReceiveBytes: 1300 });
    target2.datagrams$.subscribe(() => undefined);
    for (let i = 0; i < 10; i++) {
      wide.send(new Uint8Array(1301 + i), target2.localAddress);
      oversize++;
    }
    scheduler.advanceBySync(1_000_000);
    expect(demux.counters.byKind).toEqual(expected);
    expect(target.counters.datagramsReceived).toBe(10_000);
    expect(frames).toBe(expected['elara-v1']);
    expect(demux.counters.unhandled).toBe(10_000 - expected['elara-v1'] - expected.stun);
    expect(expected.malformed).toBeGreaterThan(0);
    expect(target2.counters.receivedOversize).toBe(oversize);
    expect(target2.counters.datagramsReceived).toBe(0);
  });
});
