/**
 * Where a state time falls relative to the reality window (PROTOCOL.md §3), in the order the
 * reference tests them: before `τs − Hc` is too late, before τs correctable, up to 5 ms after τs
 * current, up to `τs + Hp` predictable, beyond that too early.
 */
export const TimePosition = {
  TooLate: 0,
  Correctable: 1,
  Current: 2,
  Predictable: 3,
  TooEarly: 4,
} as const;
export type TimePosition = (typeof TimePosition)[keyof typeof TimePosition];

const NAMES = ['TooLate', 'Correctable', 'Current', 'Predictable', 'TooEarly'] as const;

/**
 * The name of a position, as the reference's vectors spell it.
 *
 * @example
 * timePositionName(TimePosition.Current); // 'Current'
 */
export function timePositionName(position: TimePosition): (typeof NAMES)[number] {
  return NAMES[position];
}
