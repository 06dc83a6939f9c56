import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { toHex } from '@elara/test-env';

// Node 20.0–20.11 (this package declares >= 20) has no one-shot `hash()` in node:crypto. The
// main entry must still load there and compute HMAC-SHA512 through createHmac. A child Node
// loads the source under module hooks that take `hash` out of node:crypto, as those versions
// ship it: a named import of it would fail to link, and with it the whole entry.
it('the main entry loads and gives createHmac HMAC-SHA512 results on a node:crypto without hash()', async () => {
  const hooks = new URL('./fixtures/node-crypto-without-hash.mjs', import.meta.url).href;
  const entry = new URL('../src/index.ts', import.meta.url).href;
  const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(hooks)})`;
  const script = `
    const crypto = await import('node:crypto');
    const { nativeCryptoProvider } = await import(${JSON.stringify(entry)});
    const provider = nativeCryptoProvider();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const hex = (b) => Buffer.from(b).toString('hex');
    console.log(JSON.stringify({
      hashExported: 'hash' in crypto,
      short: hex(provider.hmacSha512(key, Uint8Array.of(1))),
      rfc4231: hex(provider.hmacSha512(new Uint8Array(20).fill(0x0b), new TextEncoder().encode('Hi There'))),
    }));`;
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--conditions=@elara/source',
      '--import',
      'tsx',
      '--import',
      register,
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: root },
  );
  const out = JSON.parse(stdout) as { hashExported: boolean; short: string; rfc4231: string };
  // The hooks did take hash() away, so the test is not vacuous on a newer Node.
  expect(out.hashExported).toBe(false);
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  expect(out.short).toBe(toHex(createHmac('sha512', key).update(Uint8Array.of(1)).digest()));
  expect(out.rfc4231).toBe(
    '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  );
}, 30_000);
