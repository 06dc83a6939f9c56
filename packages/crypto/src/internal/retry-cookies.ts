import { type Endpoint, endpointKey } from '@elara/core';
import type { CryptoProvider } from '../crypto-provider.ts';
import { KEY_LENGTH } from '../crypto-provider.ts';
import { COOKIE_LENGTH, INIT_COOKIE_AT, INIT_FLAGS_AT } from '../handshake/handshake-message.ts';
import { constantTimeEqual } from './constant-time.ts';

const LABEL = new TextEncoder().encode('elara v1 retry cookie\0');
const COOKIE_FLAG = 0x02;

interface BucketSecret {
  readonly bucket: number;
  readonly secret: Uint8Array;
}

/**
 * Stateless retry cookies (as IKEv2's, RFC 7296 §2.6, and DTLS's): `HMAC-SHA256(secret,
 * label ‖ len ‖ source ‖ Init)` truncated to 16 bytes, where Init is the Init's bytes before its
 * trailer with the cookie flag and field zeroed, so the cookie binds the source address and
 * every field of that Init. The secret is random per time bucket and only the current and the
 * previous bucket's secrets are kept, so a cookie is accepted for one to two buckets and the
 * responder holds nothing per source.
 */
export class RetryCookies {
  private current: BucketSecret | undefined;
  private previous: BucketSecret | undefined;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly bucketUs: number,
  ) {}

  /** A cookie for `init` (a decoded Init's prefix) arriving from `source`. */
  mint(source: Endpoint, initPrefix: Uint8Array, now: number): Uint8Array {
    return this.mac(this.rotate(now).secret, source, initPrefix);
  }

  /** True when `cookie` was minted for this Init and source in this bucket or the previous one. */
  verify(source: Endpoint, initPrefix: Uint8Array, cookie: Uint8Array, now: number): boolean {
    const current = this.rotate(now);
    if (constantTimeEqual(this.mac(current.secret, source, initPrefix), cookie)) return true;
    const previous = this.previous;
    return (
      previous !== undefined &&
      previous.bucket === current.bucket - 1 &&
      constantTimeEqual(this.mac(previous.secret, source, initPrefix), cookie)
    );
  }

  /** Zeroes both secrets. */
  wipe(): void {
    this.current?.secret.fill(0);
    this.previous?.secret.fill(0);
    this.current = undefined;
    this.previous = undefined;
  }

  private rotate(now: number): BucketSecret {
    const bucket = Math.floor(now / this.bucketUs);
    const current = this.current;
    // A clock read that goes back keeps the current secret: buckets only move forward.
    if (current !== undefined && bucket <= current.bucket) return current;
    this.previous?.secret.fill(0);
    this.previous = current !== undefined && current.bucket === bucket - 1 ? current : undefined;
    if (this.previous === undefined) current?.secret.fill(0);
    const next = { bucket, secret: this.provider.randomBytes(KEY_LENGTH) };
    this.current = next;
    return next;
  }

  private mac(secret: Uint8Array, source: Endpoint, initPrefix: Uint8Array): Uint8Array {
    const where = new TextEncoder().encode(endpointKey(source));
    const input = new Uint8Array(LABEL.length + 1 + where.length + initPrefix.length);
    input.set(LABEL, 0);
    input[LABEL.length] = where.length;
    input.set(where, LABEL.length + 1);
    const at = LABEL.length + 1 + where.length;
    input.set(initPrefix, at);
    input[at + INIT_FLAGS_AT] = (input[at + INIT_FLAGS_AT] as number) & ~COOKIE_FLAG;
    input.fill(0, at + INIT_COOKIE_AT, at + INIT_COOKIE_AT + COOKIE_LENGTH);
    return this.provider.hmacSha256(secret, input).slice(0, COOKIE_LENGTH);
  }
}
