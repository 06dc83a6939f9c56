import { describe, expect, it } from 'vitest';
import { describeVectors, fromHex, toHex } from '@elara/test-env';
import { ClosedError, nodeIdToHex } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  EXPORTED_IDENTITY_LENGTH,
  Identity,
  InvalidIdentityError,
  InvalidLengthError,
  deriveNodeId,
  nativeCryptoProvider,
  portableCryptoProvider,
  type CryptoProvider,
} from '../src/index.ts';
import { bothProviders, providerPair } from './providers.ts';

interface IdentityVector {
  seed: string;
  public_key: string;
  node_id: { hex: string; dec: string };
  node_id_bytes: string;
  sign_message: string;
  signature: string;
  verify: boolean;
  runtime_event_signature: string;
  runtime_event_signature_input_mutation_append_hi: string;
}

describeVectors<{ identities: IdentityVector[] }>('crypto.json', (v) => {
  describe.each(bothProviders())('reference identities on the $name provider', (crypto) => {
    it.each(v.identities)('seed $seed: public key, NodeId, signatures', (c) => {
      const identity = Identity.fromSecrets(crypto, {
        signingSeed: fromHex(c.seed),
        agreementSecret: new Uint8Array(32).fill(1),
      });
      expect(toHex(identity.signingPublicKey)).toBe(c.public_key);
      expect(nodeIdToHex(identity.nodeId)).toBe(c.node_id.hex);
      expect(identity.nodeId).toBe(BigInt(c.node_id.dec));
      expect(deriveNodeId(crypto, fromHex(c.public_key))).toBe(identity.nodeId);
      expect(toHex(crypto.sha256(fromHex(c.public_key)).subarray(0, 8))).toBe(c.node_id_bytes);
      expect(toHex(identity.sign(fromHex(c.sign_message)))).toBe(c.signature);
      const mutation = fromHex(c.runtime_event_signature_input_mutation_append_hi);
      expect(toHex(identity.sign(mutation))).toBe(c.runtime_event_signature);
      const verifier = crypto.ed25519VerifyingKey(fromHex(c.public_key));
      expect(verifier.verify(fromHex(c.sign_message), fromHex(c.signature))).toBe(c.verify);
    });
  });
});

describe.each(bothProviders())('Identity on the $name provider', (crypto: CryptoProvider) => {
  it('export then import keeps the NodeId, the keys and the signatures', () => {
    const me = Identity.generate(crypto);
    const bytes = me.export();
    expect(bytes).toHaveLength(EXPORTED_IDENTITY_LENGTH);
    const again = Identity.import(crypto, bytes);
    expect(again.nodeId).toBe(me.nodeId);
    expect(toHex(again.signingPublicKey)).toBe(toHex(me.signingPublicKey));
    expect(toHex(again.agreementPublicKey)).toBe(toHex(me.agreementPublicKey));
    const message = new Uint8Array([1, 2, 3]);
    expect(toHex(again.sign(message))).toBe(toHex(me.sign(message)));
    expect(again.publicIdentity()).toEqual(me.publicIdentity());
  });

  it('the export format is the documented one', () => {
    const seed = new Uint8Array(32).fill(0x11);
    const secret = new Uint8Array(32).fill(0x22);
    const me = Identity.fromSecrets(crypto, { signingSeed: seed, agreementSecret: secret });
    const bytes = me.export();
    expect(toHex(bytes.subarray(0, 5))).toBe('454c494402'); // "ELID", version 2
    expect(toHex(bytes.subarray(5, 37))).toBe(toHex(seed));
    expect(toHex(bytes.subarray(37, 69))).toBe(toHex(secret));
    const id = new DataView(bytes.buffer, bytes.byteOffset + 69, 8).getBigUint64(0, true);
    expect(id).toBe(me.nodeId);
    expect(toHex(bytes.subarray(77, 109))).toBe(toHex(me.agreementPublicKey));
  });

  it('two identities agree on one X25519 secret', () => {
    const a = Identity.generate(crypto);
    const b = Identity.generate(crypto);
    expect(toHex(a.agree(b.agreementPublicKey))).toBe(toHex(b.agree(a.agreementPublicKey)));
    expect(a.nodeId).not.toBe(b.nodeId);
  });

  it('import refuses bytes that are not an exported identity', () => {
    const good = Identity.generate(crypto).export();
    const cases: Uint8Array[] = [new Uint8Array(0), good.subarray(0, 76), new Uint8Array(78)];
    for (const [at, xor] of [
      [0, 1], // magic
      [4, 1], // version
      [5, 1], // seed: the NodeId no longer matches
      [69, 1], // NodeId
    ] as const) {
      const bad = good.slice();
      bad[at] = (bad[at] as number) ^ xor;
      cases.push(bad);
    }
    for (const bad of cases)
      expect(() => Identity.import(crypto, bad)).toThrow(InvalidIdentityError);
    expect(() => Identity.import(crypto, 'ELID' as never)).toThrow(InvalidIdentityError);
    // A Proxy of the good bytes (every read of it would run caller code) is not bytes either.
    expect(() => Identity.import(crypto, new Proxy(good, {}))).toThrow(InvalidIdentityError);
    expect(Identity.import(crypto, good).nodeId).toBe(Identity.import(crypto, good.slice()).nodeId);
    expect(() => Identity.fromSecrets(crypto, null as never)).toThrow(InvalidLengthError);
    expect(() =>
      Identity.fromSecrets(crypto, {
        signingSeed: new Uint8Array(32),
        agreementSecret: new Uint8Array(31),
      }),
    ).toThrow(InvalidLengthError);
  });

  it('dispose zeroes the secrets it holds and refuses further use', () => {
    const me = Identity.generate(crypto);
    const held = (
      me as unknown as { secrets: { signingSeed: Uint8Array; agreementSecret: Uint8Array } }
    ).secrets;
    expect(held.signingSeed.some((b) => b !== 0)).toBe(true);
    me.dispose();
    me.dispose();
    expect(me.disposed).toBe(true);
    expect(held.signingSeed.every((b) => b === 0)).toBe(true);
    expect(held.agreementSecret.every((b) => b === 0)).toBe(true);
    expect(() => me.sign(new Uint8Array(1))).toThrow(ClosedError);
    expect(() => me.agree(new Uint8Array(32).fill(9))).toThrow(ClosedError);
    expect(() => me.export()).toThrow(ClosedError);
  });
});

describe('identities across providers', () => {
  it('a seeded random source gives the same identity on both providers (runs replay)', () => {
    const a = Identity.generate(nativeCryptoProvider({ random: new Prng(7) }));
    const b = Identity.generate(portableCryptoProvider({ random: new Prng(7) }));
    expect(b.nodeId).toBe(a.nodeId);
    expect(toHex(b.agreementPublicKey)).toBe(toHex(a.agreementPublicKey));
  });

  it('exported on one provider, imported on the other', () => {
    const { native, portable } = providerPair(3);
    const me = Identity.generate(native);
    const there = Identity.import(portable, me.export());
    expect(there.nodeId).toBe(me.nodeId);
    const message = new Uint8Array([9, 9]);
    expect(toHex(there.sign(message))).toBe(toHex(me.sign(message)));
  });

  it('the portable provider zeroes its tweetnacl secret key on dispose', () => {
    const key = portableCryptoProvider().ed25519SigningKey(new Uint8Array(32).fill(5));
    const secret = (key as unknown as { secretKey: Uint8Array }).secretKey;
    expect(secret.some((b) => b !== 0)).toBe(true);
    key.dispose();
    expect(secret.every((b) => b === 0)).toBe(true);
  });
});
