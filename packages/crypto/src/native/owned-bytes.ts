/**
 * A plain `Uint8Array` over a Buffer that node:crypto returned. Those Buffers own their whole
 * ArrayBuffer, so a view costs nothing and hides Buffer's different `slice` semantics from
 * callers; a Buffer carved from Node's shared pool is copied instead, so callers never hold a
 * view of other data.
 */
export function ownedBytes(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength) {
    return new Uint8Array(buf.buffer, 0, buf.byteLength);
  }
  return Uint8Array.prototype.slice.call(buf);
}
