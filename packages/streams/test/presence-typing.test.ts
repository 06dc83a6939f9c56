import { describe, expect, it } from 'vitest';
import { EventKind, EventType, OutOfRangeError, type NodeId, type StateId } from '@elara/core';
import { VirtualScheduler } from '@elara/core/sim';
import { toRxScheduler } from '@elara/time/rx';
import { interval } from 'rxjs';
import {
  ContentTooLargeError,
  encodePresence,
  encodeTypingIndicator,
  PresenceStatus,
  type PresenceEntry,
  StreamOptionsError,
  streamOptions,
  type TypingEntry,
} from '../src/index.ts';
import { ALICE, BOB, CAROL, connect, replica, type Replica } from './helpers.ts';

const T0 = 1_800_000_000_000_000;
const TIMEOUT_US = 1_000_000;
const TTL_US = 500_000;

function world(nodes: readonly NodeId[] = [ALICE, BOB]) {
  const clock = new VirtualScheduler(T0);
  const rs = nodes.map((n) =>
    replica(n, clock, {
      members: nodes,
      options: { presence: { timeoutUs: TIMEOUT_US }, typing: { ttlUs: TTL_US } },
    }),
  );
  connect(rs);
  // The runtime's tick: every replica's field expires on the one virtual clock.
  const rx = toRxScheduler(clock);
  const ticks = interval(100, rx).subscribe(() => {
    for (const r of rs) r.field.expire();
  });
  return { clock, rx, rs, ticks };
}

const who = (list: readonly { user: NodeId }[]) => list.map((e) => e.user);

/** A raw ephemeral event of `r` (what a buggy member could send). */
function rawSet(
  r: Replica,
  others: readonly Replica[],
  atom: StateId,
  counter: number,
  data: Uint8Array,
) {
  const e = {
    kind: EventKind.Ephemeral,
    author: r.self,
    counter,
    time: r.time.now(),
    target: atom,
    eventType: EventType.PresenceUpdate,
    mutation: { type: 'set', data },
  } as const;
  r.field.applyLocal(e);
  for (const o of others) o.field.receive(e, { from: r.self });
}

describe('presence: join, update, leave, timeout in virtual time', () => {
  it('join and update show on both replicas with status, custom text and last seen', () => {
    const { clock, rs } = world();
    const [a, b] = rs as [Replica, Replica];
    a.streams.presence().join();
    const seen = b.streams.presence().present();
    expect(seen).toEqual<PresenceEntry[]>([
      {
        user: ALICE,
        status: PresenceStatus.Online,
        lastActive: T0,
        lastSeen: T0,
        expiresAt: T0 + TIMEOUT_US,
        custom: undefined,
      },
    ]);
    clock.advanceBySync(200_000);
    a.streams.presence().update({ status: PresenceStatus.Busy, custom: 'in a call' });
    clock.advanceBySync(100_000);
    a.streams.presence().update({ status: PresenceStatus.Away }); // keeps the custom text
    for (const r of rs) {
      expect(r.streams.presence().present()).toMatchObject([
        { user: ALICE, status: PresenceStatus.Away, custom: 'in a call', lastSeen: T0 + 300_000 },
      ]);
    }
    a.streams.presence().update({ custom: undefined }); // clears it, keeps the status
    expect(b.streams.presence().present()).toMatchObject([
      { user: ALICE, status: PresenceStatus.Away, custom: undefined },
    ]);
  });

  it('heartbeats keep a member present; without them it times out on every replica', () => {
    const { clock, rx, rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    a.streams.presence().join();
    b.streams.presence().join();
    const beats = a.streams.presence().heartbeats(300, rx).subscribe();
    clock.advanceBySync(5_000_000);
    expect(who(c.streams.presence().present())).toEqual([ALICE]); // Bob timed out after 1 s
    beats.unsubscribe(); // the last heartbeat went at 4.8 s: present until 5.8 s
    clock.advanceBySync(700_000);
    expect(who(c.streams.presence().present())).toEqual([ALICE]);
    clock.advanceBySync(200_000);
    for (const r of rs) expect(r.streams.presence().present()).toEqual([]);
    expect(a.streams.presence().joined).toBe(true); // still joined: a heartbeat brings it back
    expect(a.streams.presence().heartbeat()).toBe(true);
    expect(who(c.streams.presence().present())).toEqual([ALICE]);
  });

  it('heartbeats complete when the registry closes', () => {
    const { clock, rx, rs } = world();
    const [a] = rs as [Replica];
    a.streams.presence().join();
    const counts: number[] = [];
    let completed = false;
    a.streams
      .presence()
      .heartbeats(100, rx)
      .subscribe({ next: (n) => counts.push(n), complete: () => (completed = true) });
    clock.advanceBySync(350_000);
    a.streams.close();
    clock.advanceBySync(200_000);
    expect(counts).toEqual([1, 2, 3]);
    expect(completed).toBe(true);
  });

  it('a heartbeat the field refuses (removed from the session) ends heartbeats quietly', () => {
    const clock = new VirtualScheduler(T0);
    const members = new Set([ALICE, BOB]);
    const membership = { isMember: (n: NodeId) => members.has(n) };
    const options = { presence: { timeoutUs: TIMEOUT_US } };
    const a = replica(ALICE, clock, { membership, options });
    const b = replica(BOB, clock, { membership, options });
    connect([a, b]);
    const here = a.streams.presence();
    here.join();
    const counts: number[] = [];
    const ends: string[] = [];
    here.heartbeats(100, toRxScheduler(clock)).subscribe({
      next: (n) => counts.push(n),
      error: (e: unknown) => ends.push(`error ${String(e)}`),
      complete: () => ends.push('complete'),
    });
    clock.advanceBySync(250_000);
    members.delete(ALICE);
    clock.advanceBySync(500_000);
    expect(counts).toEqual([1, 2]);
    expect(ends).toEqual(['complete']); // no error: it would crash a process on asyncScheduler
    expect(here.refusedHeartbeats).toBe(1);
    expect(here.joined).toBe(false);
    expect(here.heartbeat()).toBe(false); // not joined: nothing written
    expect(a.sent.length).toBe(3);
    // Bob saw the last accepted heartbeat; Alice times out there as anyone would.
    clock.advanceBySync(TIMEOUT_US);
    b.field.expire();
    expect(b.streams.presence().present()).toEqual([]);
  });

  it('leave removes the member at once; heartbeat and leave after it write nothing', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const p = a.streams.presence();
    p.join({ status: PresenceStatus.Busy });
    expect(who(b.streams.presence().present())).toEqual([ALICE]);
    const sent = a.sent.length;
    expect(p.leave()).toBe(true);
    expect(b.streams.presence().present()).toEqual([]);
    expect(p.heartbeat()).toBe(false);
    expect(p.leave()).toBe(false);
    expect(a.sent.length).toBe(sent + 1);
  });

  it('a late presence event that already timed out stays out (the field refuses it)', () => {
    const { clock, rs } = world();
    const [a] = rs as [Replica];
    const lonely = replica(BOB, clock, {
      members: [ALICE, BOB],
      options: { presence: { timeoutUs: TIMEOUT_US } },
    });
    const p = lonely.streams.presence();
    a.streams.presence().join();
    const event = a.sent.at(-1)!;
    clock.advanceBySync(1_500_000);
    lonely.field.expire();
    expect(lonely.field.receive(event, { from: ALICE })).toMatchObject({ status: 'rejected' });
    expect(p.present()).toEqual([]);
  });

  it('entries naming someone else or not decodable are ignored, and counted', () => {
    const { rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    const atom = b.streams.presence().atom;
    rawSet(
      c,
      [b],
      atom,
      0,
      encodePresence({ user: BOB, status: 0, lastActive: 0, custom: undefined }),
    );
    expect(b.streams.presence().present()).toEqual([]);
    expect(b.streams.presence().invalidEntries).toBe(1);
    rawSet(c, [b], atom, 1, Uint8Array.of(1, 2, 3)); // replaces Carol's entry: still one
    expect(b.streams.presence().invalidEntries).toBe(1);
    a.streams.presence().join();
    expect(who(b.streams.presence().present())).toEqual([ALICE]);
    expect(b.streams.presence().invalidEntries).toBe(1);
  });

  it('follows one member at a time: the others keep their entry objects', () => {
    const { clock, rs } = world([ALICE, BOB, CAROL]);
    const [a, b, c] = rs as [Replica, Replica, Replica];
    a.streams.presence().join();
    b.streams.presence().join();
    const p = c.streams.presence();
    const before = p.present();
    expect(p.present()).toBe(before); // the same frozen list until something changes
    clock.advanceBySync(1_000);
    b.streams.presence().heartbeat();
    const after = p.present();
    expect(after).not.toBe(before);
    expect(Object.isFrozen(after)).toBe(true);
    const [alice, bob] = [ALICE, BOB].sort((x, y) => (x < y ? -1 : 1));
    const at = (list: readonly PresenceEntry[], n: NodeId) => list.find((e) => e.user === n);
    expect(at(after, ALICE)).toBe(at(before, ALICE)); // Alice's entry was not read again
    expect(at(after, BOB)).not.toBe(at(before, BOB));
    expect(at(after, BOB)?.lastSeen).toBe(T0 + 1_000);
    expect(Object.isFrozen(at(after, BOB))).toBe(true);
    expect(who(after)).toEqual([alice, bob]);
  });

  it('a write from a listener shows at once', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const seen: NodeId[][] = [];
    b.streams.text('general').changes$.subscribe(() => {
      b.streams.presence().join();
      seen.push(who(b.streams.presence().present()));
      b.streams.typing('general').start();
      seen.push(who(b.streams.typing('general').typing()));
    });
    a.streams.text('general').send('anyone?');
    expect(seen).toEqual([[BOB], [BOB]]);
    expect(b.field.counters().listenerErrors).toBe(0);
    expect(who(a.streams.presence().present())).toEqual([BOB]);
  });

  it('a flood of presence events is rate-limited by the field; the list stays one entry', () => {
    const { rs } = world([ALICE, BOB, CAROL]);
    const [, b, c] = rs as [Replica, Replica, Replica];
    const atom = b.streams.presence().atom;
    for (let i = 0; i < 10_000; i++) {
      rawSet(
        c,
        [b],
        atom,
        i,
        encodePresence({ user: CAROL, status: i % 3, lastActive: i, custom: undefined }),
      );
    }
    expect(b.field.counters().rejected.RateLimited).toBeGreaterThan(0);
    expect(
      b.streams
        .presence()
        .present()
        .map((p) => p.user),
    ).toEqual([CAROL]);
  });

  it('bad statuses, long custom texts and periods are named errors', () => {
    const { rx, rs } = world();
    const p = (rs[0] as Replica).streams.presence();
    expect(() => p.join({ status: 7 as PresenceStatus })).toThrow(OutOfRangeError);
    expect(() => p.join({ custom: 'x'.repeat(257) })).toThrow(ContentTooLargeError);
    expect(() => p.heartbeats(0, rx)).toThrow(OutOfRangeError);
    expect(() => p.heartbeats(Number.NaN, rx)).toThrow(OutOfRangeError);
    expect(p.joined).toBe(false);
  });
});

describe('typing: 5 s by default, short here; expiry by the field', () => {
  it('start shows, the TTL removes, stop removes at once', () => {
    const { clock, rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const ta = a.streams.typing('general');
    const tb = b.streams.typing('general');
    expect(ta.start()).toBe(true);
    expect(tb.typing()).toEqual<TypingEntry[]>([
      { user: ALICE, startedAt: T0, expiresAt: T0 + TTL_US },
    ]);
    clock.advanceBySync(400_000);
    expect(who(tb.typing())).toEqual([ALICE]);
    clock.advanceBySync(200_000); // expire ran at T0 + 500 ms
    expect(tb.typing()).toEqual([]);
    expect(ta.typing()).toEqual([]);
    expect(ta.start()).toBe(true);
    expect(ta.stop()).toBe(true);
    expect(tb.typing()).toEqual([]);
    expect(ta.stop()).toBe(false);
  });

  it('start on every keystroke writes once per refresh period (half the TTL)', () => {
    const { clock, rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const t = a.streams.typing('general');
    const sent = a.sent.length;
    let written = 0;
    for (let i = 0; i < 20; i++) {
      if (t.start()) written++;
      clock.advanceBySync(50_000); // a keystroke every 50 ms for 1 s
    }
    expect(written).toBe(4); // at 0, 250, 500 and 750 ms
    expect(a.sent.length - sent).toBe(4);
    expect(b.streams.typing('general').typing()).toMatchObject([
      { user: ALICE, startedAt: T0 + 750_000, expiresAt: T0 + 1_250_000 },
    ]);
  });

  it('the default TTL is the reference’s 5 s and the indicator carries it', () => {
    expect(streamOptions().typing).toMatchObject({ ttlUs: 5_000_000, refreshUs: 2_500_000 });
    const clock = new VirtualScheduler(T0);
    const r = replica(ALICE, clock);
    r.streams.typing(1).start();
    const e = r.sent[0]!;
    expect(e.mutation).toEqual({
      type: 'set',
      data: encodeTypingIndicator({ user: ALICE, typing: true, startedAt: T0, ttlMs: 5_000 }),
    });
    expect(r.streams.typing(1).typing()[0]?.expiresAt).toBe(T0 + 5_000_000);
  });

  it('an indicator saying "not typing" or naming someone else is not shown', () => {
    const { rs } = world();
    const [a, b] = rs as [Replica, Replica];
    const atom = b.streams.typing('general').atom;
    rawSet(
      a,
      [b],
      atom,
      0,
      encodeTypingIndicator({ user: ALICE, typing: false, startedAt: 0, ttlMs: 1 }),
    );
    expect(b.streams.typing('general').typing()).toEqual([]);
    expect(b.streams.typing('general').invalidEntries).toBe(0); // valid: Alice is not typing
    rawSet(
      a,
      [b],
      atom,
      1,
      encodeTypingIndicator({ user: BOB, typing: true, startedAt: 0, ttlMs: 1 }),
    );
    expect(b.streams.typing('general').typing()).toEqual([]);
    expect(b.streams.typing('general').invalidEntries).toBe(1); // names Bob: invalid
  });
});

describe('options', () => {
  it('out of range values are StreamOptionsError', () => {
    for (const bad of [
      { maxStreams: 0 },
      { text: { maxContentBytes: 0 } },
      { text: { maxContentBytes: 70_000 } },
      { text: { maxEntries: 0 } },
      { text: { maxLogBytes: 10 } },
      { presence: { timeoutUs: 0 } },
      { presence: { maxStatusBytes: -1 } },
      { typing: { ttlUs: 1.5 } },
      { typing: { ttlUs: 1_000, refreshUs: 2_000 } },
    ]) {
      expect(() => streamOptions(bad), JSON.stringify(bad)).toThrow(StreamOptionsError);
    }
    expect(streamOptions({ typing: { ttlUs: 800_000 } }).typing.refreshUs).toBe(400_000);
  });
});
