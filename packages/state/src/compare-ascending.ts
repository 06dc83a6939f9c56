/**
 * Ascending order of two bigints (node and state ids) or strings, for `Array.prototype.sort`:
 * canonical snapshots list ids in this order.
 *
 * @example
 * [...ids].sort(compareAscending);
 */
export function compareAscending<T extends bigint | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
