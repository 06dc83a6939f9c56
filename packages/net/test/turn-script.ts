import { endpoint, type Endpoint } from '@elara/core';
import { Prng, VirtualScheduler } from '@elara/core/sim';
import {
  decodeStunMessage,
  Demultiplexer,
  encodeStunAddress,
  encodeStunErrorCode,
  encodeStunMessage,
  encodeStunText,
  encodeStunU32,
  longTermKey,
  SimNetwork,
  StunAttr,
  StunClient,
  StunMethod,
  TurnClient,
  type StunAttribute,
  type StunMessage,
  type TurnClientOptions,
} from '../src/index.ts';

/** What the scripted server does with one authenticated request. */
export type TurnAnswer =
  | { readonly kind: 'success'; readonly attributes?: readonly StunAttribute[] }
  | { readonly kind: 'error'; readonly code: number }
  | { readonly kind: 'drop' };

export const REALM = 'elara.test';
export const KEY = longTermKey('alice', REALM, 'secret');

/**
 * A scripted TURN server on SimNetwork, on virtual time: it challenges unauthenticated requests
 * with 401 and answers the rest as `decide` says (default: success; Allocate with a relayed
 * address, Refresh with the LIFETIME asked for). `seen` lists every request it received.
 */
export function turnWorld(decide: (m: StunMessage) => TurnAnswer | undefined = () => undefined) {
  const scheduler = new VirtualScheduler(1_800_000_000_000_000);
  const net = new SimNetwork({ scheduler, seed: 7, defaultLink: { latencyUs: 10_000 } });
  const client = net.bind();
  const server = net.bind();
  const demux = new Demultiplexer(client.datagrams$);
  const stun = new StunClient({ transport: client, demux, scheduler, random: new Prng(7) });
  const relayed = endpoint('10.0.0.200', 50_000);
  const seen: StunMessage[] = [];
  const reply = (m: StunMessage, cls: 'success' | 'error', attributes: StunAttribute[]) =>
    encodeStunMessage({
      method: m.method,
      class: cls,
      transactionId: m.transactionId,
      attributes,
      ...(cls === 'success' ? { integrityKey: KEY } : {}),
      fingerprint: true,
    });
  server.datagrams$.subscribe((d) => {
    const m = decodeStunMessage(new Uint8Array(d.data));
    if (m.class !== 'request') return;
    seen.push(m);
    if (!m.attributes.some((a) => a.type === StunAttr.MessageIntegrity)) {
      server.send(
        reply(m, 'error', [
          { type: StunAttr.ErrorCode, value: encodeStunErrorCode(401, 'Unauthorized') },
          { type: StunAttr.Realm, value: encodeStunText(REALM) },
          { type: StunAttr.Nonce, value: encodeStunText('n1') },
        ]),
        d.from,
      );
      return;
    }
    const answer = decide(m) ?? { kind: 'success' };
    if (answer.kind === 'drop') return;
    if (answer.kind === 'error') {
      const bytes = encodeStunMessage({
        method: m.method,
        class: 'error',
        transactionId: m.transactionId,
        attributes: [{ type: StunAttr.ErrorCode, value: encodeStunErrorCode(answer.code, 'no') }],
        integrityKey: KEY,
        fingerprint: true,
      });
      server.send(bytes, d.from);
      return;
    }
    const asked = m.attributes.find((a) => a.type === StunAttr.Lifetime)?.value;
    const defaults: StunAttribute[] =
      m.method === StunMethod.Allocate
        ? [
            {
              type: StunAttr.XorRelayedAddress,
              value: encodeStunAddress(relayed, m.transactionId),
            },
            { type: StunAttr.XorMappedAddress, value: encodeStunAddress(d.from, m.transactionId) },
            { type: StunAttr.Lifetime, value: asked ?? encodeStunU32(600) },
          ]
        : m.method === StunMethod.Refresh && asked !== undefined
          ? [{ type: StunAttr.Lifetime, value: asked }]
          : [];
    server.send(reply(m, 'success', [...(answer.attributes ?? defaults)]), d.from);
  });
  const allocate = async (options: Partial<TurnClientOptions> = {}): Promise<TurnClient> => {
    const allocating = TurnClient.allocate({
      stun,
      demux,
      server: server.localAddress,
      username: 'alice',
      password: 'secret',
      ...options,
    });
    // Marked handled now: a rejection is the caller's to read after time moved.
    allocating.catch(() => undefined);
    await scheduler.advanceBy(100_000);
    return allocating;
  };
  /** Settles `p` while advancing virtual time by `us`. */
  const settle = async <T>(p: Promise<T>, us = 100_000): Promise<unknown> => {
    const caught = p.catch((e: unknown) => e);
    await scheduler.advanceBy(us);
    return caught;
  };
  return { scheduler, net, client, server, demux, stun, relayed, seen, allocate, settle };
}

/** The methods of the requests `seen` lists, by name, for readable expectations. */
export function methods(seen: readonly StunMessage[]): string[] {
  const names = new Map<number, string>(Object.entries(StunMethod).map(([k, v]) => [v, k]));
  return seen.map((m) => names.get(m.method) ?? String(m.method));
}

export const peerA: Endpoint = endpoint('10.0.0.50', 4000);
export const peerB: Endpoint = endpoint('10.0.0.51', 4000);
