import { describe, expect, it } from 'vitest';
import {
  EventKind,
  EventType,
  StateTypePrefix,
  type UnsignedDurableEnvelope,
  eventSigningBytes,
  nodeId,
  sessionId,
  signEnvelope,
  stateIdFromParts,
  verifyEnvelope,
} from '@elara/core';
import { EventVerifierCache, Identity, eventSigner } from '../src/index.ts';
import { bothProviders, providerPair } from './providers.ts';

const SESSION = sessionId(0x5e55n);

function unsigned(author: Identity): UnsignedDurableEnvelope {
  return {
    kind: EventKind.Durable,
    author: author.nodeId,
    seq: 7,
    time: 1_700_000_000_000_000,
    target: stateIdFromParts(StateTypePrefix.Text, 5),
    eventType: EventType.TextAppend,
    dependencies: [{ author: nodeId(0x0a), seq: 3 }],
    mutation: { type: 'append', data: Uint8Array.of(0x68, 0x69) },
  };
}

describe.each(bothProviders(5))('event signatures on the $name provider', (crypto) => {
  const alice = Identity.generate(crypto);
  const mallory = Identity.generate(crypto);
  const keys = new Map([
    [alice.nodeId, alice.signingPublicKey],
    [mallory.nodeId, mallory.signingPublicKey],
  ]);
  const verifier = new EventVerifierCache(crypto, (author) => keys.get(author));
  const signed = signEnvelope(SESSION, unsigned(alice), eventSigner(alice));

  it('a signed event verifies for its author', () => {
    expect(signed.signature).toHaveLength(64);
    expect(verifyEnvelope(SESSION, signed, verifier.verify)).toBe(true);
    expect(verifier.size).toBe(1);
  });

  it('any field altered, wrong key, wrong session: false, never a throw', () => {
    const altered = [
      { ...signed, seq: 8 },
      { ...signed, time: signed.time + 1 },
      { ...signed, target: stateIdFromParts(StateTypePrefix.Text, 6) },
      { ...signed, eventType: EventType.TextDelete },
      { ...signed, dependencies: [] },
      { ...signed, dependencies: [{ author: nodeId(0x0a), seq: 4 }] },
      { ...signed, mutation: { type: 'append' as const, data: Uint8Array.of(0x68, 0x6a) } },
      { ...signed, author: mallory.nodeId },
      { ...signed, author: nodeId(0x1234n) }, // unknown author
    ];
    for (const e of altered) expect(verifyEnvelope(SESSION, e, verifier.verify)).toBe(false);
    expect(verifyEnvelope(sessionId(0x5e56n), signed, verifier.verify)).toBe(false);
    const byMallory = signEnvelope(SESSION, unsigned(alice), eventSigner(mallory));
    expect(verifyEnvelope(SESSION, byMallory, verifier.verify)).toBe(false);
    for (let i = 0; i < 64; i += 9) {
      const sig = signed.signature.slice();
      sig[i] = (sig[i] as number) ^ 1;
      expect(verifyEnvelope(SESSION, { ...signed, signature: sig }, verifier.verify)).toBe(false);
    }
    const bytes = eventSigningBytes(SESSION, signed);
    expect(verifier.verify(alice.nodeId, bytes, new Uint8Array(63))).toBe(false);
    expect(verifier.verify(alice.nodeId, bytes, new Uint8Array(64).fill(0xff))).toBe(false); // S ≥ L
    expect(verifier.verify(alice.nodeId, 'x' as never, signed.signature)).toBe(false);
  });

  it('a member whose key changed is verified with the new key', () => {
    const rotated = Identity.generate(crypto);
    const map = new Map([[alice.nodeId, alice.signingPublicKey]]);
    const v = new EventVerifierCache(crypto, (a) => map.get(a));
    expect(verifyEnvelope(SESSION, signed, v.verify)).toBe(true);
    map.set(alice.nodeId, rotated.signingPublicKey);
    expect(verifyEnvelope(SESSION, signed, v.verify)).toBe(false);
    map.set(alice.nodeId, new Uint8Array(32)); // not a valid key (small order): false
    expect(verifyEnvelope(SESSION, signed, v.verify)).toBe(false);
  });
});

describe('the verifying-key cache', () => {
  it('is bounded, least recently used first, and agrees across providers', () => {
    const { native, portable } = providerPair(9);
    const ids = Array.from({ length: 6 }, () => Identity.generate(native));
    const keys = new Map(ids.map((i) => [i.nodeId, i.signingPublicKey]));
    const v = new EventVerifierCache(portable, (a) => keys.get(a), { maxKeys: 3 });
    for (const id of ids) {
      const e = signEnvelope(SESSION, unsigned(id), eventSigner(id));
      expect(verifyEnvelope(SESSION, e, v.verify)).toBe(true);
      expect(v.size).toBeLessThanOrEqual(3);
    }
    expect(v.size).toBe(3);
    expect(() => new EventVerifierCache(native, () => undefined, { maxKeys: 0 })).toThrow();
  });
});
