/**
 * A plain `Uint8Array` copy of `bytes`. Not `copyBytes(bytes)`: on a Node `Buffer` that is a view
 * of the caller's memory (Buffer overrides `slice` as `subarray`), so a "copy" would change when
 * the caller reuses or wipes its buffer. `new Uint8Array(x)` always copies and never returns a
 * Buffer subclass.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
