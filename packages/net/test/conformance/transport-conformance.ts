import {
  ClosedError,
  ElaraError,
  endpoint,
  endpointEquals,
  TooLargeError,
  type Datagram,
  type Endpoint,
} from '@elara/core';
import { propertyRuns } from '@elara/test-env';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DatagramTooLargeError,
  HandlerError,
  InvalidDestinationError,
  sendRefused,
  TransportClosedError,
  type SendResult,
  type Transport,
  type TransportLimitOptions,
} from '../../src/index.ts';

/** Per-world settings the suite asks for; a harness passes them to both transports. */
export interface WorldOptions {
  readonly sendQueueLength?: number;
  readonly burst?: number;
  readonly maxDatagramSize?: number;
  /** Only for `b`, the receiver. */
  readonly maxReceiveBytes?: number;
}

/** The transport limits a world's sender (`a`) and receiver (`b`) are created with. */
export function worldLimits(options: WorldOptions = {}): {
  sender: TransportLimitOptions;
  receiver: TransportLimitOptions;
} {
  const sender: TransportLimitOptions = {
    ...(options.burst === undefined ? {} : { pacing: { burst: options.burst } }),
    ...(options.sendQueueLength === undefined ? {} : { sendQueueLength: options.sendQueueLength }),
    ...(options.maxDatagramSize === undefined ? {} : { maxDatagramSize: options.maxDatagramSize }),
  };
  const receiver: TransportLimitOptions = {
    ...sender,
    ...(options.maxReceiveBytes === undefined ? {} : { maxReceiveBytes: options.maxReceiveBytes }),
  };
  return { sender, receiver };
}

/**
 * Two transports that reach each other over a path that does not duplicate, and loses nothing
 * unless {@link TransportWorld.lossy} says it may.
 */
export interface TransportWorld {
  readonly a: Transport;
  readonly b: Transport;
  /**
   * Set when the path may lose datagrams although nothing is wrong with the transports (UDP
   * through a relay process on a loaded machine: the relay's socket buffers overflow while it
   * waits for a CPU). The `Transport` contract allows loss, so the bulk delivery tests then
   * resend, at the test level, what has not arrived `waitMs` after it was sent (at most `rounds`
   * times) and assert what can honestly be asserted: everything arrives in the end, and every
   * datagram that arrives is intact (byte for byte something that was sent, and no more often
   * than it was sent) and carries the sender's address. Only a real-time world may set it.
   * Unset: the path is lossless and the counts are exact.
   */
  readonly lossy?: { readonly waitMs: number; readonly rounds: number };
  /** Lets the world run (real time, or virtual) until `done()` holds; false on the harness's limit. */
  runUntil(done: () => boolean): Promise<boolean>;
  /** Resources the transports still hold (sockets, immediates, timers); 0 once both are closed. */
  leaks(): number;
  /** Closes everything; idempotent. */
  dispose(): Promise<void>;
}

/** How one Transport implementation runs the suite (with IPv4 transports). */
export interface ConformanceHarness {
  readonly name: string;
  create(options?: WorldOptions): Promise<TransportWorld>;
}

/** `attempted = accepted + refused` and `accepted = sent + dropped on close + queued`. */
export function expectBalanced(t: Transport): void {
  const c = t.counters;
  expect(c.sendAttempted).toBe(c.sendAccepted + sendRefused(c));
  expect(c.sendAccepted).toBe(c.datagramsSent + c.droppedOnClose + t.queuedDatagrams);
}

/** Settles `promise` while the world runs; returns how it settled. */
export async function settle(
  world: TransportWorld,
  promise: Promise<void>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  let result: { ok: true } | { ok: false; error: unknown } | undefined;
  promise.then(
    () => (result = { ok: true }),
    (error: unknown) => (result = { ok: false, error }),
  );
  const settled = await world.runUntil(() => result !== undefined);
  expect(settled, 'the promise settled').toBe(true);
  return result as { ok: true } | { ok: false; error: unknown };
}

/** Sends every payload from `from` to `to`, obeying backpressure. */
export async function sendObeying(
  world: TransportWorld,
  from: Transport,
  to: Transport,
  payloads: readonly Uint8Array[],
): Promise<void> {
  for (const p of payloads) {
    while (from.send(p, to.localAddress) === 'full') {
      expect((await settle(world, from.writable())).ok).toBe(true);
    }
  }
}

function key(data: Uint8Array): string {
  return Buffer.from(data).toString('hex');
}

function multiset(items: Iterable<Uint8Array>): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of items) m.set(key(d), (m.get(key(d)) ?? 0) + 1);
  return m;
}

function collect(t: Transport): { received: Datagram[]; stop: () => void } {
  const received: Datagram[] = [];
  const sub = t.datagrams$.subscribe((d) =>
    received.push({ data: d.data.slice(), from: d.from, receivedAt: d.receivedAt }),
  );
  return { received, stop: () => sub.unsubscribe() };
}

/** Everything a lossy world's bulk tests handed to `send()`, by content (see `deliver`). */
const handedIn = new WeakMap<TransportWorld, Map<string, number>>();

/**
 * Sends every payload from `from` to `to` (obeying backpressure) and waits until each has arrived
 * in `inbox`: exactly once each and nothing else on a lossless world; on a lossy one, resending
 * what is missing (see {@link TransportWorld.lossy}). Returns every datagram handed to `send()`,
 * resends included. With `'already sent'`, the caller has sent `payloads` itself.
 */
export async function deliver(
  world: TransportWorld,
  from: Transport,
  to: Transport,
  inbox: readonly Datagram[],
  payloads: readonly Uint8Array[],
  sent?: 'already sent',
): Promise<Uint8Array[]> {
  const handed = [...payloads];
  if (sent === undefined) await sendObeying(world, from, to, payloads);
  const { lossy } = world;
  if (lossy === undefined) {
    expect(await world.runUntil(() => inbox.length >= payloads.length)).toBe(true);
    expect(multiset(inbox.map((d) => d.data))).toEqual(multiset(payloads));
    return handed;
  }
  const ledger = handedIn.get(world) ?? new Map<string, number>();
  handedIn.set(world, ledger);
  const record = (ps: readonly Uint8Array[]): void => {
    for (const p of ps) ledger.set(key(p), (ledger.get(key(p)) ?? 0) + 1);
  };
  record(payloads);
  // What has not arrived yet, recomputed only when something arrived.
  let seen = -1;
  let missing: Uint8Array[] = [...payloads];
  const stillMissing = (): Uint8Array[] => {
    if (inbox.length === seen) return missing;
    seen = inbox.length;
    const have = multiset(inbox.map((d) => d.data));
    missing = payloads.filter((p) => {
      const n = have.get(key(p)) ?? 0;
      if (n > 0) have.set(key(p), n - 1);
      return n === 0;
    });
    return missing;
  };
  for (let round = 0; round <= lossy.rounds; round++) {
    const deadline = performance.now() + lossy.waitMs;
    await world.runUntil(() => stillMissing().length === 0 || performance.now() > deadline);
    const lost = stillMissing();
    if (lost.length === 0 || round === lossy.rounds) break;
    await sendObeying(world, from, to, lost);
    record(lost);
    handed.push(...lost);
  }
  expect(stillMissing().length, 'payloads still missing after the resends').toBe(0);
  // Intact: each arrival is byte for byte something sent in this world, at most as often.
  for (const [k, n] of multiset(inbox.map((d) => d.data)))
    expect(n, `arrivals of ${k.slice(0, 16)}`).toBeLessThanOrEqual(ledger.get(k) ?? 0);
  return handed;
}

function payload(id: number, size: number, seed: number): Uint8Array {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = (id * 31 + i * 7 + seed) & 0xff;
  if (size >= 4) new DataView(p.buffer).setUint32(0, id);
  return p;
}

/**
 * The transport conformance suite: what every {@link Transport} must do, whatever carries it.
 * Ordering is never assumed. On a lossless path counts are exact; on a lossy one
 * ({@link TransportWorld.lossy}) the bulk tests resend what is lost and check what arrives.
 */
export function describeTransportConformance(harness: ConformanceHarness): void {
  describe(`Transport conformance: ${harness.name}`, () => {
    const worlds: TransportWorld[] = [];
    const create = async (options?: WorldOptions): Promise<TransportWorld> => {
      const w = await harness.create(options);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      await Promise.all(worlds.splice(0).map((w) => w.dispose()));
    });

    it('binds to an address, with the default size budget and queue bound', async () => {
      const { a, b } = await create();
      for (const t of [a, b]) {
        expect(t.localAddress.port).toBeGreaterThan(0);
        expect(t.localAddress.port).toBeLessThanOrEqual(65_535);
        expect(t.maxDatagramSize).toBe(1200);
        expect(t.sendQueueLength).toBe(1024);
        expect(t.closed).toBe(false);
        expect(t.queuedDatagrams).toBe(0);
      }
      expect(endpointEquals(a.localAddress, b.localAddress)).toBe(false);
    });

    it('delivers every datagram intact, with the sender address, in whatever order', async () => {
      const w = await create();
      const { a, b } = w;
      const inbox = collect(b);
      const sent = Array.from({ length: 400 }, (_, i) => payload(i, 4 + ((i * 37) % 1197), 1));
      const handed = await deliver(w, a, b, inbox.received, sent);
      for (const d of inbox.received) expect(endpointEquals(d.from, a.localAddress)).toBe(true);
      const times = inbox.received.map((d) => d.receivedAt);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      const bytes = (ps: readonly Uint8Array[]): number => ps.reduce((n, p) => n + p.byteLength, 0);
      // Lossless: handed = sent = received. Lossy: every arrival counted, every resend too.
      expect(b.counters.datagramsReceived).toBe(inbox.received.length);
      expect(b.counters.bytesReceived).toBe(bytes(inbox.received.map((d) => d.data)));
      expect(a.counters.bytesSent).toBe(bytes(handed));
      if (w.lossy === undefined) expect(b.counters.datagramsReceived).toBe(sent.length);
      expectBalanced(a);
    });

    it('copies on send: the caller may reuse its buffer at once', async () => {
      const w = await create();
      const inbox = collect(w.b);
      const buffer = new Uint8Array(100);
      const expected: Uint8Array[] = [];
      for (let i = 0; i < 200; i++) {
        buffer.fill(i & 0xff);
        expected.push(buffer.slice());
        while (w.a.send(buffer, w.b.localAddress) === 'full') await settle(w, w.a.writable());
      }
      // Already sent (deliver() only resends, fresh copies, what a lossy path lost): had send()
      // kept the caller's buffer, the arrivals would be copies of its last contents.
      await deliver(w, w.a, w.b, inbox.received, expected, 'already sent');
    });

    it('honours sizes: 0 to the budget arrive whole, one byte more is a named error', async () => {
      const w = await create();
      const { a, b } = w;
      const inbox = collect(b);
      const sizes = [0, 1, 2, 3, 4, 5, 63, 64, 65, 576, 1199, 1200];
      const sent = sizes.map((s, i) => payload(i, s, 2));
      await deliver(w, a, b, inbox.received, sent);

      const before = { ...a.counters };
      let caught: unknown;
      try {
        a.send(new Uint8Array(1201), b.localAddress);
      } catch (e) {
        caught = e;
      }
      expect(DatagramTooLargeError.isInstance(caught)).toBe(true);
      expect(TooLargeError.isInstance(caught)).toBe(true);
      expect((caught as DatagramTooLargeError).size).toBe(1201);
      expect((caught as DatagramTooLargeError).limit).toBe(1200);
      expect(a.counters.sendRefusedTooLarge).toBe(before.sendRefusedTooLarge + 1);
      expect(a.counters.datagramsSent).toBe(before.datagramsSent);
      expectBalanced(a);
    });

    it('a budget of 1400 (the reference frame size) carries 1400-byte datagrams', async () => {
      const w = await create({ maxDatagramSize: 1400 });
      const inbox = collect(w.b);
      expect(w.a.maxDatagramSize).toBe(1400);
      const sent = [payload(1, 1400, 3), payload(2, 1300, 3)];
      await deliver(w, w.a, w.b, inbox.received, sent);
      expect(() => w.a.send(new Uint8Array(1401), w.b.localAddress)).toThrow(DatagramTooLargeError);
    });

    it('random batches arrive exactly (property)', async () => {
      const w = await create();
      const inbox = collect(w.b);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 1200 }), { maxLength: 60 }),
          async (batch) => {
            inbox.received.length = 0;
            await deliver(w, w.a, w.b, inbox.received, batch);
          },
        ),
        { numRuns: propertyRuns(15, 100) },
      );
      expectBalanced(w.a);
    });

    it('backpressure: a burst beyond the pacer and the queue is refused, never lost', async () => {
      const w = await create({ sendQueueLength: 8, burst: 4 });
      const { a, b } = w;
      const inbox = collect(b);
      const results: SendResult[] = [];
      for (let i = 0; i < 100; i++) results.push(a.send(payload(i, 200, 4), b.localAddress));
      const count = (r: SendResult): number => results.filter((x) => x === r).length;
      // Within one synchronous burst: sent, then queued, then full; FIFO is kept.
      const rank = { sent: 0, queued: 1, full: 2 } as const;
      for (let i = 1; i < results.length; i++)
        expect(rank[results[i] as SendResult]).toBeGreaterThanOrEqual(
          rank[results[i - 1] as SendResult],
        );
      expect(count('sent')).toBeGreaterThanOrEqual(1);
      expect(count('sent')).toBeLessThanOrEqual(4);
      expect(count('queued')).toBe(8);
      expect(count('full')).toBe(100 - count('sent') - 8);
      expect(a.queuedDatagrams).toBe(8);
      expect(a.counters.sendRefusedFull).toBe(count('full'));
      expect(a.counters.sendAccepted).toBe(count('sent') + count('queued'));
      expectBalanced(a);

      // Full: writable() waits for the queue to drain to half, then sending works again.
      expect((await settle(w, a.writable())).ok).toBe(true);
      expect(a.queuedDatagrams).toBeLessThanOrEqual(4);
      expect(a.send(payload(1000, 200, 4), b.localAddress)).not.toBe('full');
      expect((await settle(w, a.drained())).ok).toBe(true);
      expect(a.queuedDatagrams).toBe(0);
      const accepted = a.counters.sendAccepted;
      expect(await w.runUntil(() => inbox.received.length >= accepted)).toBe(true);
      expect(b.counters.datagramsReceived).toBe(accepted);
      expectBalanced(a);
    });

    it('writable() and drained() resolve at once when there is room', async () => {
      const { a } = await create();
      await expect(a.writable()).resolves.toBeUndefined();
      await expect(a.drained()).resolves.toBeUndefined();
    });

    it('a wait rejects with the abort reason when its signal fires', async () => {
      const w = await create({ sendQueueLength: 2, burst: 1 });
      for (let i = 0; i < 5; i++) w.a.send(payload(i, 10, 5), w.b.localAddress);
      const controller = new AbortController();
      const reason = new Error('gave up');
      const waiting = w.a.writable(controller.signal);
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await expect(w.a.drained(AbortSignal.abort(reason))).rejects.toBe(reason);
    });

    it('close: idempotent, completes streams, refuses sends, rejects waits, counts drops', async () => {
      const w = await create({ sendQueueLength: 4, burst: 2 });
      const { a, b } = w;
      let completed = 0;
      a.datagrams$.subscribe({ complete: () => completed++ });
      a.errors$.subscribe({ complete: () => completed++ });
      for (let i = 0; i < 10; i++) a.send(payload(i, 50, 6), b.localAddress);
      const queued = a.queuedDatagrams;
      expect(queued).toBe(4);
      const waiting = a.writable();
      const draining = a.drained();

      const first = a.close();
      expect(a.close()).toBe(first);
      expect(a.closed).toBe(true);
      await first;
      expect(completed).toBe(2);
      for (const p of [waiting, draining]) {
        const error = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(TransportClosedError.isInstance(error)).toBe(true);
        expect(ClosedError.isInstance(error)).toBe(true);
      }
      expect(a.counters.droppedOnClose).toBe(queued);
      expect(a.queuedDatagrams).toBe(0);
      expectBalanced(a);

      expect(() => a.send(new Uint8Array(1), b.localAddress)).toThrow(TransportClosedError);
      expect(a.counters.sendRefusedClosed).toBe(1);
      await expect(a.writable()).rejects.toThrow(TransportClosedError);
      await expect(a.drained()).rejects.toThrow(TransportClosedError);
      let lateComplete = false;
      a.datagrams$.subscribe({ complete: () => (lateComplete = true) });
      expect(lateComplete).toBe(true);
      expectBalanced(a);

      // The peer is unaffected; what it sends to the closed transport is not delivered there.
      const received = a.counters.datagramsReceived;
      const inbox = collect(b);
      expect(b.send(payload(1, 10, 6), a.localAddress)).not.toBe('full');
      expect(b.send(payload(2, 10, 6), b.localAddress)).not.toBe('full');
      expect(await w.runUntil(() => inbox.received.length >= 1)).toBe(true);
      expect(a.counters.datagramsReceived).toBe(received);

      await b.close();
      await b.close();
      expect(w.leaks()).toBe(0);
    });

    it('invalid destinations are refused with a named error; the transport goes on', async () => {
      const w = await create();
      const { a, b } = w;
      const base = b.localAddress;
      const bad = [
        { ...base, port: 0 },
        { ...base, port: 65_536 },
        { ...base, port: 1.5 },
        { ...base, port: -1 },
        endpoint('::1', 9),
      ];
      for (const to of bad) {
        let caught: unknown;
        try {
          a.send(new Uint8Array(8), to);
        } catch (e) {
          caught = e;
        }
        expect(InvalidDestinationError.isInstance(caught)).toBe(true);
        expect(ElaraError.isInstance(caught)).toBe(true);
      }
      expect(a.counters.sendRefusedInvalid).toBe(bad.length);
      expect(a.counters.datagramsSent).toBe(0);
      const inbox = collect(b);
      expect(a.send(Uint8Array.of(1, 2, 3), b.localAddress)).toBe('sent');
      expect(await w.runUntil(() => inbox.received.length === 1)).toBe(true);
      expectBalanced(a);
    });

    it('destination checks remember an address only with its family, and only once it passed', async () => {
      const w = await create();
      const { a, b } = w;
      const refused = (to: Endpoint): boolean => {
        try {
          a.send(Uint8Array.of(1), to);
          return false;
        } catch (e) {
          return InvalidDestinationError.isInstance(e);
        }
      };
      // An IPv4 transport: '::1' is no IPv4 literal, and IPv6 is out of its reach, in any order
      // and however often (a check that passed for one family must not excuse another).
      const v4Loopback6 = { family: 'IPv4', address: '::1', port: 9 } as const;
      const v6Loopback = { family: 'IPv6', address: '::1', port: 9 } as const;
      const v6Text4 = { family: 'IPv6', address: b.localAddress.address, port: 9 } as const;
      const sequence: Endpoint[] = [
        v4Loopback6,
        v6Loopback,
        v4Loopback6,
        { family: 'IPv4', address: 'not-an-ip', port: 9 },
        { family: 'IPv4', address: '10.0.0', port: 9 },
        v6Text4,
        v4Loopback6,
      ];
      for (const to of sequence) expect(refused(to), JSON.stringify(to)).toBe(true);
      expect(a.counters.sendRefusedInvalid).toBe(sequence.length);
      expect(a.counters.datagramsSent).toBe(0);
      const inbox = collect(b);
      expect(a.send(Uint8Array.of(2), b.localAddress)).toBe('sent');
      expect(refused(v4Loopback6)).toBe(true);
      expect(await w.runUntil(() => inbox.received.length === 1)).toBe(true);
      expectBalanced(a);
    });

    it('arguments of the wrong type are a TypeError before anything is counted', async () => {
      const w = await create();
      const { a, b } = w;
      const inbox = collect(b);
      const before = { ...a.counters };
      const bytes = Uint8Array.of(0x10, 1, 2, 3);
      const words = Uint16Array.of(0x1010, 0x0101);
      const badData: unknown[] = [
        new DataView(bytes.buffer),
        words,
        Int8Array.of(1, 2),
        bytes.buffer,
        [0x10, 1],
        'frame',
        null,
        undefined,
      ];
      // A DataView is no array to copy from, a Uint16Array is copied element by element: either
      // would leave stale bytes in the datagram. Refused, like anything else that is not bytes.
      for (const data of badData) {
        expect(() => a.send(data as Uint8Array, b.localAddress), String(data)).toThrow(TypeError);
      }
      const badTo: unknown[] = [
        null,
        undefined,
        '127.0.0.1:9',
        { address: b.localAddress.address, port: b.localAddress.port },
        { ...b.localAddress, family: 'IPv5' },
        { ...b.localAddress, port: String(b.localAddress.port) },
        { ...b.localAddress, address: 0x7f000001 },
      ];
      for (const to of badTo)
        expect(() => a.send(bytes, to as Endpoint), JSON.stringify(to)).toThrow(TypeError);
      expect(a.counters).toEqual(before);
      expectBalanced(a);
      // The transport goes on, and sends what it was given byte for byte.
      expect(a.send(bytes, b.localAddress)).toBe('sent');
      expect(await w.runUntil(() => inbox.received.length === 1)).toBe(true);
      expect(Array.from(inbox.received[0]?.data ?? [])).toEqual([0x10, 1, 2, 3]);
      expectBalanced(a);
    });

    it('onDatagram handlers are guarded: a throwing one is counted and reported, the rest go on', async () => {
      const w = await create();
      const { a, b } = w;
      const errors: ElaraError[] = [];
      b.errors$.subscribe((e) => errors.push(e));
      const first: Uint8Array[] = [];
      const last: Uint8Array[] = [];
      b.onDatagram((d) => first.push(d.data.slice()));
      const offThrowing = b.onDatagram(() => {
        throw new RangeError('bad frame');
      });
      b.onDatagram((d) => last.push(d.data.slice()));
      const sent = [payload(1, 10, 8), payload(2, 20, 8)];
      await sendObeying(w, a, b, sent);
      expect(await w.runUntil(() => last.length === 2)).toBe(true);
      expect(multiset(first)).toEqual(multiset(sent));
      expect(multiset(last)).toEqual(multiset(sent));
      expect(b.counters.handlerErrors).toBe(2);
      expect(errors.length).toBe(2);
      expect(HandlerError.isInstance(errors[0])).toBe(true);
      expect((errors[0] as HandlerError).cause).toBeInstanceOf(RangeError);
      // Handlers alone are receivers: nothing counts as unobserved.
      expect(b.counters.datagramsReceived).toBe(2);
      expect(b.counters.receivedUnobserved).toBe(0);
      offThrowing();
      offThrowing();
      await sendObeying(w, a, b, [payload(3, 30, 8)]);
      expect(await w.runUntil(() => last.length === 3)).toBe(true);
      expect(b.counters.handlerErrors).toBe(2);
      expect(first.length).toBe(3);
      expect(b.closed).toBe(false);
    });

    it('counts what it cannot deliver: oversize and unobserved datagrams are not buffered', async () => {
      const w = await create({ maxReceiveBytes: 100 });
      const { a, b } = w;
      await sendObeying(w, a, b, [payload(1, 150, 7), payload(2, 101, 7)]);
      await sendObeying(w, a, b, [payload(3, 100, 7), payload(4, 10, 7), payload(5, 0, 7)]);
      expect(
        await w.runUntil(
          () => b.counters.receivedOversize === 2 && b.counters.receivedUnobserved === 3,
        ),
      ).toBe(true);
      const inbox = collect(b);
      await sendObeying(w, a, b, [payload(6, 100, 7), payload(7, 101, 7)]);
      expect(
        await w.runUntil(() => inbox.received.length === 1 && b.counters.receivedOversize === 3),
      ).toBe(true);
      expect(key(inbox.received[0]?.data ?? new Uint8Array())).toBe(key(payload(6, 100, 7)));
      expect(b.counters.datagramsReceived).toBe(1);
    });
  });
}
