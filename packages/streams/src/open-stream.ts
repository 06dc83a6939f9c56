import type { StateId } from '@elara/core';
import type { AtomChange, StateField } from '@elara/state';
import type { LocalWriter } from './local-writer.ts';
import type { StreamKind } from './stream-atoms.ts';
import type { StreamKey } from './stream-key.ts';

/**
 * What the registry holds for each open stream, whatever its kind: the registry hands it the
 * field's changes of its atom and closes it. Voice, visual and feed streams implement the same.
 */
export interface OpenStream {
  readonly kind: StreamKind;
  readonly key: StreamKey;
  /** The atom it projects. */
  readonly atom: StateId;
  /** One change of {@link atom}, in the field's order. */
  handle(change: AtomChange): void;
  /**
   * Completes its observables and calls its deps' `onClose` (the registry forgets it); later
   * writes throw `ClosedError`. Idempotent.
   */
  close(): void;
}

/** What the registry builds every stream from: the field, the shared writer, its options. */
export interface StreamDeps<O> {
  readonly field: StateField;
  readonly writer: LocalWriter;
  readonly options: O;
  readonly key: StreamKey;
  readonly atom: StateId;
  /**
   * Called once by the stream's `close()`: the registry lets go of it (it no longer counts
   * towards `maxStreams`, and opening the same key again gives a new stream).
   */
  readonly onClose: () => void;
}
