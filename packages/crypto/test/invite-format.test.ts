import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns, toHex } from '@elara/test-env';
import { ElaraError, type Endpoint, OutOfRangeError, endpoint, sessionId } from '@elara/core';
import {
  Identity,
  InviteBook,
  InviteExpiredError,
  InviteSignatureError,
  MAX_INVITE_ADDRESSES,
  MAX_INVITE_TEXT_LENGTH,
  decodeInvite,
  encodeInvite,
  inviteBody,
  inviteSigningBytes,
} from '../src/index.ts';
import { fromBase64Url, toBase64Url } from '../src/internal/base64url.ts';
import { formatIPv6, parseIPv4, parseIPv6 } from '../src/internal/ip-address-bytes.ts';
import { RESPONDER_ADDRESS, SESSION, T0, node } from './handshake-harness.ts';

const HOUR = 3_600_000_000;
const inviter = node('native', 500);
const book = new InviteBook(inviter.provider, inviter.identity);
const crypto = inviter.provider;

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6);
const address: fc.Arbitrary<Endpoint> = fc
  .tuple(fc.oneof(ipv4, ipv6), fc.integer({ min: 1, max: 65535 }))
  .map(([a, port]) => endpoint(a, port));

/** The raw bytes of invite text (to edit fields and re-encode). */
function bytesOf(text: string): Uint8Array {
  return fromBase64Url(text)!;
}

function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!ElaraError.isInstance(e)) throw e;
    return (e as ElaraError).code;
  }
}

describe('invite text', () => {
  it('round-trips every field, is URL-safe, and stays within its documented length', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.array(address, { maxLength: MAX_INVITE_ADDRESSES }),
        fc.integer({ min: 1, max: 7 * 24 * 3600 }),
        (session, addresses, seconds) => {
          const expiresAt = T0 + seconds * 1_000_000;
          const { invite, text } = book.issue(
            { sessionId: sessionId(session), addresses, expiresAt },
            T0,
          );
          expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(text.length).toBeLessThanOrEqual(MAX_INVITE_TEXT_LENGTH);
          const back = decodeInvite(crypto, text, T0);
          expect(back.sessionId).toBe(session);
          expect(back.inviter.nodeId).toBe(inviter.identity.nodeId);
          expect(toHex(back.inviter.signingPublicKey)).toBe(
            toHex(inviter.identity.signingPublicKey),
          );
          expect(toHex(back.inviter.agreementPublicKey)).toBe(
            toHex(inviter.identity.agreementPublicKey),
          );
          expect(back.addresses).toEqual(addresses);
          expect(back.expiresAt).toBe(expiresAt);
          expect(toHex(back.inviteId)).toBe(toHex(invite.inviteId));
          expect(toHex(back.secret)).toBe(toHex(invite.secret));
          expect(encodeInvite(back)).toBe(text);
        },
      ),
      { numRuns: propertyRuns(100, 1000) },
    );
  });

  it('is compact: 268 characters with one IPv4 address', () => {
    const { text } = book.issue(
      { sessionId: SESSION, addresses: [RESPONDER_ADDRESS], expiresAt: T0 + HOUR },
      T0,
    );
    expect(text.length).toBe(268);
  });

  it('is read the same by both providers, whichever issued it', () => {
    const portable = node('portable', 501);
    const portableBook = new InviteBook(portable.provider, portable.identity);
    for (const [issuer, reader] of [
      [book, node('portable', 502).provider],
      [portableBook, crypto],
    ] as const) {
      const { text, invite } = issuer.issue(
        { sessionId: SESSION, addresses: [RESPONDER_ADDRESS], expiresAt: T0 + HOUR },
        T0,
      );
      expect(toHex(decodeInvite(reader, text, T0).secret)).toBe(toHex(invite.secret));
    }
  });
});

describe('a bad invite is refused by name', () => {
  const { text, invite } = book.issue(
    {
      sessionId: SESSION,
      addresses: [RESPONDER_ADDRESS, endpoint('2001:db8::7', 4433)],
      expiresAt: T0 + HOUR,
    },
    T0,
  );

  it('any character changed: a named error (almost always: the signature)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.~ ';
    const names = new Set<string>();
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.constantFrom(...alphabet), (at, c) => {
        fc.pre(text[at] !== c);
        const changed = text.slice(0, at) + c + text.slice(at + 1);
        const name = outcome(() => decodeInvite(crypto, changed, T0));
        expect(name).not.toBe('ok');
        names.add(name);
      }),
      { numRuns: propertyRuns(200, 3000) },
    );
    expect(names.has('InviteSignatureError')).toBe(true);
    expect(names.has('MalformedInviteError')).toBe(true);
  });

  it('any byte changed: a named error, and never a crash', () => {
    const bytes = bytesOf(text);
    for (let at = 0; at < bytes.length; at++) {
      const changed = bytes.slice();
      changed[at] = (changed[at] as number) ^ (1 << (at % 8));
      const name = outcome(() => decodeInvite(crypto, toBase64Url(changed), T0));
      expect(['MalformedInviteError', 'InviteSignatureError', 'InviteExpiredError']).toContain(
        name,
      );
    }
  });

  it('tampered fields, re-encoded without the key: InviteSignatureError', () => {
    const edits = [
      { ...invite, sessionId: sessionId(SESSION + 1n) },
      { ...invite, expiresAt: invite.expiresAt + HOUR },
      { ...invite, addresses: [endpoint('203.0.113.66', 4433)] },
      { ...invite, secret: invite.secret.map((x) => x ^ 1) },
      { ...invite, inviteId: invite.inviteId.map((x) => x ^ 1) },
    ];
    for (const edited of edits) {
      expect(() => decodeInvite(crypto, encodeInvite(edited), T0)).toThrow(InviteSignatureError);
    }
  });

  it("forged: a stranger's signature under the inviter's keys is InviteSignatureError", () => {
    const stranger = Identity.generate(crypto);
    const signature = stranger.sign(inviteSigningBytes(inviteBody(invite)));
    expect(() => decodeInvite(crypto, encodeInvite({ ...invite, signature }), T0)).toThrow(
      InviteSignatureError,
    );
    // A stranger's own, self-consistent invite decodes, but it names the stranger, not the
    // inviter: the handshake then refuses it (see the invite handshake tests).
    const own = new InviteBook(crypto, stranger).issue(
      { sessionId: SESSION, addresses: [RESPONDER_ADDRESS], expiresAt: T0 + HOUR },
      T0,
    );
    expect(decodeInvite(crypto, own.text, T0).inviter.nodeId).toBe(stranger.nodeId);
  });

  it('a signature with S ≥ L is InviteSignatureError (tweetnacl alone would accept it)', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const signature = invite.signature.slice();
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
    s += L;
    for (let i = 32; i < 64; i++) {
      signature[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    for (const reader of [crypto, node('portable', 503).provider]) {
      expect(() => decodeInvite(reader, encodeInvite({ ...invite, signature }), T0)).toThrow(
        InviteSignatureError,
      );
    }
  });

  it('expired: InviteExpiredError, checked after the signature', () => {
    expect(() => decodeInvite(crypto, text, T0 + HOUR)).toThrow(InviteExpiredError);
    expect(() => decodeInvite(crypto, text, T0 + HOUR - 1)).not.toThrow();
    expect(() =>
      decodeInvite(crypto, encodeInvite({ ...invite, secret: new Uint8Array(32) }), T0 + 2 * HOUR),
    ).toThrow(InviteSignatureError);
  });

  it('malformed: wrong alphabet, padding, length, version, family, port, count, trailing bytes, keys', () => {
    const bytes = bytesOf(text);
    const withByte = (at: number, value: number): string => {
      const b = bytes.slice();
      b[at] = value;
      return toBase64Url(b);
    };
    const cases: Record<string, string> = {
      empty: '',
      padding: `${text}==`,
      plus: text.replace(/[-_]/, '+'),
      space: ` ${text}`,
      'one char too many': `${text}A`,
      'too long': 'A'.repeat(MAX_INVITE_TEXT_LENGTH + 1),
      truncated: text.slice(0, 100),
      'version 2': withByte(0, 2),
      'family 5': withByte(130, 5),
      'count 9': withByte(129, 9),
      'count 3 (runs past the end)': withByte(129, 3),
      'trailing byte': toBase64Url(
        Uint8Array.from([
          ...bytes.subarray(0, bytes.length - 64),
          0,
          ...bytes.subarray(bytes.length - 64),
        ]),
      ),
      'X25519 key of small order': toBase64Url(
        Uint8Array.from([...bytes.subarray(0, 41), ...new Uint8Array(32), ...bytes.subarray(73)]),
      ),
      'Ed25519 key not canonical': toBase64Url(
        Uint8Array.from([
          ...bytes.subarray(0, 9),
          ...new Uint8Array(32).fill(0xff),
          ...bytes.subarray(41),
        ]),
      ),
    };
    for (const [what, bad] of Object.entries(cases)) {
      expect(
        outcome(() => decodeInvite(crypto, bad, T0)),
        what,
      ).toBe('MalformedInviteError');
    }
    // Port 0 in the first address (u16 LE at bytes 135..136).
    const portZero = bytes.slice();
    portZero.fill(0, 135, 137);
    expect(outcome(() => decodeInvite(crypto, toBase64Url(portZero), T0))).toBe(
      'MalformedInviteError',
    );
    expect(outcome(() => decodeInvite(crypto, 42 as unknown as string, T0))).toBe(
      'MalformedInviteError',
    );
  });
});

describe('issuing', () => {
  it('refuses expiries in the past or beyond the longest lifetime, and addresses it cannot encode', () => {
    const request = { sessionId: SESSION, addresses: [RESPONDER_ADDRESS] };
    expect(() => book.issue({ ...request, expiresAt: T0 }, T0)).toThrow(OutOfRangeError);
    expect(() => book.issue({ ...request, expiresAt: T0 + 8 * 24 * HOUR }, T0)).toThrow(
      OutOfRangeError,
    );
    for (const bad of [
      endpoint('example.com', 443),
      endpoint('fe80::1%eth0', 443),
      endpoint('1.2.3', 443),
      endpoint('192.0.2.1', 0),
    ]) {
      expect(() => book.issue({ ...request, addresses: [bad], expiresAt: T0 + HOUR }, T0)).toThrow(
        OutOfRangeError,
      );
    }
    const nine = Array.from({ length: MAX_INVITE_ADDRESSES + 1 }, () => RESPONDER_ADDRESS);
    expect(() => book.issue({ ...request, addresses: nine, expiresAt: T0 + HOUR }, T0)).toThrow(
      OutOfRangeError,
    );
  });

  it('disposed: ClosedError', () => {
    const b = new InviteBook(crypto, inviter.identity);
    b.dispose();
    expect(
      outcome(() => b.issue({ sessionId: SESSION, addresses: [], expiresAt: T0 + HOUR }, T0)),
    ).toBe('ClosedError');
  });
});

describe('address literals and base64url (internal helpers)', () => {
  it('IPv6: the canonical text (RFC 5952) round-trips every 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIPv6(bytes);
        expect(toHex(parseIPv6(text)!)).toBe(toHex(bytes));
      }),
      { numRuns: propertyRuns(1000, 20_000) },
    );
    expect(formatIPv6(parseIPv6('2001:0db8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIPv6(parseIPv6('::ffff:192.0.2.1')!)).toBe('::ffff:192.0.2.1');
    expect(formatIPv6(parseIPv6('::')!)).toBe('::');
    for (const bad of [
      '1::2::3',
      '12345::',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      '::1.2.3.256',
      '1:2:3:4:5:6:7::8',
    ]) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
    expect(parseIPv4('256.1.1.1')).toBeUndefined();
  });

  it('base64url: round-trips, and refuses every second spelling', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(toHex(fromBase64Url(text)!)).toBe(toHex(bytes));
      }),
      { numRuns: propertyRuns(1000, 20_000) },
    );
    expect(fromBase64Url('AQ')).toBeDefined();
    expect(fromBase64Url('AR')).toBeUndefined(); // unused low bits set
    expect(fromBase64Url('A')).toBeUndefined();
    expect(fromBase64Url('AA==')).toBeUndefined();
    expect(fromBase64Url('é')).toBeUndefined();
  });
});
