// The README's key schedule and sealing, written out with raw node:crypto, to check channels
// against (no channel code used).
import { createDecipheriv, createHmac } from 'node:crypto';
import { decodeFrameV1 } from '@elara/core';

/** The README's key schedule, written out with raw node:crypto, for one class of one direction. */
export function referenceSchedule(root: Uint8Array, packetClass: number) {
  const hmac256 = (k: Uint8Array, m: Uint8Array) =>
    new Uint8Array(createHmac('sha256', k).update(m).digest());
  const hmac512 = (k: Uint8Array, m: Uint8Array) =>
    new Uint8Array(createHmac('sha512', k).update(m).digest());
  // HMAC-SHA512(k, tag), split into its two 32-byte halves.
  const split = (k: Uint8Array, tag: number): [Uint8Array, Uint8Array] => {
    const out = hmac512(k, Uint8Array.of(tag));
    return [out.slice(0, 32), out.slice(32)];
  };
  const label = new TextEncoder().encode('elara v1 channel class ');
  const epochKeys: Uint8Array[] = [hmac256(root, Uint8Array.from([...label, packetClass]))];
  const ek = (e: number): Uint8Array => {
    while (epochKeys.length <= e) epochKeys.push(split(epochKeys.at(-1)!, 0x03)[1]);
    return epochKeys[e]!;
  };
  const chains = new Map<number, Uint8Array[]>();
  const ck = (e: number, i: number): Uint8Array => {
    const chain = chains.get(e) ?? [split(ek(e), 0x03)[0]];
    chains.set(e, chain);
    while (chain.length <= i) chain.push(split(chain.at(-1)!, 0x01)[1]);
    return chain[i]!;
  };
  const mk = (e: number, i: number) => split(ck(e, i), 0x01)[0];
  /** The 64 bytes of the chain step at (e, i) and of the epoch step of e, as derived. */
  const chainStep = (e: number, i: number) => hmac512(ck(e, i), Uint8Array.of(0x01));
  const epochStep = (e: number) => hmac512(ek(e), Uint8Array.of(0x03));
  return { ek, ck, mk, split, chainStep, epochStep, epochZero: () => epochKeys[0]! };
}

/** Opens a channel frame with raw node:crypto under `key`, as the README says; undefined if refused. */
export function rawOpen(frame: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  const { header, extensions } = decodeFrameV1(frame);
  const nonce = new Uint8Array(12);
  const epoch = extensions.keyEpoch ?? 0;
  nonce.set([epoch & 0xff, epoch >> 8], 4);
  nonce.set([header.seq & 0xff, header.seq >> 8, header.packetClass], 8);
  const n = frame.length - 41 - 16;
  try {
    const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    d.setAAD(frame.subarray(0, 41), { plaintextLength: n });
    d.setAuthTag(frame.subarray(41 + n));
    const out = d.update(frame.subarray(41, 41 + n));
    d.final();
    return new Uint8Array(out);
  } catch {
    return undefined;
  }
}
