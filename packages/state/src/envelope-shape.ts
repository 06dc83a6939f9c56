import {
  type EventEnvelope,
  EventKind,
  eventTypeFromByte,
  MAX_DEPENDENCIES,
  MAX_EVENT_SEQ,
  MAX_MUTATION_DATA,
  U64_MAX,
} from '@elara/core';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function isU64(v: unknown): boolean {
  return typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
}

function isNumber(v: unknown, min: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_EVENT_SEQ;
}

function isData(v: unknown): boolean {
  return v instanceof Uint8Array && v.length <= MAX_MUTATION_DATA;
}

function isMutation(m: unknown): boolean {
  if (typeof m !== 'object' || m === null) return false;
  const op = m as { type?: unknown; data?: unknown; delta?: unknown; value?: unknown };
  switch (op.type) {
    case 'set':
    case 'append':
    case 'merge':
      return isData(op.data);
    case 'increment':
      return typeof op.delta === 'bigint' && op.delta >= I64_MIN && op.delta <= I64_MAX;
    case 'delete':
      return true;
    case 'blend':
      return isData(op.value) && typeof (m as { weight?: unknown }).weight === 'number';
    default:
      return false;
  }
}

/**
 * True when a decoded envelope given as a value (`StateField.receive`) has the shape and
 * ranges the v1 codec guarantees for decoded bytes: its kind, u64 ids, a seq 1..2^32−1 or a
 * counter 0..2^32−1, a safe-integer τs, a known event type, at most 4 well-formed dependencies,
 * a byte signature, and a mutation whose data fit a u16 length. A cheap check, so an object
 * from elsewhere is refused as `Malformed` instead of throwing deep in the field. (The wire's
 * dependency rules are left to the causality stage, which names them.)
 */
export function isWellFormedEnvelope(envelope: EventEnvelope): boolean {
  const e = envelope as unknown as Record<string, unknown>;
  if (typeof e !== 'object' || e === null) return false;
  if (!isU64(e.author) || !isU64(e.target)) return false;
  if (typeof e.time !== 'number' || !Number.isSafeInteger(e.time)) return false;
  if (typeof e.eventType !== 'number' || eventTypeFromByte(e.eventType) === undefined) {
    return false;
  }
  if (!isMutation(e.mutation)) return false;
  if (e.kind === EventKind.Ephemeral) return isNumber(e.counter, 0);
  if (e.kind !== EventKind.Durable || !isNumber(e.seq, 1)) return false;
  if (!(e.signature instanceof Uint8Array)) return false;
  const deps = e.dependencies;
  if (!Array.isArray(deps) || deps.length > MAX_DEPENDENCIES) return false;
  for (const d of deps as unknown[]) {
    if (typeof d !== 'object' || d === null) return false;
    const { author, seq } = d as { author?: unknown; seq?: unknown };
    if (!isU64(author) || !isNumber(seq, 1)) return false;
  }
  return true;
}
