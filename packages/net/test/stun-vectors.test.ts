import { formatEndpoint } from '@elara/core';
import { describeVectors, fromHex, toHex } from '@elara/test-env';
import { describe, expect, it } from 'vitest';
import {
  bindingRequest,
  decodeStunMessage,
  DEFAULT_MAX_RECEIVE_BYTES,
  mappedAddressOf,
  natTypeProperties,
  parseStunServer,
  resolveStunServer,
  STUN_DEFAULT_LAST_WAIT_FACTOR,
  STUN_DEFAULT_MAX_TRANSMISSIONS,
  STUN_DEFAULT_RTO_US,
  StunMethod,
  verifyFingerprint,
  type NatType,
} from '../src/index.ts';

interface StunVectors {
  binding_requests: { request: string; transaction_id: string }[];
  client_defaults: { recv_buffer: number; retries: number; timeout_s: number };
  default_server_discover_errors: { server: string; discover_error: string }[];
  nat_types: { nat_type: NatType; requires_turn: boolean; stun_traversable: boolean }[];
  response_parse_cases: {
    name: string;
    response: string;
    expected_transaction_id: string;
    mapped_address: string | null;
  }[];
}

/** What our client takes from a Binding response: undefined where it would drop it. */
function parse(responseHex: string, transactionIdHex: string): string | null {
  try {
    const m = decodeStunMessage(fromHex(responseHex));
    if (m.class !== 'success' || m.method !== StunMethod.Binding) return null;
    if (toHex(m.transactionId) !== transactionIdHex) return null;
    if (m.fingerprintAt >= 0 && !verifyFingerprint(m)) return null;
    const mapped = mappedAddressOf(m);
    return mapped === undefined ? null : formatEndpoint(mapped);
  } catch {
    return null;
  }
}

// Where the reference is wrong (PROTOCOL.md §16, §19.14), we assert our answer and say why.
const OURS: Record<string, { mapped: string | null; why: string }> = {
  mapped_first_then_xor_first_wins: {
    mapped: '203.0.113.5:2',
    why: 'XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS wherever it stands (RFC 8489 §14.1)',
  },
  xor_then_fingerprint: {
    mapped: null,
    why: 'its FINGERPRINT (deadbeef) is wrong: the message is dropped (RFC 8489 §14.7)',
  },
  xor_mapped_ipv6_unsupported: {
    mapped: '[2112:a442:102:304:506:708:90a:b0c]:8514',
    why: 'IPv6 XOR-MAPPED-ADDRESS: zero bytes XOR (cookie ‖ transaction id)',
  },
  ipv6_xor_then_ipv4_mapped_still_none: {
    mapped: '[2112:a442:102:304:506:708:90a:b0c]:8514',
    why: 'IPv6 XOR-MAPPED-ADDRESS is read, and wins over the IPv4 MAPPED-ADDRESS',
  },
};

describeVectors<StunVectors>('stun.json', (v) => {
  describe('binding requests', () => {
    it.each(v.binding_requests)('$transaction_id: the reference bytes without FINGERPRINT', (c) => {
      const id = fromHex(c.transaction_id);
      expect(toHex(bindingRequest(id, { fingerprint: false }))).toBe(c.request);
      const m = decodeStunMessage(fromHex(c.request));
      expect([m.method, m.class, toHex(m.transactionId)]).toEqual([1, 'request', c.transaction_id]);
    });

    it.each(v.binding_requests)('$transaction_id: ours adds a valid FINGERPRINT', (c) => {
      const ours = bindingRequest(fromHex(c.transaction_id));
      expect(ours.byteLength).toBe(28);
      const reference = fromHex(c.request);
      expect(toHex(ours.subarray(4, 20))).toBe(toHex(reference.subarray(4, 20)));
      expect(verifyFingerprint(decodeStunMessage(ours))).toBe(true);
    });
  });

  describe('response parsing', () => {
    it.each(v.response_parse_cases.filter((c) => !(c.name in OURS)))(
      '$name: as the reference',
      (c) => {
        expect(parse(c.response, c.expected_transaction_id)).toBe(c.mapped_address);
      },
    );

    it.each(v.response_parse_cases.filter((c) => c.name in OURS))(
      '$name: the reference is wrong; ours differs',
      (c) => {
        const ours = OURS[c.name] as { mapped: string | null; why: string };
        expect(ours.mapped, ours.why).not.toBe(c.mapped_address);
        expect(parse(c.response, c.expected_transaction_id), ours.why).toBe(ours.mapped);
      },
    );

    it('every case in the file is covered', () => {
      for (const name of Object.keys(OURS))
        expect(v.response_parse_cases.map((c) => c.name)).toContain(name);
    });
  });

  it.each(v.nat_types)('$nat_type: the reference flags', (c) => {
    expect(natTypeProperties(c.nat_type)).toEqual({
      stunTraversable: c.stun_traversable,
      requiresTurn: c.requires_turn,
    });
  });

  it('client defaults: RFC 8489 retransmission instead of 3 tries of 3 s; no 512-byte cut', () => {
    // The reference retries 3 times with a 3 s receive timeout and reads into 512 bytes.
    expect(v.client_defaults).toEqual({ recv_buffer: 512, retries: 3, timeout_s: 3 });
    expect([
      STUN_DEFAULT_RTO_US,
      STUN_DEFAULT_MAX_TRANSMISSIONS,
      STUN_DEFAULT_LAST_WAIT_FACTOR,
    ]).toEqual([500_000, 7, 16]);
    expect(DEFAULT_MAX_RECEIVE_BYTES).toBeGreaterThan(v.client_defaults.recv_buffer);
  });

  it.each(v.default_server_discover_errors)(
    '$server: a host name the reference refused is parsed and resolved',
    async (c) => {
      expect(c.discover_error).toMatch(/invalid socket address/);
      const parsed = parseStunServer(c.server);
      expect(`${parsed.host}:${parsed.port}`).toBe(c.server);
      // No network here: an injected resolver stands in for DNS.
      const seen: string[] = [];
      const resolved = await resolveStunServer(c.server, (host) => {
        seen.push(host);
        return Promise.resolve('192.0.2.7');
      });
      expect(seen).toEqual([parsed.host]);
      expect(resolved).toEqual({ family: 'IPv4', address: '192.0.2.7', port: parsed.port });
    },
  );
});
