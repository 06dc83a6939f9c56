/**
 * A DataView over exactly `bytes`, reused while callers keep passing the same Uint8Array (the
 * usual hot-path case: one send buffer, one receive buffer). Building a DataView per packet
 * costs more than the field arithmetic (LIMITS.md), and so does reading `bytes.buffer`, so the
 * cache is keyed on the array itself; offsets are relative to `bytes`.
 *
 * One entry is cached at a time; it only ever affects speed, never results.
 */
let cachedBytes: Uint8Array | undefined;
let cachedLength = -1;
let cachedView: DataView = new DataView(new ArrayBuffer(0));

export function viewOf(bytes: Uint8Array): DataView {
  // The length check also catches a resizable buffer that changed size under the same array.
  if (bytes !== cachedBytes || bytes.length !== cachedLength) {
    cachedView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    cachedBytes = bytes;
    cachedLength = bytes.length;
  }
  return cachedView;
}
