import { type NodeId, type SessionId, nodeId, sessionId } from '@elara/core';
import {
  type ChannelOptions,
  type CryptoProvider,
  type HandshakeResult,
  SecureChannel,
} from '../src/index.ts';

/**
 * Two handshake results that mirror each other, from random roots (no public-key work). Each
 * holds its own copies of the roots, as real handshakes hand over: a channel takes its result's
 * roots and zeroes them.
 */
export function mirroredResults(
  crypto: CryptoProvider,
  fields: { session?: SessionId; a?: NodeId; b?: NodeId; channelId?: bigint } = {},
): [HandshakeResult, HandshakeResult] {
  const ab = crypto.randomBytes(32);
  const ba = crypto.randomBytes(32);
  const hash = crypto.randomBytes(32);
  const a = fields.a ?? nodeId(0xa1n);
  const b = fields.b ?? nodeId(0xb2n);
  const common = {
    sessionId: fields.session ?? sessionId(0x5e55n),
    handshakeId: 1n,
    admittedBy: 'authorize' as const,
    inviteId: undefined,
    handshakeHash: hash,
    channelId: fields.channelId ?? new DataView(hash.buffer).getBigUint64(0, true),
    establishedAt: 0,
  };
  const publicOf = (id: NodeId) => ({
    nodeId: id,
    signingPublicKey: new Uint8Array(32),
    agreementPublicKey: new Uint8Array(32),
  });
  return [
    {
      ...common,
      role: 'initiator',
      local: a,
      peer: publicOf(b),
      sendKey: ab.slice(),
      receiveKey: ba.slice(),
    },
    {
      ...common,
      role: 'responder',
      local: b,
      peer: publicOf(a),
      sendKey: ba.slice(),
      receiveKey: ab.slice(),
    },
  ];
}

/** Two channel ends over mirrored results: `a` seals what `b` opens and the reverse. */
export function channelPair(
  crypto: CryptoProvider,
  options: ChannelOptions = {},
  fields: Parameters<typeof mirroredResults>[1] = {},
): { a: SecureChannel; b: SecureChannel } {
  const [ra, rb] = mirroredResults(crypto, fields);
  return { a: new SecureChannel(crypto, ra, options), b: new SecureChannel(crypto, rb, options) };
}

/** The code of what `f` throws (or 'ok'). */
export function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { constructor: { code?: string } }).constructor.code ?? String(e);
  }
}

/** A provider that counts HMACs and remembers each output (a copy, and the array handed out). */
export interface RecordingProvider extends CryptoProvider {
  /** HMAC-SHA256 and HMAC-SHA512 calls. */
  hmacCalls: number;
  /** HMAC-SHA512 calls alone (every chain and epoch step). */
  hmacSha512Calls: number;
  readonly outputs: {
    readonly hash: 'sha256' | 'sha512';
    readonly copy: Uint8Array;
    readonly handedOut: Uint8Array;
  }[];
  /** Every key array handed to `aeadSeal` or `aeadOpen` (the arrays themselves, not copies). */
  readonly aeadKeys: Uint8Array[];
}

/**
 * Wraps `inner`, recording every HMAC it computes and every AEAD key it is given (to count
 * work and check erasure).
 */
export function recordingProvider(inner: CryptoProvider): RecordingProvider {
  const outputs: RecordingProvider['outputs'] = [];
  const aeadKeys: Uint8Array[] = [];
  const record = (hash: 'sha256' | 'sha512', out: Uint8Array) => {
    p.hmacCalls++;
    if (hash === 'sha512') p.hmacSha512Calls++;
    outputs.push({ hash, copy: new Uint8Array(out), handedOut: out });
    return out;
  };
  const p: RecordingProvider = {
    name: inner.name,
    hmacCalls: 0,
    hmacSha512Calls: 0,
    outputs,
    aeadKeys,
    sha256: (d) => inner.sha256(d),
    hmacSha256: (k, d) => record('sha256', inner.hmacSha256(k, d)),
    hmacSha512: (k, d) => record('sha512', inner.hmacSha512(k, d)),
    hkdfSha256: (i, s, f, n) => inner.hkdfSha256(i, s, f, n),
    aeadSeal: (k, n, m, a, o) => {
      aeadKeys.push(k);
      return inner.aeadSeal(k, n, m, a, o);
    },
    aeadOpen: (k, n, c, a, o) => {
      aeadKeys.push(k);
      return inner.aeadOpen(k, n, c, a, o);
    },
    ed25519SigningKey: (s) => inner.ed25519SigningKey(s),
    ed25519VerifyingKey: (k) => inner.ed25519VerifyingKey(k),
    x25519PrivateKey: (s) => inner.x25519PrivateKey(s),
    x25519PublicKey: (k) => inner.x25519PublicKey(k),
    randomBytes: (n) => inner.randomBytes(n),
  };
  return p;
}
