import { OutOfRangeError, endpoint } from '@elara/core';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  encodeStunU32,
  InvalidDestinationError,
  PathSelector,
  RelayedTransport,
  StunAttr,
  StunMethod,
  TransportClosedError,
  TURN_MIN_LIFETIME_S,
  TurnAllocationExpiredError,
  TurnPermissionExpiredError,
  type StunMessage,
} from '../src/index.ts';
import { methods, peerA, peerB, turnWorld, type TurnAnswer } from './turn-script.ts';

const channelOfRequest = (m: StunMessage): number | undefined => {
  const v = m.attributes.find((a) => a.type === StunAttr.ChannelNumber)?.value;
  return v === undefined ? undefined : ((v[0] as number) << 8) | (v[1] as number);
};

describe('TurnClient channel binds', () => {
  it('concurrent binds to different peers reserve different channel numbers', async () => {
    const w = turnWorld();
    const turn = await w.allocate();
    const both = Promise.allSettled([turn.bindChannel(peerA), turn.bindChannel(peerB)]);
    await w.scheduler.advanceBy(100_000);
    const [a, b] = await both;
    expect(a).toMatchObject({ status: 'fulfilled', value: 0x4000 });
    expect(b).toMatchObject({ status: 'fulfilled', value: 0x4001 });
    const binds = w.seen.filter((m) => m.method === StunMethod.ChannelBind);
    expect(binds.map(channelOfRequest)).toEqual([0x4000, 0x4001]);
    expect(turn.channelOf(peerA)).toBe(0x4000);
    expect(turn.channelOf(peerB)).toBe(0x4001);
    await w.settle(turn.close());
    expect(w.scheduler.pending).toBe(0);
  });

  it('binding one peer twice at once shares one request and leaves one refresh timer', async () => {
    const w = turnWorld();
    const turn = await w.allocate({ autoRefresh: false });
    const first = turn.bindChannel(peerA);
    const second = turn.bindChannel(peerA);
    expect(second).toBe(first);
    await w.scheduler.advanceBy(100_000);
    expect(await first).toBe(0x4000);
    expect(methods(w.seen).filter((m) => m === 'ChannelBind')).toHaveLength(1);
    expect(turn.counters.channelsBound).toBe(1);
    await w.settle(turn.close());
    expect(w.scheduler.pending).toBe(0);
  });

  it('a channel is used for data only once the server confirmed it; a failed bind frees it', async () => {
    const w = turnWorld((m) =>
      m.method === StunMethod.ChannelBind ? { kind: 'error', code: 400 } : undefined,
    );
    const turn = await w.allocate();
    const failed = turn.bindChannel(peerA);
    expect(turn.channelOf(peerA)).toBeUndefined();
    expect(await w.settle(failed)).toMatchObject({ errorCode: 400 });
    expect(turn.channelOf(peerA)).toBeUndefined();
    expect(() => turn.send(Uint8Array.of(1), peerA)).toThrow(InvalidDestinationError);
    await w.settle(turn.close());
  });
});

describe('TurnClient refresh failures', () => {
  it('a failed allocation refresh (508) is retried before the deadline and the allocation lives on', async () => {
    let failures = 1;
    const w = turnWorld((m) =>
      m.method === StunMethod.Refresh && failures-- > 0 ? { kind: 'error', code: 508 } : undefined,
    );
    const turn = await w.allocate({ lifetimeS: 300 });
    await w.scheduler.advanceBy(300_000_000);
    expect(turn.state).toBe('allocated');
    expect(turn.counters).toMatchObject({ refreshFailures: 1, refreshRetries: 1, refreshes: 1 });
    await w.settle(turn.close());
  });

  it('a permission whose refreshes keep failing is forgotten and reported; sends then refuse', async () => {
    let refusing = false;
    const w = turnWorld((m) =>
      refusing && m.method === StunMethod.CreatePermission ? { kind: 'drop' } : undefined,
    );
    const turn = await w.allocate({ lifetimeS: 3600, permissionLifetimeS: 300 });
    const errors: unknown[] = [];
    turn.errors$.subscribe((e) => errors.push(e));
    await w.settle(turn.createPermission([peerA]));
    expect(turn.permits(peerA)).toBe(true);
    refusing = true;
    await w.scheduler.advanceBy(300_000_000);
    expect(turn.permits(peerA)).toBe(false);
    expect(() => turn.send(Uint8Array.of(1), peerA)).toThrow(InvalidDestinationError);
    expect(errors).toHaveLength(1);
    expect(TurnPermissionExpiredError.isInstance(errors[0])).toBe(true);
    expect(turn.counters.permissionsLost).toBe(1);
    expect(turn.counters.refreshRetries).toBeGreaterThan(0);
    expect(turn.state).toBe('allocated');
    await w.settle(turn.close());
    expect(w.scheduler.pending).toBe(0);
  });

  it('a channel whose refreshes keep failing is forgotten and reported', async () => {
    let refusing = false;
    const w = turnWorld((m) =>
      refusing && m.method !== StunMethod.Refresh ? { kind: 'error', code: 500 } : undefined,
    );
    const turn = await w.allocate({ lifetimeS: 3600, channelLifetimeS: 600 });
    const errors: unknown[] = [];
    turn.errors$.subscribe((e) => errors.push(e));
    await w.settle(turn.bindChannel(peerA));
    refusing = true;
    await w.scheduler.advanceBy(600_000_000);
    expect(turn.channelOf(peerA)).toBeUndefined();
    expect(() => turn.send(Uint8Array.of(1), peerA)).toThrow(InvalidDestinationError);
    const what = errors.map((e) => (e as TurnPermissionExpiredError).what).sort();
    expect(what).toEqual(['channel', 'permission']);
    await w.settle(turn.close());
  });
});

describe('TurnClient close and expiry races', () => {
  it('close() during an in-flight refresh, permission and bind arms nothing and leaves nothing scheduled', async () => {
    const w = turnWorld();
    const turn = await w.allocate();
    const inFlight = [turn.refresh(), turn.createPermission([peerA]), turn.bindChannel(peerB)];
    const outcomes = inFlight.map((p) => p.catch((e: unknown) => e));
    await w.settle(turn.close());
    for (const o of outcomes) expect(TransportClosedError.isInstance(await o)).toBe(true);
    expect(turn.state).toBe('closed');
    expect(w.scheduler.pending).toBe(0);
    expect(w.stun.pendingCount).toBe(0);
  });

  it('operations on a closed client are refused with TransportClosedError', async () => {
    const w = turnWorld();
    const turn = await w.allocate();
    await w.settle(turn.close());
    const sent = w.seen.length;
    const refused = [turn.refresh(), turn.bindChannel(peerA), turn.createPermission([peerA])];
    for (const o of refused.map((p) => p.catch((e: unknown) => e)))
      expect(TransportClosedError.isInstance(await o)).toBe(true);
    expect(w.seen.length).toBe(sent);
    expect(w.scheduler.pending).toBe(0);
  });

  it('expiry is client-side and final: refresh() afterwards is refused, nothing is sent', async () => {
    const w = turnWorld();
    const turn = await w.allocate({ autoRefresh: false, lifetimeS: 60 });
    const errors: unknown[] = [];
    turn.errors$.subscribe((e) => errors.push(e));
    await w.scheduler.advanceBy(60_000_000);
    expect(turn.state).toBe('expired');
    expect(TurnAllocationExpiredError.isInstance(errors[0])).toBe(true);
    const sent = w.seen.length;
    expect(TurnAllocationExpiredError.isInstance(await w.settle(turn.refresh()))).toBe(true);
    expect(w.seen.length).toBe(sent);
    await w.settle(turn.close());
    expect(w.scheduler.pending).toBe(0);
  });
});

describe('TurnClient lifetimes and credentials', () => {
  const grant =
    (s: number) =>
    (m: StunMessage): TurnAnswer | undefined =>
      m.method === StunMethod.Allocate || m.method === StunMethod.Refresh
        ? {
            kind: 'success',
            attributes: [
              {
                type: StunAttr.XorRelayedAddress,
                value: new Uint8Array([
                  0,
                  1,
                  0xc3,
                  0x50,
                  ...[1, 2, 3, 4].map((b, i) => b ^ [0x21, 0x12, 0xa4, 0x42][i]!),
                ]),
              },
              {
                type: StunAttr.XorMappedAddress,
                value: new Uint8Array([0, 1, 0xc3, 0x50, 0x2b, 0x12, 0xa4, 0x43]),
              },
              { type: StunAttr.Lifetime, value: encodeStunU32(s) },
            ],
          }
        : undefined;

  it('a granted lifetime beyond what was asked is clamped to the asked one', async () => {
    const w = turnWorld(grant(0xffffffff));
    const turn = await w.allocate({ lifetimeS: 600 });
    expect(turn.lifetimeS).toBe(600);
    await w.settle(turn.close());
  });

  it('a granted lifetime of 0 is raised to the minimum, not expired at once', async () => {
    const w = turnWorld(grant(0));
    const turn = await w.allocate({ lifetimeS: 600, autoRefresh: false });
    expect(turn.lifetimeS).toBe(TURN_MIN_LIFETIME_S);
    expect(turn.state).toBe('allocated');
    await w.settle(turn.close());
  });

  it('asking for an invalid lifetime or retransmission is an OutOfRangeError', async () => {
    const w = turnWorld();
    for (const lifetimeS of [Number.NaN, 0, -1, 1.5, 2 ** 32])
      expect(OutOfRangeError.isInstance(await w.settle(w.allocate({ lifetimeS })))).toBe(true);
    for (const retransmission of [
      { rtoUs: Number.NaN },
      { maxTransmissions: 0 },
      { lastWaitFactor: -1 },
    ])
      expect(OutOfRangeError.isInstance(await w.settle(w.allocate({ retransmission })))).toBe(true);
    expect(w.seen).toHaveLength(0);
  });

  it('the password and the long-term key are not visible in inspect()', async () => {
    const w = turnWorld();
    const turn = await w.allocate();
    const shown = inspect(turn, { depth: 6, showHidden: true });
    expect(shown).not.toContain('secret');
    expect(shown).not.toMatch(/key: Uint8Array/);
    expect(shown).toContain('relayedAddress');
    await w.settle(turn.close());
  });

  it('operations take an AbortSignal', async () => {
    const w2 = turnWorld((m) =>
      m.method === StunMethod.ChannelBind ? { kind: 'drop' } : undefined,
    );
    const t2 = await w2.allocate();
    const controller = new AbortController();
    const binding = t2.bindChannel(peerA, { signal: controller.signal });
    controller.abort(new Error('stop'));
    expect(await w2.settle(binding)).toMatchObject({ message: 'stop' });
    expect(t2.channelOf(peerA)).toBeUndefined();
    await w2.settle(t2.close());
  });
});

describe('the allocation end seen through the transport and the path', () => {
  it('RelayedTransport forwards the allocation end to errors$; PathSelector drops to none', async () => {
    const w = turnWorld();
    const turn = await w.allocate({ autoRefresh: false, lifetimeS: 60 });
    const relayed = new RelayedTransport({ turn, yieldTo: 'scheduler' });
    const errors: unknown[] = [];
    relayed.errors$.subscribe((e) => errors.push(e));
    // The direct path's peer never answers: the relay is the only path.
    const paths = new PathSelector({
      stun: w.stun,
      peer: endpoint('10.0.0.99', 5000),
      relayed: { transport: relayed, remote: peerA },
      checkIntervalUs: 10_000_000,
    });
    const kinds: string[] = [];
    paths.path$.subscribe((p) => kinds.push(p.kind));
    await w.scheduler.advanceBy(61_000_000);
    expect(turn.state).toBe('expired');
    expect(errors).toHaveLength(1);
    expect(TurnAllocationExpiredError.isInstance(errors[0])).toBe(true);
    expect(kinds).toEqual(['relayed', 'none']);
    expect(() => paths.send(Uint8Array.of(1))).toThrow(InvalidDestinationError);
    paths.close();
    await w.settle(relayed.close());
  });
});
