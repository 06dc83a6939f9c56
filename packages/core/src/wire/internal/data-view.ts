/**
 * A DataView over exactly `bytes`, reused while callers keep passing the same Uint8Array (the
 * usual hot-path case: one send buffer, one receive buffer). Building a DataView per packet
 * costs more than the field arithmetic (LIMITS.md), and so does reading `bytes.buffer`, so the
 * cache is keyed on the array itself; offsets are relative to `bytes`.
 *
 * One entry is cached at a time; it only ever affects speed, never results. Decoders read
 * through {@link windowOf}, which uses this view on a hit and builds one only for an array
 * that comes back.
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

// Where windowOf copies fields on a cache miss: enough for the largest caller (an envelope's
// four dependencies, 48 bytes; its common fields and count take 31, a header 30).
const WINDOW_SIZE = 64;
const windowBytes = new Uint8Array(WINDOW_SIZE);
const windowView = new DataView(windowBytes.buffer);

/** The array of the latest miss, to notice a caller that keeps passing the same one. */
let lastMiss: Uint8Array | undefined;

/**
 * A DataView whose byte 0 is `bytes[offset]`, for reading up to `n` (≤ 64) bytes of fields.
 * When `bytes` is the cached array (or misses twice in a row, so the caller evidently reuses
 * it) and `offset` is 0 it is that array's cached view; otherwise the `n` bytes are copied into
 * a scratch buffer with its own view. A receiver gets a new array per datagram (and per
 * envelope of a batch), where building a DataView per call costs more than the fields, and
 * copying 30 bytes costs far less (the bench's fresh-array rows measure it).
 *
 * The scratch view is valid until the next call: read every field before calling another
 * decoder. Callers check bounds first (a byte past the input would read as 0).
 */
export function windowOf(bytes: Uint8Array, offset: number, n: number): DataView {
  const cached = bytes === cachedBytes && bytes.length === cachedLength;
  if (!cached && bytes === lastMiss) return offset === 0 ? viewOf(bytes) : copied(bytes, offset, n);
  if (cached && offset === 0) return cachedView;
  if (!cached) lastMiss = bytes;
  return copied(bytes, offset, n);
}

function copied(bytes: Uint8Array, offset: number, n: number): DataView {
  for (let i = 0; i < n; i++) windowBytes[i] = bytes[offset + i] as number;
  return windowView;
}
