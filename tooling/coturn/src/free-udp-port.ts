import { createSocket } from 'node:dgram';

/** Asks the kernel for a free UDP port on `address` (bind to port 0, read it, release it). */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A free range of `count` consecutive UDP ports (for coturn's relay ports). */
export async function freeUdpPortRange(count: number, address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const sockets = [];
    try {
      for (let p = base; p < base + count; p++) {
        const s = createSocket('udp4');
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(p, address, () => resolve());
        });
      }
      return base;
    } catch {
      // Part of the range is taken: try another.
    } finally {
      await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  }
  throw new Error(`no free range of ${count} UDP ports found`);
}
