import { EventKind, type EventEnvelope, type MutationOp } from '@elara/core';

function copyMutation(m: MutationOp): MutationOp {
  switch (m.type) {
    case 'set':
    case 'append':
    case 'merge':
      return { type: m.type, data: m.data.slice() };
    case 'blend':
      return { type: 'blend', value: m.value.slice(), weight: m.weight };
    default:
      return m;
  }
}

/**
 * A copy of an envelope that owns its bytes (decoded envelopes are views into a datagram,
 * valid only during the callback): what the quarantine keeps.
 */
export function copyEnvelope(envelope: EventEnvelope): EventEnvelope {
  const mutation = copyMutation(envelope.mutation);
  if (envelope.kind === EventKind.Ephemeral) return { ...envelope, mutation };
  return {
    ...envelope,
    mutation,
    dependencies: envelope.dependencies.map((d) => ({ author: d.author, seq: d.seq })),
    signature: envelope.signature.slice(),
  };
}

/** The length of the value a mutation carries (what `maxValueBytes` bounds). */
export function mutationValueLength(m: MutationOp): number {
  switch (m.type) {
    case 'set':
    case 'append':
    case 'merge':
      return m.data.length;
    case 'blend':
      return m.value.length;
    default:
      return 0;
  }
}
