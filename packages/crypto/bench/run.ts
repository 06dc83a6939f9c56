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
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { type BenchCase, type BenchRow, measureInterleaved, report } from '@elara/bench-kit';
import { PacketClass, RepresentationProfile, nodeId, sessionId } from '@elara/core';
import { Prng } from '@elara/core/sim';
import {
  type CryptoProvider,
  V0FrameOpener,
  V0FrameSealer,
  nativeCryptoProvider,
  portableCryptoProvider,
} from '../src/index.ts';

let sink = 0;
const rng = new Prng(2024);
const bytes = (n: number): Uint8Array => rng.fill(new Uint8Array(n));

const providers: readonly CryptoProvider[] = [
  nativeCryptoProvider({ random: new Prng(1) }),
  portableCryptoProvider({ random: new Prng(1) }),
];
const rows: BenchRow[] = [];

/** Measures `raw` and one case per provider in shared rounds; one row per provider. */
function group(
  what: string,
  raw: BenchCase['run'],
  ours: (p: CryptoProvider) => BenchCase['run'],
  options: { target?: number; extra?: readonly BenchCase[]; sliceMs?: number } = {},
): void {
  const cases: BenchCase[] = [
    { name: `raw node:crypto ${what}`, run: raw },
    ...providers.map((p) => ({ name: `${what} (${p.name})`, run: ours(p) })),
    ...(options.extra ?? []),
  ];
  // Short slices in many rounds: the machine is shared and its speed drifts within seconds.
  const [baseline, ...results] = measureInterleaved(cases, {
    rounds: 21,
    sliceMs: options.sliceMs ?? 40,
  });
  for (const [i, result] of results.entries()) {
    const native = cases[i + 1]?.name.endsWith('(native)') ?? false;
    rows.push({
      name: result.name,
      ours: result,
      baseline: baseline!,
      ...(options.target !== undefined && native ? { target: options.target } : {}),
    });
  }
}

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

report('crypto', '@elara/crypto: providers beside raw node:crypto (same run)', rows);
if (sink === 0.5) console.log(sink);
