// Symbol.for, not Symbol: the registry is shared by every copy of core in one realm, so a
// second install reads and writes the same key (test/errors.test.ts loads a separate copy).
const ERROR_CODES = Symbol.for('@elara/core/error-codes');

/**
 * The base of every named error in Elara.
 *
 * Packages are versioned independently, so an application may load two copies of
 * `@elara/core`; `instanceof` then fails across copies. Each error therefore carries the codes
 * of its class chain under a `Symbol.for` key, and `SomeError.isInstance(e)` checks that code,
 * so recognition works across duplicate installs.
 */
export class ElaraError extends Error {
  /** The stable name of this error class; subclasses override it. */
  static readonly code: string = 'ElaraError';

  /** The stable name of the error's class, e.g. `BufferTooShortError`. */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const codes: string[] = [];
    for (
      let c: unknown = new.target;
      c !== Function.prototype && c !== null;
      c = Object.getPrototypeOf(c)
    ) {
      const code = (c as { code?: unknown }).code;
      if (typeof code === 'string') codes.push(code);
      if (c === ElaraError) break;
    }
    this.code = new.target.code;
    this.name = new.target.code;
    Object.defineProperty(this, ERROR_CODES, { value: codes, enumerable: false });
  }

  /**
   * True when `value` is an error of this class (or a subclass), from any copy of core.
   *
   * @example
   * if (BufferTooShortError.isInstance(err)) retryWithMoreBytes();
   */
  static isInstance(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const codes = (value as { [ERROR_CODES]?: unknown })[ERROR_CODES];
    return Array.isArray(codes) && codes.includes(this.code);
  }
}

/** A value is outside the range its type or the wire allows. */
export class OutOfRangeError extends ElaraError {
  static override readonly code: string = 'OutOfRangeError';
}

/** A string or number could not be parsed into the requested value. */
export class ParseError extends ElaraError {
  static override readonly code: string = 'ParseError';
}

/** An operation was called on something already closed or disposed. */
export class ClosedError extends ElaraError {
  static override readonly code: string = 'ClosedError';
}
