import { describe, expect, it } from 'vitest';
import { type Endpoint, type NodeId, endpoint, nodeId } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  CapacityError,
  DEFAULT_RESPONDER_LIMITS,
  HANDSHAKE_MESSAGE_SIZES,
  HandshakeMessageType,
  type HandshakeResponder,
  InvalidCookieError,
  decodeHandshakeMessage,
} from '../src/index.ts';
import { encodeInit } from '../src/handshake/handshake-message.ts';
import { initTranscript } from '../src/internal/handshake-transcript.ts';
import {
  INITIATOR_ADDRESS,
  type Node,
  SESSION,
  T0,
  memberInitiator,
  node,
  responder,
} from './handshake-harness.ts';

const FLOOD = 10_000;

/** The `k`-th spoofed source: distinct addresses (IPv4, and IPv6 in distinct /64s) and ports. */
function spoofed(k: number): Endpoint {
  return k % 3 === 0
    ? endpoint(
        `2001:db8:${(k >>> 16).toString(16)}:${(k & 0xffff).toString(16)}::1`,
        1024 + (k % 60000),
      )
    : endpoint(`10.${(k >>> 16) & 0xff}.${(k >>> 8) & 0xff}.${k & 0xff}`, 1024 + (k % 60000));
}

/**
 * An attacker's Init from a forged sender: any ephemeral bytes, any binder (nothing about a
 * cookie-less Init is checked before it is answered, so nothing needs to be right).
 */
function forgedInit(
  rng: Prng,
  responderId: NodeId,
  options: { invite?: boolean; cookie?: boolean } = {},
): Uint8Array {
  const bytes = encodeInit({
    sessionId: SESSION,
    sender: nodeId(rng.fill(new Uint8Array(8)).reduce((n, x) => (n << 8n) | BigInt(x), 0n)),
    handshakeId: BigInt(rng.int(0, 2 ** 31)) * 2n ** 32n + BigInt(rng.int(0, 2 ** 31)),
    responder: responderId,
    ephemeral: rng.fill(new Uint8Array(32)),
    cookie: options.cookie === true ? rng.fill(new Uint8Array(16)) : undefined,
    invite:
      options.invite === true
        ? { inviteId: rng.fill(new Uint8Array(16)), expiresAt: T0 + 1_000_000 }
        : undefined,
  });
  bytes.set(rng.fill(new Uint8Array(16)), bytes.length - 16);
  return bytes;
}

const NO_STATE = { pending: 0, records: 0, sources: 0 };

describe.each(['native', 'portable'] as const)(
  'a flood of first messages on the %s provider',
  (kind) => {
    it(`from ${FLOOD} spoofed sources: no state at all, and never more bytes out than in`, () => {
      const b = node(kind, 400);
      const r = responder(b);
      const rng = new Prng(401);
      let bytesIn = 0;
      let bytesOut = 0;
      for (let k = 0; k < FLOOD; k++) {
        const init = forgedInit(rng, b.identity.nodeId, { invite: k % 2 === 0 });
        const { reply, result } = r.receive(init, spoofed(k), T0 + k * 100);
        expect(result).toBeUndefined();
        expect(decodeHandshakeMessage(reply!).type).toBe(HandshakeMessageType.Retry);
        // Per datagram, not only in total: no single spoofed packet is amplified.
        expect(reply!.length).toBeLessThanOrEqual(init.length);
        bytesIn += init.length;
        bytesOut += reply!.length;
        if (k % 1000 === 0) expect(r.memory).toEqual(NO_STATE);
      }
      expect(r.memory).toEqual(NO_STATE);
      expect(bytesOut).toBeLessThanOrEqual(bytesIn);
      expect(r.counters).toEqual({
        retries: FLOOD,
        unverifiedBytesIn: bytesIn,
        unverifiedBytesOut: bytesOut,
        completed: 0,
      });
    });

    it(`with forged cookies from ${FLOOD} sources: refused by name, nothing sent, no state`, () => {
      const b = node(kind, 402);
      const r = responder(b);
      const rng = new Prng(403);
      let refused = 0;
      for (let k = 0; k < FLOOD; k++) {
        try {
          r.receive(forgedInit(rng, b.identity.nodeId, { cookie: true }), spoofed(k), T0 + k * 100);
        } catch (e) {
          if (InvalidCookieError.isInstance(e)) refused++;
          else throw e;
        }
      }
      expect(refused).toBe(FLOOD);
      expect(r.memory).toEqual(NO_STATE);
      expect(r.counters.unverifiedBytesOut).toBe(0);
    });
  },
);

describe('the retry cookie', () => {
  /** An honest Init, the responder's Retry, and the Init with the cookie. */
  function cookieExchange(b: Node, r: HandshakeResponder, at: number, source = INITIATOR_ADDRESS) {
    const a = node('native', 410);
    const initiator = memberInitiator(a, b);
    const retry = r.receive(initiator.start(at), source, at).reply!;
    return initiator.receive(retry, at).send[0]!;
  }

  it('is bound to the source address', () => {
    const b = node('native', 411);
    const r = responder(b);
    const init2 = cookieExchange(b, r, T0);
    expect(() => r.receive(init2, endpoint('192.0.2.1', 40002), T0)).toThrow(InvalidCookieError);
    expect(() => r.receive(init2, endpoint('192.0.2.99', 40001), T0)).toThrow(InvalidCookieError);
    expect(r.memory).toEqual(NO_STATE);
    expect(decodeHandshakeMessage(r.receive(init2, INITIATOR_ADDRESS, T0).reply!).type).toBe(
      HandshakeMessageType.Response,
    );
  });

  it('lives one to two buckets of the rotating secret', () => {
    const bucket = DEFAULT_RESPONDER_LIMITS.cookieBucketUs;
    const start = Math.ceil(T0 / bucket) * bucket; // the first instant of a bucket
    const b = node('native', 412);
    const inTime = [start, start + bucket - 1, start + 2 * bucket - 1];
    for (const at of inTime) {
      const r = responder(b);
      const init2 = cookieExchange(b, r, start);
      expect(r.receive(init2, INITIATOR_ADDRESS, at).reply).toBeDefined();
    }
    for (const at of [start + 2 * bucket, start + 5 * bucket]) {
      const r = responder(b);
      const init2 = cookieExchange(b, r, start);
      expect(() => r.receive(init2, INITIATOR_ADDRESS, at)).toThrow(InvalidCookieError);
      expect(r.memory).toEqual(NO_STATE);
    }
  });
});

describe('sources that proved their address are bounded too', () => {
  /** Init with a valid cookie and binder from `source`, as an attacker that receives there builds it. */
  function verifiedInit(r: HandshakeResponder, b: Node, rng: Prng, source: Endpoint): Uint8Array {
    const first = forgedInit(rng, b.identity.nodeId);
    const retry = decodeHandshakeMessage(r.receive(first, source, T0).reply!);
    if (retry.type !== HandshakeMessageType.Retry) throw new Error('expected a Retry');
    const m = decodeHandshakeMessage(first);
    if (m.type !== HandshakeMessageType.Init) throw new Error('expected an Init');
    const second = encodeInit({
      sessionId: m.sessionId,
      sender: m.sender,
      handshakeId: m.handshakeId,
      responder: m.responder,
      ephemeral: m.ephemeral,
      cookie: retry.cookie,
      invite: undefined,
    });
    const { binder } = initTranscript(
      b.provider,
      second.subarray(0, second.length - 16),
      m.ephemeral,
      new Uint8Array(32),
    );
    second.set(binder, second.length - 16);
    return second;
  }

  function flood(
    r: HandshakeResponder,
    b: Node,
    sources: readonly Endpoint[],
    seed = 420,
  ): { admitted: number; refused: number } {
    const rng = new Prng(seed);
    let admitted = 0;
    let refused = 0;
    for (const source of sources) {
      try {
        const reply = r.receive(verifiedInit(r, b, rng, source), source, T0).reply!;
        expect(decodeHandshakeMessage(reply).type).toBe(HandshakeMessageType.Response);
        admitted++;
      } catch (e) {
        if (!CapacityError.isInstance(e)) throw e;
        refused++;
      }
      expect(r.memory.pending).toBeLessThanOrEqual(r.limits.maxHandshakes);
    }
    return { admitted, refused };
  }

  it('per source: at most maxHandshakesPerSource at once from one address', () => {
    const b = node('native', 421);
    const r = responder(b);
    const source = endpoint('198.51.100.77', 5000);
    const outcome = flood(
      r,
      b,
      Array.from({ length: 12 }, () => source),
    );
    expect(outcome).toEqual({
      admitted: DEFAULT_RESPONDER_LIMITS.maxHandshakesPerSource,
      refused: 4,
    });
    expect(r.memory).toEqual({ pending: 8, records: 8, sources: 1 });
  });

  it('in total: at most maxHandshakes; pending keys go after the timeout, ids after the replay memory', () => {
    const b = node('native', 422);
    const r = responder(b, { limits: { maxHandshakes: 24 } });
    const outcome = flood(
      r,
      b,
      Array.from({ length: 60 }, (_, k) => spoofed(k)),
    );
    expect(outcome).toEqual({ admitted: 24, refused: 36 });
    expect(r.memory).toEqual({ pending: 24, records: 24, sources: 24 });
    r.expire(T0 + DEFAULT_RESPONDER_LIMITS.pendingTimeoutUs);
    // Expired handshakes no longer count against any source; only their ids are remembered.
    expect(r.memory).toEqual({ pending: 0, records: 24, sources: 0 });
    r.expire(T0 + DEFAULT_RESPONDER_LIMITS.replayMemoryUs);
    expect(r.memory).toEqual(NO_STATE);
  });

  it('refusals cost nothing: past a bound, no public-key work is done', () => {
    const b = node('native', 423);
    // Count the responder's public-key operations through its provider.
    let publicKeyWork = 0;
    const counting = new Proxy(b.provider, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (
          key === 'x25519PrivateKey' ||
          key === 'x25519PublicKey' ||
          key === 'ed25519VerifyingKey'
        ) {
          return (...args: unknown[]) => {
            publicKeyWork++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const r = responder(
      { provider: counting, identity: b.identity },
      { limits: { maxHandshakes: 1 } },
    );
    expect(flood(r, b, [spoofed(1)])).toEqual({ admitted: 1, refused: 0 });
    const perHandshake = publicKeyWork;
    expect(perHandshake).toBeGreaterThan(0);
    expect(
      flood(
        r,
        b,
        Array.from({ length: 50 }, (_, k) => spoofed(k + 2)),
        425,
      ),
    ).toEqual({
      admitted: 0,
      refused: 50,
    });
    expect(publicKeyWork).toBe(perHandshake);
  });
});

describe('the amplification bound holds by construction', () => {
  it('the only message sent to an unverified source (Retry) is smaller than the smallest Init', () => {
    const S = HANDSHAKE_MESSAGE_SIZES;
    expect(S.retry).toBeLessThan(S.init);
    expect(S.retry).toBeLessThan(S.initWithInvite);
  });
});
