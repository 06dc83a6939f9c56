// Crypto provider benchmarks. Every figure sits beside the raw node:crypto operation measured in
// the same interleaved rounds (LIMITS.md: the machine's speed drifts, so only same-run ratios
// mean anything). Run: cd packages/crypto && npx tsx --conditions=@elara/source bench/run.ts
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { type BenchCase, type BenchRow, measureInterleaved, report } from '@elara/bench-kit';
import { PacketClass, RepresentationProfile, endpoint, nodeId, sessionId } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  type CryptoProvider,
  HandshakeInitiator,
  HandshakeResponder,
  Identity,
  V0FrameOpener,
  V0FrameSealer,
} from '../src/index.ts';
import {
  benchProviders,
  measureProviderGroup,
  type ProviderGroupOptions,
} from './provider-group.ts';

let sink = 0;
const rng = new Prng(2024);
const bytes = (n: number): Uint8Array => rng.fill(new Uint8Array(n));

const providers = benchProviders();
const rows: BenchRow[] = [];

const group = (
  what: string,
  raw: BenchCase['run'],
  ours: (p: CryptoProvider) => BenchCase['run'],
  options: ProviderGroupOptions = {},
): void => measureProviderGroup(rows, providers, what, raw, ours, options);

// --- Ed25519 -------------------------------------------------------------------------------

const seed = bytes(32);
const message = bytes(64);
const rawSigning = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});
const rawVerifying = createPublicKey(rawSigning);
const signature = nodeSign(null, message, rawSigning);
const signingKeys = new Map(providers.map((p) => [p, p.ed25519SigningKey(seed)]));
const verifyingKeys = new Map(
  providers.map((p) => [p, p.ed25519VerifyingKey(signingKeys.get(p)!.publicKey)]),
);

group(
  'Ed25519 sign, 64 B',
  (n) => {
    for (let i = 0; i < n; i++) sink ^= nodeSign(null, message, rawSigning)[0]!;
  },
  (p) => {
    const key = signingKeys.get(p)!;
    return (n) => {
      for (let i = 0; i < n; i++) sink ^= key.sign(message)[0]!;
    };
  },
);

group(
  'Ed25519 verify, 64 B',
  (n) => {
    for (let i = 0; i < n; i++) sink ^= nodeVerify(null, message, rawVerifying, signature) ? 1 : 0;
  },
  (p) => {
    const key = verifyingKeys.get(p)!;
    return (n) => {
      for (let i = 0; i < n; i++) sink ^= key.verify(message, signature) ? 1 : 0;
    };
  },
);

// --- X25519 --------------------------------------------------------------------------------

const secretA = bytes(32);
const secretB = bytes(32);
const pkcs8X = Buffer.from('302e020100300506032b656e04220420', 'hex');
const rawA = createPrivateKey({
  key: Buffer.concat([pkcs8X, secretA]),
  format: 'der',
  type: 'pkcs8',
});
const rawB = createPublicKey(
  createPrivateKey({ key: Buffer.concat([pkcs8X, secretB]), format: 'der', type: 'pkcs8' }),
);
const publicB = providers[0]!.x25519PrivateKey(secretB).publicKey;

group(
  'X25519 shared secret, keys prepared',
  (n) => {
    for (let i = 0; i < n; i++) sink ^= diffieHellman({ privateKey: rawA, publicKey: rawB })[0]!;
  },
  (p) => {
    const mine = p.x25519PrivateKey(secretA);
    const peer = p.x25519PublicKey(publicB);
    return (n) => {
      for (let i = 0; i < n; i++) sink ^= mine.agree(peer)[0]!;
    };
  },
);

// --- HKDF ----------------------------------------------------------------------------------

const ikm = bytes(32);
const salt = bytes(1);
const info = new TextEncoder().encode('ELARA_MSG_KEY_17');
const counter = new Uint8Array([1]);

group(
  'HKDF-SHA256, 32 B out',
  (n) => {
    // The fastest raw form (LIMITS.md): extract and one expand block, two createHmac calls.
    for (let i = 0; i < n; i++) {
      const prk = createHmac('sha256', salt).update(ikm).digest();
      sink ^= createHmac('sha256', prk).update(info).update(counter).digest()[0]!;
    }
  },
  (p) => (n) => {
    for (let i = 0; i < n; i++) sink ^= p.hkdfSha256(ikm, salt, info, 32)[0]!;
  },
);

// --- ChaCha20-Poly1305 seal + open ---------------------------------------------------------

const key = bytes(32);
const nonce = bytes(12);
const aad = bytes(30);

for (const size of [64, 256, 1024, 1338]) {
  const plaintext = bytes(size);
  const sealedOut = new Uint8Array(size + 16);
  const openedOut = new Uint8Array(size);
  const native = providers[0]!;
  group(
    `ChaCha20-Poly1305 seal+open, ${size} B`,
    (n) => {
      for (let i = 0; i < n; i++) {
        const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: size });
        const ct = c.update(plaintext);
        c.final();
        const tag = c.getAuthTag();
        const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        d.setAuthTag(tag);
        d.setAAD(aad, { plaintextLength: size });
        const pt = d.update(ct);
        d.final();
        sink ^= pt[0]!;
      }
    },
    (p) => (n) => {
      for (let i = 0; i < n; i++) {
        const sealed = p.aeadSeal(key, nonce, plaintext, aad);
        sink ^= p.aeadOpen(key, nonce, sealed, aad)[0]!;
      }
    },
    {
      ...(size === 1024 ? { target: 0.85 } : {}),
      extra: [
        {
          name: `ChaCha20-Poly1305 seal+open, ${size} B (native, into caller buffers)`,
          run: (n) => {
            for (let i = 0; i < n; i++) {
              const sealed = native.aeadSeal(key, nonce, plaintext, aad, sealedOut);
              sink ^= native.aeadOpen(key, nonce, sealed, aad, openedOut)[0]!;
            }
          },
        },
      ],
    },
  );
}

// --- v0 secure frame (compatibility code): key schedule + AEAD + codec ---------------------

{
  const session = sessionId(1);
  const payload = bytes(1024);
  const frameCase = (p: CryptoProvider): BenchCase['run'] => {
    let sealer = new V0FrameSealer(p, { sessionId: session, nodeId: nodeId(2), sessionKey: key });
    let opener = new V0FrameOpener(p, { sessionId: session, sessionKey: key });
    let sent = 0;
    return (n) => {
      for (let i = 0; i < n; i++) {
        // Start over before the 16-bit seq wraps: the opener's chain then stays in its window.
        if (++sent === 60_000) {
          sent = 0;
          sealer = new V0FrameSealer(p, { sessionId: session, nodeId: nodeId(2), sessionKey: key });
          opener = new V0FrameOpener(p, { sessionId: session, sessionKey: key });
        }
        const frame = sealer.seal({
          packetClass: PacketClass.Perceptual,
          profile: RepresentationProfile.Textual,
          timeHint: 0,
          payload,
        });
        sink ^= opener.open(frame).plaintext[0]!;
      }
    };
  };
  group(
    'v0 secure frame seal+open, 1 KB (vs raw AEAD seal+open)',
    (n) => {
      for (let i = 0; i < n; i++) {
        const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: 1024 });
        const ct = c.update(payload);
        c.final();
        const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        d.setAuthTag(c.getAuthTag());
        d.setAAD(aad, { plaintextLength: 1024 });
        sink ^= d.update(ct)[0]!;
        d.final();
      }
    },
    frameCase,
  );
}

// --- The handshake: whole handshakes beside the raw public-key operations they need ---------

{
  // Both sides of one handshake, in memory: Init, Retry, Init with cookie, Response, Finish,
  // Accept. A fresh responder each time (its construction allocates no keys), the clock moving.
  const handshakeCase = (p: CryptoProvider): BenchCase['run'] => {
    const a = Identity.generate(p);
    const b = Identity.generate(p);
    const source = endpoint('192.0.2.1', 40000);
    let now = 1_800_000_000_000_000;
    return (n) => {
      for (let k = 0; k < n; k++) {
        now += 1000;
        const initiator = new HandshakeInitiator({
          provider: p,
          identity: a,
          sessionId: sessionId(7),
          peer: b.publicIdentity(),
          authorize: () => true,
        });
        const responder = new HandshakeResponder({
          provider: p,
          identity: b,
          authorize: () => true,
        });
        const retry = responder.receive(initiator.start(now), source, now).reply!;
        const init = initiator.receive(retry, now).send[0]!;
        const response = responder.receive(init, source, now).reply!;
        const finish = initiator.receive(response, now).send[0]!;
        const accept = responder.receive(finish, source, now).reply!;
        sink ^= initiator.receive(accept, now).result!.sendKey[0]!;
      }
    };
  };
  // The floor: what a handshake must do with public keys, both sides, with raw node:crypto at
  // its fastest (key pairs from OpenSSL's own generator, identity and peer keys prepared).
  const idA = generateKeyPairSync('ed25519');
  const idB = generateKeyPairSync('ed25519');
  const transcript = bytes(32 + 64 + 32);
  const x25519Pair = (): void => {
    const i = generateKeyPairSync('x25519');
    const r = generateKeyPairSync('x25519');
    sink ^= diffieHellman({ privateKey: i.privateKey, publicKey: r.publicKey })[0]!;
    sink ^= diffieHellman({ privateKey: r.privateKey, publicKey: i.publicKey })[0]!;
  };
  const ed25519Pair = (): void => {
    const sigB = nodeSign(null, transcript, idB.privateKey);
    sink ^= nodeVerify(null, transcript, idB.publicKey, sigB) ? 1 : 0;
    const sigA = nodeSign(null, transcript, idA.privateKey);
    sink ^= nodeVerify(null, transcript, idA.publicKey, sigA) ? 1 : 0;
  };
  const cases: BenchCase[] = [
    {
      name: 'raw node:crypto: 2 X25519 key pairs + 2 DH + 2 Ed25519 sign + 2 verify',
      run: (n) => {
        for (let k = 0; k < n; k++) {
          x25519Pair();
          ed25519Pair();
        }
      },
    },
    ...providers.map((p) => ({ name: `handshake, both sides (${p.name})`, run: handshakeCase(p) })),
    {
      name: 'raw node:crypto: 2 X25519 key pairs + 2 DH',
      run: (n) => {
        for (let k = 0; k < n; k++) x25519Pair();
      },
    },
    {
      // Our ephemeral secrets come from the injected RandomSource (so simulations replay), so
      // they must be imported; part 1 imports private keys through DER, which OpenSSL 3 makes
      // far slower than generating a pair, so that no base64 copy of a secret is left behind.
      name: 'raw node:crypto: 2 X25519 private keys imported from DER (deterministic ephemerals)',
      run: (n) => {
        for (let k = 0; k < n; k++) {
          for (let j = 0; j < 2; j++) {
            const der = Buffer.concat([pkcs8X, bytes(32)]);
            sink ^= createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).type.length;
          }
        }
      },
    },
    {
      name: 'raw node:crypto: 2 Ed25519 sign + 2 verify',
      run: (n) => {
        for (let k = 0; k < n; k++) ed25519Pair();
      },
    },
  ];
  // Portable handshakes take tens of ms each: longer slices, fewer rounds.
  const [floor, ...results] = measureInterleaved(cases, { rounds: 11, sliceMs: 200 });
  for (const result of results) {
    const isHandshake = result.name.startsWith('handshake');
    rows.push({
      name: result.name,
      ours: result,
      baseline: floor!,
      note: isHandshake
        ? 'per handshake, both sides; ratio = share of the raw public-key floor reached'
        : 'one part of the floor, for reference',
    });
  }
}

{
  // What a flood of spoofed first messages costs the responder: one stateless Retry each.
  const retryCase = (p: CryptoProvider): BenchCase['run'] => {
    const a = Identity.generate(p);
    const b = Identity.generate(p);
    const responder = new HandshakeResponder({ provider: p, identity: b, authorize: () => true });
    const init = new HandshakeInitiator({
      provider: p,
      identity: a,
      sessionId: sessionId(7),
      peer: b.publicIdentity(),
      authorize: () => true,
    }).start(0);
    let port = 0;
    return (n) => {
      for (let k = 0; k < n; k++) {
        const source = endpoint('10.0.0.1', 1024 + (port++ % 60000));
        sink ^= responder.receive(init, source, 1_800_000_000_000_000).reply![0]!;
      }
    };
  };
  const hmacKey = bytes(32);
  const initBytes = bytes(114);
  group(
    'stateless Retry to a spoofed Init (vs one raw HMAC-SHA256 of the Init)',
    (n) => {
      for (let i = 0; i < n; i++)
        sink ^= createHmac('sha256', hmacKey).update(initBytes).digest()[0]!;
    },
    retryCase,
  );
}

report('crypto', '@elara/crypto: providers beside raw node:crypto (same run)', rows);
if (sink === 0.5) console.log(sink);
