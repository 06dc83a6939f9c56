import { realTimeScheduler, secureRandomSource, systemClock } from '@elara/core';
import {
  Demultiplexer,
  StunClient,
  TurnAllocationMismatchError,
  TurnClient,
  UdpTransport,
  type StunClientOptions,
  type TurnClientOptions,
  type UdpTransportOptions,
} from '../../src/index.ts';

/** One socket with its demultiplexer and STUN client, as an application would set them up. */
export interface StunPeer {
  readonly udp: UdpTransport;
  readonly demux: Demultiplexer;
  readonly stun: StunClient;
  close(): Promise<void>;
}

/** A loopback socket (budget room for relayed full-size frames) with a STUN client on it. */
export async function stunPeer(
  options: Partial<StunClientOptions> = {},
  udpOptions: UdpTransportOptions = {},
): Promise<StunPeer> {
  const udp = await UdpTransport.create({
    bind: '127.0.0.1:0',
    maxDatagramSize: 1460,
    ...udpOptions,
  });
  const demux = new Demultiplexer(udp.datagrams$);
  const stun = new StunClient({
    transport: udp,
    demux,
    scheduler: realTimeScheduler(systemClock()),
    random: secureRandomSource(),
    // Loopback answers in well under a millisecond: short timers keep failing cases quick.
    rtoUs: 100_000,
    maxTransmissions: 4,
    lastWaitFactor: 4,
    ...options,
  });
  return {
    udp,
    demux,
    stun,
    close: async () => {
      stun.close();
      demux.close();
      await udp.close();
    },
  };
}

/** How many fresh sockets {@link allocateOnFreshPort} tries before it gives up. */
const ALLOCATION_MISMATCH_TRIES = 3;

/**
 * A carrier and an allocation on it. A 437 (Allocation Mismatch) means the server still holds an
 * allocation for this 5-tuple: the kernel gave the new socket the port of an earlier carrier whose
 * best-effort release was lost on a loaded machine (the allocation then lives its full lifetime).
 * RFC 8656 §7.3 tells the client to try again from another transport address, so this does.
 */
export async function allocateOnFreshPort(
  options: Omit<TurnClientOptions, 'stun' | 'demux'>,
  makePeer: () => Promise<StunPeer> = () => stunPeer(),
): Promise<{ peer: StunPeer; turn: TurnClient }> {
  for (let attempt = 1; ; attempt++) {
    const peer = await makePeer();
    try {
      const turn = await TurnClient.allocate({ ...options, stun: peer.stun, demux: peer.demux });
      return { peer, turn };
    } catch (error) {
      await peer.close();
      if (!TurnAllocationMismatchError.isInstance(error) || attempt >= ALLOCATION_MISMATCH_TRIES)
        throw error;
    }
  }
}
