import { type Endpoint, endpointEquals } from '@elara/core';
import {
  DatagramKind,
  type SimNetwork,
  type SimTransport,
  type StunAttribute,
  type StunMessage,
  StunAttr,
  StunMethod,
  classifyDatagram,
  decodeChannelData,
  decodeStunAddress,
  decodeStunChannelNumber,
  decodeStunMessage,
  encodeChannelData,
  encodeStunAddress,
  encodeStunErrorCode,
  encodeStunMessage,
  encodeStunText,
  encodeStunU32,
  longTermKey,
  stunAttribute,
} from '@elara/net';

export const TURN_USER = 'elara';
export const TURN_PASSWORD = 'relay-secret';
const REALM = 'sim.elara.test';

/** One client's allocation: its relayed transport and the channels it bound. */
interface Allocation {
  readonly client: Endpoint;
  readonly relayed: SimTransport;
  readonly channels: Map<number, Endpoint>;
}

/** A TURN relay on a SimNetwork, enough for tests (what the runtime's relayed paths use). */
export interface SimTurnRelay {
  readonly address: Endpoint;
  /** The relayed address of each client that allocated. */
  relayedAddressOf(client: Endpoint): Endpoint | undefined;
  /** Datagrams relayed, both ways. */
  readonly relayed: { count: number };
  close(): Promise<void>;
}

/**
 * A minimal TURN server (RFC 8656) on a simulated network: long-term credentials (401 with
 * REALM and NONCE, then answers signed with MESSAGE-INTEGRITY; requests are not verified),
 * Allocate (a fresh simulated address per client), Refresh, CreatePermission, ChannelBind, Send
 * indications and ChannelData from the client, ChannelData or Data indications to it.
 * Permissions are implied by channels and Send indications: a test relay, not a firewall.
 */
export function simTurnRelay(net: SimNetwork): SimTurnRelay {
  const server = net.bind();
  const key = longTermKey(TURN_USER, REALM, TURN_PASSWORD);
  const allocations: Allocation[] = [];
  const relayed = { count: 0 };
  const allocationOf = (client: Endpoint): Allocation | undefined =>
    allocations.find((a) => endpointEquals(a.client, client));

  const answer = (m: StunMessage, to: Endpoint, attributes: StunAttribute[]): void => {
    server.send(
      encodeStunMessage({
        method: m.method,
        class: 'success',
        transactionId: m.transactionId,
        attributes,
        integrityKey: key,
        fingerprint: true,
      }),
      to,
    );
  };

  const request = (m: StunMessage, from: Endpoint): void => {
    if (stunAttribute(m, StunAttr.MessageIntegrity) === undefined) {
      server.send(
        encodeStunMessage({
          method: m.method,
          class: 'error',
          transactionId: m.transactionId,
          attributes: [
            { type: StunAttr.ErrorCode, value: encodeStunErrorCode(401, 'Unauthorized') },
            { type: StunAttr.Realm, value: encodeStunText(REALM) },
            { type: StunAttr.Nonce, value: encodeStunText('nonce') },
          ],
          fingerprint: true,
        }),
        from,
      );
      return;
    }
    const lifetime = stunAttribute(m, StunAttr.Lifetime) ?? encodeStunU32(600);
    switch (m.method) {
      case StunMethod.Allocate: {
        let a = allocationOf(from);
        if (a === undefined) {
          const t = net.bind();
          a = { client: from, relayed: t, channels: new Map() };
          allocations.push(a);
          const own = a;
          t.onDatagram((d) => {
            relayed.count++;
            const channel = [...own.channels].find(([, peer]) => endpointEquals(peer, d.from));
            if (channel !== undefined) {
              server.send(encodeChannelData(channel[0], d.data), own.client);
              return;
            }
            server.send(
              encodeStunMessage({
                method: StunMethod.Data,
                class: 'indication',
                transactionId: new Uint8Array(12),
                attributes: [
                  {
                    type: StunAttr.XorPeerAddress,
                    value: encodeStunAddress(d.from, new Uint8Array(12)),
                  },
                  { type: StunAttr.Data, value: d.data.slice() },
                ],
              }),
              own.client,
            );
          });
        }
        answer(m, from, [
          {
            type: StunAttr.XorRelayedAddress,
            value: encodeStunAddress(a.relayed.localAddress, m.transactionId),
          },
          { type: StunAttr.XorMappedAddress, value: encodeStunAddress(from, m.transactionId) },
          { type: StunAttr.Lifetime, value: lifetime },
        ]);
        return;
      }
      case StunMethod.ChannelBind: {
        const a = allocationOf(from);
        const number = stunAttribute(m, StunAttr.ChannelNumber);
        const peer = stunAttribute(m, StunAttr.XorPeerAddress);
        if (a !== undefined && number !== undefined && peer !== undefined) {
          a.channels.set(decodeStunChannelNumber(number), decodeStunAddress(peer, m.transactionId));
        }
        answer(m, from, []);
        return;
      }
      case StunMethod.Refresh:
        answer(m, from, [{ type: StunAttr.Lifetime, value: lifetime }]);
        return;
      default:
        answer(m, from, []);
    }
  };

  server.onDatagram((d) => {
    const kind = classifyDatagram(d.data);
    if (kind === DatagramKind.ChannelData) {
      const { channel, data } = decodeChannelData(d.data);
      const a = allocationOf(d.from);
      const peer = a?.channels.get(channel);
      if (a !== undefined && peer !== undefined) {
        relayed.count++;
        a.relayed.send(data, peer);
      }
      return;
    }
    if (kind !== DatagramKind.Stun) return;
    const m = decodeStunMessage(d.data);
    if (m.class === 'request') request(m, d.from);
    else if (m.class === 'indication' && m.method === StunMethod.Send) {
      const a = allocationOf(d.from);
      const peer = stunAttribute(m, StunAttr.XorPeerAddress);
      const data = stunAttribute(m, StunAttr.Data);
      if (a !== undefined && peer !== undefined && data !== undefined) {
        relayed.count++;
        a.relayed.send(data, decodeStunAddress(peer, m.transactionId));
      }
    }
  });

  return {
    address: server.localAddress,
    relayedAddressOf: (client) => allocationOf(client)?.relayed.localAddress,
    relayed,
    async close() {
      await Promise.all(allocations.map((a) => a.relayed.close()));
      await server.close();
    },
  };
}
