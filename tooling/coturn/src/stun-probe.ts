import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/**
 * Sends one STUN Binding Request (RFC 8489, no attributes) to `host:port` and resolves true
 * when a Binding Success response with the same transaction id arrives within `timeoutMs`.
 * Used only to know when coturn is ready.
 */
export async function stunProbe(host: string, port: number, timeoutMs = 200): Promise<boolean> {
  const socket = createSocket('udp4');
  const txid = randomBytes(12);
  const request = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
    txid,
  ]);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.on('message', (msg) => {
        if (
          msg.length >= 20 &&
          msg.readUInt16BE(0) === 0x0101 &&
          msg.subarray(8, 20).equals(txid)
        ) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      socket.send(request, port, host);
    });
  } finally {
    socket.close();
  }
}
