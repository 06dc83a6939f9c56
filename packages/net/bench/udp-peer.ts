// The receiving process of the two-process UDP bench: one raw node:dgram socket and one
// UdpTransport, counting what arrives; the parent drives it over IPC.
import { createSocket } from 'node:dgram';
import { UdpTransport } from '../src/index.ts';

type Command = { cmd: 'reset' } | { cmd: 'count' } | { cmd: 'exit' };

const now = (): number => performance.timeOrigin + performance.now();
const counts = { raw: 0, ours: 0, rawLast: 0, oursLast: 0 };

const raw = createSocket('udp4');
raw.on('message', () => {
  counts.raw++;
  counts.rawLast = now();
});
await new Promise<void>((resolve) => raw.bind(0, '127.0.0.1', resolve));
raw.setRecvBufferSize(4 << 20);
const ours = await UdpTransport.create({ bind: '127.0.0.1:0' });
ours.datagrams$.subscribe(() => {
  counts.ours++;
  counts.oursLast = now();
});

process.on('message', (m: Command) => {
  if (m.cmd === 'reset') {
    counts.raw = counts.ours = counts.rawLast = counts.oursLast = 0;
    process.send?.({ ok: true });
  } else if (m.cmd === 'count') {
    process.send?.({ ...counts });
  } else {
    raw.close();
    void ours.close().then(() => process.exit(0));
  }
});
process.send?.({
  rawPort: raw.address().port,
  oursPort: ours.localAddress.port,
  recvBufferSize: ours.recvBufferSize,
});
