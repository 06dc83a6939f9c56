import { describe, expect, it } from 'vitest';
import { type NodeId } from '@elara/core';
import { Diffusion, InterestLimitError, InterestRegistry } from '../src/index.ts';
import { atomId, bytes, node, Writer } from './helpers.ts';

const SELF = node(1);
const [P, Q, R] = [node(2), node(3), node(4)];
const VOICE = atomId(1);
const TYPING = atomId(2);
const CHAT = atomId(3);

describe('diffusion', () => {
  const members: NodeId[] = [SELF, P, Q, R];
  const interests = new InterestRegistry();
  const diffusion = new Diffusion({ self: SELF, members: () => members, interests });
  const me = new Writer(SELF);

  it('sends durable events to every member but this node and the author', () => {
    interests.declare(P, [VOICE]);
    expect(diffusion.recipients(me.durable(CHAT, { type: 'append', data: bytes(1) }))).toEqual([
      P,
      Q,
      R,
    ]);
    const fromQ = new Writer(Q).durable(CHAT, { type: 'append', data: bytes(1) });
    expect(diffusion.recipients(fromQ)).toEqual([P, R]);
  });

  it("sends this node's ephemeral events to interested members (all by default)", () => {
    interests.declare(P, [VOICE]);
    interests.declare(Q, []);
    expect(diffusion.recipients(me.ephemeral(VOICE, { type: 'set', data: bytes(1) }))).toEqual([
      P,
      R,
    ]);
    expect(diffusion.recipients(me.ephemeral(TYPING, { type: 'set', data: bytes(1) }))).toEqual([
      R,
    ]);
    interests.clear(Q);
    expect(diffusion.recipients(me.ephemeral(TYPING, { type: 'set', data: bytes(1) }))).toEqual([
      Q,
      R,
    ]);
  });

  it("never forwards another node's ephemeral events, and follows membership changes", () => {
    expect(
      diffusion.recipients(new Writer(P).ephemeral(VOICE, { type: 'set', data: bytes(1) })),
    ).toEqual([]);
    members.splice(members.indexOf(Q), 1);
    expect(diffusion.recipients(me.durable(CHAT, { type: 'append', data: bytes(2) }))).toEqual([
      P,
      R,
    ]);
  });
});

describe('interest registry', () => {
  it('is bounded: members and atoms per member, refused with InterestLimitError', () => {
    const r = new InterestRegistry({ maxMembers: 1, maxAtomsPerMember: 2 });
    expect(() => r.declare(P, [VOICE, TYPING, CHAT])).toThrow(InterestLimitError);
    expect(r.isInterested(P, CHAT)).toBe(true); // unchanged: still everything
    r.declare(P, [VOICE, TYPING]);
    expect(() => r.declare(Q, [VOICE])).toThrow(InterestLimitError);
    r.declare(P, [CHAT]); // replacing one's own is fine at the bound
    expect(r.isInterested(P, VOICE)).toBe(false);
    expect(r.size).toBe(1);
  });

  it('forgets the interests of nodes that left, freeing their places', () => {
    const r = new InterestRegistry({ maxMembers: 1 });
    r.declare(P, [VOICE]);
    expect(() => r.declare(Q, [VOICE])).toThrow(InterestLimitError);
    expect(r.retain([SELF, Q])).toBe(1);
    expect(r.size).toBe(0);
    r.declare(Q, [VOICE]);
    expect(r.isInterested(Q, TYPING)).toBe(false);
  });
});

describe('diffusion: duplicates', () => {
  it('lists each member once however often members() names it, call after call', () => {
    const d = new Diffusion({ self: SELF, members: () => [P, Q, P, SELF, Q, R] });
    const e = new Writer(SELF).durable(CHAT, { type: 'append', data: bytes(1) });
    expect(d.recipients(e)).toEqual([P, Q, R]);
    expect(d.recipients(e)).toEqual([P, Q, R]);
  });
});
