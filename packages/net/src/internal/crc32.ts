// CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected), what STUN's FINGERPRINT uses (RFC 8489
// §14.7). Written here rather than taken from node:zlib so the STUN codec stays portable.
const TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `data[start, end)`; pass a previous result as `crc` to continue over more bytes. */
export function crc32(data: Uint8Array, start = 0, end = data.byteLength, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++)
    c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
