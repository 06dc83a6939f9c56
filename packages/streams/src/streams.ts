import { type EventSigner, type StateId, ClosedError } from '@elara/core';
import { type AtomChange, LocalEvents, type LocalLog, type StateField } from '@elara/state';
import type { TimeView } from '@elara/time';
import type { Observable } from 'rxjs';
import { LocalWriter, type OutgoingEvent } from './local-writer.ts';
import type { OpenStream, StreamDeps } from './open-stream.ts';
import { PresenceStream } from './presence/presence-stream.ts';
import { StreamKind, streamAtomId, streamAtomSpec } from './stream-atoms.ts';
import { StreamOptionsError, TooManyStreamsError } from './stream-errors.ts';
import type { StreamKey } from './stream-key.ts';
import { type StreamOptions, type StreamOptionsInput, streamOptions } from './stream-options.ts';
import { TextStream } from './text/text-stream.ts';
import { TypingStream } from './typing/typing-stream.ts';

/**
 * What a {@link Streams} registry is built from; the runtime composes it per session. Local
 * events are written through state's `LocalEvents`: the session's own (`local`, which the
 * runtime builds with the local log and the membership log), or one built here from `signer`
 * and an optional `localLog`.
 */
export type StreamsConfig = StreamsBase &
  (
    | { readonly local: LocalEvents }
    | {
        /** Signs this node's durable events (text), from its identity. */
        readonly signer: EventSigner;
        /** State's bounded log of local events; without it nothing is kept for repair. */
        readonly localLog?: LocalLog;
      }
  );

/** The part of {@link StreamsConfig} every registry has. */
export interface StreamsBase {
  /** The session's state field (streams project its atoms and write through it). */
  readonly field: StateField;
  /** The field's τs (the same view the field was given): stamps local events. */
  readonly time: TimeView;
  /** Limits and atom parameters; every replica of a session must use the same. */
  readonly options?: StreamOptionsInput;
}

/** One open stream, as {@link Streams.list} reports it. */
export interface StreamInfo {
  readonly kind: StreamKind;
  readonly key: StreamKey;
  readonly atom: StateId;
}

/**
 * The streams of one session: a registry keyed by kind and stream key (text, presence and
 * typing today; voice, visual and feeds later, beside them), all projections of one state
 * field. It consumes the field's change feed (one listener, dispatched by atom), shares one
 * {@link LocalWriter} among its streams (so numbering never repeats) and emits every local
 * event on {@link outgoing$} for the runtime to send.
 *
 * Streams own no timers: presence and typing expire by the field's `expire(now)`, which the
 * runtime (or a test's virtual clock) calls.
 *
 * Opening a stream declares its atom in the field when the field does not hold it yet; open
 * the same streams on every replica, or give the field {@link streamAtomResolver} so that
 * events of streams not opened yet are accepted too.
 *
 * @example
 * const streams = new Streams({ field, time, signer });
 * streams.outgoing$.subscribe(({ envelope, bytes }) => runtime.send(envelope, bytes));
 * streams.text('general').send('hello');
 * streams.presence().join();
 * streams.close();
 */
export class Streams {
  readonly options: StreamOptions;
  /**
   * Every local event with its encoded bytes, after it was applied to the field (hot:
   * subscribe before writing). Completes on {@link close}.
   */
  readonly outgoing$: Observable<OutgoingEvent>;
  private readonly field: StateField;
  private readonly writer: LocalWriter;
  private readonly open = new Map<StateId, OpenStream>();
  private readonly stopListening: () => void;
  private closed = false;

  /** Options out of range are a {@link StreamOptionsError}. */
  constructor(config: StreamsConfig) {
    this.options = streamOptions(config.options);
    this.field = config.field;
    const time = config.time;
    const local =
      'local' in config
        ? config.local
        : new LocalEvents({
            field: config.field,
            signer: config.signer,
            now: () => time.stampEvent?.() ?? time.now(),
            ...(config.localLog === undefined ? {} : { log: config.localLog }),
          });
    this.writer = new LocalWriter(local, time, config.field);
    this.outgoing$ = this.writer.outgoing$;
    this.stopListening = config.field.onChange((c) => this.dispatch(c));
  }

  /** The text stream `key` (the same object on every call). */
  text(key: StreamKey): TextStream {
    return this.stream(StreamKind.Text, key, this.options.text, (d) => new TextStream(d));
  }

  /** Presence: session-wide by default (key 0), or scoped to a stream key. */
  presence(key: StreamKey = 0): PresenceStream {
    const options = this.options.presence;
    return this.stream(StreamKind.Presence, key, options, (d) => new PresenceStream(d));
  }

  /** Typing indicators of stream `key`. */
  typing(key: StreamKey): TypingStream {
    return this.stream(StreamKind.Typing, key, this.options.typing, (d) => new TypingStream(d));
  }

  /** The open streams (a stream closed on its own is no longer listed). */
  list(): StreamInfo[] {
    return [...this.open.values()].map(({ kind, key, atom }) => ({ kind, key, atom }));
  }

  /**
   * Stops following the field, completes every stream's observables and {@link outgoing$},
   * and lets go of every stream; later writes and opens throw `ClosedError`. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    const streams = [...this.open.values()];
    this.open.clear();
    for (const s of streams) s.close();
    this.writer.close();
  }

  private stream<S extends OpenStream, O>(
    kind: StreamKind,
    key: StreamKey,
    options: O,
    make: (deps: StreamDeps<O>) => S,
  ): S {
    if (this.closed) throw new ClosedError('streams are closed');
    const atom = streamAtomId(kind, key);
    const existing = this.open.get(atom);
    if (existing !== undefined) return existing as S;
    if (this.open.size >= this.options.maxStreams) {
      throw new TooManyStreamsError(this.options.maxStreams);
    }
    const spec = streamAtomSpec(kind, this.options);
    const held = this.field.atom(atom);
    if (held === undefined) this.field.define(atom, spec);
    else if (held.spec.law.kind !== spec.law.kind || held.spec.stateType !== spec.stateType) {
      throw new StreamOptionsError(
        `atom ${atom} is held with another spec than a ${kind} stream's`,
      );
    }
    const onClose = (): void => {
      if (this.open.get(atom) === s) this.open.delete(atom);
    };
    const s = make({ field: this.field, writer: this.writer, options, key, atom, onClose });
    this.open.set(atom, s);
    return s;
  }

  private dispatch(change: AtomChange): void {
    this.open.get(change.atom)?.handle(change);
  }
}
