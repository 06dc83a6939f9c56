import type { EventSigner, EventVerifier, NodeId } from '@elara/core';
import { OutOfRangeError, SIGNATURE_LENGTH } from '@elara/core';
import type { CryptoProvider, Ed25519VerifyingKey } from '../crypto-provider.ts';
import { Identity } from '../identity.ts';
import { constantTimeEqual } from '../internal/constant-time.ts';

/**
 * An `EventSigner` (core's type) for this node: Ed25519 by the identity over the bytes core's
 * `eventSigningBytes()` gives (the label, the session id and every envelope field), so state can
 * sign without importing crypto.
 *
 * @example
 * const event = signEnvelope(session, unsigned, eventSigner(identity));
 */
export function eventSigner(identity: Identity): EventSigner {
  if (!(identity instanceof Identity)) throw new OutOfRangeError('eventSigner: not an Identity');
  return (signingBytes) => identity.sign(signingBytes);
}

/**
 * Where an author's Ed25519 public key comes from: the runtime answers from the membership log;
 * undefined for an author it does not know.
 */
export type AuthorKeyLookup = (author: NodeId) => Uint8Array | undefined;

/** Options of {@link EventVerifierCache}. */
export interface EventVerifierCacheOptions {
  /** Prepared keys kept at once (least recently used goes first). Default 1024. */
  readonly maxKeys?: number;
}

/** The default bound of {@link EventVerifierCache}. */
export const DEFAULT_MAX_VERIFYING_KEYS = 1024;

/**
 * Verifies durable events' signatures for `@elara/state`: `verify` matches core's
 * `EventVerifier` (false for an unknown author, a key that is not a valid Ed25519 key, a
 * malformed or wrong signature; it never throws). Keys are prepared once per author (the
 * native provider imports them into OpenSSL, ~25 µs) and kept in a bounded LRU table; a key
 * the lookup now answers differently (a member re-keyed) replaces the cached one.
 *
 * @example
 * const verifier = new EventVerifierCache(crypto, (author) => members.get(author)?.signingKey);
 * state.attach({ verify: verifier.verify });
 */
export class EventVerifierCache {
  private readonly keys = new Map<NodeId, Ed25519VerifyingKey>();
  private readonly maxKeys: number;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly lookup: AuthorKeyLookup,
    options: EventVerifierCacheOptions = {},
  ) {
    const max = options.maxKeys ?? DEFAULT_MAX_VERIFYING_KEYS;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new OutOfRangeError(`event verifier: maxKeys must be a positive integer, got ${max}`);
    }
    this.maxKeys = max;
  }

  /** How many prepared keys are held. */
  get size(): number {
    return this.keys.size;
  }

  /** Core's `EventVerifier`, bound to this cache (pass it around as a plain function). */
  readonly verify: EventVerifier = (author, signingBytes, signature) => {
    try {
      if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
      const key = this.keyOf(author);
      return key !== undefined && key.verify(signingBytes, signature);
    } catch {
      // Bad keys and malformed signatures are answers, not crashes (EventVerifier's contract).
      return false;
    }
  };

  /** Drops an author's prepared key (when it leaves the session). */
  forget(author: NodeId): void {
    this.keys.delete(author);
  }

  private keyOf(author: NodeId): Ed25519VerifyingKey | undefined {
    const publicKey = this.lookup(author);
    if (publicKey === undefined) {
      this.keys.delete(author);
      return undefined;
    }
    const cached = this.keys.get(author);
    if (cached !== undefined && constantTimeEqual(cached.publicKey, publicKey)) {
      this.keys.delete(author);
      this.keys.set(author, cached);
      return cached;
    }
    const prepared = this.provider.ed25519VerifyingKey(publicKey);
    this.keys.delete(author);
    this.keys.set(author, prepared);
    if (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value as NodeId;
      this.keys.delete(oldest);
    }
    return prepared;
  }
}
