import { ClosedError, endpoint, type Endpoint } from '@elara/core';
import { Prng, VirtualScheduler } from '@elara/core/sim';
import { propertyRuns } from '@elara/test-env';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeStunMessage,
  Demultiplexer,
  encodeChannelData,
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
  StunPendingLimitError,
  StunTimeoutError,
  bindingCheckPadding,
  TransportClosedError,
  TurnClient,
  type SimTransport,
  type StunAttribute,
  type StunMessage,
} from '../src/index.ts';

function world(seed = 1) {
  const scheduler = new VirtualScheduler(1_800_000_000_000_000);
  const net = new SimNetwork({ scheduler, seed, defaultLink: { latencyUs: 10_000 } });
  const client = net.bind();
  const server = net.bind();
  const demux = new Demultiplexer(client.datagrams$);
  const stun = new StunClient({ transport: client, demux, scheduler, random: new Prng(seed) });
  return { scheduler, net, client, server, demux, stun };
}

/** A scripted server: answers each request with what `script` returns (or nothing). */
function serve(
  server: SimTransport,
  script: (m: StunMessage, from: Endpoint) => Uint8Array | undefined,
): StunMessage[] {
  const seen: StunMessage[] = [];
  server.datagrams$.subscribe((d) => {
    const m = decodeStunMessage(new Uint8Array(d.data));
    seen.push(m);
    const answer = script(m, d.from);
    if (answer !== undefined) server.send(answer, d.from);
  });
  return seen;
}

function reply(
  m: StunMessage,
  cls: 'success' | 'error',
  attributes: StunAttribute[],
  key?: Uint8Array,
): Uint8Array {
  return encodeStunMessage({
    method: m.method,
    class: cls,
    transactionId: m.transactionId,
    attributes,
    ...(key === undefined ? {} : { integrityKey: key }),
    fingerprint: true,
  });
}

const mappedOf = (m: StunMessage, from: Endpoint): StunAttribute => ({
  type: StunAttr.XorMappedAddress,
  value: encodeStunAddress(from, m.transactionId),
});

describe('StunClient on SimNetwork', () => {
  it('discovers the mapped address through a peer that answers Binding requests', async () => {
    const w = world();
    const peerDemux = new Demultiplexer(w.server.datagrams$);
    const responder = new StunClient({
      transport: w.server,
      demux: peerDemux,
      scheduler: w.scheduler,
      random: new Prng(9),
      answerBindingRequests: true,
    });
    const result = w.stun.binding(w.server.localAddress, { attributes: [bindingCheckPadding()] });
    await w.scheduler.advanceBy(100_000);
    await expect(result).resolves.toMatchObject({
      mapped: w.client.localAddress,
      elapsedUs: 20_000,
    });
    expect(responder.counters.requestsAnswered).toBe(1);
    responder.close();
  });

  it('answers no request smaller than its answer (no reflection amplification)', async () => {
    const w = world();
    const peerDemux = new Demultiplexer(w.server.datagrams$);
    const responder = new StunClient({
      transport: w.server,
      demux: peerDemux,
      scheduler: w.scheduler,
      random: new Prng(9),
      answerBindingRequests: true,
    });
    const sizes: number[] = [];
    w.client.onDatagram((d) => sizes.push(d.data.byteLength));
    const sentSizes: number[] = [];
    w.server.onDatagram((d) => sentSizes.push(d.data.byteLength));
    // A bare Binding request with FINGERPRINT: 28 bytes; the answer would be 40.
    const bare = w.stun.binding(w.server.localAddress, {
      rtoUs: 10_000,
      maxTransmissions: 2,
      lastWaitFactor: 2,
    });
    const failed = expect(bare).rejects.toThrow(StunTimeoutError);
    await w.scheduler.advanceBy(200_000);
    await failed;
    expect(sentSizes).toEqual([28, 28]);
    expect(responder.counters).toMatchObject({ requestsTooSmall: 2, requestsAnswered: 0 });
    // Padded, it is answered, and never with more bytes than it carried.
    const padded = w.stun.binding(w.server.localAddress, { attributes: [bindingCheckPadding()] });
    await w.scheduler.advanceBy(100_000);
    await expect(padded).resolves.toMatchObject({ mapped: w.client.localAddress });
    expect(responder.counters.requestsAnswered).toBe(1);
    expect(sentSizes[2]).toBe(56);
    expect(sizes).toEqual([40]);
    responder.close();
  });

  it('retransmits at RTO, 3 RTO, 7 RTO ... and times out after Rc sends and Rm × RTO', async () => {
    const w = world();
    const sentAt: number[] = [];
    w.server.datagrams$.subscribe(() => sentAt.push(w.scheduler.now()));
    const start = w.scheduler.now();
    const outcome = w.stun.binding(w.server.localAddress).catch((e: unknown) => e);
    await w.scheduler.advanceBy(60_000_000);
    const error = await outcome;
    expect(StunTimeoutError.isInstance(error)).toBe(true);
    expect(sentAt.map((t) => (t - start - 10_000) / 1000)).toEqual([
      0, 500, 1500, 3500, 7500, 15500, 31500,
    ]);
    expect(w.stun.counters).toMatchObject({ transmissions: 7, retransmissions: 6, timeouts: 1 });
    expect(w.stun.pendingCount).toBe(0);
    expect(w.scheduler.pending).toBe(0);
  });

  it('a retransmission gets through after loss', async () => {
    const w = world();
    let drop = 2;
    serve(w.server, (m, from) =>
      drop-- > 0 ? undefined : reply(m, 'success', [mappedOf(m, from)]),
    );
    const result = w.stun.binding(w.server.localAddress);
    await w.scheduler.advanceBy(5_000_000);
    await expect(result).resolves.toMatchObject({ mapped: w.client.localAddress });
    expect(w.stun.counters.retransmissions).toBe(2);
  });

  it('spoofed, corrupted and stray responses are counted and dropped; the real one wins', async () => {
    const w = world();
    const key = longTermKey('u', 'r', 'p');
    const spoofer = endpoint('10.9.9.9', 3478);
    serve(w.server, (m, from) => {
      const inject = (bytes: Uint8Array, src: Endpoint): void => w.client.receive(bytes, src);
      // A response from the wrong address, a wrong transaction id, a bad fingerprint, one
      // without integrity, one with a wrong key, garbage and truncated STUN: all before the
      // genuine answer.
      inject(reply(m, 'success', [mappedOf(m, spoofer)], key), spoofer);
      const otherId = encodeStunMessage({
        method: m.method,
        class: 'success',
        transactionId: m.transactionId.map((b) => b ^ 0xff),
        attributes: [mappedOf(m, from)],
        integrityKey: key,
        fingerprint: true,
      });
      inject(otherId, w.server.localAddress);
      const badFp = reply(m, 'success', [mappedOf(m, spoofer)], key);
      badFp[badFp.byteLength - 1] = (badFp[badFp.byteLength - 1] as number) ^ 1;
      inject(badFp, w.server.localAddress);
      inject(reply(m, 'success', [mappedOf(m, spoofer)]), w.server.localAddress);
      inject(
        reply(m, 'success', [mappedOf(m, spoofer)], longTermKey('u', 'r', 'x')),
        w.server.localAddress,
      );
      const truncatedAttr = reply(m, 'success', [{ type: 0x8022, value: new Uint8Array(8) }]);
      truncatedAttr[23] = 40;
      inject(truncatedAttr, w.server.localAddress);
      inject(reply(m, 'success', []).subarray(0, 24), w.server.localAddress);
      return reply(m, 'success', [mappedOf(m, from)], key);
    });
    const result = w.stun.request(w.server.localAddress, {
      method: StunMethod.Binding,
      integrityKey: key,
    });
    await w.scheduler.advanceBy(100_000);
    const r = await result;
    expect(r.from).toEqual(w.server.localAddress);
    expect(w.stun.counters).toMatchObject({
      wrongSource: 1,
      unmatched: 1,
      badFingerprint: 1,
      badIntegrity: 2,
      malformed: 1,
      responses: 1,
    });
    // A datagram cut short never reaches the client: the demultiplexer counts it malformed.
    expect(w.demux.counters.byKind.malformed).toBe(1);
  });

  it('a response with an unknown comprehension-required attribute is discarded and counted', async () => {
    const w = world();
    serve(w.server, (m, from) => {
      w.client.receive(
        reply(m, 'success', [
          mappedOf(m, endpoint('10.9.9.9', 1)),
          { type: 0x7777, value: Uint8Array.of(1, 2, 3, 4) },
        ]),
        w.server.localAddress,
      );
      return reply(m, 'success', [mappedOf(m, from)]);
    });
    const result = w.stun.binding(w.server.localAddress);
    await w.scheduler.advanceBy(100_000);
    await expect(result).resolves.toMatchObject({ mapped: w.client.localAddress });
    expect(w.stun.counters).toMatchObject({ unknownRequired: 1, responses: 1 });
  });

  it('the transport closing rejects transactions in flight with TransportClosedError', async () => {
    const w = world();
    const pending = w.stun.binding(w.server.localAddress).catch((e: unknown) => e);
    await w.client.close();
    expect(TransportClosedError.isInstance(await pending)).toBe(true);
    expect(w.stun.closed).toBe(true);
    expect(w.stun.pendingCount).toBe(0);
  });

  it('random datagrams never throw and land in exactly one bucket', () => {
    const w = world();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (body, stunLike) => {
        const bytes = stunLike
          ? encodeStunMessage({
              method: body[0] ?? 1,
              class: (['success', 'error', 'indication', 'request'] as const)[
                (body[1] ?? 0) % 4
              ] as 'success',
              transactionId: new Uint8Array(12),
              attributes: [{ type: 0x8022, value: body }],
            })
          : body;
        w.client.receive(bytes, endpoint('10.0.0.99', 1));
      }),
      { numRuns: propertyRuns(300, 5_000) },
    );
    const c = w.stun.counters;
    const buckets =
      c.malformed + c.badFingerprint + c.unmatched + c.indications + c.requestsIgnored;
    expect(buckets).toBe(w.demux.counters.byKind.stun);
    expect(w.demux.counters.handlerErrors).toBe(0);
  });

  it('pending transactions are bounded; abort and close release them', async () => {
    const w = world();
    const stun = new StunClient({
      transport: w.client,
      demux: w.demux,
      scheduler: w.scheduler,
      random: new Prng(3),
      maxPending: 4,
    });
    const pending = Array.from({ length: 4 }, () =>
      stun.binding(w.server.localAddress).catch((e: unknown) => e),
    );
    await expect(stun.binding(w.server.localAddress)).rejects.toThrow(StunPendingLimitError);
    expect(stun.counters.refusedPending).toBe(1);
    const controller = new AbortController();
    const aborted = stun
      .binding(w.server.localAddress, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(stun.pendingCount).toBe(4);
    controller.abort(new Error('stop'));
    stun.close();
    stun.close();
    for (const p of pending) expect(ClosedError.isInstance(await p)).toBe(true);
    expect(await aborted).toBeInstanceOf(StunPendingLimitError);
    expect(stun.pendingCount).toBe(0);
    await expect(stun.binding(w.server.localAddress)).rejects.toThrow(TransportClosedError);
    w.stun.close();
    // Nothing left scheduled but the requests still crossing the simulated network.
    expect(w.scheduler.pending).toBe(w.net.stats.inFlight);
  });
});

describe('TurnClient against a scripted server', () => {
  const realm = 'elara.test';
  const key = longTermKey('alice', realm, 'secret');

  function turnWorld(script: { staleOnce?: boolean } = {}) {
    const w = world(5);
    let nonce = 'n1';
    let stale = script.staleOnce ?? false;
    const relayed = endpoint('10.0.0.200', 50_000);
    const seen = serve(w.server, (m, from) => {
      const has = (t: number): boolean => m.attributes.some((a) => a.type === t);
      if (!has(StunAttr.MessageIntegrity))
        return reply(m, 'error', [
          { type: StunAttr.ErrorCode, value: encodeStunErrorCode(401, 'Unauthorized') },
          { type: StunAttr.Realm, value: encodeStunText(realm) },
          { type: StunAttr.Nonce, value: encodeStunText(nonce) },
        ]);
      if (stale) {
        stale = false;
        nonce = 'n2';
        return reply(m, 'error', [
          { type: StunAttr.ErrorCode, value: encodeStunErrorCode(438, 'Stale Nonce') },
          { type: StunAttr.Realm, value: encodeStunText(realm) },
          { type: StunAttr.Nonce, value: encodeStunText(nonce) },
        ]);
      }
      if (m.method === StunMethod.Allocate)
        return reply(
          m,
          'success',
          [
            {
              type: StunAttr.XorRelayedAddress,
              value: encodeStunAddress(relayed, m.transactionId),
            },
            mappedOf(m, from),
            { type: StunAttr.Lifetime, value: encodeStunU32(600) },
          ],
          key,
        );
      return reply(m, 'success', [], key);
    });
    const allocate = () =>
      TurnClient.allocate({
        stun: w.stun,
        demux: w.demux,
        server: w.server.localAddress,
        username: 'alice',
        password: 'secret',
      });
    return { ...w, seen, relayed, allocate };
  }

  it('answers the 401 challenge, retries once on 438 with the new nonce', async () => {
    const w = turnWorld({ staleOnce: true });
    const allocating = w.allocate();
    await w.scheduler.advanceBy(200_000);
    const turn = await allocating;
    expect(turn.relayedAddress).toEqual(w.relayed);
    expect(
      w.seen.map((m) => m.attributes.some((a) => a.type === StunAttr.MessageIntegrity)),
    ).toEqual([false, true, true]);
    const nonces = w.seen
      .slice(1)
      .map((m) =>
        new TextDecoder().decode(m.attributes.find((a) => a.type === StunAttr.Nonce)?.value),
      );
    expect(nonces).toEqual(['n1', 'n2']);
    const closing = turn.close();
    await w.scheduler.advanceBy(200_000);
    await closing;
    expect(w.scheduler.pending).toBe(0);
  });

  it('unsolicited relay data, foreign senders and bad ChannelData are counted, never delivered', async () => {
    const w = turnWorld();
    const allocating = w.allocate();
    await w.scheduler.advanceBy(200_000);
    const turn = await allocating;
    const got: Uint8Array[] = [];
    turn.onData((d) => got.push(new Uint8Array(d)));
    const peer = endpoint('10.0.0.50', 4000);
    const binding = turn.bindChannel(peer);
    await w.scheduler.advanceBy(200_000);
    const channel = await binding;
    const server = w.server.localAddress;
    const data = (from: Endpoint, id = new Uint8Array(12)) =>
      encodeStunMessage({
        method: StunMethod.Data,
        class: 'indication',
        transactionId: id,
        attributes: [
          { type: StunAttr.XorPeerAddress, value: encodeStunAddress(from, id) },
          { type: StunAttr.Data, value: Uint8Array.of(7) },
        ],
      });
    w.client.receive(encodeChannelData(channel + 1, Uint8Array.of(1)), server); // unknown channel
    w.client.receive(data(endpoint('10.0.0.66', 1)), server); // no permission
    w.client.receive(encodeChannelData(channel, Uint8Array.of(2)), endpoint('10.0.0.77', 3478)); // foreign
    w.client.receive(data(peer), endpoint('10.0.0.77', 3478)); // foreign
    w.client.receive(encodeChannelData(channel, Uint8Array.of(3)), server); // genuine
    w.client.receive(data(peer), server); // genuine
    expect(turn.counters).toMatchObject({
      unsolicited: 2,
      foreign: 2,
      receivedChannelData: 1,
      receivedDataIndications: 1,
    });
    expect(got.map((d) => [...d])).toEqual([[3], [7]]);
    const closing = turn.close();
    await w.scheduler.advanceBy(200_000);
    await closing;
    expect(w.scheduler.pending).toBe(0);
  });
});
