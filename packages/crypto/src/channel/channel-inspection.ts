/**
 * Test-only access to a channel's key material (never re-exported by an entry point): the
 * forward-secrecy tests take a snapshot of everything a channel holds and show that no frame
 * it already opened can be opened again from it.
 */
export const channelKeyMaterial: unique symbol = Symbol('elara.channel.keyMaterial');

/** Copies of every key a channel holds, per class (index = class byte). */
export interface ChannelKeyMaterial {
  /** Per class: the chain key of the next frame, then the next epoch's key. */
  readonly send: readonly (readonly Uint8Array[])[];
  /**
   * Per class, the receiver's committed keys: per kept epoch its head chain key and cached
   * skipped keys. Only an authenticated frame changes them.
   */
  readonly receive: readonly (readonly Uint8Array[])[];
  /**
   * Per class, the receiver's derivation cache: the next epoch key to derive, the chains of
   * epochs ahead, and each chain's frontier, checkpoints and last derived position; all of it
   * derivable from the committed keys (forged frames may make it grow).
   */
  readonly cache: readonly (readonly Uint8Array[])[];
  /**
   * Per class: the buffers keys are derived into and used from (the sender's message key, the
   * receiver's derivation scratch), which hold no key between frames.
   */
  readonly scratch: readonly (readonly Uint8Array[])[];
  /** Per class: every buffer a key can be in, held or not (all zero once closed). */
  readonly buffers: readonly (readonly Uint8Array[])[];
}
