// The machine's floor, with node:crypto and node:dgram at their fastest: what every event of the
// runtime must at least pay (LIMITS.md measures the same loops).
import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** A socket bound to 127.0.0.1 with a large receive buffer. */
export async function boundSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  s.setRecvBufferSize(4 << 20);
  return s;
}

export const closeSocket = (s: Socket): Promise<void> =>
  new Promise((resolve) => s.close(() => resolve()));

/** A one-way stream of sealed datagrams from one socket to another. */
export interface RawStream {
  /** Seals and sends datagram `i`. */
  send(i: number): void;
  /** Datagrams received, opened (and verified) so far. */
  arrived(): number;
  /** Called with each datagram's index as it is opened. */
  onArrival: ((i: number) => void) | undefined;
  close(): Promise<void>;
}

/**
 * Sealed datagrams of a text event's size: a 30-byte header (authenticated, not encrypted),
 * `bodyBytes` of payload sealed with ChaCha20-Poly1305 (a new cipher object per message, the
 * fastest node:crypto way), sent through node:dgram and opened on arrival. With `signed`, the
 * payload also carries an Ed25519 signature made before sealing and verified after opening
 * (prepared KeyObjects), as a durable event does.
 */
export async function rawStream(bodyBytes: number, signed: boolean): Promise<RawStream> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = randomBytes(32);
  const tx = await boundSocket();
  const rx = await boundSocket();
  const port = rx.address().port;
  const header = Buffer.alloc(30, 0x10);
  const body = Buffer.alloc(bodyBytes, 0x42);
  let arrived = 0;
  const stream: RawStream = {
    send(i) {
      const nonce = Buffer.alloc(12);
      nonce.writeUInt32LE(i >>> 0, 0);
      header.writeUInt32LE(i >>> 0, 4);
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      c.setAAD(header, { plaintextLength: body.length + (signed ? 64 : 0) });
      const parts = [header, nonce, c.update(body)];
      if (signed) parts.push(c.update(sign(null, body, privateKey)));
      parts.push(c.final(), c.getAuthTag());
      tx.send(Buffer.concat(parts), port, '127.0.0.1');
    },
    arrived: () => arrived,
    onArrival: undefined,
    close: async () => {
      await Promise.all([closeSocket(tx), closeSocket(rx)]);
    },
  };
  rx.on('message', (m) => {
    const head = m.subarray(0, 30);
    const nonce = m.subarray(30, 42);
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(head, { plaintextLength: m.length - 58 });
    d.setAuthTag(m.subarray(m.length - 16));
    const plain = Buffer.concat([d.update(m.subarray(42, m.length - 16)), d.final()]);
    if (signed && !verify(null, plain.subarray(0, bodyBytes), publicKey, plain.subarray(bodyBytes)))
      return;
    arrived++;
    stream.onArrival?.(head.readUInt32LE(4));
  });
  return stream;
}

/**
 * Round trips of a 64-byte datagram between two sockets, one after another: `count` samples
 * of the one-way latency (half the round trip), µs.
 */
export async function pingPong(count: number): Promise<number[]> {
  const a = await boundSocket();
  const b = await boundSocket();
  const bPort = b.address().port;
  const aPort = a.address().port;
  b.on('message', (m) => b.send(m, aPort, '127.0.0.1'));
  const payload = Buffer.alloc(64, 0x42);
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        a.once('message', () => resolve());
        a.send(payload, bPort, '127.0.0.1');
      });
      samples.push(((performance.now() - t0) * 1000) / 2);
    }
  } finally {
    await Promise.all([closeSocket(a), closeSocket(b)]);
  }
  return samples;
}
