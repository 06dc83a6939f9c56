import { realTimeScheduler, secureRandomSource, systemClock } from '@elara/core';
import {
  Demultiplexer,
  StunClient,
  UdpTransport,
  type StunClientOptions,
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
