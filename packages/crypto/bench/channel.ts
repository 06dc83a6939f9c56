// Secure channel and event signature benchmarks, each beside the raw node:crypto operation in
// the same interleaved rounds (LIMITS.md: only same-run ratios mean anything).
// Run: cd packages/crypto && npx tsx --conditions=@elara/source bench/channel.ts
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { type BenchCase, type BenchRow, report } from '@elara/bench-kit';
import {
  EventKind,
  EventType,
  PacketClass,
  RepresentationProfile,
  StateTypePrefix,
  type UnsignedDurableEnvelope,
  eventSigningBytes,
  nodeId,
  sessionId,
  stateIdFromParts,
} from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  type CryptoProvider,
  EventVerifierCache,
  Identity,
  SecureChannel,
  eventSigner,
} from '../src/index.ts';
import { benchProviders, measureProviderGroup } from './provider-group.ts';

let sink = 0;
const rng = new Prng(2025);
const bytes = (n: number): Uint8Array => rng.fill(new Uint8Array(n));
const providers = benchProviders();
const rows: BenchRow[] = [];

const group = (
  what: string,
  raw: BenchCase['run'],
  ours: (p: CryptoProvider) => BenchCase['run'],
  target?: number,
): void =>
  measureProviderGroup(rows, providers, what, raw, ours, {
    rounds: 15,
    ...(target === undefined ? {} : { target }),
  });

function channelPair(p: CryptoProvider): { a: SecureChannel; b: SecureChannel } {
  const ab = bytes(32);
  const ba = bytes(32);
  const common = {
    sessionId: sessionId(7),
    handshakeId: 1n,
    admittedBy: 'authorize' as const,
    inviteId: undefined,
    handshakeHash: bytes(32),
    channelId: 0x1234_5678n,
    establishedAt: 0,
  };
  const peer = (n: bigint) => ({
    nodeId: nodeId(n),
    signingPublicKey: new Uint8Array(32),
    agreementPublicKey: new Uint8Array(32),
  });
  return {
    a: new SecureChannel(p, {
      ...common,
      role: 'initiator',
      local: nodeId(1),
      peer: peer(2n),
      sendKey: ab.slice(), // each end owns its copies: a channel zeroes the roots it takes
      receiveKey: ba.slice(),
    }),
    b: new SecureChannel(p, {
      ...common,
      role: 'responder',
      local: nodeId(2),
      peer: peer(1n),
      sendKey: ba.slice(),
      receiveKey: ab.slice(),
    }),
  };
}

// --- Channel seal+open vs raw ChaCha20-Poly1305 seal+open --------------------------------------

const key = bytes(32);
const nonce = bytes(12);
const aad = bytes(41);
for (const size of [64, 256, 1024, 1338]) {
  const payload = bytes(size);
  const target = new Uint8Array(1400);
  const channelCase = (p: CryptoProvider): BenchCase['run'] => {
    const { a, b } = channelPair(p);
    return (n) => {
      for (let i = 0; i < n; i++) {
        const end = a.sealInto(
          {
            packetClass: PacketClass.Perceptual,
            profile: RepresentationProfile.Textual,
            timeHint: 0,
            payload,
          },
          target,
        );
        sink ^= b.open(target.subarray(0, end)).plaintext[0]!;
      }
    };
  };
  group(
    `channel seal+open, ${size} B`,
    (n) => {
      for (let i = 0; i < n; i++) {
        const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: size });
        const ct = c.update(payload);
        c.final();
        const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        d.setAuthTag(c.getAuthTag());
        d.setAAD(aad, { plaintextLength: size });
        sink ^= d.update(ct)[0]!;
        d.final();
      }
    },
    channelCase,
    size === 1024 ? 0.5 : undefined,
  );
}

// --- Event signatures: sign and verify over eventSigningBytes() ------------------------------

{
  const session = sessionId(7);
  const seed = bytes(32);
  const rawSigning = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const rawVerifying = createPublicKey(rawSigning);
  const envelope = (author: Identity): UnsignedDurableEnvelope => ({
    kind: EventKind.Durable,
    author: author.nodeId,
    seq: 7,
    time: 1_700_000_000_000_000,
    target: stateIdFromParts(StateTypePrefix.Text, 5),
    eventType: EventType.TextAppend,
    dependencies: [],
    mutation: { type: 'append', data: bytes(32) },
  });
  group(
    'event sign (eventSigningBytes + Ed25519)',
    (n) => {
      for (let i = 0; i < n; i++) sink ^= nodeSign(null, aad, rawSigning)[0]!;
    },
    (p) => {
      const me = Identity.fromSecrets(p, { signingSeed: seed, agreementSecret: bytes(32) });
      const sign = eventSigner(me);
      const e = envelope(me);
      return (n) => {
        for (let i = 0; i < n; i++) sink ^= sign(eventSigningBytes(session, e))[0]!;
      };
    },
  );
  const rawSig = nodeSign(null, aad, rawSigning);
  group(
    'event verify (eventSigningBytes + cached key + Ed25519)',
    (n) => {
      for (let i = 0; i < n; i++) sink ^= nodeVerify(null, aad, rawVerifying, rawSig) ? 1 : 0;
    },
    (p) => {
      const me = Identity.fromSecrets(p, { signingSeed: seed, agreementSecret: bytes(32) });
      const e = envelope(me);
      const signature = eventSigner(me)(eventSigningBytes(session, e));
      const pub = me.signingPublicKey;
      const verifier = new EventVerifierCache(p, () => pub);
      return (n) => {
        for (let i = 0; i < n; i++) {
          sink ^= verifier.verify(me.nodeId, eventSigningBytes(session, e), signature) ? 1 : 0;
        }
      };
    },
  );
}

report('channel', '@elara/crypto: channels and event signatures beside raw node:crypto', rows);
if (sink === 0.5) console.log(sink);
