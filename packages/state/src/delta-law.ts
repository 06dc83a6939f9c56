/** The names of the delta laws (the `kind` of a {@link DeltaLaw}). */
export const LawKind = {
  Lww: 'lww',
  AppendLog: 'append-log',
  AddWinsSet: 'add-wins-set',
  RemoveWinsSet: 'remove-wins-set',
  PnCounter: 'pn-counter',
  Ephemeral: 'ephemeral',
  Frames: 'frames',
} as const;
export type LawKind = (typeof LawKind)[keyof typeof LawKind];

/**
 * How an atom merges the events it receives: every law is a CRDT (the result depends on the
 * set of events, not their order), except that bounds and ephemeral expiry depend on time.
 *
 * - `lww`: last-writer-wins register; `set` / `delete`, ordered by (effective τs, author, number).
 * - `append-log` (Core atoms): append-only log of `append`s in one order on every replica,
 *   keeping each author's order; beyond `maxEntries` entries or `maxBytes` bytes the oldest are
 *   dropped (the same ones everywhere).
 * - `add-wins-set` / `remove-wins-set`: observed-remove sets of byte strings (`SetOp` payloads);
 *   a concurrent add and remove of one element resolve to present / absent. At most
 *   `maxElements` elements, and `maxWriters` live (unobserved) operations per element, one per
 *   author at most.
 * - `pn-counter`: the sum of every `increment` (an i64 delta, positive or negative).
 * - `ephemeral`: one entry per author (`set` / `delete`), gone `ttlUs` after its τs
 *   (`StateField.expire`): presence and typing.
 * - `frames` (non-Core atoms): continuous media; one value per frame index `⌊τs / frameUs⌋`, last writer wins
 *   per frame, the newest `maxFrames` frames kept; `blend` keeps its weight for projections.
 *
 * @example
 * const chat = DeltaLaw.appendLog(); // { kind: 'append-log', maxEntries: 100_000, maxBytes: 64 MiB }
 * const typing = DeltaLaw.ephemeral(5_000_000); // 5 s TTL
 */
export type DeltaLaw =
  | { readonly kind: typeof LawKind.Lww }
  | {
      readonly kind: typeof LawKind.AppendLog;
      readonly maxEntries: number;
      readonly maxBytes: number;
    }
  | {
      readonly kind: typeof LawKind.AddWinsSet;
      readonly maxElements: number;
      readonly maxWriters: number;
    }
  | {
      readonly kind: typeof LawKind.RemoveWinsSet;
      readonly maxElements: number;
      readonly maxWriters: number;
    }
  | { readonly kind: typeof LawKind.PnCounter }
  | { readonly kind: typeof LawKind.Ephemeral; readonly ttlUs: number }
  | { readonly kind: typeof LawKind.Frames; readonly frameUs: number; readonly maxFrames: number };

/** Default bound of an append log, entries. */
export const DEFAULT_LOG_ENTRIES = 100_000;
/** Default byte bound of an append log (its entries' data). */
export const DEFAULT_LOG_BYTES = 64 * 1024 * 1024;
/** Largest byte bound of an append log. */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;
/** Default bound of a set's elements (and, apart, of each kind of its pending retirements). */
export const DEFAULT_SET_ELEMENTS = 10_000;
/**
 * Default bound of a set's live operations per element: authors whose latest operation on the
 * element no other operation observed (concurrent writers, or plain appends of one element).
 */
export const DEFAULT_SET_WRITERS = 1_024;
/** Default number of frames a frame-based atom keeps. */
export const DEFAULT_FRAMES = 64;

/** Builders of {@link DeltaLaw} values with the default bounds. */
export const DeltaLaw = {
  lww: (): DeltaLaw => ({ kind: LawKind.Lww }),
  appendLog: (maxEntries = DEFAULT_LOG_ENTRIES, maxBytes = DEFAULT_LOG_BYTES): DeltaLaw => ({
    kind: LawKind.AppendLog,
    maxEntries,
    maxBytes,
  }),
  addWinsSet: (maxElements = DEFAULT_SET_ELEMENTS, maxWriters = DEFAULT_SET_WRITERS): DeltaLaw => ({
    kind: LawKind.AddWinsSet,
    maxElements,
    maxWriters,
  }),
  removeWinsSet: (
    maxElements = DEFAULT_SET_ELEMENTS,
    maxWriters = DEFAULT_SET_WRITERS,
  ): DeltaLaw => ({
    kind: LawKind.RemoveWinsSet,
    maxElements,
    maxWriters,
  }),
  pnCounter: (): DeltaLaw => ({ kind: LawKind.PnCounter }),
  ephemeral: (ttlUs: number): DeltaLaw => ({ kind: LawKind.Ephemeral, ttlUs }),
  frames: (frameUs: number, maxFrames = DEFAULT_FRAMES): DeltaLaw => ({
    kind: LawKind.Frames,
    frameUs,
    maxFrames,
  }),
} as const;

/** Why a law's parameters are unusable, or undefined when they are fine. */
export function deltaLawProblem(law: DeltaLaw): string | undefined {
  const positive = (n: number, max = Number.MAX_SAFE_INTEGER): boolean =>
    Number.isSafeInteger(n) && n >= 1 && n <= max;
  switch (law.kind) {
    case LawKind.Lww:
    case LawKind.PnCounter:
      return undefined;
    case LawKind.AppendLog:
      if (!positive(law.maxEntries, 0x3fff_ffff)) return 'maxEntries must be 1..2^30-1';
      return positive(law.maxBytes, MAX_LOG_BYTES) ? undefined : 'maxBytes must be 1..2^28';
    case LawKind.AddWinsSet:
    case LawKind.RemoveWinsSet:
      if (!positive(law.maxElements)) return 'maxElements must be a positive integer';
      return positive(law.maxWriters) ? undefined : 'maxWriters must be a positive integer';
    case LawKind.Ephemeral:
      return positive(law.ttlUs) ? undefined : 'ttlUs must be a positive integer';
    case LawKind.Frames:
      if (!positive(law.frameUs)) return 'frameUs must be a positive integer';
      return positive(law.maxFrames, 1 << 20) ? undefined : 'maxFrames must be 1..2^20';
    default:
      return `unknown law ${String((law as { kind: unknown }).kind)}`;
  }
}
