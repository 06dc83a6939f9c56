// The handshake as the README documents it, recomputed from captured datagrams with raw
// node:crypto (not the providers), so the document and the code cannot drift apart.
import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  verify,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '@elara/test-env';
import { type RandomSource } from '@elara/core';
import { Prng } from '@elara/core/sim';
import { type HandshakeResult, Identity, type Invite, nativeCryptoProvider } from '../src/index.ts';
import {
  type Node,
  SESSION,
  T0,
  inviteSetup,
  inviterResponder,
  joinerInitiator,
  memberInitiator,
  pump,
  responder,
} from './handshake-harness.ts';

/** A random source that remembers every draw, so the test knows the ephemeral secrets. */
class RecordingRandom implements RandomSource {
  readonly draws: Uint8Array[] = [];
  constructor(private readonly inner: Prng) {}
  fill(target: Uint8Array): Uint8Array {
    this.inner.fill(target);
    this.draws.push(target.slice());
    return target;
  }
}

function recordedNode(seed: number): Node & { random: RecordingRandom } {
  const random = new RecordingRandom(new Prng(seed));
  const provider = nativeCryptoProvider({ random });
  return { provider, identity: Identity.generate(provider), random };
}

const ascii = (s: string): Buffer => Buffer.from(s, 'ascii');
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, n: number): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, n));
const nonce = (n: number): Buffer => {
  const b = Buffer.alloc(12);
  b.writeBigUInt64LE(BigInt(n), 4);
  return b;
};
function open(key: Uint8Array, n: number, sealed: Uint8Array, ad: Uint8Array): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, nonce(n), { authTagLength: 16 });
  d.setAAD(ad, { plaintextLength: sealed.length - 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = d.update(sealed.subarray(0, sealed.length - 16));
  d.final();
  return out;
}
function x25519(secret: Uint8Array, peerPublic: Uint8Array): Buffer {
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), secret]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublic).toString('base64url') },
    format: 'jwk',
  });
  return diffieHellman({ privateKey, publicKey });
}
function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return verify(null, message, key, signature);
}

/** The 32 bytes every handshake datagram starts with (header and control prefix). */
function expectedPrefix(sender: bigint): string {
  const b = Buffer.alloc(32);
  b[0] = 0x10; // version 1, suite 0
  b[1] = 0x80; // Handshake flag only
  b.writeUInt16LE(30, 2); // headerLen
  b.writeBigUInt64LE(SESSION, 4);
  b.writeBigUInt64LE(sender, 12);
  // class Core, profile Textual, time hint, window and seq: all zero
  b[30] = 0x02; // PayloadKind.Control
  b[31] = 0x01; // ControlType.Handshake
  return b.toString('hex');
}

describe.each(['member', 'invite'] as const)(
  'the %s handshake recomputed from the README',
  (mode) => {
    it('headers, echo, binder, transcript, signatures, confirmation and channel keys', () => {
      const a = recordedNode(300);
      const b = recordedNode(301);
      let invite: Invite | undefined;
      let run;
      if (mode === 'member') {
        const i = memberInitiator(a, b);
        run = pump(i, responder(b), i.start(T0));
      } else {
        const setup = inviteSetup(b, a);
        invite = setup.invite;
        const i = joinerInitiator(a, invite);
        run = pump(i, inviterResponder(b, setup.book), i.start(T0));
      }
      expect(run.errors).toEqual([]);
      const [init1, retry, init2, response, finish, accept] = run.messages.map((m) => m.bytes) as [
        Uint8Array,
        Uint8Array,
        Uint8Array,
        Uint8Array,
        Uint8Array,
        Uint8Array,
      ];
      const aId = a.identity.nodeId;
      const bId = b.identity.nodeId;
      for (const [bytes, sender] of [
        [init1, aId],
        [retry, bId],
        [init2, aId],
        [response, bId],
        [finish, aId],
        [accept, bId],
      ] as const) {
        expect(toHex(bytes.subarray(0, 32))).toBe(expectedPrefix(sender));
      }

      // Init body: type 01, handshakeId, flags, responder NodeId, e_I, cookie, [invite reference].
      const hsId = Buffer.from(init2).readBigUInt64LE(33);
      expect(init2[32]).toBe(0x01);
      expect(init2[41]).toBe(mode === 'invite' ? 0x03 : 0x02);
      expect(init1[41]).toBe(mode === 'invite' ? 0x01 : 0x00);
      expect(Buffer.from(init2).readBigUInt64LE(42)).toBe(bId);
      const eI = init2.subarray(50, 82);
      if (invite !== undefined) {
        expect(toHex(init2.subarray(98, 114))).toBe(toHex(invite.inviteId));
        expect(Number(Buffer.from(init2).readBigUInt64LE(114))).toBe(invite.expiresAt);
      }
      // The initiator's draws: handshake id (8 bytes), then its ephemeral secret (32 bytes).
      const idDraw = a.random.draws.findIndex(
        (d) => d.length === 8 && Buffer.from(d).readBigUInt64LE(0) === hsId,
      );
      const eISecret = a.random.draws[idDraw + 1]!;

      // Retry: type 02, the same handshake id, echo = SHA-256(Init)[0..16], cookie; zero trailer.
      expect(retry[32]).toBe(0x02);
      expect(Buffer.from(retry).readBigUInt64LE(33)).toBe(hsId);
      expect(toHex(retry.subarray(41, 57))).toBe(toHex(sha256(init1).subarray(0, 16)));
      expect(toHex(init2.subarray(82, 98))).toBe(toHex(retry.subarray(57, 73)));
      expect(toHex(retry.subarray(73))).toBe('00'.repeat(16));

      // Key schedule through the Init.
      let h = sha256(ascii('Elara_v1_SIGMA-I_psk0_X25519_Ed25519_ChaChaPoly_SHA256'));
      let ck = h;
      h = sha256(h, init2.subarray(0, init2.length - 16));
      ck = hkdf(eI, ck, new Uint8Array(0), 64).subarray(0, 32);
      const psk = invite?.secret ?? new Uint8Array(32);
      const three = hkdf(psk, ck, new Uint8Array(0), 96);
      ck = three.subarray(0, 32);
      h = sha256(h, three.subarray(32, 64));
      let k = three.subarray(64, 96);
      const binder = createHmac('sha256', k).update(h).digest().subarray(0, 16);
      expect(toHex(init2.subarray(init2.length - 16))).toBe(toHex(binder));
      h = sha256(h, binder);

      // Response: type 03, handshake id, e_R, then Seal(k, 0, h, edPk_R ‖ xPk_R ‖ sig_R) ‖ tag.
      expect(response[32]).toBe(0x03);
      const eR = response.subarray(41, 73);
      h = sha256(h, response.subarray(0, 73));
      const dh = x25519(eISecret, eR);
      const two = hkdf(dh, ck, new Uint8Array(0), 64);
      ck = two.subarray(0, 32);
      k = two.subarray(32);
      const rPlain = open(k, 0, response.subarray(73), h);
      const idR = rPlain.subarray(0, 64);
      expect(toHex(idR)).toBe(
        toHex(Buffer.concat([b.identity.signingPublicKey, b.identity.agreementPublicKey])),
      );
      expect(
        ed25519Verify(
          idR.subarray(0, 32),
          Buffer.concat([ascii('elara v1 handshake responder\0'), h, idR]),
          rPlain.subarray(64),
        ),
      ).toBe(true);
      h = sha256(h, response.subarray(73));

      // Finish: type 04, handshake id, then Seal(k, 1, h, edPk_I ‖ xPk_I ‖ sig_I) ‖ tag.
      expect(finish[32]).toBe(0x04);
      h = sha256(h, finish.subarray(0, 41));
      const iPlain = open(k, 1, finish.subarray(41), h);
      const idI = iPlain.subarray(0, 64);
      expect(toHex(idI)).toBe(
        toHex(Buffer.concat([a.identity.signingPublicKey, a.identity.agreementPublicKey])),
      );
      expect(
        ed25519Verify(
          idI.subarray(0, 32),
          Buffer.concat([ascii('elara v1 handshake initiator\0'), h, idI, idR]),
          iPlain.subarray(64),
        ),
      ).toBe(true);
      h = sha256(h, finish.subarray(41));

      // Accept: type 05, handshake id, then the tag of Seal(k, 2, h, empty).
      expect(accept[32]).toBe(0x05);
      h = sha256(h, accept.subarray(0, 41));
      expect(open(k, 2, accept.subarray(41), h).length).toBe(0);
      h = sha256(h, accept.subarray(41));

      // Split: HKDF(salt = ck, ikm = h, info = "elara v1 channel keys", 64).
      const keys = hkdf(h, ck, ascii('elara v1 channel keys'), 64);
      const i = run.initiatorResult as HandshakeResult;
      const r = run.responderResult as HandshakeResult;
      expect(toHex(i.sendKey)).toBe(toHex(keys.subarray(0, 32)));
      expect(toHex(i.receiveKey)).toBe(toHex(keys.subarray(32)));
      expect(toHex(r.sendKey)).toBe(toHex(keys.subarray(32)));
      expect(toHex(i.handshakeHash)).toBe(toHex(h));
      expect(i.channelId).toBe(h.readBigUInt64LE(0));
      expect(i.handshakeId).toBe(hsId);
    });
  },
);
