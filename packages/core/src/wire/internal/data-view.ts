/**
 * A DataView over the whole ArrayBuffer behind `bytes`, reused while callers keep passing views
 * of the same buffer (the usual case: one receive buffer, one send buffer). Building a DataView
 * per packet costs more than the field arithmetic (LIMITS.md), so the hot codecs address the
 * buffer as `bytes.byteOffset + offset` through this cached view instead.
 *
 * The cache holds one buffer at a time; it only ever affects speed, never results.
 */
let cachedBuffer: ArrayBufferLike | undefined;
let cachedView: DataView = new DataView(new ArrayBuffer(0));

export function viewOf(bytes: Uint8Array): DataView {
  const buffer = bytes.buffer;
  if (buffer !== cachedBuffer) {
    cachedView = new DataView(buffer);
    cachedBuffer = buffer;
  }
  return cachedView;
}
