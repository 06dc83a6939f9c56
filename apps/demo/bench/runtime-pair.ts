// Two runtime nodes on loopback in one session: the sender writes text events, the receiver
// sees them arrive in its text stream.
import type { CryptoProvider, Ed25519VerifyingKey } from '@elara/crypto';
import { defaultCryptoProvider } from '@elara/crypto';
import { Node, type NodeConfig } from '@elara/runtime';

/**
 * node:crypto with Ed25519 verification switched off: every signature is accepted. For the
 * benchmark only, to measure what the runtime costs without the verification it must do.
 */
export function skippingVerification(provider: CryptoProvider): CryptoProvider {
  const accepting = (key: Ed25519VerifyingKey): Ed25519VerifyingKey => ({
    get publicKey() {
      return key.publicKey;
    },
    verify: () => true,
  });
  return new Proxy(provider, {
    get(target, prop) {
      if (prop === 'ed25519VerifyingKey')
        return (publicKey: Uint8Array) => accepting(target.ed25519VerifyingKey(publicKey));
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** A session of two nodes on loopback and a text stream from one to the other. */
export interface RuntimePair {
  /** Sends one text event; returns false if the runtime refused it (its log is full). */
  send(content: string): boolean;
  /** Events arrived in the receiver's text stream so far. */
  arrived(): number;
  /** Called with each message's content as it arrives. */
  onArrival: ((content: string) => void) | undefined;
  /** Events the sender wrote, and the datagrams and bytes it sent. */
  sent(): { events: number; datagrams: number; bytes: number };
  readonly nodes: readonly Node[];
  close(): Promise<void>;
}

/** Two nodes on 127.0.0.1 with `config`; verification on unless `verify` is false. */
export async function runtimePair(config: NodeConfig, verify = true): Promise<RuntimePair> {
  const crypto = verify ? defaultCryptoProvider() : skippingVerification(defaultCryptoProvider());
  const receiver = await Node.create({ ...config, crypto });
  const sender = await Node.create({ ...config, crypto });
  const room = await receiver.createSession();
  const joined = await sender.joinSession(room.invite());
  const text = joined.text('general');
  let arrived = 0;
  let events = 0;
  const pair: RuntimePair = {
    send(content) {
      try {
        text.send(content);
        events++;
        return true;
      } catch {
        return false;
      }
    },
    arrived: () => arrived,
    onArrival: undefined,
    sent: () => {
      const c = sender.counters();
      return { events, datagrams: c.datagramsOut, bytes: c.bytesOut };
    },
    nodes: [receiver, sender],
    close: async () => {
      await Promise.all([receiver.stop(), sender.stop()]);
    },
  };
  room.text('general').changes$.subscribe((change) => {
    if (change.type !== 'added') return;
    arrived++;
    pair.onArrival?.(change.message.content);
  });
  return pair;
}
