import { startCoturn, type Coturn } from '@elara/coturn';
import { endpoint, type Endpoint } from '@elara/core';
import { propertyRuns } from '@elara/test-env';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeStunErrorCode,
  encodeStunAddress,
  longTermKey,
  StunAttr,
  stunAttribute,
  StunMethod,
  StunErrorResponseError,
  TurnAllocationExpiredError,
  TurnAllocationMismatchError,
  TurnAuthenticationError,
  TurnClient,
  TurnQuotaError,
  type StunAttribute,
  type StunMessage,
  type TurnClientOptions,
} from '../../src/index.ts';
import { waitFor } from './real-world.ts';
import { allocateOnFreshPort, stunPeer, type StunPeer } from './stun-peer.ts';

// Allocations live 3 s here (coturn caps what we ask for), so refresh and expiry take seconds.
// coturn 4.6 answers a Refresh that asks for less than 600 s with 600 s, past its own cap; our
// client asks for the default 600 s and gets the cap.
const LIFETIME_S = 3;
let coturn: Coturn;
let server: Endpoint;
const peers: StunPeer[] = [];
const clients: TurnClient[] = [];

/** An allocation on a fresh carrier (`makePeer` gives the carriers), closed after the tests. */
async function allocate(
  options: Partial<TurnClientOptions> = {},
  makePeer?: () => Promise<StunPeer>,
): Promise<{ peer: StunPeer; turn: TurnClient }> {
  const { peer, turn } = await allocateOnFreshPort(
    { server, username: coturn.username, password: coturn.password, ...options },
    makePeer,
  );
  peers.push(peer);
  clients.push(turn);
  return { peer, turn };
}

/**
 * The ERROR-CODE an authenticated CreatePermission from `peer`'s socket gets (0 on success): an
 * error once the server no longer knows an allocation on that 5-tuple.
 */
async function probeAllocation(peer: StunPeer): Promise<number> {
  const codeOf = (m: StunMessage): number => {
    const v = stunAttribute(m, StunAttr.ErrorCode);
    return v === undefined ? 0 : decodeStunErrorCode(v).code;
  };
  const permission = (id: Uint8Array): StunAttribute[] => [
    { type: StunAttr.XorPeerAddress, value: encodeStunAddress(endpoint('127.0.0.1', 9), id) },
  ];
  const challenge = await peer.stun.request(server, {
    method: StunMethod.CreatePermission,
    attributes: permission,
  });
  const realm = stunAttribute(challenge.message, StunAttr.Realm);
  const nonce = stunAttribute(challenge.message, StunAttr.Nonce);
  if (realm === undefined || nonce === undefined) return codeOf(challenge.message);
  const key = longTermKey(coturn.username, new TextDecoder().decode(realm), coturn.password);
  const r = await peer.stun.request(server, {
    method: StunMethod.CreatePermission,
    attributes: (id) => [
      ...permission(id),
      { type: StunAttr.Username, value: new TextEncoder().encode(coturn.username) },
      { type: StunAttr.Realm, value: realm },
      { type: StunAttr.Nonce, value: nonce },
    ],
    integrityKey: key,
  });
  return codeOf(r.message);
}

function inbox(turn: TurnClient): { data: Uint8Array; from: Endpoint }[] {
  const got: { data: Uint8Array; from: Endpoint }[] = [];
  turn.onData((data, from) => got.push({ data: new Uint8Array(data), from }));
  return got;
}

beforeAll(async () => {
  coturn = await startCoturn({ maxAllocateLifetime: LIFETIME_S });
  server = endpoint(coturn.host, coturn.port);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
afterAll(() => coturn.stop());

describe('TURN against coturn', () => {
  it('allocates a relayed address with long-term credentials', async () => {
    const { peer, turn } = await allocate();
    expect(turn.state).toBe('allocated');
    expect(turn.relayedAddress.address).toBe('127.0.0.1');
    expect(turn.relayedAddress.port).toBeGreaterThanOrEqual(coturn.relayPorts.min);
    expect(turn.relayedAddress.port).toBeLessThanOrEqual(coturn.relayPorts.max);
    expect(turn.mappedAddress).toEqual(peer.udp.localAddress);
    expect(turn.lifetimeS).toBe(LIFETIME_S);
    // Every response to an authenticated request carried valid integrity.
    expect(peer.stun.counters.badIntegrity).toBe(0);
  });

  it('two clients exchange traffic through their allocations, both ways, bytes intact', async () => {
    const a = await allocate();
    const b = await allocate();
    const toA = inbox(a.turn);
    const toB = inbox(b.turn);
    // a talks over a channel (ChannelData), b over Send/Data indications.
    await a.turn.bindChannel(b.turn.relayedAddress);
    await b.turn.createPermission([a.turn.relayedAddress]);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1400 }),
        fc.uint8Array({ maxLength: 1400 }),
        async (x, y) => {
          toA.length = toB.length = 0;
          a.turn.send(x, b.turn.relayedAddress);
          b.turn.send(y, a.turn.relayedAddress);
          expect(await waitFor(() => toA.length === 1 && toB.length === 1, 5_000)).toBe(true);
          expect(toB[0]?.data).toEqual(x);
          expect(toB[0]?.from).toEqual(a.turn.relayedAddress);
          expect(toA[0]?.data).toEqual(y);
          expect(toA[0]?.from).toEqual(b.turn.relayedAddress);
        },
      ),
      { numRuns: propertyRuns(20, 200) },
    );
    expect(a.turn.counters.sentChannelData).toBeGreaterThan(0);
    expect(a.turn.counters.receivedChannelData).toBeGreaterThan(0);
    expect(b.turn.counters.sentSendIndications).toBeGreaterThan(0);
    expect(b.turn.counters.receivedDataIndications).toBeGreaterThan(0);
    expect(a.turn.counters.unsolicited + b.turn.counters.unsolicited).toBe(0);
  });

  it('data from a peer without a permission never reaches us', async () => {
    const a = await allocate();
    const b = await allocate();
    const toB = inbox(b.turn);
    // a may send to b, but b has no permission for a: coturn drops it at b's relay.
    await a.turn.bindChannel(b.turn.relayedAddress);
    a.turn.send(Uint8Array.of(1, 2, 3), b.turn.relayedAddress);
    // coturn relays through other sockets (and threads) than the one b's requests use: give the
    // refused datagram time to reach b's relay before b's permission can, even on a loaded host.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Then b permits a: the next datagram arrives, and it is the only one.
    await b.turn.createPermission([a.turn.relayedAddress]);
    a.turn.send(Uint8Array.of(4, 5, 6), b.turn.relayedAddress);
    expect(await waitFor(() => toB.some((m) => m.data[0] === 4), 10_000)).toBe(true);
    expect(toB.map((m) => [...m.data])).toEqual([[4, 5, 6]]);
  });

  it('refresh keeps an allocation alive past its lifetime', async () => {
    const a = await allocate();
    const b = await allocate({ autoRefresh: true });
    const toA = inbox(a.turn);
    await a.turn.createPermission([b.turn.relayedAddress]);
    await b.turn.createPermission([a.turn.relayedAddress]);
    const started = Date.now();
    // Two refreshes: the allocation outlived its first lifetime and the one the first refresh
    // granted.
    expect(await waitFor(() => b.turn.counters.refreshes >= 2, 10_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(LIFETIME_S * 1000);
    expect(b.turn.state).toBe('allocated');
    expect(b.turn.lifetimeS).toBe(LIFETIME_S);
    b.turn.send(Uint8Array.of(9, 9), a.turn.relayedAddress);
    expect(await waitFor(() => toA.length === 1, 5_000)).toBe(true);
    expect(toA[0]?.from).toEqual(b.turn.relayedAddress);
  });

  it('without refresh, expiry ends the allocation on both sides', async () => {
    const { peer, turn } = await allocate({ autoRefresh: false });
    const errors: unknown[] = [];
    turn.errors$.subscribe((e) => errors.push(e));
    // While the allocation lives, the probe succeeds (so its refusal below means something).
    expect(await probeAllocation(peer)).toBe(0);
    expect(await waitFor(() => turn.state === 'expired', 10_000)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(TurnAllocationExpiredError.isInstance(errors[0])).toBe(true);
    expect(() => turn.send(Uint8Array.of(1), endpoint('127.0.0.1', 9))).toThrow();
    // refresh() on an expired client is refused: sent, it could revive the allocation.
    expect(
      TurnAllocationExpiredError.isInstance(await turn.refresh().catch((e: unknown) => e)),
    ).toBe(true);
    // The server agrees, within a margin (it may hold the allocation a moment past our clock):
    // a CreatePermission from the same 5-tuple, which cannot revive an allocation, is refused.
    // RFC 8656 says 437; coturn 4.6 answers 400 to requests on a 5-tuple without allocation.
    // A 438 is no verdict: the allocation (and the session whose nonce the probe's challenge
    // carried) ended between the probe's two requests, so the probe runs again.
    let code = 0;
    const deadline = Date.now() + 5_000;
    while ((code === 0 || code === 438) && Date.now() < deadline)
      code = await probeAllocation(peer);
    expect([400, 437]).toContain(code);
  });

  it('wrong credentials fail with TurnAuthenticationError (401)', async () => {
    const error = await allocate({ password: 'not-the-password' }).catch((e: unknown) => e);
    expect(TurnAuthenticationError.isInstance(error)).toBe(true);
    expect(StunErrorResponseError.isInstance(error)).toBe(true);
    expect((error as TurnAuthenticationError).errorCode).toBe(401);
    const unknownUser = await allocate({ username: 'mallory' }).catch((e: unknown) => e);
    expect(TurnAuthenticationError.isInstance(unknownUser)).toBe(true);
  });

  it('a port whose old allocation was never released answers 437; the helper moves to a fresh port', async () => {
    const { peer: crashed } = await allocate();
    const port = crashed.udp.localAddress.port;
    // The socket goes away without releasing its allocation, like a process that crashed.
    peers.splice(peers.indexOf(crashed), 1);
    clients.pop();
    await crashed.close();
    const reused = await stunPeer({}, { bind: `127.0.0.1:${port}` });
    const offered: StunPeer[] = [reused];
    const fresh = async (): Promise<StunPeer> => {
      const p = await stunPeer();
      offered.push(p);
      return p;
    };
    let calls = 0;
    const makePeer = (): Promise<StunPeer> => (calls++ === 0 ? Promise.resolve(reused) : fresh());
    const direct = await TurnClient.allocate({
      stun: reused.stun,
      demux: reused.demux,
      server,
      username: coturn.username,
      password: coturn.password,
    }).catch((e: unknown) => e);
    expect(TurnAllocationMismatchError.isInstance(direct)).toBe(true);
    expect((direct as TurnAllocationMismatchError).errorCode).toBe(437);
    const { peer } = await allocate({}, makePeer);
    expect(calls).toBe(2);
    expect(peer).toBe(offered[1]);
    expect(peer.udp.localAddress.port).not.toBe(port);
    expect(reused.udp.closed).toBe(true);
  });
});

describe('TURN quota against coturn', () => {
  // Its own server: coturn frees a released allocation's quota on a one-second timer, so other
  // tests' allocations would blur the count.
  let quota: Coturn;
  beforeAll(async () => {
    quota = await startCoturn({ userQuota: 2 });
  });
  afterAll(() => quota.stop());

  it('beyond the user quota, coturn answers 486: TurnQuotaError', async () => {
    const on = {
      server: endpoint(quota.host, quota.port),
      username: quota.username,
      password: quota.password,
    };
    await allocate(on);
    await allocate(on);
    const error = await allocate(on).catch((e: unknown) => e);
    expect(TurnQuotaError.isInstance(error)).toBe(true);
    expect(StunErrorResponseError.isInstance(error)).toBe(true);
    expect((error as TurnQuotaError).errorCode).toBe(486);
  });
});
