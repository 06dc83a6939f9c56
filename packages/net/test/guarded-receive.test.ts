import type { ElaraError } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { config } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandlerError, SimNetwork } from '../src/index.ts';

// RxJS reports an exception thrown by a subscribe callback on a timer, through this hook, or by
// default by throwing there, which ends a Node process. Fake timers let the test see that timer.
const unhandled: unknown[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  config.onUnhandledError = (e) => unhandled.push(e);
});
afterEach(() => {
  config.onUnhandledError = null;
  unhandled.length = 0;
  vi.useRealTimers();
});

function world() {
  const scheduler = new VirtualScheduler();
  const net = new SimNetwork({ scheduler, seed: 3 });
  return { scheduler, a: net.bind(), b: net.bind() };
}

describe('receiving through guarded handlers', () => {
  it('a throwing onDatagram handler is counted and reported, and never reaches RxJS', () => {
    const { scheduler, a, b } = world();
    const errors: ElaraError[] = [];
    b.errors$.subscribe((e) => errors.push(e));
    b.onDatagram(() => {
      throw new Error('handler');
    });
    for (let i = 0; i < 3; i++) a.send(Uint8Array.of(0x10, i), b.localAddress);
    scheduler.advanceBySync(10_000);
    vi.runAllTimers();
    expect(b.counters.handlerErrors).toBe(3);
    expect(errors.map((e) => HandlerError.isInstance(e))).toEqual([true, true, true]);
    expect(unhandled).toEqual([]);
    expect(b.counters.datagramsReceived).toBe(3);
  });

  it('the documented caveat: a plain datagrams$ subscriber that throws goes to RxJS, uncounted', () => {
    const { scheduler, a, b } = world();
    b.datagrams$.subscribe(() => {
      throw new Error('subscriber');
    });
    a.send(Uint8Array.of(0x10), b.localAddress);
    scheduler.advanceBySync(10_000);
    vi.runAllTimers();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['subscriber']);
    expect(b.counters.handlerErrors).toBe(0);
  });

  it('a handler may unregister itself during dispatch; after close nothing registers', async () => {
    const { scheduler, a, b } = world();
    const calls: string[] = [];
    const offFirst = b.onDatagram(() => {
      calls.push('first');
      offFirst();
    });
    b.onDatagram(() => calls.push('second'));
    a.send(Uint8Array.of(1), b.localAddress);
    a.send(Uint8Array.of(2), b.localAddress);
    scheduler.advanceBySync(10_000);
    expect(calls).toEqual(['first', 'second', 'second']);
    await b.close();
    let late = 0;
    const off = b.onDatagram(() => late++);
    off();
    b.receive(Uint8Array.of(3), a.localAddress);
    expect(late).toBe(0);
  });
});
